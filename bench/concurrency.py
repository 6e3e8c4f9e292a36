"""Concurrency: 50 simultaneous gradio_client sessions against ``k2chat serve``, 5 questions each.

The server is a real ``k2chat serve`` subprocess on a free loopback port, on the benchmarks'
index. Every client starts its own conversation with a distinct first question and goes on with
follow-ups ("And for MK-4?", "Is that safe?") whose answers depend on that conversation's
earlier turns. Each answer is compared with what ``k2chat.Chat`` gives locally for the same
turns, so an answer that leaked in from another session is caught. Reference, same run: the
same server answering one request at a time. Targets: no errors, no mixed conversations,
p95 <= 1 s.

    .venv/bin/python bench/concurrency.py [--clients 50] [--questions 5] [--json out.json]
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from _common import (
    CACHE,
    EVAL_FILE,
    PY,
    Row,
    arg,
    child_env,
    emit,
    ensure_index,
    free_port,
    ms,
    percentile,
    secs,
    settings,
    stop_process,
    table,
    wait_until_serving,
)

FOLLOWUPS = (
    "And for MK-4?",
    "Is that safe?",
    "How long does it take to work?",
    "What about with warfarin?",
    "Who should avoid it?",
    "Any side effects?",
    "What dose is that?",
)


@dataclass
class Session:
    questions: list[str]
    expected: list[str]
    latencies: list[float] = field(default_factory=list)
    bodies: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def start_server(port: int) -> tuple[subprocess.Popen[bytes], float]:
    log = CACHE / "concurrency-serve.log"
    env = child_env(K2CHAT_FEEDBACK_PATH=str(CACHE / "concurrency-feedback.jsonl"))
    started = time.perf_counter()
    with open(log, "wb") as out:  # the child keeps its own handle
        proc = subprocess.Popen([PY, "-m", "k2chat", "serve", "--port", str(port)], env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_serving(f"http://127.0.0.1:{port}/", proc, timeout=180)
    except SystemExit as exc:
        stop_process(proc)
        raise SystemExit(f"k2chat serve: {exc} (see {log})") from None
    return proc, time.perf_counter() - started


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def body_of(result: Any) -> str:
    first = result[0]["content"] if result else ""
    return first if isinstance(first, str) else str(first)


def conversations(clients: int, per_client: int) -> list[Session]:
    """Distinct first questions from the evaluation set, each followed by rotating follow-ups;
    the expected answers are what the UI's own logic gives (Chat with the earlier questions)."""
    from k2chat.chat import Chat
    from k2chat.evaluate import load_cases

    s = settings()
    firsts = [c.question for c in load_cases(EVAL_FILE) if not c.refuse and not c.history]
    step = max(1, len(firsts) // clients)
    firsts = firsts[::step][:clients]
    if len(set(firsts)) < clients:
        raise SystemExit(f"only {len(set(firsts))} distinct first questions for {clients}")
    sessions = []
    for i, first in enumerate(firsts):
        questions = [first] + [FOLLOWUPS[(i + j) % len(FOLLOWUPS)] for j in range(per_client - 1)]
        expected = [Chat(s, history=questions[:t]).ask(q).body_markdown()
                    for t, q in enumerate(questions)]
        sessions.append(Session(questions, expected))
    return sessions


def run_session(client: Any, session: Session, barrier: threading.Barrier) -> None:
    barrier.wait()
    for question in session.questions:
        started = time.perf_counter()
        try:
            result = client.predict(question, api_name="/ask")
            session.bodies.append(body_of(result))
        except Exception as exc:  # every failure is counted and reported
            session.errors.append(f"{type(exc).__name__}: {exc}")
            session.bodies.append("")
        session.latencies.append(time.perf_counter() - started)


def main() -> None:
    n_clients = arg("clients", 50)
    per_client = arg("questions", 5)
    ensure_index()
    from gradio_client import Client

    sessions = conversations(n_clients, per_client)
    port = free_port()
    proc, start_s = start_server(port)
    url = f"http://127.0.0.1:{port}/"
    try:
        solo = Client(url, verbose=False)
        sequential = []
        for session in sessions[:5]:
            for question in session.questions[:2]:
                started = time.perf_counter()
                solo.predict(question, api_name="/ask")
                sequential.append(time.perf_counter() - started)

        print(f"(connecting {n_clients} clients ...)", file=sys.stderr, flush=True)
        clients: list[Any] = [None] * n_clients

        def connect(i: int) -> None:
            clients[i] = Client(url, verbose=False)

        connectors = [threading.Thread(target=connect, args=(i,)) for i in range(n_clients)]
        for t in connectors:
            t.start()
        for t in connectors:
            t.join()
        barrier = threading.Barrier(n_clients + 1)
        threads = [threading.Thread(target=run_session, args=(c, s, barrier))
                   for c, s in zip(clients, sessions, strict=True)]
        for t in threads:
            t.start()
        server_cpu, client_cpu = cpu_seconds(proc.pid), time.process_time()
        barrier.wait()
        started = time.perf_counter()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        server_cpu = cpu_seconds(proc.pid) - server_cpu
        client_cpu = time.process_time() - client_cpu
    finally:
        stop_process(proc)

    latencies = [x for s in sessions for x in s.latencies]
    errors = [e for s in sessions for e in s.errors]
    own = sum(1 for s in sessions for got, want in zip(s.bodies, s.expected, strict=True)
              if got == want)
    total = sum(len(s.questions) for s in sessions)
    mixed = []
    for i, s in enumerate(sessions):
        for t, (got, want) in enumerate(zip(s.bodies, s.expected, strict=True)):
            if got and got != want:
                others = [j for j, o in enumerate(sessions) if j != i and got in o.expected]
                mixed.append(f"client {i} turn {t + 1} ({s.questions[t]!r})"
                             + (f" got client {others[0]}'s answer" if others else " differs"))
    followups_distinct = len({b for s in sessions for b in s.expected[1:]})
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    print(f"\n{n_clients} clients x {per_client} questions = {total} requests in {secs(wall)} "
          f"({total / wall:.1f} requests/s); server start {secs(start_s)}")
    print(table(["", "p50", "p95", "max"], [
        ("concurrent", ms(p50), ms(p95), ms(max(latencies))),
        ("one at a time (reference)", ms(percentile(sequential, 50)),
         ms(percentile(sequential, 95)), ms(max(sequential))),
    ]))
    print(f"CPU per request: server {ms(server_cpu / total)}, these {n_clients} gradio_client "
          f"sessions {ms(client_cpu / total)} (same {os.cpu_count()} CPUs)")
    cores = os.cpu_count() or 1
    floor = n_clients * (client_cpu / total) / cores
    print(f"floor set by the clients alone: {n_clients} requests in flight x "
          f"{ms(client_cpu / total)} of client CPU / {cores} CPUs = {ms(floor)} per round of "
          "requests, whatever the server does")
    print(f"answers equal to the local Chat's for the same conversation: {own}/{total}; "
          f"{followups_distinct} distinct expected follow-up answers")
    for line in (errors[:5] + mixed[:10]):
        print("  ", line)
    rows = [
        Row("concurrency", f"{n_clients} gradio_client sessions x {per_client}: errors",
            str(len(errors)), "", "0", not errors),
        Row("concurrency", "conversations mixed (answer differs from its own session's)",
            str(len(mixed)), f"{own}/{total} answers as expected", "0", not mixed),
        Row("concurrency", "per-request latency p50 / p95", f"{ms(p50)} / {ms(p95)}",
            f"one at a time: {ms(percentile(sequential, 50))} / "
            f"{ms(percentile(sequential, 95))}", "p95 <= 1 s", p95 <= 1.0),
        Row("concurrency", "throughput", f"{total / wall:.1f} requests/s"),
        Row("concurrency", "latency floor from the clients' own CPU (same machine)",
            ms(floor), f"server CPU per request {ms(server_cpu / total)}"),
    ]
    emit(rows)


if __name__ == "__main__":
    main()

"""Concurrency: 50 simultaneous gradio_client sessions against ``k2chat serve``, 5 questions each.

The server is a real ``k2chat serve`` subprocess on a free loopback port, on the benchmarks'
index. Every client starts its own conversation with a distinct first question and goes on with
follow-ups ("And for MK-4?", "Is that safe?") whose answers depend on that conversation's
earlier turns. Each answer is compared with what ``k2chat.Chat`` gives locally for the same
turns, so an answer that leaked in from another session is caught.

Reference, same run: the same 50 sessions (same questions, same client code) against
bench/bare_chat.py, a bare Gradio chat app with the same launch settings that answers at once
with a fixed text; the clients share the CPU with the server, so only a ratio measured in one
run means anything. The two take turns for ``--rounds`` rounds (3), each on a freshly started
server, and the figures pool the rounds: one app's CPU per request alone moved 13-24 ms between
runs of this script on the same machine (2026-12-02/03), too much for one round each.
Targets: no errors, no mixed conversations, k2chat's p95 <= 1.3x the bare app's, and server
CPU per request (process CPU time delta / requests, from /proc) <= 2x the bare app's. The
server threads that used the most CPU are listed for each.

    .venv/bin/python bench/concurrency.py [--clients 50] [--questions 5] [--rounds 3]
        [--json out.json]
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
    REPO,
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
    if isinstance(result, str):  # the bare app answers with one text
        return result
    first = result[0]["content"] if result else ""
    return first if isinstance(first, str) else str(first)


def conversations(clients: int, per_client: int) -> list[Session]:
    """Distinct first questions from the evaluation set, each followed by rotating follow-ups;
    the expected answers are what one local Chat gives, asked the same questions in turn."""
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
        chat = Chat(s)  # asked in turn, as the server's conversation is: an earlier answer's
        # quotes are not repeated and a refusal is not a turn, so history= would differ
        expected = [chat.ask(q).body_markdown() for q in questions]
        sessions.append(Session(questions, expected))
    return sessions


def run_session(client: Any, session: Session, barrier: threading.Barrier) -> None:
    barrier.wait()
    conversation: str | None = None  # k2chat's /ask returns it; the bare app has none
    for question in session.questions:
        started = time.perf_counter()
        try:
            if conversation is None:
                result = client.predict(question, api_name="/ask")
            else:
                result = client.predict(question, conversation, api_name="/ask")
            if isinstance(result, tuple):  # k2chat: (messages, conversation)
                result, conversation = result
            session.bodies.append(body_of(result))
        except Exception as exc:  # every failure is counted and reported
            session.errors.append(f"{type(exc).__name__}: {exc}")
            session.bodies.append("")
        session.latencies.append(time.perf_counter() - started)


P95_RATIO_TARGET = 1.3  # issue 13: k2chat's p95 <= 1.3x the bare app's, same run
CPU_RATIO_TARGET = 2.0  # issue 13: server CPU per request <= 2x the bare app's, same run


def start_bare(port: int) -> subprocess.Popen[bytes]:
    log = CACHE / "concurrency-bare.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([PY, str(REPO / "bench" / "bare_chat.py"), "--port", str(port)],
                                env=child_env(), stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_serving(f"http://127.0.0.1:{port}/", proc, timeout=180)
    except SystemExit as exc:
        stop_process(proc)
        raise SystemExit(f"bench/bare_chat.py: {exc} (see {log})") from None
    return proc


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds per thread of a process so far (/proc/<pid>/task/*/stat), keyed
    "name/tid" (Python's threads are all named "python"; the tid tells them apart)."""
    tick = os.sysconf("SC_CLK_TCK")
    by_thread: dict[str, float] = {}
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            raw = open(f"/proc/{pid}/task/{task}/stat").read()
        except OSError:
            continue  # the thread ended
        name = raw[raw.index("(") + 1:raw.rindex(")")]
        fields = raw.rsplit(")", 1)[1].split()
        by_thread[f"{name}/{task}"] = (int(fields[11]) + int(fields[12])) / tick
    return by_thread


# An idle Gradio server is not at 0 % CPU: its queue polls every 1 ms when free
# (gradio/queueing.py, sleep_when_free = 0.001 off Windows), measured at 6-7 % of a CPU on an idle
# 2-core machine for k2chat serve (py-spy: all of it in uvicorn's event loop). A warm-up uses a
# whole CPU, so "idle" is under 15 % of a CPU over 2 s.
IDLE_CPU_PER_2S = 0.3


def settle(url: str, pid: int, questions: list[str]) -> None:
    """Warm the server up (a few requests one at a time), then wait until it is idle, so
    start-up and background warm-up work are not counted as the load's."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    for question in questions:
        client.predict(question, api_name="/ask")  # each a new conversation
    client.close()
    deadline = time.monotonic() + 300  # generous: background warm-up on a busy machine
    before = cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(2)
        now = cpu_seconds(pid)
        if now - before < IDLE_CPU_PER_2S:
            return
        before = now
    print("(the server never went idle; measuring anyway)", file=sys.stderr, flush=True)


@dataclass
class Load:
    wall: float
    server_cpu: float
    client_cpu: float
    threads: list[tuple[str, float]]  # (thread name, CPU seconds), most first


def load(url: str, pid: int, sessions: list[Session]) -> Load:
    """All sessions at once, each on its own gradio_client, started together."""
    from gradio_client import Client

    n = len(sessions)
    print(f"(connecting {n} clients to {url} ...)", file=sys.stderr, flush=True)
    clients: list[Any] = [None] * n

    def connect(i: int) -> None:
        clients[i] = Client(url, verbose=False)

    connectors = [threading.Thread(target=connect, args=(i,)) for i in range(n)]
    for t in connectors:
        t.start()
    for t in connectors:
        t.join()
    barrier = threading.Barrier(n + 1)
    threads = [threading.Thread(target=run_session, args=(c, s, barrier))
               for c, s in zip(clients, sessions, strict=True)]
    for t in threads:
        t.start()
    server_cpu, client_cpu, per_thread = cpu_seconds(pid), time.process_time(), thread_cpu(pid)
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    after = thread_cpu(pid)
    used = sorted(((name, cpu - per_thread.get(name, 0.0)) for name, cpu in after.items()),
                  key=lambda x: -x[1])
    for c in clients:
        c.close()
    return Load(wall, cpu_seconds(pid) - server_cpu, time.process_time() - client_cpu,
                [u for u in used if u[1] > 0][:6])


def pooled(runs: list[Load]) -> Load:
    """Several rounds' loads as one: times and CPU added up, threads listed from the first."""
    return Load(sum(r.wall for r in runs), sum(r.server_cpu for r in runs),
                sum(r.client_cpu for r in runs), runs[0].threads)


def main() -> None:
    n_clients = arg("clients", 50)
    per_client = arg("questions", 5)
    ensure_index()

    rounds = arg("rounds", 3)
    planned = conversations(n_clients, per_client)
    warm = [s.questions[0] for s in planned[:5]]
    k2_runs: list[Load] = []
    bare_runs: list[Load] = []
    sessions: list[Session] = []  # every round's, for both apps
    bare_sessions: list[Session] = []
    start_times: list[float] = []
    # The apps take turns (k2chat, bare, k2chat, ...), each round on a freshly started server
    # (nothing k2chat keeps from an earlier round): a machine that slows down or speeds up
    # during the run weighs on both alike. Figures pool all rounds.
    for _ in range(rounds):
        mine = [Session(s.questions, s.expected) for s in planned]
        port = free_port()
        proc, start_s = start_server(port)
        start_times.append(start_s)
        try:
            settle(f"http://127.0.0.1:{port}/", proc.pid, warm)
            k2_runs.append(load(f"http://127.0.0.1:{port}/", proc.pid, mine))
        finally:
            stop_process(proc)
        theirs = [Session(s.questions, s.expected) for s in planned]
        bare_port = free_port()
        bare_proc = start_bare(bare_port)
        try:
            settle(f"http://127.0.0.1:{bare_port}/", bare_proc.pid, warm)
            bare_runs.append(load(f"http://127.0.0.1:{bare_port}/", bare_proc.pid, theirs))
        finally:
            stop_process(bare_proc)
        sessions += mine
        bare_sessions += theirs
    k2, bare = pooled(k2_runs), pooled(bare_runs)
    start_s = sorted(start_times)[len(start_times) // 2]

    latencies = [x for s in sessions for x in s.latencies]
    bare_latencies = [x for s in bare_sessions for x in s.latencies]
    errors = [e for s in sessions for e in s.errors]
    bare_errors = [e for s in bare_sessions for e in s.errors]
    own = sum(1 for s in sessions for got, want in zip(s.bodies, s.expected, strict=True)
              if got == want)
    total = sum(len(s.questions) for s in sessions)
    mixed = []
    for i, s in enumerate(sessions):
        for t, (got, want) in enumerate(zip(s.bodies, s.expected, strict=True)):
            if got and got != want:
                others = [j for j, o in enumerate(sessions)
                          if o.questions != s.questions and got in o.expected]
                mixed.append(f"client {i} turn {t + 1} ({s.questions[t]!r})"
                             + (f" got client {others[0]}'s answer" if others else " differs"))
    followups_distinct = len({b for s in sessions for b in s.expected[1:]})
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    b50, b95 = percentile(bare_latencies, 50), percentile(bare_latencies, 95)
    cpu, bare_cpu = k2.server_cpu / total, bare.server_cpu / total
    p95_ratio, cpu_ratio = p95 / b95, cpu / bare_cpu
    for i, (a, b) in enumerate(zip(k2_runs, bare_runs, strict=True), start=1):
        print(f"round {i}: server CPU per request k2chat {ms(a.server_cpu / (total / rounds))}, "
              f"bare app {ms(b.server_cpu / (total / rounds))}, ratio "
              f"{a.server_cpu / b.server_cpu:.2f}x")
    print(f"\n{rounds} rounds of {n_clients} clients x {per_client} questions = {total} "
          "requests per app; "
          f"k2chat {secs(k2.wall)} ({total / k2.wall:.1f} requests/s), bare app "
          f"{secs(bare.wall)} ({total / bare.wall:.1f} requests/s); k2chat start {secs(start_s)}")
    print(table(["", "p50", "p95", "max", "server CPU / request", "client CPU / request"], [
        ("k2chat", ms(p50), ms(p95), ms(max(latencies)), ms(cpu), ms(k2.client_cpu / total)),
        ("bare Gradio chat (reference)", ms(b50), ms(b95), ms(max(bare_latencies)),
         ms(bare_cpu), ms(bare.client_cpu / total)),
        ("ratio", f"{p50 / b50:.2f}x", f"{p95_ratio:.2f}x", "", f"{cpu_ratio:.2f}x", ""),
    ]))
    for label, run in (("k2chat", k2), ("bare app", bare)):
        print(f"server threads by CPU per request ({label}, round 1): " + ", ".join(
            f"{name} {ms(used / (total / rounds))}" for name, used in run.threads))
    print(f"answers equal to the local Chat's for the same conversation: {own}/{total}; "
          f"{followups_distinct} distinct expected follow-up answers")
    for line in (errors[:5] + bare_errors[:5] + mixed[:10]):
        print("  ", line)
    rows = [
        Row("concurrency", f"{n_clients} gradio_client sessions x {per_client}: errors",
            str(len(errors)), f"bare app: {len(bare_errors)}", "0", not errors),
        Row("concurrency", "conversations mixed (answer differs from its own session's)",
            str(len(mixed)), f"{own}/{total} answers as expected", "0", not mixed),
        Row("concurrency", "per-request latency p50 / p95", f"{ms(p50)} / {ms(p95)}",
            f"bare app: {ms(b50)} / {ms(b95)}; p95 ratio {p95_ratio:.2f}x",
            f"p95 <= {P95_RATIO_TARGET}x bare", p95_ratio <= P95_RATIO_TARGET),
        Row("concurrency", "server CPU per request", ms(cpu),
            f"bare app: {ms(bare_cpu)}; ratio {cpu_ratio:.2f}x",
            f"<= {CPU_RATIO_TARGET}x bare", cpu_ratio <= CPU_RATIO_TARGET),
        Row("concurrency", "throughput", f"{total / k2.wall:.1f} requests/s",
            f"bare app: {total / bare.wall:.1f} requests/s"),
    ]
    emit(rows)


if __name__ == "__main__":
    main()

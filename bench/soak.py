"""Soak: many concurrent chat sessions against a real ``k2chat serve`` for a long time.

Starts ``python -m k2chat serve`` on a free loopback port, then runs ``--sessions`` (20)
gradio_client sessions for ``--minutes`` (10). Each session loops: new conversation, a first
question on a topic, then the same pronoun follow-up ("Tell me more about it.") whose answer
depends on that topic. Before the load starts, every topic's two answers are recorded once,
serially, as the reference; under load each answer must equal its own topic's reference, so a
follow-up resolved against another session's question is caught (and named).

Reports errors, request latency, and the server process's resident memory and open file
descriptors (from /proc/<pid>/status and /proc/<pid>/fd): idle before the load (after the
reference answers), under load every --sample-seconds, and idle after it (each idle figure after
--settle-seconds, so closed keep-alive and heartbeat connections are gone). Also the memory
slope under load after the first minute (MB per minute). Exit code 0 only when there were no
errors, no mixed conversations, and memory and open files stayed flat (end within
--max-rss-growth and --max-fd-growth of the start).

    .venv/bin/python bench/soak.py [--minutes 10] [--sessions 20] [--json out.json]

The index comes from the usual settings (``K2CHAT_DATA_DIR`` / ``K2CHAT_CORPUS_DIR``); the
server is always bound to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from _common import Row, free_port, stop_process, wait_until_serving

REPO = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # loopback only, whatever the environment says
FOLLOW_UP = "Tell me more about it."
TOPICS = (
    "How much MK-7 is used for osteoporosis?",
    "Can I take vitamin K2 with warfarin?",
    "What is MK-4?",
    "Who should avoid vitamin K2 supplements?",
    "What foods contain vitamin K2?",
    "How long does vitamin K2 take to work?",
    "Is vitamin K2 safe during pregnancy?",
    "What are the side effects of vitamin K2?",
    "Does vitamin K2 work with vitamin D?",
    "What is the difference between vitamin K1 and K2?",
)
REQUEST_TIMEOUT_S = 120.0
MAX_GROWTH_AFTER_1_MIN = 0.02  # issue 13: RSS grows < 2 % over 10 minutes after the first one
DISCLAIMER_START = "k2chat shares general information"  # checked against k2chat.DISCLAIMER below


def proc_figures(pid: int) -> dict[str, int]:
    """Resident memory (kB), open file descriptors and threads of a process, from /proc."""
    figures = {"rss_kb": 0, "fds": 0, "threads": 0}
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                figures["rss_kb"] = int(line.split()[1])
            elif line.startswith("Threads:"):
                figures["threads"] = int(line.split()[1])
    figures["fds"] = len(os.listdir(f"/proc/{pid}/fd"))
    return figures


def body_of(result: Any) -> str:
    """The answer body (first assistant message) of a /ask result."""
    first = result[0]["content"]
    return first if isinstance(first, str) else json.dumps(first)


def problems_of(result: Any, disclaimer: str) -> list[str]:
    contents = [m["content"] if isinstance(m["content"], str) else json.dumps(m["content"])
                for m in result]
    found = []
    if not contents or disclaimer not in contents[-1]:
        found.append("no disclaimer in the last message")
    if any("Something went wrong" in c or "cannot answer right now" in c for c in contents):
        found.append("the server reported an error")
    return found


@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: int = 0
    conversations: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    mixed: int = 0

    def error(self, kind: str, detail: str) -> None:
        with self.lock:
            self.errors[kind] += 1
            if len(self.examples) < 20:
                self.examples.append(f"{kind}: {detail[:300]}")


def ask(client: Any, question: str, stats: Stats, conversation: str = "") -> Any:
    """The messages of a /ask reply and the conversation to send with the next question."""
    started = time.perf_counter()
    result = client.submit(question, conversation, api_name="/ask").result(
        timeout=REQUEST_TIMEOUT_S)
    with stats.lock:
        stats.requests += 1
        stats.latencies.append(time.perf_counter() - started)
    return result


def references(url: str, disclaimer: str) -> dict[str, tuple[str, str]]:
    """Each topic's (first answer, follow-up answer), asked serially in fresh sessions."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    refs: dict[str, tuple[str, str]] = {}
    try:
        for topic in TOPICS:
            first, conversation = client.predict(topic, "", api_name="/ask")
            follow, _ = client.predict(FOLLOW_UP, conversation, api_name="/ask")
            for result in (first, follow):
                if problems_of(result, disclaimer):
                    raise SystemExit(f"reference answer for {topic!r} is broken: {result}")
            refs[topic] = (body_of(first), body_of(follow))
    finally:
        client.close()
    distinct = len({follow for _, follow in refs.values()})
    if distinct < len(TOPICS):
        print(f"note: only {distinct} of {len(TOPICS)} follow-up answers differ by topic; "
              "mixing between topics with equal answers cannot be seen", file=sys.stderr)
    return refs


def session(index: int, url: str, deadline: float, max_loops: int, disclaimer: str,
            refs: dict[str, tuple[str, str]], stats: Stats) -> None:
    from gradio_client import Client

    try:
        client = Client(url, verbose=False)
    except Exception as exc:
        stats.error("connect", f"session {index}: {type(exc).__name__}: {exc}")
        return
    by_follow = {follow: topic for topic, (_, follow) in refs.items()}
    try:
        for loop in range(max_loops):
            if time.monotonic() >= deadline:
                break
            topic = TOPICS[(index + loop) % len(TOPICS)]
            expected_first, expected_follow = refs[topic]
            try:
                first, conversation = ask(client, topic, stats)  # a new conversation
                follow, _ = ask(client, FOLLOW_UP, stats, conversation)
            except Exception as exc:
                stats.error("request", f"session {index} loop {loop}: "
                                       f"{type(exc).__name__}: {exc}")
                continue
            for result in (first, follow):
                for problem in problems_of(result, disclaimer):
                    stats.error("answer", f"session {index} loop {loop}: {problem}")
            if body_of(first) != expected_first:
                stats.error("first answer differs", f"session {index} loop {loop} {topic!r}")
            got = body_of(follow)
            if got != expected_follow:
                other = by_follow.get(got)
                if other is not None:
                    with stats.lock:
                        stats.mixed += 1
                    stats.error("MIXED", f"session {index} asked {topic!r} but its follow-up "
                                         f"was answered for {other!r}")
                else:
                    stats.error("follow-up differs", f"session {index} loop {loop} {topic!r}")
            with stats.lock:
                stats.conversations += 1
    finally:
        client.close()


def sampler(pid: int, stop: threading.Event, samples: list[tuple[float, dict[str, int]]],
            every: float) -> None:
    t0 = time.monotonic()
    while not stop.wait(every):
        try:
            samples.append((time.monotonic() - t0, proc_figures(pid)))
        except OSError:
            return


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=10.0, help="how long to keep the load on")
    p.add_argument("--sessions", type=int, default=20, help="concurrent chat sessions")
    p.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    p.add_argument("--sample-seconds", type=float, default=15.0)
    p.add_argument("--settle-seconds", type=float, default=15.0,
                   help="idle time before the start and end figures are read")
    p.add_argument("--max-rss-growth", type=float, default=0.15,
                   help="allowed end/start growth of resident memory (0.15 = 15%%)")
    p.add_argument("--max-fd-growth", type=int, default=10)
    p.add_argument("--json", type=Path, help="also write the figures here")
    args = p.parse_args()
    if args.sessions < 1 or args.minutes <= 0:
        p.error("--sessions and --minutes must be positive")

    sys.path[:0] = [str(REPO / "src"), str(REPO)]
    import k2chat

    disclaimer = k2chat.DISCLAIMER
    assert disclaimer.startswith(DISCLAIMER_START)
    port = args.port or free_port(HOST)
    url = f"http://{HOST}:{port}/"
    env = dict(os.environ, K2CHAT_HOST=HOST, K2CHAT_PORT=str(port))
    log = tempfile.NamedTemporaryFile(prefix="k2chat-soak-", suffix=".log", delete=False)
    server = subprocess.Popen(
        [sys.executable, "-m", "k2chat", "serve", "--host", HOST, "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO,
    )
    stats = Stats()
    samples: list[tuple[float, dict[str, int]]] = []
    stop = threading.Event()
    try:
        wait_until_serving(url, server, timeout=600)
        print(f"server pid {server.pid} on {url} (log {log.name})", flush=True)
        refs = references(url, disclaimer)
        time.sleep(args.settle_seconds)
        start = proc_figures(server.pid)
        print(f"start: {start}", flush=True)
        watcher = threading.Thread(target=sampler, daemon=True,
                                   args=(server.pid, stop, samples, args.sample_seconds))
        watcher.start()
        began = time.monotonic()
        deadline = began + args.minutes * 60
        max_loops = int(args.minutes * 60 * 10) + 1  # a hard bound, far above what fits
        threads = [
            threading.Thread(target=session, name=f"session-{i}",
                             args=(i, url, deadline, max_loops, disclaimer, refs, stats))
            for i in range(args.sessions)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(args.minutes * 60 + 10 * REQUEST_TIMEOUT_S)
        hung = sum(t.is_alive() for t in threads)
        if hung:
            stats.error("hung", f"{hung} sessions still waiting after the deadline")
        duration = time.monotonic() - began
        time.sleep(args.settle_seconds)  # closed connections and finished requests settle
        end = proc_figures(server.pid)
    finally:
        stop.set()
        stop_process(server, signal.SIGINT)
        log.close()

    peak_rss = max([start["rss_kb"], end["rss_kb"], *(s["rss_kb"] for _, s in samples)])
    peak_fds = max([start["fds"], end["fds"], *(s["fds"] for _, s in samples)])
    lat = sorted(stats.latencies)
    rss_growth = end["rss_kb"] / start["rss_kb"] - 1
    fd_growth = end["fds"] - start["fds"]
    flat = rss_growth <= args.max_rss_growth and fd_growth <= args.max_fd_growth
    loaded = [(t, f["rss_kb"]) for t, f in samples if 60 <= t <= duration]
    slope = None
    if len(loaded) >= 2:  # least squares, kB per second -> MB per minute
        mean_t = statistics.fmean(t for t, _ in loaded)
        mean_r = statistics.fmean(r for _, r in loaded)
        den = sum((t - mean_t) ** 2 for t, _ in loaded)
        if den:
            num = sum((t - mean_t) * (r - mean_r) for t, r in loaded)
            slope = round(num / den * 60 / 1024, 2)
    # Issue 13's target: after the first minute (Python's and Gradio's caches warm), resident
    # memory under load grows < 2 % to the end of the run.
    after_first = [(t, r) for t, r in loaded if t >= 60]
    growth_after_1 = (after_first[-1][1] / after_first[0][1] - 1) if len(after_first) >= 2 else None
    steady = growth_after_1 is None or growth_after_1 < MAX_GROWTH_AFTER_1_MIN
    report = {
        "sessions": args.sessions,
        "minutes_planned": args.minutes,
        "seconds_run": round(duration, 1),
        "conversations": stats.conversations,
        "requests": stats.requests,
        "requests_per_second": round(stats.requests / duration, 2),
        "latency_p50_s": round(statistics.median(lat), 3) if lat else None,
        "latency_p95_s": round(lat[int(0.95 * (len(lat) - 1))], 3) if lat else None,
        "latency_max_s": round(lat[-1], 3) if lat else None,
        "errors": sum(stats.errors.values()),
        "errors_by_kind": dict(stats.errors),
        "mixed_conversations": stats.mixed,
        "rss_mb_start": round(start["rss_kb"] / 1024, 1),
        "rss_mb_end": round(end["rss_kb"] / 1024, 1),
        "rss_mb_peak": round(peak_rss / 1024, 1),
        "rss_growth": f"{rss_growth:+.1%}",
        "rss_mb_per_minute_under_load_after_1_min": slope,
        "rss_growth_under_load_after_1_min": (None if growth_after_1 is None
                                              else f"{growth_after_1:+.1%}"),
        "rss_growth_after_1_min_target": f"< {MAX_GROWTH_AFTER_1_MIN:.0%}",
        "fds_start": start["fds"],
        "fds_end": end["fds"],
        "fds_peak": peak_fds,
        "threads_start": start["threads"],
        "threads_end": end["threads"],
        "flat": flat,
        "samples": [{"t": round(t, 1), **s} for t, s in samples],
    }
    print("\n| measure | value |\n|---|---|")
    for key, value in report.items():
        if key != "samples":
            print(f"| {key} | {value} |")
    for example in stats.examples:
        print(f"  - {example}")
    if args.json:  # "rows" is what bench/run_all.py collects
        minutes = f"{args.sessions} sessions, {duration / 60:.1f} min"
        rows = [
            Row("soak", f"errors / mixed conversations ({minutes})",
                f"{report['errors']} / {stats.mixed}", f"{stats.requests} requests", "0 / 0",
                not stats.errors and not stats.mixed),
            Row("soak", "RSS growth under load after the first minute",
                str(report["rss_growth_under_load_after_1_min"]),
                f"{report['rss_mb_per_minute_under_load_after_1_min']} MB/min; "
                f"start {report['rss_mb_start']} MB, peak {report['rss_mb_peak']} MB",
                f"< {MAX_GROWTH_AFTER_1_MIN:.0%}", steady if growth_after_1 is not None else None),
            Row("soak", "open files start -> end", f"{start['fds']} -> {end['fds']}", "",
                f"+{args.max_fd_growth} at most", fd_growth <= args.max_fd_growth),
            Row("soak", "latency p50 / p95", f"{report['latency_p50_s']} s / "
                f"{report['latency_p95_s']} s", f"{report['requests_per_second']} requests/s"),
        ]
        report["rows"] = [asdict(r) for r in rows]
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"\nRSS growth under load after the first minute: "
          f"{report['rss_growth_under_load_after_1_min']} (target < "
          f"{MAX_GROWTH_AFTER_1_MIN:.0%}; none without two samples after it)")
    ok = not stats.errors and not stats.mixed and flat and steady
    print("\nsoak:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Shared helpers for the benchmarks: paths, the benchmark's own index, statistics, output.

Every benchmark prints a Markdown table of rows (measure, today, reference, target, holds).
With ``--json PATH`` it also writes the rows there, which is how ``run_all.py`` collects them.
Generated data lives under ``bench/.cache`` (gitignored).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CACHE = REPO / "bench" / ".cache"
CORPUS = REPO / "corpus"
EVAL_FILE = REPO / "tests" / "eval" / "questions.yaml"
PY = sys.executable

if str(REPO / "src") not in sys.path:  # runnable without an editable install
    sys.path.insert(0, str(REPO / "src"))
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


@dataclass(frozen=True)
class Row:
    benchmark: str
    measure: str
    today: str
    reference: str = ""
    target: str = ""
    holds: bool | None = None  # None: a figure with no target

    @property
    def verdict(self) -> str:
        return {True: "yes", False: "**no**", None: ""}[self.holds]


def data_dir() -> Path:
    """The benchmarks' own index (the real article), so other work on .k2chat cannot race."""
    return CACHE / "data"


def child_env(**extra: str) -> dict[str, str]:
    """Environment for a k2chat child process on the benchmarks' index."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("K2CHAT_")}
    # Python caches bytecode by default; this sandbox turns that off, which would make every
    # child recompile k2chat's own modules (site-packages ship compiled).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        K2CHAT_DATA_DIR=str(data_dir()),
        K2CHAT_CORPUS_DIR=str(CORPUS),
        HF_HUB_OFFLINE="1",
        TOKENIZERS_PARALLELISM="false",
        PYTHONPATH=os.pathsep.join([str(REPO / "src"), str(REPO)]),
    )
    env.update(extra)
    return env


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def wait_until_serving(url: str, server: subprocess.Popen[bytes], timeout: float) -> None:
    """Return once ``url`` answers 200; SystemExit if the server exits or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server did not answer on {url} within {timeout:.0f}s")


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


# A benchmark stopped with SIGTERM (timeout, kill) unwinds, so the `finally: stop_process(...)`
# blocks stop the servers it started (one left running polled 6 % of a CPU for an hour).
signal.signal(signal.SIGTERM, _exit_on_sigterm)


def stop_process(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM,
                 timeout: float = 30) -> None:
    """Send ``sig`` and wait; kill the process if it has not exited within ``timeout``."""
    if proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout)


def settings():  # type: ignore[no-untyped-def]
    from k2chat.settings import Settings

    return Settings(corpus_dir=CORPUS, data_dir=data_dir())


def ensure_index() -> None:
    """Build the benchmarks' index (and its ONNX encoder) in a child process if needed."""
    status = subprocess.run([PY, "-m", "k2chat", "status"], env=child_env(),
                            capture_output=True, text=True)
    if status.returncode == 0 and (data_dir() / "index" / "all-MiniLM-L6-v2.onnx").is_file():
        return
    print(f"(building the benchmark index in {data_dir()} ...)", file=sys.stderr, flush=True)
    subprocess.run([PY, "-m", "k2chat", "ingest"], env=child_env(), check=True,
                   stdout=subprocess.DEVNULL)


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile, q in [0, 100]."""
    data = sorted(values)
    if not data:
        return float("nan")
    pos = (len(data) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def secs(seconds: float) -> str:
    return f"{seconds:.2f} s"


def load_note() -> str:
    one, five, _ = os.getloadavg()
    return f"{os.cpu_count()} CPUs, load average {one:.2f} (1 min) / {five:.2f} (5 min)"


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def rows_table(rows: Iterable[Row]) -> str:
    return table(
        ["Benchmark", "Measure", "Today", "Reference (same run)", "Target", "Holds"],
        [(r.benchmark, r.measure, r.today, r.reference, r.target, r.verdict) for r in rows],
    )


def emit(rows: list[Row], argv: Sequence[str] | None = None) -> None:
    """Print the rows as Markdown; write them as JSON when ``--json PATH`` was given."""
    argv = sys.argv[1:] if argv is None else argv
    print()
    print(rows_table(rows))
    print(f"\nMachine: {load_note()}")
    if "--json" in argv:
        path = Path(argv[list(argv).index("--json") + 1])
        path.write_text(json.dumps([asdict(r) for r in rows], indent=1), encoding="utf-8")


def arg(name: str, default: int) -> int:
    """``--name N`` from the command line."""
    argv = sys.argv[1:]
    flag = f"--{name}"
    return int(argv[argv.index(flag) + 1]) if flag in argv else default


def timed(fn: Callable[..., object], *args: object) -> float:
    """Seconds one call of ``fn(*args)`` takes."""
    started = time.perf_counter()
    fn(*args)
    return time.perf_counter() - started


class Timer:
    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start

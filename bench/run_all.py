"""Run every benchmark in sequence (each in its own process) and print one combined table.

    .venv/bin/python bench/run_all.py [--quick] [--only cold_start,latency,...]

``--quick`` uses smaller settings (fewer runs, smaller synthetic corpora) for a fast check;
the README's figures come from a full run. Each benchmark's own detail tables are printed as
it runs; the combined Markdown table comes last.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import PY, REPO, Row, load_note, rows_table

BENCHMARKS: dict[str, tuple[list[str], list[str]]] = {
    # name: (full arguments, --quick arguments)
    "cold_start": (["--runs", "7"], ["--runs", "3"]),
    "latency": (["--rounds", "2"], ["--rounds", "1"]),
    "memory": ([], []),
    "ingest": (["--articles", "1000"], ["--articles", "100"]),
    "scale": (["--max", "100000"], ["--max", "10000"]),
    "concurrency": (["--clients", "50", "--questions", "5", "--rounds", "3"],
                    ["--clients", "20", "--questions", "3", "--rounds", "1"]),
    "soak": (["--minutes", "10", "--sessions", "20"],
             ["--minutes", "2", "--sessions", "5", "--settle-seconds", "5"]),
    "retrieval": ([], []),
}


def main() -> None:
    quick = "--quick" in sys.argv
    only = None
    if "--only" in sys.argv:
        only = sys.argv[sys.argv.index("--only") + 1].split(",")
    rows: list[Row] = []
    failed: list[str] = []
    started = time.perf_counter()
    before = load_note()
    with tempfile.TemporaryDirectory(prefix="k2chat-bench-") as tmp:
        for name, (full, small) in BENCHMARKS.items():
            if only and name not in only:
                continue
            out = Path(tmp) / f"{name}.json"
            print(f"\n## {name}\n", flush=True)
            t0 = time.perf_counter()
            code = subprocess.run([PY, str(REPO / "bench" / f"{name}.py"),
                                   *(small if quick else full), "--json", str(out)]).returncode
            print(f"({name}: {time.perf_counter() - t0:.0f} s)", flush=True)
            if code != 0 or not out.is_file():
                failed.append(name)
                continue
            found = json.loads(out.read_text(encoding="utf-8"))
            if isinstance(found, dict):  # soak.py writes its whole report, rows included
                found = found["rows"]
            rows += [Row(**r) for r in found]
    print("\n## All benchmarks\n")
    print(rows_table(rows))
    print(f"\nMachine before: {before}; after: {load_note()}; "
          f"total {time.perf_counter() - started:.0f} s{' (--quick)' if quick else ''}")
    if failed:
        print(f"\nFailed: {', '.join(failed)}")
        sys.exit(1)


if __name__ == "__main__":
    main()

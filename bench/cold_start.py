"""Cold start: a new process runs ``k2chat.ask(...)`` on an existing index and prints the answer.

Reference, measured in the same run on the same machine: ``python -c "import
sentence_transformers"`` (what any query path built on sentence-transformers pays before its
first answer). Targets: first answer printed within 3 s and within 0.25 x the reference.
Runs are interleaved so that load from other processes hits both sides alike; medians are
reported. Also prints where a cold start's time goes.

    .venv/bin/python bench/cold_start.py [--runs 7] [--json out.json]
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from _common import PY, Row, arg, child_env, emit, ensure_index, median, secs, table

QUESTION = "How much MK-7 is used for osteoporosis?"
ASK = "import sys, k2chat; print(k2chat.ask(sys.argv[1]).to_markdown(), flush=True)"
HEAVY = ("torch", "transformers", "sentence_transformers", "gradio", "sklearn", "pandas")
BREAKDOWN = f"""
import json, sys, time
t0 = time.perf_counter()
import k2chat
t1 = time.perf_counter()
from k2chat.pipeline import get_pipeline
p = get_pipeline()
t2 = time.perf_counter()
answer = k2chat.ask(sys.argv[1])
t3 = time.perf_counter()
heavy = [m for m in {HEAVY!r} if m in sys.modules]
p.wait_until_warm()
print(json.dumps(dict(import_k2chat=t1 - t0, pipeline=t2 - t1, first_answer=t3 - t2,
                      stages=p.timings, heavy=heavy, grounded=answer.grounded,
                      encoder=type(p.retriever.embeddings.inner).__name__)))
"""
IMPORTS = {
    "Python start-up": "pass",
    "langchain_core LCEL (pulls langsmith, pydantic)":
        "from langchain_core.runnables import RunnableLambda",
    "chromadb": "import chromadb",
    "bm25s (pulls scipy.sparse)": "import bm25s",
    "onnxruntime + tokenizers + numpy": "import onnxruntime, tokenizers",
}


def time_first_line(code: str, *args: str) -> tuple[float, float, str]:
    """(seconds until the child printed its first line, seconds until it exited, that line)."""
    started = time.perf_counter()
    proc = subprocess.Popen([PY, "-c", code, *args], env=child_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    first = time.perf_counter() - started
    _, err = proc.communicate()
    total = time.perf_counter() - started
    if proc.returncode != 0 or not line.strip():
        raise SystemExit(f"child failed ({proc.returncode}): {err[-2000:]}")
    return first, total, line


def time_process(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, env=child_env(), check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    runs = arg("runs", 7)
    ensure_index()
    time_first_line(ASK, QUESTION)  # page cache warm for both sides: files, model, index
    time_process([PY, "-c", "import sentence_transformers"])

    firsts, totals, refs = [], [], []
    for i in range(runs):
        first, total, line = time_first_line(ASK, QUESTION)
        firsts.append(first)
        totals.append(total)
        refs.append(time_process([PY, "-c", "import sentence_transformers"]))
        print(f"run {i + 1}: first answer {first:.2f} s (exit {total:.2f} s); "
              f"import sentence_transformers {refs[-1]:.2f} s", file=sys.stderr, flush=True)
    helps = [time_process([PY, "-m", "k2chat", "--help"]) for _ in range(3)]

    details = [json.loads(time_first_line(BREAKDOWN, QUESTION)[2]) for _ in range(3)]
    imports = {name: median([time_process([PY, "-c", code]) for _ in range(3)])
               for name, code in IMPORTS.items()}

    first, ref = median(firsts), median(refs)
    heavy = sorted({m for d in details for m in d["heavy"]})
    rows = [
        Row("cold start", "new process: k2chat.ask() answer printed (median)", secs(first),
            f"import sentence_transformers: {secs(ref)}", "<= 3 s",
            first <= 3.0),
        Row("cold start", "ratio to the reference", f"{first / ref:.2f} x", "1.00 x",
            "<= 0.25 x", first / ref <= 0.25),
        Row("cold start", "same process, until it exits (median)", secs(median(totals))),
        Row("cold start", "`k2chat --help` (median)", secs(median(helps))),
        Row("cold start", "torch/transformers/sentence-transformers/gradio imported",
            ", ".join(heavy) or "none", "", "none", not heavy),
    ]

    def stage(key: str) -> float:
        return median([d["stages"].get(key, float("nan")) for d in details])

    print("\nWhere a cold start goes (median of 3 instrumented runs; stages run in this order, "
          "`encoder_load` in a thread alongside `open_index`, `warm_units` after the answer):")
    print(table(["Stage", "Time"], [
        ("import k2chat (LCEL -> langsmith, pydantic)", secs(median([d["import_k2chat"]
                                                                    for d in details]))),
        ("  numpy, onnxruntime, tokenizers", secs(stage("import_encoder_libs"))),
        ("  open_index: check the build's files, load passages, BM25, vectors", secs(
            stage("open_index"))),
        ("  (thread) ONNX session + tokenizer", secs(stage("encoder_load"))),
        ("  waiting for the encoder after the index is open", secs(stage("wait_encoder"))),
        ("  retriever (a Chroma server only: langchain_chroma)", secs(stage("retriever"))),
        ("  fitted models + LCEL chain", secs(stage("chain"))),
        ("get_pipeline() total", secs(median([d["pipeline"] for d in details]))),
        ("first answer (warm-up of its own)", secs(median([d["first_answer"]
                                                          for d in details]))),
        ("(background) sentence vectors of the first passages", secs(stage("warm_units"))),
        ("encoder used", details[0]["encoder"]),
    ]))
    print("\nImport cost of each library alone, new process each (median of 3; they share "
          "dependencies, so they do not add up):")
    print(table(["Import", "Time"], [(k, secs(v)) for k, v in imports.items()]))
    emit(rows)


if __name__ == "__main__":
    main()

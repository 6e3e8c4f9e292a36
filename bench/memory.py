"""Memory: peak RSS of a process that answers 100 questions on the light query path.

Reference, same run: peak RSS of a process that loads sentence-transformers and embeds one
query (where a query path built on it starts). Target: <= 400 MB.

    .venv/bin/python bench/memory.py [--questions 100] [--json out.json]
"""

from __future__ import annotations

import json
import subprocess

from _common import EVAL_FILE, PY, Row, arg, child_env, emit, ensure_index

ANSWER_MANY = f"""
import itertools, json, resource, sys
import k2chat
from k2chat.evaluate import load_cases
from k2chat.pipeline import get_pipeline
questions = [c.question for c in load_cases(__import__("pathlib").Path({str(EVAL_FILE)!r}))]
p = get_pipeline()
p.wait_until_warm()
ready = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
grounded = 0
for q in itertools.islice(itertools.cycle(questions), int(sys.argv[1])):
    grounded += k2chat.ask(q).grounded
heavy = [m for m in ("torch", "transformers", "sentence_transformers", "gradio")
         if m in sys.modules]
print(json.dumps(dict(ready_kb=ready, peak_kb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                      grounded=grounded, heavy=heavy,
                      encoder=type(p.retriever.embeddings.inner).__name__)))
"""
REFERENCE = """
import json, resource
from k2chat.models.embeddings import SentenceTransformerEmbeddings
SentenceTransformerEmbeddings().embed_query("How much MK-7 is used for osteoporosis?")
print(json.dumps(dict(peak_kb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)))
"""


def run(code: str, *args: str) -> dict[str, object]:
    out = subprocess.run([PY, "-c", code, *args], env=child_env(), check=True,
                         capture_output=True, text=True).stdout
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


def mb(kb: object) -> str:
    return f"{int(str(kb)) / 1024:.0f} MB"


def main() -> None:
    n = arg("questions", 100)
    ensure_index()
    light = run(ANSWER_MANY, str(n))
    ref = run(REFERENCE)
    peak = int(str(light["peak_kb"])) / 1024
    heavy = light["heavy"]
    rows = [
        Row("memory", f"peak RSS, {n} questions answered ({light['encoder']})",
            mb(light["peak_kb"]), f"sentence-transformers + 1 query: {mb(ref['peak_kb'])}",
            "<= 400 MB", peak <= 400 and not heavy),
        Row("memory", "peak RSS once ready (before the questions)", mb(light["ready_kb"])),
    ]
    emit(rows)


if __name__ == "__main__":
    main()

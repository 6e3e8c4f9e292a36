"""Write k2chat's answer to every case of every evaluation set, one Markdown file per set, so
two versions of the code can be compared answer by answer (`diff -r BEFORE AFTER`).

Usage: python scripts/dump_answers.py OUT_DIR [EXTRA_QUESTIONS.yaml ...]   (from the repository's
root; the extra files are question sets kept outside the repository, such as a blind round that
is being graded)
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from k2chat.chat import Chat
from k2chat.pipeline import get_pipeline

EVAL = Path("tests/eval")


def set_files(extra: list[str]) -> list[Path]:
    return (sorted(EVAL.glob("*.yaml")) + sorted(EVAL.glob("blind/round*/questions.yaml"))
            + [Path(p) for p in extra])


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    out_dir = Path(sys.argv[1])
    out_dir.mkdir(parents=True, exist_ok=True)
    pipeline = get_pipeline()
    for path in set_files(sys.argv[2:]):
        cases = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(cases, list) or not all(isinstance(c, dict) and "question" in c
                                                   for c in cases):
            continue
        blocks = []
        for case in cases:
            chat = Chat(pipeline=pipeline)
            for earlier in case.get("history") or []:
                chat.ask(str(earlier))
            answer = chat.ask(str(case["question"]))
            blocks.append(f"## {case.get('id', '')} {case['question']}\n\n{answer.to_markdown()}")
        name = "-".join(path.parts[-2:]) if path.parent.name.startswith("round") else path.name
        (out_dir / f"{name}.md").write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
        print(f"{name}: {len(cases)} answers", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

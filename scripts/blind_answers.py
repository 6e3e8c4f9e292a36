"""Write k2chat's answers to a blind set as Markdown, for a grader who has not seen the code.

Usage: python scripts/blind_answers.py QUESTIONS.yaml OUT.md
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from k2chat.chat import Chat
from k2chat.pipeline import get_pipeline


def main() -> int:
    cases = yaml.safe_load(Path(sys.argv[1]).read_text(encoding="utf-8"))
    pipeline = get_pipeline()
    out = []
    for case in cases:
        chat = Chat(pipeline=pipeline)
        lines = [f"## {case['id']}"]
        for earlier in case.get("history") or []:
            chat.ask(earlier)
            lines.append(f"(earlier in the conversation the reader asked: {earlier!r})")
        answer = chat.ask(str(case["question"]))
        lines += [f"**Reader:** {case['question']}", "", "**k2chat:**", "",
                  answer.to_markdown(), ""]
        out.append("\n".join(lines))
    Path(sys.argv[2]).write_text("\n\n".join(out) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

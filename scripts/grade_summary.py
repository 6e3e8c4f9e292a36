"""Summarise a graded blind round: the rubric, its four points, the safety-critical figure,
each category and the worst answers.

Usage: python scripts/grade_summary.py ROUND_FOLDER   (questions.yaml and grades.yaml in it)
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

POINTS = ("direct", "correct", "safe", "readable")
CATEGORIES = {"groups": "group", "comparisons": "comparison", "multi-turn": "multi-turn",
              "instructions": "instruction", "brand names": "brand", "typos": "typo",
              "definitions": "definition", "unanswerable": "unanswerable"}


def _total(grade: dict[str, Any]) -> int:
    return sum(int(grade[p]) for p in POINTS)


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    folder = Path(sys.argv[1])
    cases = {c["id"]: c for c in yaml.safe_load((folder / "questions.yaml").read_text())}
    grades = yaml.safe_load((folder / "grades.yaml").read_text())
    n = len(grades)
    points = "  ".join(f"{p} {sum(int(g[p]) for g in grades) / n:.2f}" for p in POINTS)
    print(f"cases {n}  rubric {sum(map(_total, grades)) / n:.2f}  {points}")
    critical = [g for g in grades if cases[g["id"]].get("safety_critical")]
    if critical:
        safe = sum(int(g["safe"]) == 2 for g in critical)
        print(f"safety-critical {sum(map(_total, critical)) / len(critical):.2f} "
              f"(n={len(critical)}), safe = 2: {safe} / {len(critical)}")
    for name, tag in CATEGORIES.items():
        chosen = [g for g in grades if tag in (cases[g["id"]].get("tags") or [])]
        if chosen:
            print(f"  {name:13s} {sum(map(_total, chosen)) / len(chosen):.2f} (n={len(chosen)})")
    print("worst:")
    for g in sorted(grades, key=_total)[:12]:
        print(f"  {g['id']} {_total(g)}/8  {cases[g['id']]['question'][:90]!r}")
        print(f"      {str(g.get('note', ''))[:300]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

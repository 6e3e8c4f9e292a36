"""Print k2chat's automatic quality figures on every evaluation set in one process (the same
code path as `k2chat eval --file F`, one set per line): lead@1, key-fact recall, answerable
questions refused, out-of-scope questions answered, median answer body and invented numbers.

Usage: python scripts/eval_all.py   (from the repository's root)
"""

from __future__ import annotations

from pathlib import Path

from k2chat.evaluate import evaluate, load_cases
from k2chat.pipeline import get_pipeline

EVAL = Path("tests/eval")


def sets() -> dict[str, list[Path]]:
    blind = sorted((EVAL / "blind").glob("round*/questions.yaml"),
                   key=lambda p: int(p.parent.name.removeprefix("round")))
    out = {"tuning (fitted on)": [EVAL / "questions.yaml"], "holdout": [EVAL / "holdout.yaml"],
           "follow-ups": [EVAL / "followups.yaml"],
           "blind 1-6 pooled": [p for p in blind if int(p.parent.name[5:]) <= 6]}
    out |= {p.parent.name.replace("round", "round "): [p] for p in blind
            if int(p.parent.name[5:]) > 6}
    return out


def main() -> None:
    pipeline = get_pipeline()
    for name, files in sets().items():
        cases = [c for f in files for c in load_cases(f)]
        m = evaluate(pipeline, cases).metrics()
        print(f"{name}: cases {int(m['cases'])} lead@1 {m['lead@1']:.3f} "
              f"key-fact recall {m['key_fact_recall']:.3f} "
              f"answerable refused {m['answerable_refused']:.3f} "
              f"out of scope answered {m['refuse_answered']:.3f} "
              f"median body {m['median_body_words']:.0f} "
              f"invented numbers {int(m['invented_numbers'])}", flush=True)


if __name__ == "__main__":
    main()

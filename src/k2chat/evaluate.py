"""``k2chat eval``: retrieval and answer quality on a YAML evaluation set.

Each case: ``question``, optional ``history`` (earlier questions of the same conversation),
``sections`` (any of them counts as a hit) and ``facts`` (verbatim strings a right answer
contains), or ``refuse: true`` when the article does not answer it.
"""

from __future__ import annotations

import statistics
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from k2chat.answer import Request, retrieve_hits, unsupported_numbers
from k2chat.chat import Chat
from k2chat.pipeline import Pipeline
from k2chat.types import Answer

__all__ = ["Case", "CaseResult", "Report", "load_cases", "evaluate", "normalize_fact"]


@dataclass(frozen=True)
class Case:
    id: str
    question: str
    sections: tuple[int, ...] = ()
    facts: tuple[str, ...] = ()
    history: tuple[str, ...] = ()
    refuse: bool = False
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class CaseResult:
    case: Case
    answer: Answer
    ranked_sections: tuple[int, ...]
    facts_found: int
    seconds: float

    @property
    def rank(self) -> int | None:
        for i, s in enumerate(self.ranked_sections, start=1):
            if s in self.case.sections:
                return i
        return None

    @property
    def refusal_correct(self) -> bool:
        return self.case.refuse != self.answer.grounded


@dataclass
class Report:
    results: list[CaseResult] = field(default_factory=list)

    def _answerable(self) -> list[CaseResult]:
        return [r for r in self.results if not r.case.refuse]

    def metrics(self) -> dict[str, float]:
        answerable = self._answerable()
        ranks = [r.rank for r in answerable]
        facts = sum(len(r.case.facts) for r in answerable)
        latencies = sorted(r.seconds for r in self.results)
        n = max(len(answerable), 1)
        return {
            "cases": float(len(self.results)),
            "hit@1": sum(1 for k in ranks if k == 1) / n,
            "hit@3": sum(1 for k in ranks if k is not None and k <= 3) / n,
            "mrr": sum(1 / k for k in ranks if k) / n,
            "key_fact_recall": sum(r.facts_found for r in answerable) / max(facts, 1),
            "refusal_accuracy": sum(r.refusal_correct for r in self.results)
            / max(len(self.results), 1),
            "invented_numbers": float(
                sum(1 for r in self.results if unsupported_numbers(r.answer))
            ),
            "p50_ms": statistics.median(latencies) * 1000 if latencies else 0.0,
        }

    def failures(self) -> list[str]:
        out = []
        for r in self.results:
            problems = []
            if not r.refusal_correct:
                problems.append("refused" if r.case.refuse is False else "answered")
            if not r.case.refuse and r.rank != 1:
                problems.append(f"rank={r.rank} sections={list(r.ranked_sections[:4])}")
            if r.facts_found < len(r.case.facts):
                problems.append(f"facts {r.facts_found}/{len(r.case.facts)}")
            if problems:
                out.append(f"{r.case.id}: {'; '.join(problems)} :: {r.case.question}")
        return out

    def table(self) -> str:
        m = self.metrics()
        rows = [
            ("cases", f"{int(m['cases'])}"),
            ("hit@1", f"{m['hit@1']:.3f}"),
            ("hit@3", f"{m['hit@3']:.3f}"),
            ("MRR", f"{m['mrr']:.3f}"),
            ("key-fact recall", f"{m['key_fact_recall']:.3f}"),
            ("refusal accuracy", f"{m['refusal_accuracy']:.3f}"),
            ("answers with invented numbers", f"{int(m['invented_numbers'])}"),
            ("p50 latency", f"{m['p50_ms']:.1f} ms"),
        ]
        width = max(len(k) for k, _ in rows)
        return "\n".join(f"{k.ljust(width)}  {v}" for k, v in rows)


def load_cases(path: Path) -> list[Case]:
    import yaml

    raw: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [
        Case(
            id=str(c["id"]),
            question=str(c["question"]),
            sections=tuple(int(s) for s in c.get("sections") or ()),
            facts=tuple(str(f) for f in c.get("facts") or ()),
            history=tuple(str(h) for h in c.get("history") or ()),
            refuse=bool(c.get("refuse", False)),
            tags=tuple(str(t) for t in c.get("tags") or ()),
        )
        for c in raw
    ]


def normalize_fact(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).lower()
    for dash in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212":
        t = t.replace(dash, "-")
    return " ".join(t.split())


def run_case(pipeline: Pipeline, case: Case) -> CaseResult:
    chat = Chat(history=case.history, pipeline=pipeline)
    started = time.perf_counter()
    answer = chat.ask(case.question)
    seconds = time.perf_counter() - started
    query = Chat(history=[*case.history, case.question]).turns[-1].search_query
    request = Request(case.question, query)
    hits = retrieve_hits(pipeline.retriever, request, pipeline.settings.max_question_chars)
    ranked = tuple(dict.fromkeys(h.chunk.section for h in hits))
    body = normalize_fact(answer.text)
    found = sum(1 for f in case.facts if normalize_fact(f) in body)
    return CaseResult(case, answer, ranked, found, seconds)


def evaluate(pipeline: Pipeline, cases: list[Case]) -> Report:
    pipeline.answer(Request("warm-up question about vitamin K2"))
    return Report([run_case(pipeline, c) for c in cases])

"""``k2chat eval``: retrieval and answer quality on a YAML evaluation set.

Each case: ``question``, optional ``history`` (earlier questions of the same conversation),
``sections`` (any of them counts as a hit) and ``facts`` (verbatim strings a right answer
contains), or ``refuse: true`` when the article does not answer it.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from k2chat.chain.answer import Request, retrieve_hits, unsupported_numbers
from k2chat.chat import Chat
from k2chat.evalfile import read_emergencies, read_questions
from k2chat.pipeline import Pipeline
from k2chat.text import normalize_fact
from k2chat.types import Answer

__all__ = [
    "Case", "CaseResult", "EmergencyReport", "Report", "evaluate", "evaluate_emergencies",
    "load_cases", "normalize_fact",
]


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
    def lead_holds_fact(self) -> bool:
        """The first quote holds one of the expected key facts."""
        if not self.answer.citations:
            return False
        lead = normalize_fact(self.answer.citations[0].quote)
        return any(normalize_fact(f) in lead for f in self.case.facts)

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
        refuse = [r for r in self.results if r.case.refuse]
        with_facts = [r for r in answerable if r.case.facts]
        words = [len(r.answer.text.split()) for r in self.results if r.answer.grounded]
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
            "lead@1": sum(r.lead_holds_fact for r in with_facts) / max(len(with_facts), 1),
            "answerable_refused": sum(not r.answer.grounded for r in answerable)
            / max(len(answerable), 1),
            "refuse_answered": sum(r.answer.grounded for r in refuse) / max(len(refuse), 1),
            "median_body_words": statistics.median(words) if words else 0.0,
            "p50_ms": statistics.median(latencies) * 1000 if latencies else 0.0,
        }

    def failures(self) -> list[str]:
        out = []
        for r in self.results:
            problems = []
            if not r.refusal_correct:
                problems.append("refused" if r.case.refuse is False else "answered")
            if r.case.facts and not r.lead_holds_fact and r.answer.grounded:
                problems.append("lead misses the facts")
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
            ("lead@1 (first quote holds a key fact)", f"{m['lead@1']:.3f}"),
            ("refusal accuracy", f"{m['refusal_accuracy']:.3f}"),
            ("answerable refused", f"{m['answerable_refused']:.3f}"),
            ("out of scope answered", f"{m['refuse_answered']:.3f}"),
            ("median answer body (words)", f"{m['median_body_words']:.0f}"),
            ("answers with invented numbers", f"{int(m['invented_numbers'])}"),
            ("p50 latency", f"{m['p50_ms']:.1f} ms"),
        ]
        width = max(len(k) for k, _ in rows)
        return "\n".join(f"{k.ljust(width)}  {v}" for k, v in rows)


def load_cases(path: Path) -> list[Case]:
    """The cases of a question file, checked by :mod:`k2chat.evalfile` (SettingsError lists
    every bad case)."""
    return [
        Case(id=c.id, question=c.question, sections=tuple(c.sections), facts=tuple(c.facts),
             history=tuple(c.history), refuse=c.refuse, tags=tuple(c.tags))
        for c in read_questions(path)
    ]


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


@dataclass(frozen=True)
class EmergencyReport:
    """How the emergency check does on labelled statements (``label``: medical, self_harm or
    none)."""

    results: tuple[tuple[str, str, bool], ...]  # (text, label, flagged)

    def metrics(self) -> dict[str, float]:
        pos = [f for _, label, f in self.results if label != "none"]
        neg = [f for _, label, f in self.results if label == "none"]
        return {"statements": float(len(self.results)),
                "recall": sum(pos) / max(len(pos), 1),
                "false_alarms": sum(neg) / max(len(neg), 1)}

    def table(self) -> str:
        m = self.metrics()
        return (f"statements    {int(m['statements'])}\n"
                f"recall        {m['recall']:.3f}\nfalse alarms  {m['false_alarms']:.3f}")

    def failures(self) -> list[str]:
        return [f"{'missed' if label != 'none' else 'false alarm'}: {text}"
                for text, label, flagged in self.results if flagged != (label != "none")]


def evaluate_emergencies(pipeline: Pipeline, path: Path) -> EmergencyReport:
    """Ask each statement as a question; flagged = the answer carries the emergency redirect."""
    out = []
    for item in read_emergencies(path):
        answer = pipeline.answer(Request(item.text))
        out.append((item.text, str(item.label), answer.emergency))
    return EmergencyReport(tuple(out))


def evaluate(pipeline: Pipeline, cases: list[Case]) -> Report:
    pipeline.answer(Request("warm-up question about vitamin K2"))
    return Report([run_case(pipeline, c) for c in cases])

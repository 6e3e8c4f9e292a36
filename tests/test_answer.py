"""Answers quote the article verbatim, cite it, and always carry the disclaimer."""

import re

import pytest

import k2chat
from k2chat.answer import unsupported_numbers
from k2chat.evaluate import load_cases

from .conftest import CORPUS, EVAL_FILE

ARTICLE = (CORPUS / "vitamin-k2-dosage-bone-health.md").read_text(encoding="utf-8")
CASES = load_cases(EVAL_FILE)


def test_the_backbone_question_states_the_figures_with_markers(settings) -> None:  # type: ignore[no-untyped-def]
    a = k2chat.ask("How much MK-7 is used for osteoporosis?", settings)
    assert a.grounded and not a.emergency
    assert "180–200 mcg" in a.text
    assert "[1]" in a.text
    assert [c.marker for c in a.citations] == list(range(1, len(a.citations) + 1))
    assert a.citations[0].section == 2
    assert a.disclaimer == k2chat.DISCLAIMER


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_every_answer_is_quoted_verbatim_and_ends_with_the_disclaimer(settings, case) -> None:  # type: ignore[no-untyped-def]
    chat = k2chat.Chat(settings, history=case.history)
    a = chat.ask(case.question)
    for c in a.citations:
        assert all(f in ARTICLE for f in c.fragments), c.quote
        assert f"[{c.marker}]" in a.text
        assert c.section in range(1, 7)
    assert not unsupported_numbers(a), unsupported_numbers(a)
    assert a.to_markdown().rstrip().endswith(f"_{k2chat.DISCLAIMER}_")
    assert a.to_markdown().count(k2chat.DISCLAIMER) == 1


@pytest.mark.parametrize(
    "question",
    ["Who won the 2022 World Cup?", "What is the capital of Australia?",
     "How do GLP-1 medications work?", "Does apple cider vinegar suppress appetite?"],
)
def test_out_of_scope_questions_are_refused_without_sources(settings, question) -> None:  # type: ignore[no-untyped-def]
    a = k2chat.ask(question, settings)
    assert not a.grounded
    assert a.citations == ()
    assert "does not cover" in a.text
    assert a.to_markdown().endswith(f"_{k2chat.DISCLAIMER}_")


def test_differing_figures_are_each_shown_with_their_own_citation(settings) -> None:  # type: ignore[no-untyped-def]
    a = k2chat.ask("What is the maintenance dose of vitamin K2 for healthy adults?", settings)
    sections = {c.section for c in a.citations}
    assert len(sections) >= 2, a.text
    figures = [re.findall(r"\d+\s*[–-]\s*\d+", c.quote) for c in a.citations]
    assert len({tuple(f) for f in figures if f}) >= 2, a.text


def test_invented_numbers_are_detected() -> None:
    cited = k2chat.Citation(1, 2, "T", "Doses of 100–200 mcg.", "x-s2-p01", 0.9)
    honest = k2chat.Answer("q", "- Doses of 100–200 mcg. [1]", (cited,))
    invented = k2chat.Answer("q", "- Doses of 100–200 mcg, or 500 mcg. [1]", (cited,))
    assert unsupported_numbers(honest) == set()
    assert unsupported_numbers(invented) == {"500"}

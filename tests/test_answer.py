"""Answers quote the article verbatim, cite it, and always carry the disclaimer."""

import re

import pytest

import k2chat
from k2chat.chain import safety
from k2chat.chain.answer import unsupported_numbers
from k2chat.evaluate import load_cases
from k2chat.text import numbers_in

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


@pytest.mark.parametrize("case", [c for c in CASES if "dose" in c.tags or "dose" in c.id],
                         ids=lambda c: c.id)
def test_the_differing_figures_header_means_what_it_says(settings, case) -> None:  # type: ignore[no-untyped-def]
    """The header appears exactly when two quotes give different amounts for the same form
    from different sections (each with a figure the other lacks: "> 200 mcg MK-7" beside
    "100–200 mcg of MK-7" is no variant of it), and then each figure is quoted with its own
    citation."""
    a = k2chat.Chat(settings, history=case.history).ask(case.question)
    stated = [(set(re.findall(r"MK-?[47]", c.quote)), frozenset(numbers_in(c.quote)),
               c.section) for c in a.citations if re.search(r"\d\s*(mcg|mg|micrograms)", c.quote)]
    differ = any(f1 & f2 and not (n1 <= n2 or n2 <= n1) and s1 != s2
                 for i, (f1, n1, s1) in enumerate(stated) for f2, n2, s2 in stated[i + 1:])
    assert (safety.DIFFERING_FIGURES in a.text) == differ, a.text


def test_invented_numbers_are_detected() -> None:
    cited = k2chat.Citation(1, 2, "T", "Doses of 100–200 mcg.", "x-s2-p01", 0.9)
    honest = k2chat.Answer("q", "- Doses of 100–200 mcg. [1]", (cited,))
    invented = k2chat.Answer("q", "- Doses of 100–200 mcg, or 500 mcg. [1]", (cited,))
    assert unsupported_numbers(honest) == set()
    assert unsupported_numbers(invented) == {"500"}

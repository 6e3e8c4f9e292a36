"""A follow-up that asks for an amount and names nothing else asks the dose of the subject the
conversation is on (blind rounds 9-10: "ok, how much should I take then?" after a DOAC or a
benefit question was refused as not covered)."""

from __future__ import annotations

import re

import pytest

from k2chat.chain.answerable import bare_dose_followup
from k2chat.chat import Chat

AMOUNT = re.compile(r"\d+\s*(?:–|-)?\s*\d*\s*(?:mcg|micrograms|mg)\b", re.IGNORECASE)


@pytest.mark.parametrize("text", [
    "alright, what amount then?", "so how much do I take?", "fine. what's the dose?",
    "how many micrograms would I need?", "ok thanks, and the dosage?",
])
def test_a_bare_amount_question_is_a_dose_follow_up(text: str) -> None:
    assert bare_dose_followup(text)


@pytest.mark.parametrize("text", [
    "and zinc, how much of that?", "how much should my wife take?", "what about for MK-4?",
    "how much cheese is that?", "is it safe?",
])
def test_a_follow_up_naming_something_else_is_not(text: str) -> None:
    assert not bare_dose_followup(text)


def _after(pipeline, first: str, then: str):  # type: ignore[no-untyped-def]
    chat = Chat(pipeline=pipeline)
    chat.ask(first)
    return chat.ask(then)


def test_after_a_doac_question_the_dose_follow_up_gets_the_doac_statements_not_a_range(
        pipeline) -> None:  # type: ignore[no-untyped-def]
    # answered, not refused (rounds 9-10); since round 15 DOACs are restrictive ("a proactive
    # discussion ... is non-negotiable"): the DOAC statement, and no general range after it.
    # (Its near-twin, "... medical guidance is still prudent due to individual variability",
    # no longer follows: graders of rounds 25-30 marked it as padding, shape.REPEAT_SHARE.)
    answer = _after(pipeline, "My mum is on rivaroxaban. Does vitamin K2 clash with it?",
                    "okay, so what amount per day then?")
    assert answer.grounded and not answer.emergency
    assert "non-negotiable" in answer.citations[0].quote
    assert "individual variability" not in answer.text, answer.text
    assert not any(AMOUNT.search(c.quote) for c in answer.citations), answer.text


def test_after_a_benefit_question_the_dose_follow_up_is_answered_with_a_range(
        pipeline) -> None:  # type: ignore[no-untyped-def]
    answer = _after(pipeline, "Does K2 really do anything for bone strength?",
                    "fine, how much would I take?")
    assert answer.grounded and AMOUNT.search(answer.citations[0].quote)


def test_after_a_warfarin_question_the_dose_follow_up_gets_no_amount(
        pipeline) -> None:  # type: ignore[no-untyped-def]
    answer = _after(pipeline, "Is it ok to add K2 while I'm on Coumadin?",
                    "alright, what dose then?")
    assert answer.grounded
    assert "strongly advise against" in answer.citations[0].quote
    assert not any(AMOUNT.search(c.quote) for c in answer.citations)


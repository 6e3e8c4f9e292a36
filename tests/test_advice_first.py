"""Groups the article tells to seek advice before starting K2 (surgery, clotting disorders, fat
malabsorption, chronic heart and blood-vessel conditions: `advice_first` in the safety data),
and what K2 itself does to blood. Blind rounds 6, 11 and 12 asked about an upcoming joint
replacement and got no surgery statement (two were refused); round 12's "Does K2 thin your
blood?" was told "You mentioned a blood-thinning medicine". The wordings here are new, not the
rounds'."""

from __future__ import annotations

from pathlib import Path

import pytest

from k2chat.chain import medicines
from k2chat.chat import Chat
from k2chat.store.statements import load_topics

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
SURGERY = "Planning for surgery in the near future."


def test_advice_first_groups_are_the_seek_advice_ones() -> None:
    marked = {t.name for t in load_topics(CORPUS) if t.advice_first}
    assert marked == {"surgery", "clotting disorders", "fat malabsorption",
                      "heart and blood vessel conditions"}
    # never a medicine or the food topic: questions the article does not answer touch those
    assert not any(t.advice_first and (t.drugs or t.other_drugs) for t in load_topics(CORPUS))


@pytest.mark.parametrize("question", [
    "My hip is being replaced next month. Do I keep taking my MK-7 until then?",
    "shoulder replacement booked for january, anything to know about vitamin K2 before it?",
    "They're going to operate on my knee in a few weeks - should I pause the K2?",
])
def test_a_k2_question_before_an_operation_leads_with_the_surgery_statement(
        pipeline, question: str) -> None:  # type: ignore[no-untyped-def]
    answer = Chat(pipeline=pipeline).ask(question)
    assert answer.citations, answer.text
    assert SURGERY in answer.citations[0].quote, answer.text


@pytest.mark.parametrize("question", [
    "How long does it take to recover from a knee replacement?",  # no K2 in it
    "Which painkiller is best after hip surgery?",
])
def test_other_questions_are_still_refused(pipeline, question: str,  # type: ignore[no-untyped-def]
                                           ) -> None:
    answer = Chat(pipeline=pipeline).ask(question)
    assert not answer.citations, answer.text


@pytest.mark.parametrize("question, named", [
    ("Does K2 thin your blood?", False),
    ("can MK-7 actually thin the blood??", False),
    ("does it thin my blood at all", False),
    ("I take a tablet to thin my blood, is K2 ok?", True),
    ("my cardiologist put me on something that thins my blood", True),
    ("K2 and blood thinners, any problem?", True),
])
def test_a_blood_thinning_phrase_names_a_medicine_only_when_k2_is_not_its_subject(
        question: str, named: bool) -> None:
    assert medicines.mentions_anticoagulant(question) is named


def test_asking_whether_k2_thins_blood_gets_no_blood_thinner_note(pipeline,  # type: ignore[no-untyped-def]
                                                                   ) -> None:
    answer = Chat(pipeline=pipeline).ask(
        "Can vitamin K2 thin the blood? I bruise more since I started it.")
    assert "You mentioned" not in answer.text
    assert any("easy bruising" in c.quote for c in answer.citations), answer.text

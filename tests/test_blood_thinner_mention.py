"""One place decides that a reader mentions a blood-thinning medicine:
``k2chat.chain.medicines.mentions_anticoagulant``. It sets the caution's flag, and the article's
blood-thinner topics (``corpus/<article>.safety.yaml``, kind ``blood_thinner``) are touched only
when it finds a mention; the topics' drugs and words then choose which caution. Before, the
class topic had its own phrase list, and a reader whose words the function read as a blood
thinner but the list did not ("vitamin K antagonist", "clot buster", "blood thiners") got the
flag and no caution (issue 24, house3)."""

from __future__ import annotations

from pathlib import Path

import pytest

import k2chat
from k2chat.chain import medicines
from k2chat.chain.topics import SafetyTopics
from k2chat.chat import Chat
from k2chat.store.statements import load_topics

CORPUS = Path(k2chat.__file__).parents[2] / "corpus"
CAUTION = "The article's caution about blood thinners applies"  # (the note before it)

# (question, the function finds a blood thinner in it); each side of the one decision.
CASES = [
    ("I'm on a vitamin K antagonist, can I take K2?", True),
    ("I take a clot buster after my stroke, is MK-7 ok?", True),
    ("k2 ok with blood thiners?", True),
    ("My doctor put me on heparin injections, can I keep my K2?", True),
    ("I take a tablet to thin my blood, is K2 ok?", True),
    ("Does K2 thin your blood?", False),
    ("can MK-7 actually thin the blood??", False),
    ("How much MK-7 is used for osteoporosis?", False),
]


@pytest.fixture(scope="module")
def topics(pipeline):  # type: ignore[no-untyped-def]
    return SafetyTopics(load_topics(CORPUS), pipeline.index.chunks)


@pytest.mark.parametrize(("question", "mentions"), CASES)
def test_a_blood_thinner_topic_is_touched_exactly_when_the_safety_rule_finds_a_mention(
        pipeline, topics, question: str, mentions: bool) -> None:  # type: ignore[no-untyped-def]
    assert medicines.mentions_anticoagulant(question) is mentions
    lex = pipeline.retriever.lexical
    thinners = [t for t, _ in topics.touched(question, lex) if t.kind == "blood_thinner"]
    assert bool(thinners) is mentions, [t.name for t in thinners]
    if mentions:  # the class's topic is always among them, after the reader's own drug's
        assert thinners[-1].whole_class


@pytest.mark.parametrize(("question", "mentions"), CASES)
def test_the_caution_is_shown_exactly_when_the_safety_rule_finds_a_mention(
        pipeline, question: str, mentions: bool) -> None:  # type: ignore[no-untyped-def]
    answer = Chat(pipeline=pipeline).ask(question)
    assert (CAUTION in answer.text) is mentions, answer.text


def test_every_blood_thinner_the_topics_name_is_one_the_safety_rule_finds() -> None:
    """The data chooses among blood thinners; it cannot name one the rule does not know."""
    for topic in load_topics(CORPUS):
        if topic.kind == "blood_thinner":
            for name in sorted(topic.drugs | topic.words):
                assert medicines.mentions_anticoagulant(f"I take {name}"), (topic.name, name)


# Round 17: "zarelto" (Xarelto with the first letter a reader hears) got no caution. Round 18:
# a reader being moved from a DOAC to warfarin got the DOAC line alone. New wordings.
def test_a_sound_alike_first_letter_is_read_as_the_blood_thinner() -> None:
    assert "rivaroxaban" in medicines.anticoagulants_named("is it ok with my zarelto pills")
    assert "warfarin" in medicines.anticoagulants_named("koumadin and k2?")


def test_the_drug_a_reader_is_moving_to_gives_the_caution() -> None:
    answer = k2chat.ask("They're changing me over from Xarelto to Coumadin after my valve "
                        "repair. Is MK-7 still an option?")
    assert answer.citations and "warfarin" in answer.citations[0].quote.lower(), answer.text

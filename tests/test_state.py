"""Conversation state as data: the subject and the reader's stated facts (issue 21, item 4)."""

import json

import pytest

import k2chat
from k2chat.chain.state import ConversationState, facts_in, without_negated
from k2chat.store.profile import load_profile

from .conftest import CORPUS

_DIALYSIS_LINE = "requiring dialysis"
# The K2 article's forms, as its profile names them (corpus/<article>.profile.yaml)
FORMS = frozenset(load_profile(CORPUS).forms)


@pytest.mark.parametrize(
    ("message", "expected"),
    [("I'm not on dialysis, what's a normal dose?", {"dialysis": False}),
     ("my kidneys are weak but I'm not on dialysis yet", {"kidney": True, "dialysis": False}),
     ("I go to dialysis three times a week", {"dialysis": True, "kidney": True}),
     ("no blood thinners for me", {"anticoagulant": False}),
     ("I don't take Xarelto anymore", {"anticoagulant": False}),
     ("started on coumadin last month", {"anticoagulant": True}),
     ("not pregnant, but I am nursing", {"pregnancy": False, "breastfeeding": True}),
     ("my 9 year old wants to try it", {"children": True}),
     ("I have cirrhosis", {"liver": True}),
     ("How much MK-7 for bones?", {})],
)
def test_facts_and_their_negation_are_read_per_clause(message: str, expected: dict) -> None:  # type: ignore[type-arg]
    assert facts_in(message)[0] == expected


@pytest.mark.parametrize(("message", "age"), [("I'm 71 and have osteopenia", 71),
                                               ("I am a 58 year old man", 58),
                                               ("my dad is 80", None), ("I take 200 mcg", None)])
def test_the_readers_own_age_is_kept_and_nobody_elses(message: str, age: int | None) -> None:
    assert facts_in(message)[1] == age


def test_a_negated_group_excludes_its_statements_and_nothing_else() -> None:
    state = ConversationState().after("I have kidney disease but I'm not on dialysis")
    assert state.excludes("Those with rare kidney disease requiring dialysis or severe liver "
                          "impairment should also exercise caution")
    assert not state.excludes("Those with severe kidney disease or a history of fat "
                              "malabsorption should also seek medical advice")
    nursing = ConversationState().after("I'm not pregnant, I'm breastfeeding")
    assert not nursing.excludes("Pregnant or breastfeeding individuals, due to the lack of "
                                "robust safety data")
    assert nursing.excludes("Supplementation is not typically recommended for children or "
                            "pregnant women outside of specific clinical guidance.")


def test_an_adults_stated_age_rules_out_the_childrens_line() -> None:
    state = ConversationState().after("I'm 64, how much K2?")
    assert state.excludes("Supplementation is not typically recommended for children")
    parent = ConversationState().after("I'm 40 and my 7 year old asked about gummies")
    assert not parent.excludes("Supplementation is not typically recommended for children")


def test_a_later_sentence_reasserts_a_negated_group_only_when_it_points_back() -> None:
    """"Not on X. But I restart it Monday" keeps the reader on X (the safe reading); "not on
    X, no liver trouble. But I have a hip operation soon" tells something new."""
    kept = without_negated("I'm not on Xarelto at the moment. But I go back on it next week.")
    assert "xarelto" in kept.lower()
    gone = without_negated("Fit and well, not taking any anticoagulant, no liver trouble. "
                           "But I have a hip operation soon. Should I pause K2?")
    assert "anticoagulant" not in gone.lower()
    answer = k2chat.ask("Fit and well, not taking any anticoagulant, no liver trouble. But I "
                        "have a hip operation soon. Should I pause K2?")
    assert "blood-thinning" not in answer.text, answer.text


def test_negated_words_leave_the_search_text() -> None:
    assert "dialysis" not in without_negated("I'm not on dialysis. Who should be careful?")
    assert without_negated("not on dialysis?") == "not on dialysis?"  # nothing else to search


def test_the_subject_form_comes_from_the_question_or_else_the_previous_answer() -> None:
    state = ConversationState(known_forms=FORMS).after(
        "what dose for bones?",
        "In practice, a daily supplement providing 100–200 mcg of MK-7 is a common approach")
    assert state.form == "mk7"
    assert state.off_subject_form("For MK-4 (Menaquinone-4): 45 milligrams (mg).", "mcg or mg?")
    assert not state.off_subject_form("For MK-7 (Menaquinone-7): 90–180 micrograms (mcg).",
                                      "mcg or mg?")
    # a question naming its own form decides
    assert not state.off_subject_form("For MK-4: 45 mg.", "and for MK-4?")
    assert state.after("and MK-4?").form == "mk4"
    assert state.after("MK-4 vs MK-7?").form is None  # a comparison has no single subject


def test_state_is_plain_data_and_recomputable_from_turns() -> None:
    turns = [("I'm on warfarin, is MK-7 ok?", "For MK-7 (Menaquinone-7): 90–180 mcg."),
             ("I'm 70 and not on dialysis", None)]
    state = ConversationState.from_turns(turns, FORMS)
    assert state.on_blood_thinner and state.age == 70 and state.form == "mk7"
    assert state.negated >= {"dialysis", "children"}
    again = ConversationState.from_dict(json.loads(json.dumps(state.to_dict())), FORMS)
    assert again == state and again.known_forms == FORMS == {"mk4", "mk7"}


def test_forms_are_the_profiles_not_the_codes() -> None:
    """Without the articles' forms no form is read; with another article's, its own are."""
    assert ConversationState().after("and MK-4?").form is None
    vitamin_d = ConversationState(known_forms=frozenset({"d2", "d3"}))
    assert vitamin_d.after("How much D3 per day?").form == "d3"
    assert vitamin_d.after("and MK-4?").form is None


def test_chat_keeps_the_state_of_its_turns(settings) -> None:  # type: ignore[no-untyped-def]
    chat = k2chat.Chat(settings)
    chat.ask("I'm not on any blood thinners. What MK-7 dose do studies use?")
    assert chat.state.stated("anticoagulant") is False and chat.state.form == "mk7"
    assert not chat.state.on_blood_thinner
    rebuilt = k2chat.Chat(settings, history=[t.question for t in chat.turns])
    assert rebuilt.state.facts == chat.state.facts


def test_a_reader_not_on_dialysis_never_gets_the_dialysis_line(settings) -> None:  # type: ignore[no-untyped-def]
    """Issue 21: a reader who said she is not on dialysis got the dialysis sentence."""
    for question in ("I'm not on dialysis. Who needs to be careful with K2?",
                     "my kidneys are fine, no dialysis or anything. any groups that should "
                     "avoid vitamin k2?"):
        a = k2chat.ask(question, settings)
        assert a.grounded, a.text
        assert _DIALYSIS_LINE not in a.text, a.text
    chat = k2chat.Chat(settings)
    chat.ask("Quick background: I'm 70 and not on dialysis.")
    a = chat.ask("Which kidney problems matter for vitamin K2?")
    assert _DIALYSIS_LINE not in a.text, a.text


@pytest.mark.parametrize("first", ["What's the usual MK-7 dose?",
                                   "How much K2 should I take for my bones?"])
@pytest.mark.parametrize("unit_question", ["is that mcg or mg?", "mg or mcg??",
                                           "wait, micrograms or milligrams?"])
def test_a_unit_question_stays_on_the_previous_answers_form(settings, first: str,  # type: ignore[no-untyped-def]
                                                            unit_question: str) -> None:
    """Issue 21: "is that mcg or mg?" after an MK-7 answer got MK-4's "45 mg" quotes."""
    chat = k2chat.Chat(settings)
    before = chat.ask(first)
    assert any("MK-7" in c.quote for c in before.citations), before.text
    a = chat.ask(unit_question)
    assert a.citations, a.text
    for c in a.citations:
        assert "MK-7" in c.quote or "MK-4" not in c.quote, a.text
    assert "45 mg" not in a.text and "45 milligrams" not in a.text, a.text


# Blind rounds 15 and 16, in new wordings: a contrast in the same sentence re-asserts a
# negated group only when it points back; an eponym's parts are no group words; a group word
# naming a part of the article is no fact about the reader.
def test_a_same_sentence_contrast_that_tells_something_new_keeps_the_negation() -> None:
    facts = facts_in("not breastfeeding anymore lol, but my hip surgery is next month")[0]
    assert facts.get("pregnancy") is not True and facts.get("breastfeeding") is not True
    assert facts.get("surgery") is True


def test_an_eponym_is_not_read_as_its_words() -> None:
    facts = facts_in("my hepatologist scored me Child-Pugh B last spring")[0]
    assert "children" not in facts
    assert "children" in facts_in("my child has a cold")[0]


def test_a_group_word_naming_part_of_the_article_is_no_fact_about_the_reader() -> None:
    message = ("never taken an anticoagulant in my life, so that warfarin section isn't "
               "for me, right?")
    assert facts_in(message)[0].get("anticoagulant") is False
    answer = k2chat.ask(message)
    assert "blood-thinning" not in answer.text, answer.text
    assert facts_in("the Eliquis part worries me, I'm on Eliquis")[0].get("anticoagulant")


# Round 19: "kidneys and liver were fine on my last bloodwork" clears them, as "kidneys and
# liver fine" does. New wording.
def test_organs_that_came_back_fine_are_cleared() -> None:
    facts = facts_in("liver and kidneys came back normal at my check-up, how much MK-7?")[0]
    assert facts.get("liver") is False and facts.get("kidney") is False

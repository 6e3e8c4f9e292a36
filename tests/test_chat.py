"""Conversations: follow-ups are resolved against earlier turns."""

import pytest

import k2chat
from k2chat.chain import medicines
from k2chat.chain.followup import is_followup, resolve_followup
from k2chat.chat import Chat
from k2chat.store.profile import load_profile
from k2chat.vocabulary import Vocabulary

from .conftest import CORPUS

K2_WORDS = load_profile(CORPUS).vocabulary  # the K2 article's profile


def test_follow_up_about_time_to_work_answers_onset(settings) -> None:  # type: ignore[no-untyped-def]
    chat = k2chat.Chat(settings)
    chat.ask("How much MK-7 is used for osteoporosis?")
    a = chat.ask("How long does it take to work?")
    assert a.grounded
    assert "within weeks" in a.text or "over years" in a.text, a.text


def test_and_for_mk4_swaps_the_form(settings) -> None:  # type: ignore[no-untyped-def]
    chat = k2chat.Chat(settings)
    chat.ask("How much MK-7 is used for osteoporosis?")
    a = chat.ask("And for MK-4?")
    assert "45 mg" in a.text or "45 milligrams" in a.text, a.text


def test_medication_follow_up_brings_the_caution(settings) -> None:  # type: ignore[no-untyped-def]
    chat = k2chat.Chat(settings)
    chat.ask("What dose of MK-7 is typical for bone health?")
    a = chat.ask("Is that safe with warfarin?")
    assert any("warfarin" in c.quote.lower() or "anticoagulant" in c.quote.lower()
               for c in a.citations)


def test_separate_chats_do_not_share_turns(settings) -> None:  # type: ignore[no-untyped-def]
    one, two = k2chat.Chat(settings), k2chat.Chat(settings)
    one.ask("How much MK-7 is used for osteoporosis?")
    assert len(one.turns) == 1 and two.turns == ()


@pytest.mark.parametrize(
    ("question", "expected"),
    [("And for MK-4?", True), ("How long does it take to work?", True), ("why?", True),
     ("Is that safe with my medication?", True),
     ("How much MK-7 is used for osteoporosis?", False),
     ("What are the side effects of vitamin K2?", False)],
)
def test_followup_detection(question: str, expected: bool) -> None:
    assert is_followup(question, K2_WORDS) is expected


def test_a_self_contained_question_is_not_rewritten() -> None:
    assert resolve_followup("Can I take vitamin K2 with warfarin?", "How much MK-7?",
                            K2_WORDS) is None
    assert resolve_followup("And for MK-4?", None, K2_WORDS) is None


def test_form_and_subject_names_are_the_profiles() -> None:
    """The K2 article's profile names its forms and subject: "And for MK-4?" swaps the form
    and "Can I combine it with warfarin?" stands on its own; without the names it leans on
    the previous turn."""
    assert resolve_followup("And for MK-4?", "How much MK-7 is used for osteoporosis?",
                            K2_WORDS) == "How much MK-4 is used for osteoporosis? for ?"
    assert not is_followup("Can I combine it with warfarin?", K2_WORDS)
    assert is_followup("Can I combine it with warfarin?", Vocabulary())


def test_the_substance_names_are_the_profiles() -> None:
    """The K2 article's profile names its substance (forms and other names): a question naming
    one is about K2, one naming only a medicine or a group is not; an empty vocabulary names
    nothing."""
    for text in ("is mk7 as good as actonel?", "menaquinones and bones", "vitamin k and me",
                 "is k2 safe?", "vitamin k2 dose"):
        assert K2_WORDS.names_substance.search(text), text
    for text in ("is warfarin safe?", "i have osteoporosis", "how much zinc?"):
        assert not K2_WORDS.names_substance.search(text), text
    assert not Vocabulary().names_substance.search("is mk7 as good as actonel?")


def test_a_blood_thinner_named_earlier_keeps_its_caution(settings) -> None:  # type: ignore[no-untyped-def]

    chat = k2chat.Chat(settings)
    chat.ask("I'm on Coumadin. Is K2 a problem?")
    a = chat.ask("ok and can I eat more natto and cheese then?")
    assert any(medicines.is_caution(c.quote) for c in a.citations), a.text


def test_a_restored_chat_is_the_chat_it_was(pipeline) -> None:  # type: ignore[no-untyped-def]
    """A conversation continued on another instance or after a restart (Chat.restore, from the
    turns a client sends back) keeps the conversation's state, so its follow-up is answered as
    the first instance would have answered it."""
    first = Chat(pipeline=pipeline)
    first.ask("I'm not on dialysis. How much MK-7 is used for osteoporosis?")
    second = Chat(pipeline=pipeline)
    second.restore((t.question, t.search_query, t.answer) for t in first.turns)
    assert second.state == first.state and second.state.form
    assert second.ask("And for MK-4?").text == first.ask("And for MK-4?").text

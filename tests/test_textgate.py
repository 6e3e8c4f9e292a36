"""The text gate (issue 22, items 5 and 6): every question is encodable, and look-alike letters
of other scripts inside Latin words are read as the Latin letters they imitate, so safety and
drug rules see them; plain text, and words of one other script, are never changed."""

from __future__ import annotations

import pytest

import k2chat
from k2chat.chain.medicines import is_caution
from k2chat.chat import Chat
from k2chat.settings import Settings
from k2chat.text import clean_question
from k2chat.textgate import REPLACEMENT, fold_lookalikes, gate, readable

LOOKALIKES = [
    ("Can I take K2 with w\u0430rfarin?", "Can I take K2 with warfarin?"),  # Cyrillic a
    ("Can I take K2 with c\u03bfumadin?", "Can I take K2 with coumadin?"),  # Greek omicron
    ("Is K2 safe with \u0435liquis?", "Is K2 safe with eliquis?"),  # Cyrillic ie
    ("K2 and \u0399\u0395LIQUIS", "K2 and IELIQUIS"),  # Greek capitals, still a Latin word
]


@pytest.mark.parametrize(("spoofed", "plain"), LOOKALIKES)
def test_lookalike_letters_are_folded_to_latin(spoofed: str, plain: str) -> None:
    assert fold_lookalikes(spoofed) == plain
    assert clean_question(spoofed) == clean_question(plain)


@pytest.mark.parametrize("text", [
    "How much vitamin K2 should I take?",  # ASCII: returned as is
    "100 \u00b5g of MK\u20117 \u2013 daily \u00d7 2",  # micro sign, dashes, times: no script
    "Wie viel Vitamin K2 f\u00fcr Knochen? na\u00efve caf\u00e9",  # Latin with accents
    "\u0421\u043a\u043e\u043b\u044c\u043a\u043e K2 \u043d\u0443\u0436\u043d\u043e?",  # Russian
    "\u03a0\u03cc\u03c3\u03b7 \u03b2\u03b9\u03c4\u03b1\u03bc\u03af\u03bd\u03b7 K2;",  # Greek
    "\u30d3\u30bf\u30df\u30f3K2\u306f\uff1f",  # Japanese beside K2
])
def test_ordinary_text_is_never_changed(text: str) -> None:
    assert fold_lookalikes(text) == text


@pytest.mark.parametrize(("raw", "shown"), [
    ("How much K2 \ud800?", f"How much K2 {REPLACEMENT}?"),
    ("\udcff\udcfe", REPLACEMENT * 2),  # undecodable argv bytes (surrogateescape)
    (None, ""), (42, "42"), ("fine", "fine"),
])
def test_unencodable_code_points_are_replaced(raw: object, shown: str) -> None:
    assert readable(raw) == shown
    readable(raw).encode("utf-8")  # never raises
    assert gate(raw) == shown


@pytest.mark.parametrize(("spoofed", "plain"), LOOKALIKES[:3])
def test_the_library_answers_lookalikes_as_the_plain_spelling(
        settings: Settings, spoofed: str, plain: str) -> None:
    """k2chat.ask (and with it the CLI): the blood-thinner caution is there for both."""
    spoofed_answer, plain_answer = k2chat.ask(spoofed, settings), k2chat.ask(plain, settings)
    assert is_caution(plain_answer.text)  # the control
    assert spoofed_answer.text == plain_answer.text


def test_a_conversation_remembers_a_lookalike_blood_thinner(settings: Settings) -> None:
    """Chat.ask: a later turn inherits the caution from a look-alike spelling too."""
    spoofed, plain = Chat(settings), Chat(settings)
    spoofed.ask("I take w\u0430rfarin every day.")
    plain.ask("I take warfarin every day.")
    follow = "How much MK-7 should I take for my bones?"
    assert spoofed.ask(follow).text == plain.ask(follow).text

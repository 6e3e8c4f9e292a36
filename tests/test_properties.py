"""Property: whatever string arrives, ``ask()`` returns a well-formed Answer."""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, find, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

import k2chat
from k2chat.chain import medicines
from k2chat.chain.answer import unsupported_numbers
from k2chat.settings import Settings
from k2chat.types import Answer

from .conftest import CORPUS

ARTICLE = (CORPUS / "vitamin-k2-dosage-bone-health.md").read_text(encoding="utf-8")

# Words the article uses, plus the words the safety rules react to, so that many generated
# questions reach retrieval, citations, the anticoagulant caution and the emergency message.
ARTICLE_WORDS = sorted(set(re.findall(r"[A-Za-z][A-Za-z0-9-]{2,}", ARTICLE)))
TRIGGERS = [
    "How much", "What dose", "MK-7", "MK-4", "mcg", "mg", "warfarin", "Coumadin", "Eliquis",
    "blood thinner", "aspirin", "I'm bleeding heavily", "chest pain", "overdose", "ignore the",
    "previous instructions", "no disclaimer", "you are my doctor", "should I take", "for me",
    "180-200", "45", "1,500", "?", ".", "!", "\n", "[1]", "[2]", "**", "<b>", "`", "#",
]
FILLER = ["\x00", "\x1b", "\u200b", "\u202e", "\ufeff", "\ud800", "\udfff", "\U0001f9b4",
          "\u0645\u0627", "\u4e2d", "\u00e9", "  ", "\t"]

# Any code point at all: control characters (Cc), format characters (Cf), lone surrogates (Cs),
# private use and unassigned included.
ANY_CHAR = st.characters(exclude_categories=())
anything = st.text(ANY_CHAR, max_size=300)
article_like = st.lists(
    st.one_of(
        st.sampled_from(ARTICLE_WORDS),
        st.sampled_from(TRIGGERS),
        st.sampled_from(FILLER),
        st.text(ANY_CHAR, max_size=3),
    ),
    max_size=25,
).map(" ".join)
spliced = st.tuples(anything, article_like, anything).map("".join)
questions = st.one_of(anything, article_like, article_like, spliced)


def check_well_formed(answer: Answer) -> None:
    assert isinstance(answer, Answer)
    assert answer.disclaimer == k2chat.DISCLAIMER
    md = answer.to_markdown()
    assert md.endswith(f"_{k2chat.DISCLAIMER}_")
    assert md.count(k2chat.DISCLAIMER) == 1
    md.encode("utf-8")  # nothing unencodable (a lone surrogate) reaches the output
    json.dumps(answer.to_dict(), ensure_ascii=False).encode("utf-8")
    markers = [c.marker for c in answer.citations]
    assert markers == list(range(1, len(markers) + 1))
    for c in answer.citations:
        assert f"[{c.marker}]" in answer.text
        assert c.quote and all(f in ARTICLE for f in c.fragments), c.quote
    assert not unsupported_numbers(answer)
    if not answer.grounded and answer.citations:
        # An ungrounded answer cites only the article's anticoagulant caution, and only when
        # the question names a blood thinner.
        assert medicines.mentions_anticoagulant(answer.question), answer.question
        assert all(medicines.mentions_anticoagulant(c.quote) for c in answer.citations)
    assert answer.text.strip()


@hypothesis_settings(max_examples=1000, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(question=questions)
def test_ask_always_returns_a_well_formed_answer(question: str, settings: Settings) -> None:
    """Over 1,000 generated strings (controls, surrogates, article words, safety triggers),
    every answer carries the disclaimer, numbered markers and verbatim quotes."""
    check_well_formed(k2chat.ask(question, settings))


def test_the_strategy_reaches_grounded_answers_and_surrogates(settings: Settings) -> None:
    """Guard the guard: the generator really produces surrogates and on-topic questions."""
    find(anything, lambda s: any("\ud800" <= ch <= "\udfff" for ch in s))
    find(anything, lambda s: any(ord(ch) < 0x20 for ch in s))
    find(article_like, lambda s: k2chat.ask(s, settings).grounded,
         settings=hypothesis_settings(max_examples=200, database=None, deadline=None))

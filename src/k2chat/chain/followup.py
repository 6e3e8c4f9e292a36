"""Follow-up questions: does a question lean on an earlier turn ("And for MK-4?", "Is that
safe?"), and the question made self-contained with that turn's topic."""

from __future__ import annotations

import re

from k2chat.text import STOPWORDS, clean_question

__all__ = ["is_followup", "resolve_followup"]


_FOLLOWUP_START = re.compile(
    r"^(and|but|also|so|then|what about|how about|what if|same for|is that|is it|are they|"
    r"does it|does that|do they|can it|will it|should it|why|how come|ok|okay|what else)\b",
    re.IGNORECASE,
)
_PRONOUN = re.compile(r"\b(it|its|that|this|they|them|those|these|there)\b", re.IGNORECASE)
_ENTITY = re.compile(
    r"\b(mk[\s-]?\d+|menaquinone[\s-]?\d+|k[\s-]?[12]|vitamin k[12]?|phylloquinone|warfarin|"
    r"coumadin|osteoporosis|osteopenia)\b",
    re.IGNORECASE,
)

# A unit named with no form or amount ("mcg or mg?", "micrograms or milligrams?") asks about
# the figures of the previous answer.
_UNIT = re.compile(r"\b(mcg|mg|micrograms?|milligrams?|µg|ug|iu|units?)\b", re.IGNORECASE)
_FORM = re.compile(r"\b(mk[\s-]?\d+|menaquinone[\s-]?\d+|k[\s-]?[12])\b", re.IGNORECASE)

# Words that say what the earlier question wanted, not what it was about.
_INTENT = frozenset(
    "much many long dose doses dosage dosing take taking used use work works working safe "
    "often need needed recommended best good bad okay should daily day best right".split()
)


def is_followup(question: str) -> bool:
    """Does the question lean on an earlier turn ("And for MK-4?", "Is that safe?")?"""
    q = question.strip()
    words = [w for w in re.findall(r"[\w-]+", q.lower()) if w not in STOPWORDS]
    if _FOLLOWUP_START.match(q):
        return True
    if len(words) <= 2 and not _ENTITY.search(q):
        return True
    if _UNIT.search(q) and not _ENTITY.search(q) and not re.search(r"\d", q):
        return True
    return bool(_PRONOUN.search(q)) and not _ENTITY.search(q)


def resolve_followup(question: str, previous: str | None) -> str | None:
    """The question made self-contained with the earlier turn's topic, or None if it is."""
    if not previous or not is_followup(question):
        return None
    new_forms = _FORM.findall(question)
    old_forms = _FORM.findall(previous)
    if new_forms and old_forms:
        # "And for MK-4?" after "How much MK-7 ...?" asks the same about MK-4.
        base = _FORM.sub(new_forms[0], previous)
        rest = _FORM.sub(" ", _FOLLOWUP_START.sub(" ", question))
        return clean_question(f"{base} {rest}")
    asked = {w.lower() for w in re.findall(r"[\w-]+", question)}
    carry = [
        w for w in re.findall(r"[\w-]+", previous)
        if w.lower() not in STOPWORDS and w.lower() not in _INTENT and w.lower() not in asked
    ]
    return clean_question(f"{question} {' '.join(dict.fromkeys(carry))}")

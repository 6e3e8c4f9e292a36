"""Follow-up questions: does a question lean on an earlier turn ("And for MK-4?", "Is that
safe?"), and the question made self-contained with that turn's topic."""

from __future__ import annotations

import re

from k2chat.text import STOPWORDS, clean_question
from k2chat.vocabulary import Vocabulary

__all__ = ["is_followup", "resolve_followup"]


_FOLLOWUP_START = re.compile(
    r"^(and|but|also|so|then|what about|how about|what if|same for|is that|is it|are they|"
    r"does it|does that|do they|can it|will it|should it|why|how come|ok|okay|what else)\b",
    re.IGNORECASE,
)
_PRONOUN = re.compile(r"\b(it|its|that|this|they|them|those|these|there)\b", re.IGNORECASE)

# A unit named with no form or amount ("mcg or mg?", "micrograms or milligrams?") asks about
# the figures of the previous answer.
_UNIT = re.compile(r"\b(mcg|mg|micrograms?|milligrams?|µg|ug|iu|units?)\b", re.IGNORECASE)

# Words that say what the earlier question wanted, not what it was about.
_INTENT = frozenset(
    "much many long dose doses dosage dosing take taking used use work works working safe "
    "often need needed recommended best good bad okay should daily day best right".split()
)


def is_followup(question: str, vocabulary: Vocabulary) -> bool:
    """Does the question lean on an earlier turn ("And for MK-4?", "Is that safe?")?
    ``vocabulary``: the corpus's; a form or subject name (``names_subject``, from the
    profiles' ``form_names`` and ``subject_names``) makes a question stand on its own."""
    q = question.strip()
    entity = vocabulary.names_subject
    words = [w for w in re.findall(r"[\w-]+", q.lower()) if w not in STOPWORDS]
    if _FOLLOWUP_START.match(q):
        return True
    if len(words) <= 2 and not entity.search(q):
        return True
    if _UNIT.search(q) and not entity.search(q) and not re.search(r"\d", q):
        return True
    return bool(_PRONOUN.search(q)) and not entity.search(q)


def resolve_followup(question: str, previous: str | None,
                     vocabulary: Vocabulary) -> str | None:
    """The question made self-contained with the earlier turn's topic, or None if it is.
    ``vocabulary``: the corpus's (how its profiles write form and subject names)."""
    if not previous or not is_followup(question, vocabulary):
        return None
    form = vocabulary.form_name
    new_forms = form.findall(question)
    old_forms = form.findall(previous)
    if new_forms and old_forms:
        # "And for MK-4?" after "How much MK-7 ...?" asks the same about MK-4.
        base = form.sub(new_forms[0], previous)
        rest = form.sub(" ", _FOLLOWUP_START.sub(" ", question))
        return clean_question(f"{base} {rest}")
    asked = {w.lower() for w in re.findall(r"[\w-]+", question)}
    carry = [
        w for w in re.findall(r"[\w-]+", previous)
        if w.lower() not in STOPWORDS and w.lower() not in _INTENT and w.lower() not in asked
    ]
    return clean_question(f"{question} {' '.join(dict.fromkeys(carry))}")

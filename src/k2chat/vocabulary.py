"""The articles' own words that the code matches text with, as one frozen object.

:class:`Vocabulary` is built from the corpus's profiles (``corpus/<article>.profile.yaml``,
:attr:`k2chat.store.profile.CorpusProfile.vocabulary`) and passed down to the code that needs
it (the retriever, the safety rules, the judge, the composer); no module keeps a copy of its
own. It holds the forms of the substance the articles dose separately (``mk7``) and the
units their doses are written in (``mcg``, ``mg`` for the K2 article; ``IU`` for a vitamin D
article). An empty vocabulary (no profile says any) knows no forms and reads no amount:
nothing here is a word of one article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Vocabulary"]

# What reads as a question about an amount besides a unit (k2chat's dose questions: "how
# much", "per day"; from the labelled dose questions in data/questions.yaml).
_ASK_WORDS = ("dose", "doses", "dosage", "dosing", "how much", "how many")
_ASK_AFTER = ("amount", "daily", "per day", "range")
# What marks a question about a personal dose besides a unit ("how much should I take").
_DOSE_AFTER = ("amount",)
_NOTHING = re.compile(r"(?!)")  # no units declared: no text states an amount


def _alternatives(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in words)


@dataclass(frozen=True)
class Vocabulary:
    """The forms and dose units the corpus's profiles declare (see README, "Adding an
    article"); the patterns below are built from them once."""

    # forms of the substance the articles dose separately, as k2chat.text.normalize spells
    # them ("mk4", "mk7")
    forms: frozenset[str] = frozenset()
    # the units a dose is written in, every spelling the article uses ("mcg", "micrograms")
    dose_units: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        units = _alternatives(self.dose_units)
        set_ = object.__setattr__
        # A text states an amount: a figure or a range, then a unit ("90–180 mcg", "45 mg").
        set_(self, "amount", re.compile(
            r"\d[\d,.]*\s*(?:–|-)?\s*\d*[\d,.]*\s*(" + units + ")") if units else _NOTHING)
        # A question asks for an amount ("What dose ...", "How much MK-7", "is 4000 IU safe").
        set_(self, "asks_amount", re.compile(
            r"\b(" + "|".join(filter(None, (_alternatives(_ASK_WORDS), units,
                                            _alternatives(_ASK_AFTER)))) + r")\b",
            re.IGNORECASE))
        # A lower-cased question speaks of a dose (with a personal "should I", a personal dose).
        set_(self, "dose_words", re.compile(
            r"\b(" + "|".join(filter(None, (_alternatives(_ASK_WORDS),
                                            _alternatives(tuple(u.lower() for u in
                                                                self.dose_units)),
                                            _alternatives(_DOSE_AFTER)))) + r")\b"))

    amount: re.Pattern[str] = field(init=False, repr=False, compare=False)
    asks_amount: re.Pattern[str] = field(init=False, repr=False, compare=False)
    dose_words: re.Pattern[str] = field(init=False, repr=False, compare=False)

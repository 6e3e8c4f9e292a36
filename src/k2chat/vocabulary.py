"""The articles' own words that the code matches text with, as one frozen object.

:class:`Vocabulary` is built from the corpus's profiles (``corpus/<article>.profile.yaml``,
:attr:`k2chat.store.profile.CorpusProfile.vocabulary`) and passed down to the code that needs
it (the retriever, the safety rules, the judge, the composer); no module keeps a copy of its
own. It holds the forms of the substance the articles dose separately (``mk7``), the
units their doses are written in (``mcg``, ``mg`` for the K2 article; ``IU`` for a vitamin D
article), which unit each form is dosed in (MK-4 in mg, MK-7 in mcg), how readers name the
substance and its forms, and the words a comparison with a medicine reads as the substance's
side (``k2``, ``supplement``) or as no medicine (``osteocalcin``).
An empty vocabulary (no profile says any) knows no forms, reads no amount and names nothing:
nothing here is a word of one article.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

__all__ = ["Vocabulary", "NO_WORDS", "forms_named"]

# What reads as a question about an amount besides a unit (k2chat's dose questions: "how
# much", "per day"; from the labelled dose questions in data/questions.yaml).
_ASK_WORDS = ("dose", "doses", "dosage", "dosing", "how much", "how many")
_ASK_AFTER = ("amount", "daily", "per day", "range")
# What marks a question about a personal dose besides a unit ("how much should I take").
_DOSE_AFTER = ("amount",)
_NOTHING = re.compile(r"(?!)")  # no units declared: no text states an amount


def _alternatives(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in words)


@functools.lru_cache(maxsize=16)  # one corpus has one set of forms
def _forms_pattern(forms: frozenset[str]) -> re.Pattern[str]:
    return re.compile(r"\b(" + _alternatives(tuple(sorted(forms))) + r")\b")


def _names(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One word-bounded pattern for any of ``patterns`` (none: it matches nothing)."""
    if not patterns:
        return _NOTHING
    return re.compile(r"\b(" + "|".join(patterns) + r")\b", re.IGNORECASE)


def forms_named(normalized: str, forms: frozenset[str]) -> tuple[str, ...]:
    """Which of ``forms`` a text (as ``k2chat.text.normalize`` spells it) names, in order of
    first mention ("mk7", "mk4")."""
    if not forms:
        return ()
    return tuple(dict.fromkeys(_forms_pattern(forms).findall(normalized)))


@dataclass(frozen=True)
class Vocabulary:
    """The forms and dose units the corpus's profiles declare (see README, "Adding an
    article"); the patterns below are built from them once."""

    # forms of the substance the articles dose separately, as k2chat.text.normalize spells
    # them ("mk4", "mk7")
    forms: frozenset[str] = frozenset()
    # the units a dose is written in, every spelling the article uses ("mcg", "micrograms")
    dose_units: tuple[str, ...] = ()
    # the unit each form is dosed in, where the article says ((("mk4", "mg"), ("mk7", "mcg")):
    # an amount is read against the right form's figures
    dosed_in: tuple[tuple[str, str], ...] = ()
    # how readers write a form's name, as regular expressions (case ignored): "mk[\s-]?\d+"
    form_names: tuple[str, ...] = ()
    # the substance's own names besides its forms' (regular expressions, case ignored):
    # "vitamin k[12]?", "menaquinones?"
    substance_names: tuple[str, ...] = ()
    # what else makes a question self-contained, besides a form's name (regular expressions,
    # case ignored): the subject's other names and what the article is mostly about
    subject_names: tuple[str, ...] = ()
    # words by which the articles speak of their substance besides its forms, as
    # k2chat.text.normalize spells them ("k2", "supplement"): with the forms, the substance's
    # side when a question compares it with a medicine
    substance_words: frozenset[str] = frozenset()
    # foods the articles name as their substance's sources ("natto"), spelt the same way
    substance_foods: frozenset[str] = frozenset()
    # names in the drug table that are the substance's own biology or nutrients, not a
    # medicine compared with it ("osteocalcin")
    not_medicines: frozenset[str] = frozenset()
    # the articles' words for the medicines they compare their substance with, and readers'
    # words for the same medicines (brands, "prescription"): a question naming one compares
    # it with the substance (k2chat.chain.compare)
    medicine_words: frozenset[str] = frozenset()
    reader_medicine_words: frozenset[str] = frozenset()

    def unit_of(self, form: str) -> str | None:
        """The unit ``form`` is dosed in ("mk4" -> "mg"), None when no profile says."""
        return dict(self.dosed_in).get(form)

    def forms_named(self, normalized: str) -> tuple[str, ...]:
        """The forms a normalised text names, in order of first mention ("mk7", "mk4")."""
        return forms_named(normalized, self.forms)

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

        # A text names a form ("MK-7", "menaquinone 4"): follow-ups swap it ("And for MK-4?").
        set_(self, "form_name", _names(self.form_names))
        # A text names the substance or one of its forms ("MK-7", "menaquinones", "vitamin
        # K"): a question about it, not about something else ("how much zinc").
        set_(self, "names_substance", _names(self.form_names + self.substance_names))
        # A text names the subject or a form: a question naming one stands on its own.
        set_(self, "names_subject", _names(self.form_names + self.substance_names
                                           + self.subject_names))

    amount: re.Pattern[str] = field(init=False, repr=False, compare=False)
    form_name: re.Pattern[str] = field(init=False, repr=False, compare=False)
    names_substance: re.Pattern[str] = field(init=False, repr=False, compare=False)
    names_subject: re.Pattern[str] = field(init=False, repr=False, compare=False)
    asks_amount: re.Pattern[str] = field(init=False, repr=False, compare=False)
    dose_words: re.Pattern[str] = field(init=False, repr=False, compare=False)


# The empty vocabulary: the default where no corpus is given (no forms, no units: nothing
# states an amount; only "dose", "how much" ... read as a dose question).
NO_WORDS = Vocabulary()

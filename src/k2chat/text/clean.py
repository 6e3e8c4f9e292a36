"""Normalising: a question made safe to read (:func:`clean_question`), text made comparable
(:func:`normalize`: lower case, one dash, one spelling of a form) and a fact made matchable
(:func:`normalize_fact`)."""

from __future__ import annotations

import functools
import re
import unicodedata

from k2chat.textgate import fold_lookalikes, readable

__all__ = ["clean_question", "normalize", "normalize_fact", "without_eponyms"]

# Zero-width and bidirectional control characters: invisible, and a classic way to hide text.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Terminal escape sequences (colours, titles) pasted from a console: dropped whole.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")


_AMOUNT_UNIT = re.compile(r"(?<=\d)(?=(?:mcg|mg|µg|ug|iu|micrograms?|milligrams?)\b)",
                          re.IGNORECASE)
# breastfeeding written apart reads as the one word ("is k2 ok while breast feeding my 3 month
# old" was refused: blind round 79; "breastfeeding" is answered)
_BREAST_FEED = re.compile(r"\b(breast)[- ]+(?=fe{1,2}d)", re.IGNORECASE)


def clean_question(raw: object) -> str:
    """Make any input a safe, single-spaced string: no NUL, controls, invisibles or surrogates."""
    text = readable(raw)  # the text gate: lone surrogates become U+FFFD
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = _ANSI.sub("", text)
    text = _CONTROL.sub(" ", text)
    # an amount written onto its unit reads as the amount and the unit ("is 100mcg or 200mcg
    # better" was refused: blind round 70)
    text = _AMOUNT_UNIT.sub(" ", text)
    text = _BREAST_FEED.sub(r"\1", text)
    # ... and look-alike letters of other scripts inside Latin words read as Latin (TS #39)
    return fold_lookalikes(re.sub(r"\s+", " ", text).strip())


@functools.lru_cache(maxsize=8192)  # a question is normalised by several rules in turn
def normalize(text: str) -> str:
    """Lower-case, unify dashes and spell K2 forms one way (MK-7, mk 7 -> mk7; K-2 -> k2)."""
    t = unicodedata.normalize("NFKC", text).lower()
    t = re.sub("[\u2010-\u2015\u2212]", "-", t)
    t = t.replace("\u2019", "'")
    t = re.sub(r"\bmk[\s-]?(\d+)\b", r"mk\1", t)
    # (and its spellings one letter off: "wat is menaquinon 7" was refused, blind round 103)
    t = re.sub(r"\bmenaquin(?:one|on|ione|none|oen)[\s-]?(\d+)\b", r"mk\1", t)
    t = re.sub(r"\bk[\s-]([12])\b", r"k\1", t)
    t = re.sub(r"\bvitamin[\s-]?k\b", "vitamin k", t)
    t = re.sub(r"\bvit\.? ", "vitamin ", t)
    t = re.sub(r"\bmeds\b", "medications", t)
    return t


def normalize_fact(text: str) -> str:
    """A fact or quote as facts are matched against quotes (evaluation, fitting, related
    questions): NFKC, lower case, every dash as "-", whitespace collapsed."""
    t = unicodedata.normalize("NFKC", text).lower()
    for dash in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212":
        t = t.replace(dash, "-")
    return " ".join(t.split())


# Capitalised words joined by hyphens name a thing after people (Child-Pugh, Guillain-Barré,
# Wolff-Parkinson-White): their parts are not words of their own. Round 15's "compensated
# cirrhosis (Child-Pugh A)" placed the reader among children. Forms (MK-7) have no lower case.
_EPONYM = re.compile(r"\b[A-Z][a-z\u00e0-\u00ff]+(?:-[A-Z][a-z\u00e0-\u00ff]+)+\b")


def without_eponyms(text: str) -> str:
    """``text`` without names made of capitalised words joined by hyphens ("Child-Pugh")."""
    return _EPONYM.sub(" ", text)

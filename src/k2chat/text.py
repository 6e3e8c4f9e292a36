"""Text handling shared by ingest, retrieval and answering: cleaning, tokens, sentences, numbers."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

__all__ = [
    "clean_question",
    "normalize",
    "tokenize",
    "split_sentences",
    "numbers_in",
    "markdown_escape",
    "STOPWORDS",
    "compounds",
    "typo_match",
    "expansions",
]

# Zero-width and bidirectional control characters: invisible, and a classic way to hide text.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_question(raw: object) -> str:
    """Make any input a safe, single-spaced string: no NUL, controls, invisibles or surrogates."""
    text = raw if isinstance(raw, str) else ("" if raw is None else str(raw))
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates become '?'
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip()


def normalize(text: str) -> str:
    """Lower-case, unify dashes and spell K2 forms one way (MK-7, mk 7 -> mk7; K-2 -> k2)."""
    t = unicodedata.normalize("NFKC", text).lower()
    t = re.sub("[\u2010-\u2015\u2212]", "-", t)
    t = t.replace("\u2019", "'")
    t = re.sub(r"\bmk[\s-]?(\d+)\b", r"mk\1", t)
    t = re.sub(r"\bmenaquinone[\s-]?(\d+)\b", r"mk\1", t)
    t = re.sub(r"\bk[\s-]([12])\b", r"k\1", t)
    t = re.sub(r"\bvitamin[\s-]?k\b", "vitamin k", t)
    t = re.sub(r"\bvit\.? ", "vitamin ", t)
    t = re.sub(r"\bmeds\b", "medications", t)
    return t


STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves im i'm ive i've it's dont don't s t also get got tell know please thanks thank
    much many really ok okay hi hello isn doesn don aren wasn weren won wouldn shouldn couldn
    didn haven hasn hadn ll ve re""".split()
)

# Words a reader uses for what the article says in other words (applied to queries only).
_EXPANSIONS: dict[str, tuple[str, ...]] = {
    "dose": ("dosage", "mcg"),
    "dosage": ("dose", "mcg"),
    "daily": ("day", "dose"),
    "pregnant": ("pregnancy",),
    "pregnancy": ("pregnant",),
    "breastfeeding": ("pregnant",),
    "kidney": ("kidneys",),
    "liver": ("liver",),
    "food": ("diet", "foods"),
    "foods": ("diet", "food"),
    "eat": ("diet", "foods"),
    "k1": ("phylloquinone",),
    "dangerous": ("risk", "risks"),
    "danger": ("risk", "risks"),
    "safe": ("safety",),
    "work": ("mechanism", "effect"),
    "kids": ("children",),
    "kid": ("children",),
    "cells": ("osteoblasts",),
    "countries": ("populations", "regions"),
    "country": ("populations", "regions"),
    "stomach": ("gastrointestinal",),
    "epilepsy": ("seizures", "anticonvulsants"),
    "seizure": ("seizures", "anticonvulsants"),
    "statin": ("cholesterol",),
    "statins": ("cholesterol",),
    "heart": ("cardiovascular",),
    "bleed": ("bleeding",),
    "bruise": ("bruising",),
}


# Phrases a reader uses for a concept the article names differently (queries only).
_PHRASE_EXPANSIONS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (re.compile(r"\b(how long|how soon|how quickly|when)\b.*\b(work|works|working|effect|"
                r"results?|difference|notice|see|kick in|take|takes|start)\b|\bkick in\b|"
                r"\buntil it works\b"),
     ("onset", "weeks", "years")),
    (re.compile(r"\bside[- ]effects?\b"), ("adverse", "gastrointestinal")),
    (re.compile(r"\bblood[- ]thinn"), ("anticoagulant", "warfarin")),
)


def expansions(word: str) -> tuple[str, ...]:
    """Words the article uses for what a reader calls ``word`` (a small domain thesaurus)."""
    return _EXPANSIONS.get(word, ())


def _osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (typos: insert, delete, replace, swap), capped."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def typo_match(word: str, words: Iterable[str]) -> str | None:
    """The word ``word`` is a misspelling of, if any: same first letter, one typo (two for
    words of seven letters or more). Words under four letters are never corrected."""
    if len(word) < 4:
        return None
    limit = 2 if len(word) >= 7 else 1
    best: tuple[int, str] | None = None
    for w in words:
        if w[:1] != word[:1] or abs(len(w) - len(word)) > limit or w == word:
            continue
        d = _osa_distance(word, w, limit)
        if d <= limit and (best is None or d < best[0]):
            best = (d, w)
    return best[1] if best else None


def _stem(word: str) -> str:
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", "e"),
                         ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            return word[: len(word) - len(suffix)] + repl
    return word


_VITAMIN = re.compile(r"\bvitamin (b\d{1,2}|[a-z]\d?)\b")
_HYPHENATED = re.compile(r"\b[a-z0-9]+(?:-[a-z0-9]+)+\b")


def compounds(text: str) -> list[str]:
    """Multi-part names as one token: "vitamin c" -> vitaminc, "t-score" -> tscore."""
    t = normalize(text)
    found = [f"vitamin{m.group(1)}" for m in _VITAMIN.finditer(t)]
    found += [m.group(0).replace("-", "") for m in _HYPHENATED.finditer(t)]
    return found


def tokenize(text: str, *, expand: bool = False) -> list[str]:
    """Content tokens for lexical search: normalised, without stopwords, lightly stemmed,
    plus compound tokens for names written in parts (see :func:`compounds`)."""
    words = re.findall(r"[a-z0-9]+", normalize(text))
    out: list[str] = []
    for w in words:
        if w in STOPWORDS:
            continue
        out.append(_stem(w))
        if expand and w in _EXPANSIONS:
            out.extend(_stem(x) for x in _EXPANSIONS[w])
    if expand:
        normalized = normalize(text)
        for pattern, extra in _PHRASE_EXPANSIONS:
            if pattern.search(normalized):
                out.extend(_stem(x) for x in extra)
    out.extend(compounds(text))
    return out


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"(])")


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences; every sentence is a verbatim slice of ``text``."""
    parts = [p.strip() for p in _SENTENCE_END.split(text.strip())]
    merged: list[str] = []
    for p in parts:
        # "e.g." / "approx." are not sentence ends.
        if merged and re.search(r"\b(e\.g|i\.e|approx|vs|etc)\.$", merged[-1]):
            merged[-1] = f"{merged[-1]} {p}"
        elif p:
            merged.append(p)
    return merged


_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*")


def numbers_in(text: str) -> set[str]:
    """The numbers a text states (``1,500`` and ``1500`` count as one), citation markers aside."""
    t = re.sub(r"\[\d+\]", " ", text)
    return {n.replace(",", "") for n in _NUMBER.findall(t)}


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~$])")


def markdown_escape(text: str) -> str:
    """Show text as text: Markdown and HTML characters are escaped, nothing is dropped."""
    return _MD_SPECIAL.sub(r"\\\1", text)

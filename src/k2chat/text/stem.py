"""Stemming: a word's light stem (plural, -ing, -ed), and the generic words' stems."""

from __future__ import annotations

from k2chat.text.words import GENERIC

__all__ = ["stem", "GENERIC_STEMS"]


# A hand stemmer (plural, -ing, -ed), kept because it measured better (issue 24): PyStemmer's
# Snowball English stemmer in its place, index rebuilt and models refitted, lost on the
# held-out set (lead@1 0.692 -> 0.684, key-fact recall 0.761 -> 0.752) and blind round 8
# (0.805 -> 0.756) while it gained on blind 1-6 (0.816 -> 0.822) and round 7 (0.700 -> 0.725);
# 89 of 1,051 answers changed. Its Porter stemmer lost too (holdout 0.684, key-fact recall
# 0.744, round 8 0.780). A change is kept only when holdout and blind sets hold or gain.
def stem(word: str) -> str:
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", "e"),
                         ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            return word[: len(word) - len(suffix)] + repl
    return word


GENERIC_STEMS = frozenset(stem(w) for w in GENERIC)

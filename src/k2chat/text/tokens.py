"""Tokens for lexical search: normalised words without stop words, stemmed, with compound
names as one token and, for queries, the thesaurus's additions."""

from __future__ import annotations

import functools
import re

from k2chat.text.clean import normalize
from k2chat.text.stem import stem
from k2chat.text.thesaurus import EXPANSIONS, PHRASE_EXPANSIONS
from k2chat.text.words import STOPWORDS

__all__ = ["compounds", "tokenize"]

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
    return list(_tokenize(text, expand))


@functools.lru_cache(maxsize=8192)  # the article's sentences are tokenized for every answer
def _tokenize(text: str, expand: bool) -> tuple[str, ...]:
    words = re.findall(r"[a-z0-9]+", normalize(text))
    out: list[str] = []
    for w in words:
        if w in STOPWORDS:
            continue
        out.append(stem(w))
        if expand and w in EXPANSIONS:
            out.extend(stem(x) for x in EXPANSIONS[w])
    if expand:
        normalized = normalize(text)
        for pattern, extra in PHRASE_EXPANSIONS:
            if pattern.search(normalized):
                out.extend(stem(x) for x in extra)
    out.extend(compounds(text))
    return tuple(out)

"""Sentences and numbers: a paragraph split into verbatim sentences, where a reader's message
and its claims break, the figures a text states."""

from __future__ import annotations

import functools
import re

__all__ = ["MESSAGE_BREAK", "QUOTED_END", "numbers_in", "split_sentences"]

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"(])")
# Where a reader's message breaks into sentences (readers skip capitals and write on new lines).
MESSAGE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")
# Where a sentence of a reader's claim ends: after its end mark and any closing quote or
# bracket ('... replace alendronate." So I am fine ...': the quote mark kept the two sentences
# together, so the claim went unread; blind round 21).
QUOTED_END = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)]*\s+")


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences; every sentence is a verbatim slice of ``text``."""
    return list(_split_sentences(text))


@functools.lru_cache(maxsize=8192)  # passages are split again for every answer that quotes them
def _split_sentences(text: str) -> tuple[str, ...]:
    parts = [p.strip() for p in _SENTENCE_END.split(text.strip())]
    merged: list[str] = []
    for p in parts:
        # "e.g." / "approx." are not sentence ends.
        if merged and re.search(r"\b(e\.g|i\.e|approx|vs|etc)\.$", merged[-1]):
            merged[-1] = f"{merged[-1]} {p}"
        elif p:
            merged.append(p)
    return tuple(merged)


_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*")


def numbers_in(text: str) -> set[str]:
    """The numbers a text states (``1,500`` and ``1500`` count as one), citation markers aside."""
    t = re.sub(r"\[\d+\]", " ", text)
    return {n.replace(",", "") for n in _NUMBER.findall(t)}

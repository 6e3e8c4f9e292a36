"""Split sections into passages small enough to quote.

A passage is one bullet item, or a run of whole sentences from one paragraph, never more than
``MAX_CHARS`` unless a single sentence is longer. Passages never cross a section boundary, and
their text is verbatim article text. A short line ending in ':' that introduces bullets is kept
as the bullets' ``context`` (embedded with them) rather than as a passage of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from k2chat.text import split_sentences
from k2chat.types import Chunk, Section

__all__ = ["MAX_CHARS", "chunk_section", "chunk_sections", "chunk_id"]

MAX_CHARS = 360
_LEAD_IN_MAX = 160


def chunk_id(article: str, section: int, position: int) -> str:
    return f"{article}-s{section}-p{position:02d}"


def _group_sentences(paragraph: str) -> list[str]:
    groups: list[str] = []
    for sentence in split_sentences(paragraph):
        if groups and len(groups[-1]) + 1 + len(sentence) <= MAX_CHARS:
            groups[-1] = f"{groups[-1]} {sentence}"
        else:
            groups.append(sentence)
    return groups


def chunk_section(section: Section) -> list[Chunk]:
    if section.navigation:
        return []
    passages: list[tuple[str, str, str]] = []  # (text, heading, context)
    heading = ""
    context = ""
    for raw in section.body.splitlines():
        line = raw.strip()
        if not line or line.startswith("<!--"):
            continue
        if line.startswith("#"):
            heading, context = line.lstrip("#").strip(), ""
        elif line.startswith("- "):
            item = line[2:].strip()
            passages.extend((g, heading, context) for g in _group_sentences(item))
        elif line.endswith(":") and len(line) <= _LEAD_IN_MAX:
            context = line
        else:
            context = ""
            passages.extend((g, heading, "") for g in _group_sentences(line))
    return [
        Chunk(
            id=chunk_id(section.article, section.number, i),
            article=section.article,
            article_title=section.article_title,
            section=section.number,
            section_title=section.title,
            position=i,
            text=re.sub(r"\s+", " ", text),
            heading=h,
            context=c,
        )
        for i, (text, h, c) in enumerate(passages, start=1)
    ]


def chunk_sections(sections: Iterable[Section]) -> list[Chunk]:
    return [chunk for section in sections for chunk in chunk_section(section)]

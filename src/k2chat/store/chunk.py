"""Split sections into passages small enough to quote.

A passage is one bullet item, or a run of whole sentences from one paragraph, never more than
``MAX_CHARS`` unless a single sentence is longer. Passages never cross a section boundary, and
their text is verbatim article text. A short line ending in ':' that introduces bullets is kept
as the bullets' ``context`` (embedded with them) rather than as a passage of its own. A
passage whose first sentence refers back (``k2chat.store.reference``: "In contrast, ...", "Those
drugs ...") keeps, as its ``before``, the sentences of its paragraph that it must be quoted with;
one that opens with an addition ("Furthermore, ...") keeps its paragraph's "Name:" head instead,
when the paragraph has one (``k2chat.store.quotes``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from k2chat.store.reference import after_addition, chain_start
from k2chat.text import split_sentences
from k2chat.types import Chunk, Section

__all__ = ["MAX_CHARS", "chunk_section", "chunk_sections", "chunk_id"]

MAX_CHARS = 360
_LEAD_IN_MAX = 160


def chunk_id(article: str, section: int, position: int) -> str:
    return f"{article}-s{section}-p{position:02d}"


def _group_sentences(paragraph: str) -> list[tuple[str, str]]:
    """(passage text, what its first sentence carries from the paragraph before it), in order:
    all but the first continue the paragraph of the one before."""
    sentences = split_sentences(paragraph)
    groups: list[tuple[int, str]] = []  # (first sentence, text)
    for i, sentence in enumerate(sentences):
        if groups and len(groups[-1][1]) + 1 + len(sentence) <= MAX_CHARS:
            groups[-1] = (groups[-1][0], f"{groups[-1][1]} {sentence}")
        else:
            groups.append((i, sentence))
    head = _HEAD.match(sentences[0]) if sentences else None
    out = []
    for first, text in groups:
        start = chain_start(sentences, first) if first else first
        before = " ".join(sentences[start:first]) if start is not None else ""
        if first and head and after_addition(sentences[first]) is not None:
            # "Furthermore, while high-dose ...": its own point, quoted after its paragraph's
            # "Name:" head ("Clinical Insight:"), not with the sentence it adds to
            before = head.group(0).strip()
        out.append((text, before))
    return out


_HEAD = re.compile(r"^[^:]{1,80}:\s")  # "Clinical Insight: In practice, ..."


def chunk_section(section: Section) -> list[Chunk]:
    if section.navigation:
        return []
    # (text, heading, context, before, continues the paragraph of the passage before)
    passages: list[tuple[str, str, str, str, bool]] = []
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
            passages.extend((g, heading, context, b, n > 0)
                            for n, (g, b) in enumerate(_group_sentences(item)))
        elif line.endswith(":") and len(line) <= _LEAD_IN_MAX:
            context = line
        else:
            context = ""
            passages.extend((g, heading, "", b, n > 0)
                            for n, (g, b) in enumerate(_group_sentences(line)))
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
            before=re.sub(r"\s+", " ", b),
            continues=more,
        )
        for i, (text, h, c, b, more) in enumerate(passages, start=1)
    ]


def chunk_sections(sections: Iterable[Section]) -> list[Chunk]:
    return [chunk for section in sections for chunk in chunk_section(section)]

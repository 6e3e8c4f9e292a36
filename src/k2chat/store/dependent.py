"""Every sentence of the corpus whose opening refers back, and what it is quoted with.

``python -m k2chat.ingest --list-dependent`` prints this list for the whole corpus; the test
``tests/test_reference.py`` holds it: each such sentence is carried by what it refers to, or is
never quoted alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from k2chat.store.chunk import chunk_sections
from k2chat.store.corpus import article_files, read_article
from k2chat.store.quotes import Hit, units_of
from k2chat.store.reference import refers_back
from k2chat.text import split_sentences

__all__ = ["Dependent", "dependent_sentences", "format_dependent"]


@dataclass(frozen=True)
class Dependent:
    chunk_id: str
    sentence: str  # verbatim, its opening refers back
    carried: tuple[str, ...]  # what its quote states before it; () when never quoted alone
    quote: str  # the quote it is shown in ("" when never quoted alone)


def dependent_sentences(corpus_dir: Path) -> list[Dependent]:
    """Each sentence that refers back, in article order, with the unit that quotes it."""
    out: list[Dependent] = []
    for path in article_files(corpus_dir):
        for chunk in chunk_sections(read_article(path)):
            units = {u.index: u for u in units_of([Hit(chunk, 0.0, 0.0, 0.0, 0)])}
            for i, sentence in enumerate(split_sentences(chunk.text)):
                if not refers_back(sentence):
                    continue
                unit = units.get(i)
                carried = unit.carried if unit else ()
                out.append(Dependent(chunk.id, sentence, carried, unit.quote if unit else ""))
    return out


def format_dependent(found: list[Dependent]) -> str:
    lines = []
    for d in found:
        lines.append(f"{d.chunk_id}: {d.sentence}")
        if d.quote and d.carried:
            lines.append(f"    carries: {' '.join(d.carried)}")
        elif d.quote:  # its label or lead-in; an addition without its connective
            lines.append(f"    quoted as: {d.quote}")
        else:
            lines.append("    never quoted alone: nothing before it in its paragraph says what "
                         "it refers to")
    lines.append(f"{len(found)} sentences refer back; "
                 f"{sum(not d.quote for d in found)} are never quoted alone")
    return "\n".join(lines)

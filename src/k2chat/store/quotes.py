"""Candidate quotes: a retrieved passage (:class:`Hit`) and the sentences of it that can
be quoted on their own (:class:`Unit`, :func:`units_of`).

A *unit* is one sentence of a retrieved passage, quoted so that it reads on its own: a short
label sentence ("For MK-4 (Menaquinone-4): 45 milligrams (mg).") and a list's lead-in line
("Other groups who should ... include:") are joined to it with an ellipsis, and a sentence that
refers back ("Those drugs have ...", ``k2chat.store.reference``) is quoted with the sentences of
its paragraph it points to; one whose referent nothing before it in its paragraph gives is never
a candidate on its own. Ingest embeds every unit of every passage (``k2chat.store.derived``);
the chain scores them (``k2chat.chain.evidence``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langchain_core.documents import Document

from k2chat.store.reference import (
    after_addition,
    chain_start,
    introduces,
    limits_previous,
    points_on,
    refers_back,
)
from k2chat.text import split_sentences
from k2chat.types import QUOTE_JOIN, Chunk

__all__ = [
    "Hit", "chunk_of", "LABEL_CHARS", "HEAD_CHARS", "JOIN", "WHOLE", "Unit", "units_of",
    "overlaps", "bridged",
]

LABEL_CHARS = 60  # a first sentence this short labels its passage ("For MK-7 ...: 90–180 mcg.")
HEAD_CHARS = 80  # a "Name:" head this short names its list item (the article's longest is 63)
JOIN = QUOTE_JOIN
WHOLE = -1  # Unit.index of a unit that quotes its whole passage


@dataclass(frozen=True)
class Unit:
    hit: Hit
    index: int  # sentence number within the passage
    sentence: str  # verbatim
    quote: str  # what is shown: the sentence, with its label and lead-in when it has them
    # other article sentences the quote states: those before ``sentence`` that it refers back
    # to, the next one when it limits it ("However, ..."), and (k2chat.chain.topics) those
    # after it that complete a safety statement
    carried: tuple[str, ...] = ()
    # the quote without what it carries: what the lead model reads (it was fitted on
    # sentences with their label and lead-in; carried sentences are there for the reader)
    core: str = ""

    @property
    def key(self) -> tuple[str, int]:
        return (self.hit.chunk.id, self.index)

    @property
    def scored_text(self) -> str:
        return self.core or self.quote

    @property
    def sentences(self) -> frozenset[str]:
        """Every article sentence the quote states (carried ones included)."""
        return frozenset((*self.carried, *split_sentences(self.sentence)))

    def embedding_text(self) -> str:
        chunk = self.hit.chunk
        return f"{chunk.heading or chunk.section_title}: {self.scored_text}"


def _label(sentences: list[str]) -> str:
    """What a passage is about, when its first sentence says so: a short first sentence
    ("For MK-7 (Menaquinone-7): 90–180 micrograms (mcg).") or a "Name:" head of one."""
    first = sentences[0]
    if refers_back(first):
        return ""  # "It is critical to distinguish ...": points back, labels nothing
    if len(sentences) > 1 and len(first) <= LABEL_CHARS:
        return first
    head, colon, _ = first.partition(": ")
    return head + ":" if colon and len(head) <= HEAD_CHARS else ""


def units_of(hits: list[Hit]) -> list[Unit]:
    """Each sentence of each passage, and each passage of several sentences as a whole; a
    sentence that refers back carries what it refers to, or is left out when nothing does."""
    out: list[Unit] = []
    for hit in hits:
        sentences = split_sentences(hit.chunk.text) or [hit.chunk.text]
        label = _label(sentences) if len(sentences) > 1 else ""
        # A list's lead-in makes a bare item read as a sentence; an item that names itself
        # ("Source Matters: Intake can come from ...") reads on its own.
        named = len(sentences[0]) > LABEL_CHARS and bool(_label([sentences[0], ""]))
        # a lead-in that itself points back ("Applying these takeaways requires ...:") adds
        # nothing the item's own head does not say
        context = "" if named or refers_back(hit.chunk.context) else hit.chunk.context
        # a "Name:" head kept for a first sentence that opens with an addition (chunk.py)
        head_before = hit.chunk.before if hit.chunk.before.endswith(":") else ""
        before = (split_sentences(hit.chunk.before) if hit.chunk.before and not head_before
                  else [])
        # The passage's first sentence needs the paragraph before it, and has it, or a
        # lead-in line that it continues; else it cannot open a quote.
        opens = not refers_back(sentences[0]) or bool(before) or bool(context)
        for i, sentence in enumerate(sentences):
            if label == sentences[0] and i == 0:
                continue  # a label alone says nothing; it is quoted with what follows it
            rest = after_addition(sentence)
            head = context or (label if i > 0 else head_before)
            if rest is not None and head:
                # "Furthermore, while high-dose ...": its own point, after the passage's label
                # and an elision ("Clinical Insight: … while high-dose ..."), not with the
                # sentence it adds to (a DOAC reader's "non-negotiable", blind round 11)
                core = JOIN.join(p for p in (context, label if i > 0 else "", sentence) if p)
                out.append(Unit(hit, i, sentence, JOIN.join((head, rest)), (), core))
                continue
            start = chain_start(sentences, i)
            if start is None and not opens:
                continue  # refers back to what this paragraph never gave before it
            carried = [*(before if start is None else []), *sentences[start or 0:i]]
            # the label, unless the first sentence (which holds it) is carried already
            lead = label if i > 0 and start is not None and start > 0 else ""
            # the next sentence when it limits this one ("However, safety is not universal")
            limit = ([sentences[i + 1]] if i + 1 < len(sentences)
                     and limits_previous(sentences[i + 1]) else [])
            # ... and the one after that when the quote ends on a group it leaves unnamed, or
            # on a term the next sentence says what it is
            end = i + len(limit)
            if end + 1 < len(sentences) and (points_on(sentences[end]) or introduces(
                    sentences[end], sentences[end + 1])):
                limit.append(sentences[end + 1])
            parts = [context, lead, " ".join((*carried, sentence, *limit))]  # contiguous
            carried += limit
            core = JOIN.join(p for p in (context, label if i > 0 else "", sentence) if p)
            out.append(Unit(hit, i, sentence, JOIN.join(p for p in parts if p),
                            tuple(carried), core))
        if len(sentences) > 1 and opens:
            whole = hit.chunk.text
            parts = [context, " ".join(p for p in (hit.chunk.before, whole) if p)]
            core = JOIN.join(p for p in (context, whole) if p)
            out.append(Unit(hit, WHOLE, whole, JOIN.join(p for p in parts if p), tuple(before),
                            core))
    return out


def overlaps(a: Unit, b: Unit) -> bool:
    """The two quotes share a sentence (carried ones included), or are two fragments of one
    list item, or of one labelled passage (both would show the item's lead-in and label
    twice: "For MK-4 (Menaquinone-4): 45 milligrams (mg). … " over two quotes)."""
    same = a.hit.chunk.id == b.hit.chunk.id
    if same and (a.index == b.index or WHOLE in (a.index, b.index)
                 or bool(a.hit.chunk.context)):
        return True
    if a.sentences & b.sentences:
        return True
    context = {a.hit.chunk.context, b.hit.chunk.context}
    heads = set(a.quote.split(JOIN)[:-1]) & set(b.quote.split(JOIN)[:-1])
    return same and bool(heads - context)


@dataclass(frozen=True)
class Hit:
    """One retrieved passage and the scores it was ranked by."""

    chunk: Chunk
    dense: float  # cosine similarity to the query
    coverage: float  # IDF-weighted share of the query's (focus) terms the passage holds
    fused: float  # the ranking score: dense + lexical_weight x coverage (+ figure bonus)
    rank: int  # 0 for the best passage

    def document(self) -> Document:
        meta: dict[str, Any] = {**self.chunk.metadata(), "dense": self.dense,
                                "coverage": self.coverage, "fused": self.fused}
        return Document(id=self.chunk.id, page_content=self.chunk.text, metadata=meta)


def chunk_of(doc: Document) -> Chunk:
    return Chunk.from_record(str(doc.id), doc.page_content, doc.metadata)


def bridged(units: list[Unit], scores: list[float]) -> tuple[list[Unit], list[float]]:
    """Two quotes of one passage with one sentence between them that neither states are one
    quote, that sentence included, where the first of them stood: "Its primary mechanism is
    the carboxylation of osteocalcin ..." and "Inadequate K2 leads to higher levels of
    undercarboxylated osteocalcin ..." left out "Only when carboxylated by vitamin K2 can
    osteocalcin bind calcium ...", the sentence that says what the second means (blind rounds
    88 and 89: definitions cut short). Only quotes of plain sentences (no lead-in or label
    joined on), whose run with the sentence between is their paragraph's own text."""
    units, scores = list(units), list(scores)
    merged = True
    while merged:
        merged = False
        for i, a in enumerate(units):
            for j, b in enumerate(units):
                run = _bridge(a, b)
                if i == j or run is None:
                    continue
                gap, text = run
                first, second = min(i, j), max(i, j)
                unit = Unit(a.hit, a.index, a.sentence, text,
                            (*a.carried, gap, *b.carried, b.sentence), a.core or a.quote)
                units[first], scores[first] = unit, max(scores[i], scores[j])
                del units[second], scores[second]
                merged = True
                break
            if merged:
                break
    return units, scores


def _bridge(a: Unit, b: Unit) -> tuple[str, str] | None:
    """(the one sentence between quote ``a`` and quote ``b`` of one paragraph, their run with
    it), when ``a`` ends one sentence before ``b`` starts, in one passage or in ``b``'s passage
    going on with ``a``'s paragraph."""
    one, two = a.hit.chunk, b.hit.chunk
    if one.id == two.id:
        text = one.text
    elif (two.continues and one.article == two.article and one.section == two.section
          and two.position == one.position + 1):
        text = f"{one.text} {two.text}"
    else:
        return None
    if WHOLE in (a.index, b.index) or JOIN in a.quote or JOIN in b.quote or (
            a.sentences & b.sentences):
        return None
    sentences = split_sentences(text)
    end = next((k for k, x in enumerate(sentences) if a.quote.endswith(x)), None)
    if end is None or end + 2 >= len(sentences) or not b.quote.startswith(sentences[end + 2]):
        return None
    gap = sentences[end + 1]
    run = " ".join((a.quote, gap, b.quote))
    return (gap, run) if run in text else None

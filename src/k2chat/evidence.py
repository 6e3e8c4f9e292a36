"""Candidate quotes and the numbers that describe them, shared by the chain and ``k2chat.fit``.

A *unit* is one sentence of a retrieved passage, quoted so that it reads on its own: a short
label sentence ("For MK-4 (Menaquinone-4): 45 milligrams (mg).") and a list's lead-in line
("Other groups who should ... include:") are joined to it with an ellipsis, and a sentence that
refers back ("Those drugs have ...", ``k2chat.reference``) is quoted with the sentences of its
paragraph it points to; one whose referent nothing before it in its paragraph gives is never a
candidate on its own. Each unit gets the
features below; the lead model (fitted, see ``k2chat.classify``) turns them into the chance
that the unit states what the question asks.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from k2chat.reference import chain_start, refers_back
from k2chat.retrieve import AMOUNT, Hit, LexicalIndex
from k2chat.text import normalize_fact, split_sentences, tokenize
from k2chat.types import QUOTE_JOIN

if TYPE_CHECKING:
    import numpy as np
    from langchain_core.embeddings import Embeddings

__all__ = [
    "LEAD_COLUMNS", "LEAD_FEATURES", "SCOPE_FEATURES", "WHOLE", "Examples", "Unit",
    "UnitVectors", "lead_rows", "overlaps", "standardised", "units_of",
]

LABEL_CHARS = 60  # a first sentence this short labels its passage ("For MK-7 ...: 90–180 mcg.")
HEAD_CHARS = 80  # a "Name:" head this short names its list item (the article's longest is 63)
JOIN = QUOTE_JOIN
WHOLE = -1  # Unit.index of a unit that quotes its whole passage

LEAD_FEATURES = (
    "dense_passage",  # cosine(question, passage)
    "dense_unit",  # cosine(question, this sentence with its heading)
    "cover",  # IDF-weighted share of the search query's terms in the sentence
    "cover_own",  # ... of the question's own terms (a follow-up's new words)
    "rare",  # the question's rarest known term is in the sentence
    "amount_dose",  # the sentence states an amount x P(the question asks for a dose)
    "type_match",  # the question's and the sentence's kinds agree (question-type model)
    "fused",  # the passage's retrieval score
    "inv_rank",  # 1 / (passage rank + 1)
    "first",  # the passage's first sentence
    "chars",  # sentence length / 200
    "cover_rel",  # cover_own / the best cover_own among the candidates
    "dense_rel",  # dense_unit - the best dense_unit among the candidates
    "pairs",  # share of the question's adjacent term pairs found together in the sentence
    "ex_cover",  # cover of the question's words by the sentence plus the example questions
    # it answers (their words together)
    "tuned",  # cosine(question, sentence) by the encoder fine-tuned on the labelled questions
    # (k2chat.finetune), standardised over the question's candidates (0 without that encoder)
)
LEAD_COLUMNS = LEAD_FEATURES
SCOPE_FEATURES = (
    "text_in",  # P(answerable) from the question's words alone (scope text model)
    "lead",  # P(best sentence states the answer)
    "dense",  # best passage cosine
    "dense_unit",  # best sentence cosine
    "cover_own",  # best sentence's share of the question's own terms
    "known",  # share of the question's content words the article uses (typos allowed)
    "ex_cover",  # the best sentence's ex_cover
)


@dataclass(frozen=True)
class Unit:
    hit: Hit
    index: int  # sentence number within the passage
    sentence: str  # verbatim
    quote: str  # what is shown: the sentence, with its label and lead-in when it has them
    # other article sentences the quote states: those before ``sentence`` that it refers back
    # to, and (k2chat.topics) those after it that complete a safety statement
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
        before = split_sentences(hit.chunk.before) if hit.chunk.before else []
        # The passage's first sentence needs the paragraph before it, and has it, or a
        # lead-in line that it continues; else it cannot open a quote.
        opens = not refers_back(sentences[0]) or bool(before) or bool(context)
        for i, sentence in enumerate(sentences):
            if label == sentences[0] and i == 0:
                continue  # a label alone says nothing; it is quoted with what follows it
            start = chain_start(sentences, i)
            if start is None and not opens:
                continue  # refers back to what this paragraph never gave before it
            carried = [*(before if start is None else []), *sentences[start or 0:i]]
            # the label, unless the first sentence (which holds it) is carried already
            lead = label if i > 0 and start is not None and start > 0 else ""
            parts = [context, lead, " ".join((*carried, sentence))]  # carried: contiguous
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


class UnitVectors:
    """Sentence vectors: read from those ingest stored (``stored``, a local build), else
    embedded when first retrieved; either way kept (bounded) for later questions, which
    retrieve the same sentences again."""

    MAX = 50_000  # ~75 MB of float32 vectors at most

    def __init__(self, embeddings: Embeddings, stored: Any = None) -> None:
        self._embeddings = embeddings
        self._stored = stored  # derived.StoredUnits or None
        self._vectors: dict[tuple[str, int], Any] = {}
        self._lock = threading.Lock()

    def get(self, units: list[Unit]) -> np.ndarray:
        import numpy as np

        with self._lock:
            found = {u.key: self._vectors[u.key] for u in units if u.key in self._vectors}
        fresh: dict[tuple[str, int], Any] = {}
        if self._stored is not None:
            for u in units:
                if u.key not in found and (vector := self._stored.lookup(u.key)) is not None:
                    fresh[u.key] = vector
        missing = [u for u in units if u.key not in found and u.key not in fresh]
        if missing:
            texts = list(dict.fromkeys(u.embedding_text() for u in missing))
            by_text = dict(zip(texts, self._embeddings.embed_documents(texts), strict=True))
            fresh.update({u.key: np.asarray(by_text[u.embedding_text()], dtype=np.float32)
                          for u in missing})
        if fresh:
            with self._lock:
                if len(self._vectors) + len(fresh) <= self.MAX:
                    self._vectors.update(fresh)
        rows = [found[u.key] if u.key in found else fresh[u.key] for u in units]
        return np.vstack(rows) if rows else np.zeros((0, 384), dtype=np.float32)


class Examples:
    """Example questions with the article text that answers them (``data/questions.yaml`` and
    the tuning set): a sentence is also known by the words readers used to ask for it."""

    def __init__(self, examples: list[tuple[str, str]]) -> None:
        self._norm = normalize_fact
        self._examples = [(normalize_fact(fact), frozenset(tokenize(q))) for q, fact in examples]
        self._memo: dict[str, tuple[frozenset[str], ...]] = {}

    def questions_for(self, quote: str) -> tuple[frozenset[str], ...]:
        """The words of each example question whose answer lies in ``quote``."""
        got = self._memo.get(quote)
        if got is None:
            text = self._norm(quote)
            got = tuple(w for fact, w in self._examples if fact in text)
            if len(self._memo) < UnitVectors.MAX:
                self._memo[quote] = got
        return got


def lead_rows(
    units: list[Unit], *, lex: LexicalIndex, question_vector: np.ndarray,
    unit_vectors: np.ndarray, query: str, own: str, p_dose: float, type_match: np.ndarray,
    examples: Examples, tuned: np.ndarray | None = None,
) -> np.ndarray:
    """One row of LEAD_FEATURES per unit; ``tuned``: the fine-tuned encoder's cosine of the
    question and each unit, when that encoder is shipped."""
    import numpy as np

    terms = lex.query_terms(query)
    own_terms = lex.query_terms(own) or terms
    own_words = [t for t in tokenize(own) if not t.isdigit()]
    rarest_idf = max(lex.idf.values(), default=1.0)
    pairs = {frozenset(p) for p in zip(own_terms, own_terms[1:], strict=False) if p[0] != p[1]}
    rarest = max(own_terms, key=lex.weight, default=None)
    dense_unit = unit_vectors @ np.asarray(question_vector, dtype=np.float32)
    cover, cover_own = lex.share_of(terms), lex.share_of(own_terms)
    cover_words = lex.share_of(own_words, rarest_idf)
    rows = []
    for unit, dense, match in zip(units, dense_unit, type_match, strict=True):
        tokens = set(tokenize(f"{unit.hit.chunk.heading} {unit.scored_text}"))
        rows.append((
            unit.hit.dense,
            float(dense),
            cover(tokens),
            cover_own(tokens),
            float(rarest is not None and rarest in tokens),
            float(bool(AMOUNT.search(unit.sentence))) * p_dose,
            float(match),
            unit.hit.fused,
            1.0 / (unit.hit.rank + 1),
            float(unit.index in (0, WHOLE)),
            len(unit.sentence) / 200,
            0.0, 0.0,
            sum(p <= tokens for p in pairs) / len(pairs) if pairs else 0.0,
            # every content word counts; one the article never uses weighs as its rarest
            cover_words(tokens.union(*examples.questions_for(unit.scored_text))),
            0.0,
        ))
    base = np.asarray(rows, dtype=np.float64).reshape(len(units), len(LEAD_FEATURES))
    if len(units):
        names = LEAD_FEATURES
        own_cover, dense = base[:, names.index("cover_own")], base[:, names.index("dense_unit")]
        base[:, names.index("cover_rel")] = own_cover / max(float(own_cover.max()), 1e-6)
        base[:, names.index("dense_rel")] = dense - float(dense.max())
        if tuned is not None:
            base[:, names.index("tuned")] = standardised(np.asarray(tuned, dtype=np.float64))
    return base


def standardised(scores: np.ndarray) -> np.ndarray:
    """Scores as z-values over one question's candidates (0 when they are all equal): the
    fine-tuned encoder's cosines differ in level from question to question, their order not."""
    import numpy as np

    spread = float(scores.std()) if len(scores) else 0.0
    if spread < 1e-9:
        return np.zeros_like(scores)
    return (scores - float(scores.mean())) / spread

"""Hybrid retrieval: dense search in Chroma fused with BM25 over the same passages.

Dense vectors find paraphrases; BM25 finds exact terms (doses, drug names, "MK-7").
Candidates from both (each one's top ``fetch_k``) are then scored on one scale:

    score = cosine similarity + LEXICAL_WEIGHT x (IDF-weighted share of the query's terms
                                                  that the passage contains)

so a passage holding the rare word the reader used ("apixaban", "thrombophilia") rises above
passages that are merely about the same broad topic. On the evaluation set this beats
reciprocal-rank fusion (bench/retrieval.py prints both). Every returned Document carries the
scores, so the composer can judge how strong the evidence is.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from k2chat.text import GENERIC_STEMS, TypoIndex, tokenize
from k2chat.types import Chunk

__all__ = ["AMOUNT", "AMOUNT_QUESTION", "Hit", "LexicalIndex", "HybridRetriever", "chunk_of"]

GENERIC_WEIGHT = 0.5

AMOUNT_QUESTION = re.compile(
    r"\b(dose|doses|dosage|dosing|how much|how many|mcg|micrograms?|mg|milligrams?|amount|"
    r"daily|per day|range)\b",
    re.IGNORECASE,
)
AMOUNT = re.compile(r"\d[\d,.]*\s*(?:–|-)?\s*\d*[\d,.]*\s*(mcg|mg|micrograms|milligrams)")


class LexicalIndex:
    """BM25 (bm25s, sparse matrices) over the passages, with typo-tolerant query terms.

    Built once per index build and saved with it (:meth:`save`, bm25s's own format plus the
    IDF table); a process loads it (:meth:`load`) instead of tokenizing every passage again.
    A passage's own terms and whether it states an amount are worked out when a query first
    needs them (only candidates are looked at), so nothing here is a pass over the corpus.
    """

    def __init__(self, chunks: Sequence[Chunk], *, bm25: Any = None,
                 idf: dict[str, float] | None = None) -> None:
        import math

        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs each build at DEBUG
        from k2chat.derived import Passages

        # A build's Passages stay as they are (read when asked for); anything else is copied.
        self.chunks: Sequence[Chunk] = chunks if isinstance(chunks, Passages) else tuple(chunks)
        ids = chunks.ids if isinstance(chunks, Passages) else [c.id for c in self.chunks]
        if bm25 is None or idf is None:
            corpus = [tokenize(c.embedding_text()) for c in self.chunks]
            df: dict[str, int] = {}
            for doc in corpus:
                for t in set(doc):
                    df[t] = df.get(t, 0) + 1
            n = max(len(corpus), 1)
            idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
            bm25 = bm25s.BM25(k1=1.2, b=0.75)
            if corpus:
                bm25.index(corpus, show_progress=False)
        self._bm25 = bm25
        self.idf = idf
        self.vocabulary = frozenset(idf)
        self._typos = TypoIndex(t for t in idf if t.isalpha())
        self.position = {id_: i for i, id_ in enumerate(ids)}
        self._terms: dict[int, frozenset[str]] = {}
        self._amount: dict[int, bool] = {}

    IDF_FILE = "idf.json"
    # Passages whose terms are kept once worked out: the whole article many times over, and a
    # bound on memory at any corpus size (~1 KB each).
    MEMO_MAX = 20_000

    def save(self, folder: Path) -> None:
        """Write the BM25 index (bm25s's files) and the IDF table into ``folder``."""
        import json

        folder.mkdir(parents=True, exist_ok=True)
        self._bm25.save(str(folder), show_progress=False)
        (folder / self.IDF_FILE).write_text(json.dumps(self.idf), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, chunks: Sequence[Chunk]) -> LexicalIndex:
        """The index :meth:`save` wrote for ``chunks`` (the BM25 matrix memory-mapped)."""
        import json

        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)
        bm25 = bm25s.BM25.load(str(folder), mmap=True, show_progress=False)
        idf = json.loads((folder / cls.IDF_FILE).read_text(encoding="utf-8"))
        return cls(chunks, bm25=bm25, idf=idf)

    def terms(self, index: int) -> frozenset[str]:
        """The terms of passage ``index`` (what BM25 indexed for it)."""
        got = self._terms.get(index)
        if got is None:
            got = frozenset(tokenize(self.chunks[index].embedding_text()))
            if len(self._terms) < self.MEMO_MAX:
                self._terms[index] = got
        return got

    def states_amount(self, index: int) -> bool:
        """Passage ``index`` states an amount ("90-180 mcg")."""
        got = self._amount.get(index)
        if got is None:
            got = bool(AMOUNT.search(self.chunks[index].text))
            if len(self._amount) < self.MEMO_MAX:
                self._amount[index] = got
        return got

    def query_terms(self, query: str) -> list[str]:
        """Tokens of the query, misspellings mapped to the closest word the corpus uses."""
        terms: list[str] = []
        for token in tokenize(query, expand=True):
            if token in self.vocabulary:
                terms.append(token)
            elif token.isalpha() and (fixed := self._typos.match(token)):
                terms.append(fixed)
        return terms

    def weight(self, term: str) -> float:
        """IDF, damped for everyday words ("used", "take") that say how, not what."""
        return self.idf.get(term, 0.0) * (GENERIC_WEIGHT if term in GENERIC_STEMS else 1.0)

    def share(self, terms: Sequence[str], tokens: Collection[str],
              unknown: float = 0.0) -> float:
        """The weighted share of ``terms`` that ``tokens`` contains (0..1); a term the corpus
        never uses weighs ``unknown``."""
        return self.share_of(terms, unknown)(tokens)

    def share_of(self, terms: Sequence[str],
                 unknown: float = 0.0) -> Callable[[Collection[str]], float]:
        """:meth:`share` for one set of ``terms`` and many token sets, weighed once."""
        weights = [(t, self.weight(t) or unknown) for t in set(terms)]
        total = sum(w for _, w in weights)
        if not total:
            return lambda tokens: 0.0
        return lambda tokens: sum(w for t, w in weights if t in tokens) / total

    def coverage(self, terms: list[str], indexes: Sequence[int]) -> list[float]:
        """For each passage in ``indexes``, the weighted share of ``terms`` it contains (0..1)."""
        share = self.share_of(terms)
        return [share(self.terms(i)) for i in indexes]

    def search(
        self, query: str, k: int, terms: list[str] | None = None
    ) -> list[tuple[int, float]]:
        import numpy as np

        terms = self.query_terms(query) if terms is None else terms
        if not terms or not self.chunks:
            return []
        scores = self._bm25.get_scores(terms)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        ranked = sorted(((int(i), float(scores[i])) for i in top), key=lambda x: -x[1])
        return [(i, s) for i, s in ranked if s > 0]


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


class HybridRetriever(BaseRetriever):
    """A LangChain retriever: dense (Chroma, or exact in memory) + lexical (BM25), one score."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: Any  # langchain_chroma.Chroma over the index's collection
    embeddings: Embeddings
    lexical: LexicalIndex
    # The passages' vectors (rows aligned with lexical.chunks) when the index keeps them in
    # memory (index.IN_MEMORY_MAX): dense search is then exact and skips the Chroma query.
    vectors: Any = None
    k: int = 12
    fetch_k: int = 24
    lexical_weight: float = 0.7
    figure_bonus: float = 0.1  # for "how much" questions, passages that state an amount

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return self.search(query)

    def dense(self, vector: list[float], k: int) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the ``k`` nearest passages."""
        n = min(k, len(self.lexical.chunks))
        if n <= 0:
            return []
        if self.vectors is not None:
            import numpy as np

            sims = self.vectors @ np.asarray(vector, dtype=np.float32)
            top = np.argpartition(-sims, n - 1)[:n] if n < len(sims) else np.arange(n)
            ranked = sorted(top.tolist(), key=lambda i: -sims[i])
            return [(self.lexical.chunks[i].id, float(sims[i])) for i in ranked]
        hits = self.store.similarity_search_by_vector_with_relevance_scores(vector, k=n)
        return [(str(doc.id), 1.0 - float(distance)) for doc, distance in hits]

    def _cosines(self, vector: list[float], ids: list[str]) -> dict[str, float]:
        """Cosine similarity for passages the dense search did not return."""
        if not ids:
            return {}
        import numpy as np

        query = np.asarray(vector, dtype=np.float32)
        if self.vectors is not None:
            rows = [self.lexical.position[i] for i in ids]
            return {i: float(s) for i, s in zip(ids, self.vectors[rows] @ query, strict=True)}
        got = self.store._collection.get(ids=ids, include=["embeddings"])
        matrix = np.asarray(got["embeddings"], dtype=np.float32)
        sims = matrix @ query
        return {str(i): float(s) for i, s in zip(got["ids"], sims, strict=True)}

    def search(self, query: str, k: int | None = None, focus: str | None = None) -> list[Document]:
        """Passages for ``query`` as LangChain documents (scores in their metadata)."""
        return [hit.document() for hit in self.hits(query, k, focus)]

    def hits(
        self, query: str, k: int | None = None, focus: str | None = None,
        vector: list[float] | None = None,
    ) -> list[Hit]:
        """Passages for ``query``, best first. ``focus``: the words that must be matched (a
        follow-up's own words, when ``query`` also carries the topic of earlier turns);
        ``vector``: the query's embedding, when the caller has it already."""
        k = k or self.k
        lex = self.lexical
        terms = lex.query_terms(query)
        focus_terms = lex.query_terms(focus) if focus else terms
        found = lex.search(query, self.fetch_k, terms)
        bm25 = {lex.chunks[i].id: s for i, s in found}
        if vector is None:
            vector = self.embeddings.embed_query(query)
        dense = dict(self.dense(vector, self.fetch_k))
        dense.update(self._cosines(vector, [i for i in bm25 if i not in dense]))
        wants_amount = bool(AMOUNT_QUESTION.search(query))
        scored = []
        candidates = [(cid, cosine, lex.position[cid]) for cid, cosine in dense.items()
                      if cid in lex.position]
        covers = lex.coverage(focus_terms or terms, [index for _, _, index in candidates])
        for (cid, cosine, index), cover in zip(candidates, covers, strict=True):
            score = cosine + self.lexical_weight * cover
            if wants_amount and lex.states_amount(index):
                score += self.figure_bonus
            scored.append((score, cid, cosine, cover, index))
        scored.sort(reverse=True)
        return [Hit(lex.chunks[index], cosine, cover, score, rank)
                for rank, (score, _, cosine, cover, index) in enumerate(scored[:k])]

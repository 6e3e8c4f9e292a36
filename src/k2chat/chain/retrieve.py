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

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from k2chat.store.lexical import LexicalIndex
from k2chat.store.quotes import Hit
from k2chat.vocabulary import Vocabulary

__all__ = ["HybridRetriever"]


class HybridRetriever(BaseRetriever):
    """A LangChain retriever: dense (Chroma, or exact in memory) + lexical (BM25), one score."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: Any  # langchain_chroma.Chroma over the index's collection
    embeddings: Embeddings
    lexical: LexicalIndex
    # The corpus's forms and dose units (its profiles): what reads as an amount
    vocabulary: Vocabulary
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
        wants_amount = bool(self.vocabulary.asks_amount.search(query))
        scored = []
        candidates = [(cid, cosine, lex.position[cid]) for cid, cosine in dense.items()
                      if cid in lex.position]
        covers = lex.coverage(focus_terms or terms, [index for _, _, index in candidates])
        for (cid, cosine, index), cover in zip(candidates, covers, strict=True):
            score = cosine + self.lexical_weight * cover
            if wants_amount and lex.states_amount(index, self.vocabulary.amount):
                score += self.figure_bonus
            scored.append((score, cid, cosine, cover, index))
        scored.sort(reverse=True)
        return [Hit(lex.chunks[index], cosine, cover, score, rank)
                for rank, (score, _, cosine, cover, index) in enumerate(scored[:k])]

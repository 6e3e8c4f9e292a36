"""Hybrid retrieval: dense search in Chroma fused with BM25 over the same passages.

Dense vectors find paraphrases; BM25 finds exact terms (doses, drug names, "MK-7").
The two ranked lists are merged by reciprocal-rank fusion, and every returned Document carries
both raw scores so the composer can judge how strong the evidence is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from k2chat.text import tokenize, typo_match
from k2chat.types import Chunk

__all__ = ["LexicalIndex", "HybridRetriever", "chunk_of"]


class LexicalIndex:
    """BM25 (bm25s, sparse matrices) over the passages, with typo-tolerant query terms."""

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        import bm25s

        self.chunks = tuple(chunks)
        corpus = [tokenize(c.embedding_text()) for c in self.chunks]
        self.vocabulary = frozenset(t for doc in corpus for t in doc)
        self._sorted_vocab = sorted(self.vocabulary)
        self._bm25 = bm25s.BM25(k1=1.2, b=0.75)
        self._bm25.index(corpus, show_progress=False)

    def query_terms(self, query: str) -> list[str]:
        """Tokens of the query, misspellings mapped to the closest word the corpus uses."""
        terms: list[str] = []
        for token in tokenize(query, expand=True):
            if token in self.vocabulary:
                terms.append(token)
            elif token.isalpha() and (fixed := typo_match(token, self._sorted_vocab)):
                terms.append(fixed)
        return terms

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        import numpy as np

        terms = self.query_terms(query)
        if not terms or not self.chunks:
            return []
        scores = self._bm25.get_scores(terms)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        ranked = sorted(((int(i), float(scores[i])) for i in top), key=lambda x: -x[1])
        return [(i, s) for i, s in ranked if s > 0]


def chunk_of(doc: Document) -> Chunk:
    return Chunk.from_record(str(doc.id), doc.page_content, doc.metadata)


class HybridRetriever(BaseRetriever):
    """A LangChain retriever: dense (Chroma) + lexical (BM25), fused by reciprocal rank."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: Any  # langchain_chroma.Chroma over the index's collection
    embeddings: Embeddings
    lexical: LexicalIndex
    k: int = 8
    fetch_k: int = 24
    rrf_k: int = 60
    dense_weight: float = 1.0
    lexical_weight: float = 1.0

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return self.search(query)

    def dense(self, vector: list[float], k: int) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the ``k`` nearest passages."""
        n = min(k, len(self.lexical.chunks))
        hits = self.store.similarity_search_by_vector_with_relevance_scores(vector, k=n)
        return [(str(doc.id), 1.0 - float(distance)) for doc, distance in hits]

    def search(self, query: str, k: int | None = None) -> list[Document]:
        k = k or self.k
        by_id = {c.id: c for c in self.lexical.chunks}
        dense = self.dense(self.embeddings.embed_query(query), self.fetch_k)
        found = self.lexical.search(query, self.fetch_k)
        lexical = [(self.lexical.chunks[i].id, s) for i, s in found]
        fused: dict[str, float] = {}
        for weight, ranked in ((self.dense_weight, dense), (self.lexical_weight, lexical)):
            for rank, (cid, _) in enumerate(ranked):
                fused[cid] = fused.get(cid, 0.0) + weight / (self.rrf_k + rank + 1)
        dense_score = dict(dense)
        lexical_score = dict(lexical)
        top_lexical = lexical[0][1] if lexical else 0.0
        ranked_ids = sorted(fused, key=lambda cid: -fused[cid])[:k]
        docs = []
        for cid in ranked_ids:
            chunk = by_id.get(cid)
            if chunk is None:
                continue
            meta: dict[str, Any] = dict(chunk.metadata())
            meta.update(
                dense=dense_score.get(cid, 0.0),
                lexical=lexical_score.get(cid, 0.0) / top_lexical if top_lexical else 0.0,
                fused=fused[cid],
            )
            docs.append(Document(id=cid, page_content=chunk.text, metadata=meta))
        return docs

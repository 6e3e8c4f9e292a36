"""The BM25 index over the passages (bm25s), with typo-tolerant query terms; built with
each index build and saved with it (``k2chat.store.derived``)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any

from k2chat.store.passages import Passages
from k2chat.text import GENERIC_STEMS, TypoIndex, normalize, tokenize
from k2chat.types import Chunk

__all__ = ["GENERIC_WEIGHT", "LexicalIndex"]


GENERIC_WEIGHT = 0.5


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
        self._amount: dict[tuple[str, int], bool] = {}
        self._spellings: TypoIndex | None = None  # the passages' words (``spelled``), built once
        self._surface: frozenset[str] = frozenset()

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

    def spelled(self, word: str) -> str:
        """``word`` as the articles spell it: the word of theirs it misspells ("osteocalcn" ->
        "osteocalcin", ``TypoIndex``), else ``word`` itself. Over the passages' own words (as
        ``k2chat.text.normalize`` writes them), not BM25's stems."""
        if self._spellings is None:
            words = {w for c in self.chunks for w in re.findall(r"[a-z][a-z0-9]+",
                                                                 normalize(c.text))}
            self._surface = frozenset(words)
            self._spellings = TypoIndex(words)
        if word in self._surface:
            return word
        return self._spellings.match(word) or word

    def terms(self, index: int) -> frozenset[str]:
        """The terms of passage ``index`` (what BM25 indexed for it)."""
        got = self._terms.get(index)
        if got is None:
            got = frozenset(tokenize(self.chunks[index].embedding_text()))
            if len(self._terms) < self.MEMO_MAX:
                self._terms[index] = got
        return got

    def states_amount(self, index: int, amount: re.Pattern[str]) -> bool:
        """Passage ``index`` states an amount ("90-180 mcg"): ``amount``, the corpus's
        :attr:`~k2chat.vocabulary.Vocabulary.amount`, finds one in its text."""
        key = (amount.pattern, index)
        got = self._amount.get(key)
        if got is None:
            got = bool(amount.search(self.chunks[index].text))
            if len(self._amount) < self.MEMO_MAX:
                self._amount[key] = got
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

"""Candidate quotes and the numbers that describe them, shared by the chain and ``k2chat.fit``.

A *unit* is one sentence of a retrieved passage, quoted so that it reads on its own: a short
label sentence ("For MK-4 (Menaquinone-4): 45 milligrams (mg).") and a list's lead-in line
("Other groups who should ... include:") are joined to it with an ellipsis, and a sentence that
refers back ("Those drugs have ...", ``k2chat.store.reference``) is quoted with the sentences of its
paragraph it points to; one whose referent nothing before it in its paragraph gives is never a
candidate on its own. Each unit gets the
features below; the lead model (fitted, see ``k2chat.models.classify``) turns them into the chance
that the unit states what the question asks.
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING, Any

from k2chat.store.lexical import LexicalIndex
from k2chat.store.quotes import WHOLE, Unit
from k2chat.text import normalize_fact, tokenize

if TYPE_CHECKING:
    import numpy as np
    from langchain_core.embeddings import Embeddings

__all__ = [
    "LEAD_COLUMNS", "LEAD_FEATURES", "SCOPE_FEATURES", "Examples", "UnitVectors", "lead_rows",
    "standardised",
]


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
    examples: Examples, amount: re.Pattern[str], tuned: np.ndarray | None = None,
) -> np.ndarray:
    """One row of LEAD_FEATURES per unit; ``amount``: what states an amount (the corpus's
    :attr:`~k2chat.vocabulary.Vocabulary.amount`); ``tuned``: the fine-tuned encoder's cosine
    of the question and each unit, when that encoder is shipped."""
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
            float(bool(amount.search(unit.sentence))) * p_dose,
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

"""Decisions that depend on meaning, made by models fitted on labelled examples.

Every model here is a logistic regression whose weights were fitted by ``python -m k2chat.fit``
on the examples in ``src/k2chat/data/`` and stored, with its held-out figures, in
``src/k2chat/data/fitted.json``. Nothing here is tuned by hand:

* ``TextModel`` reads a text through the embedding model we ship plus TF-IDF word n-grams
  (tense and person cues such as "right now" or "years ago" that a sentence vector blurs):
  it says whether a message reports an emergency, what kind of question it is, and whether it
  looks like a question the article answers.
* ``FeatureModel`` weighs a few numbers that describe the evidence (how close a sentence is to
  the question, how many of its words it holds, ...): it ranks candidate quotes and decides
  whether the best of them answers the question at all. One of the lead model's numbers is
  the similarity by an encoder fine-tuned on the same examples (``k2chat.finetune``), stored
  beside the weights as ``data/encoder.onnx``.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from k2chat.errors import K2ChatError
from k2chat.files import DATA_DIR

if TYPE_CHECKING:
    import numpy as np

__all__ = ["FITTED_PATH", "FeatureModel", "Fitted", "TextModel", "fitted", "tfidf_tokens"]

FITTED_PATH = DATA_DIR / "fitted.json"

_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern


def tfidf_tokens(text: str) -> list[str]:
    """Word 1- and 2-grams, exactly as ``TfidfVectorizer(ngram_range=(1, 2))`` makes them."""
    words = _TOKEN.findall(text.lower())
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


@dataclass(frozen=True)
class TextModel:
    """Multinomial logistic regression over [sentence vector, TF-IDF n-grams]."""
    labels: tuple[str, ...]
    vocabulary: dict[str, int]
    idf: Any  # np.ndarray (V,)
    w_vector: Any  # (C, D)
    w_terms: Any  # (C, V)
    bias: Any  # (C,)
    # Each text's TF-IDF share of the logits: the article's sentences are scored again on
    # every question that retrieves them. Bounded: started afresh past MEMO_MAX texts.
    _memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    MEMO_MAX = 20_000  # texts; a few float64 per text, so at most a few MB

    def _terms(self, text: str) -> tuple[list[int], list[float]]:
        counts = Counter(t for t in tfidf_tokens(text) if t in self.vocabulary)
        if not counts:
            return [], []
        cols = [self.vocabulary[t] for t in counts]
        vals = [(1.0 + math.log(n)) * float(self.idf[c])
                for c, n in zip(cols, counts.values(), strict=True)]
        norm = math.sqrt(sum(v * v for v in vals)) or 1.0
        return cols, [v / norm for v in vals]

    def logits(self, vectors: np.ndarray, texts: list[str]) -> np.ndarray:
        import numpy as np

        out = np.asarray(vectors, dtype=np.float64) @ self.w_vector.T + self.bias
        for row, text in enumerate(texts):
            part = self._memo.get(text)
            if part is None:
                cols, vals = self._terms(text)
                part = self.w_terms[:, cols] @ np.asarray(vals) if cols else 0.0
                if len(self._memo) >= self.MEMO_MAX:
                    self._memo.clear()
                self._memo[text] = part
            out[row] += part
        return out

    def proba(self, vectors: np.ndarray, texts: list[str]) -> np.ndarray:
        import numpy as np

        z = self.logits(vectors, texts)
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TextModel:
        import numpy as np

        return cls(
            labels=tuple(d["labels"]),
            vocabulary={t: i for i, t in enumerate(d["terms"])},
            idf=np.asarray(d["idf"]),
            w_vector=np.asarray(d["w_vector"]),
            w_terms=np.asarray(d["w_terms"]),
            bias=np.asarray(d["bias"]),
        )


@dataclass(frozen=True)
class FeatureModel:
    """Binary logistic regression over named, standardised features."""

    features: tuple[str, ...]
    mean: Any
    scale: Any
    weights: Any
    bias: float

    def score(self, rows: np.ndarray) -> np.ndarray:
        import numpy as np

        z = ((np.asarray(rows, dtype=np.float64) - self.mean) / self.scale) @ self.weights
        return np.asarray(z + self.bias)

    def proba(self, rows: np.ndarray) -> np.ndarray:
        import numpy as np

        return np.asarray(1.0 / (1.0 + np.exp(-self.score(rows))))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FeatureModel:
        import numpy as np

        return cls(tuple(d["features"]), np.asarray(d["mean"]), np.asarray(d["scale"]),
                   np.asarray(d["weights"]), float(d["bias"]))


@dataclass(frozen=True)
class Fitted:
    """Everything ``k2chat.fit`` fitted, and the thresholds it chose (with their source)."""

    emergency: TextModel
    emergency_threshold: float  # P(medical) + P(self_harm) at or above which we redirect
    qtype: TextModel
    scope_text: TextModel
    lead: FeatureModel
    scope: FeatureModel
    scope_threshold: float  # P(answered) below which the article does not cover a question
    support_margin: float  # a second or third quote scores at most this far below the lead
    examples: tuple[tuple[str, str], ...]  # (example question, article text that answers it)
    report: dict[str, Any]
    # The encoder fine-tuned on the labelled questions (embeddings.TunedEncoder), whose
    # similarity is the lead model's "tuned" feature; None when the lead model does not use it.
    tuned: Any = None


@functools.lru_cache(maxsize=4)
def fitted(path: Path = FITTED_PATH) -> Fitted:
    """The fitted models (read once per process)."""

    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise K2ChatError(f"The fitted models in {path} cannot be read ({exc}); run "
                          "`make fit` to fit them again.") from exc
    return Fitted(
        emergency=TextModel.from_dict(raw["emergency"]),
        emergency_threshold=float(raw["emergency"]["threshold"]),
        qtype=TextModel.from_dict(raw["qtype"]),
        scope_text=TextModel.from_dict(raw["scope_text"]),
        lead=FeatureModel.from_dict(raw["lead"]),
        scope=FeatureModel.from_dict(raw["scope"]),
        scope_threshold=float(raw["scope"]["threshold"]),
        support_margin=float(raw["lead"]["support_margin"]),
        examples=tuple((str(q), str(f)) for q, f in raw["examples"]),
        report=raw.get("report", {}),
        tuned=_tuned_encoder(raw["lead"]),
    )


def _tuned_encoder(lead: dict[str, Any]) -> Any:
    """The fine-tuned encoder stored beside fitted.json, when the lead model weighs it."""
    # imported here for start-up speed:
    # the fine-tuned encoder's runtime loads only with the lead model that uses it
    from k2chat.models.embeddings import TUNED_PATH, TunedEncoder

    names = list(lead["features"])
    if "tuned" not in names or not float(lead["weights"][names.index("tuned")]):
        return None
    if not TUNED_PATH.is_file():
        raise K2ChatError(f"The fine-tuned encoder {TUNED_PATH} is missing; run "
                          "`make fit` to fit it again.")
    return TunedEncoder(TUNED_PATH)

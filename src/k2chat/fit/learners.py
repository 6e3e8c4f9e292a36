"""Fitting one model: a text model (TF-IDF terms beside the sentence vector, logistic
regression, out-of-fold predictions), a feature model (plain or pairwise logistic regression
over named features), their serialised form, and the placeholder models used before any fit."""

from __future__ import annotations

from typing import Any

import numpy as np

from k2chat.chain.evidence import LEAD_COLUMNS
from k2chat.fit.examples import SEED
from k2chat.models.classify import FeatureModel, Fitted, TextModel

C_GRID = (2.0, 8.0, 32.0, 128.0)


def text_features(vectors: np.ndarray, texts: list[str], vectorizer: Any) -> Any:
    from scipy import sparse

    return sparse.hstack([sparse.csr_matrix(vectors), vectorizer.transform(texts)]).tocsr()


def fit_text(vectors: np.ndarray, texts: list[str], labels: list[str],
              weights: np.ndarray | None = None) -> tuple[TextModel, dict[str, Any], Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    vectorizer.fit(texts)
    x = text_features(vectors, texts, vectorizer)
    y = np.asarray(labels)
    folds = StratifiedKFold(5, shuffle=True, random_state=SEED)
    best_c = max(C_GRID, key=lambda c: cross_val_score(
        LogisticRegression(C=c, max_iter=5000, class_weight="balanced"), x, y, cv=folds,
        scoring="neg_log_loss").mean())
    lr = LogisticRegression(C=best_c, max_iter=5000, class_weight="balanced")
    lr.fit(x, y, sample_weight=weights)
    classes = [str(c) for c in lr.classes_]
    coef, bias = lr.coef_, lr.intercept_
    if len(classes) == 2:  # binary: softmax over [0, z] is sigmoid(z)
        coef = np.vstack([np.zeros_like(coef), coef])
        bias = np.asarray([0.0, bias[0]])
    dim = vectors.shape[1]
    terms = vectorizer.get_feature_names_out().tolist()
    d = {
        "labels": classes, "terms": terms, "idf": _r(vectorizer.idf_),
        "w_vector": _r(coef[:, :dim]), "w_terms": _r(coef[:, dim:]), "bias": _r(bias),
        "C": best_c,
    }
    return TextModel.from_dict(d), d, lr


def _r(a: Any) -> Any:
    return np.round(np.asarray(a, dtype=np.float64), 6).tolist()


def oof_text(vectors: np.ndarray, texts: list[str], labels: list[str],
              apply_to: tuple[np.ndarray, list[str]] | None = None) -> np.ndarray:
    """Out-of-fold class probabilities (columns in sorted label order), for the training
    texts or, row for row, for other texts (``apply_to``: what the chain will see)."""
    from sklearn.model_selection import StratifiedKFold

    y = np.asarray(labels)
    out_vectors, out_texts = apply_to or (vectors, texts)
    out = np.zeros((len(texts), len(set(labels))))
    for train, test in StratifiedKFold(5, shuffle=True, random_state=SEED).split(texts, y):
        model, _, _ = fit_text(vectors[train], [texts[i] for i in train],
                                [labels[i] for i in train])
        out[test] = model.proba(out_vectors[test], [out_texts[i] for i in test])
    return out


def fit_features(x: np.ndarray, y: np.ndarray, names: tuple[str, ...],
                  c: float = 1.0) -> FeatureModel:
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    lr = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
    lr.fit((x - mean) / scale, y)
    return FeatureModel(names, mean, scale, lr.coef_[0], float(lr.intercept_[0]))


def fit_pairwise(x: np.ndarray, y: np.ndarray, groups: np.ndarray, c: float) -> FeatureModel:
    """A ranking model: logistic regression on (right unit - wrong unit) differences within
    each question, so only the order of a question's candidates is learned."""
    from sklearn.linear_model import LogisticRegression

    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    rng = np.random.default_rng(SEED)
    diffs, signs = [], []
    for g in np.unique(groups):
        rows = np.flatnonzero(groups == g)
        pos, neg = rows[y[rows]], rows[~y[rows]]
        for p in pos:
            for n in neg:
                d = (x[p] - x[n]) / scale
                flip = rng.random() < 0.5
                diffs.append(-d if flip else d)
                signs.append(0 if flip else 1)
    lr = LogisticRegression(C=c, max_iter=5000, fit_intercept=False)
    lr.fit(np.asarray(diffs), np.asarray(signs))
    return FeatureModel(LEAD_COLUMNS, np.zeros(x.shape[1]), scale, lr.coef_[0], 0.0)


def feature_dict(m: FeatureModel) -> dict[str, Any]:
    """Standardisation folded into the weights: w' = w / scale, b' = b - w'·mean."""
    weights = m.weights / m.scale
    bias = m.bias - float(weights @ m.mean)
    n = len(m.features)
    return {"features": list(m.features), "mean": [0.0] * n, "scale": [1.0] * n,
            "weights": [float(w) for w in weights], "bias": bias}


def placeholder_fitted(dim: int = 384) -> Fitted:
    zero_text = TextModel(("in", "out"), {}, np.zeros(0), np.zeros((2, dim)),
                          np.zeros((2, 0)), np.zeros(2))
    n = len(LEAD_COLUMNS)
    zero = FeatureModel(LEAD_COLUMNS, np.zeros(n), np.ones(n), np.zeros(n), 0.0)
    return Fitted(zero_text, 1.0, zero_text, zero_text, zero, zero, 0.5, 0.5, (), {})

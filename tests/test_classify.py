"""The fitted models: their arithmetic matches scikit-learn's, they are in step with the
labelled data, and their held-out figures (written by ``python -m k2chat.fit``) hold."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from k2chat.fit.examples import DATA, EMERGENCY_FILES, question_files, scope_files
from k2chat.models.classify import FITTED_PATH, TextModel, fitted, tfidf_tokens

from .conftest import EVAL_FILE, REPO

REPORT = fitted().report


def test_tfidf_features_equal_scikit_learns() -> None:
    """The runtime TF-IDF (no scikit-learn import when answering) is the fitted vectorizer."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = ["my chest hurts right now", "chest pain years ago", "how much MK-7 right now",
             "right now my arm is numb", "years ago I had a stroke"]
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1).fit(texts)
    terms = vec.get_feature_names_out().tolist()
    w = np.arange(len(terms), dtype=np.float64)[None, :] / 10
    model = TextModel(("a", "b"), {t: i for i, t in enumerate(terms)}, vec.idf_,
                      np.zeros((2, 3)), np.vstack([np.zeros_like(w), w]), np.zeros(2))
    for text in [*texts, "right now right now chest"]:
        expected = vec.transform([text]).toarray()[0] @ w[0]
        got = model.logits(np.zeros((1, 3)), [text])[0][1]
        assert got == pytest.approx(expected), text


def test_tfidf_tokens_are_word_ngrams() -> None:
    assert tfidf_tokens("My chest, right now!") == ["my", "chest", "right", "now", "my chest",
                                                      "chest right", "right now"]


def test_fitted_models_are_in_step_with_the_labelled_data() -> None:
    """Change an example file and this fails until the models are fitted again."""
    h = hashlib.sha256()
    for p in [*(DATA / n for n in EMERGENCY_FILES),
              *(DATA / n for n in question_files(REPO / "corpus")),
              REPO / "tests" / "eval" / "questions.yaml"]:
        if p.is_file():
            h.update(p.read_bytes())
    assert REPORT["data"] == h.hexdigest()[:16], "run `make fit`"


def test_fitting_reads_the_labelled_files_the_k2_profile_names() -> None:
    """The K2 article's profile names its labelled questions; those with out-of-scope questions
    teach scope, the sentence-targeted set (all answerable) only the quote ranker."""
    files = question_files(REPO / "corpus")
    assert files == ("questions.yaml", "questions_boundary.yaml", "questions_sentences.yaml",
                     "questions_followups.yaml", "questions_scope.yaml")
    assert scope_files(files) == ("questions.yaml", "questions_boundary.yaml",
                                  "questions_followups.yaml", "questions_scope.yaml")


def test_every_model_says_where_it_came_from() -> None:
    raw = json.loads(FITTED_PATH.read_text(encoding="utf-8"))
    assert raw["fitted_by"] == "python -m k2chat.fit"
    for key in ("emergency", "qtype", "scope_text", "lead", "scope"):
        assert key in raw
    assert set(raw["lead"]["features"]) >= {"dense_unit", "cover", "ex_cover"}


def test_held_out_emergency_figures() -> None:
    """Statements the emergency model never saw (25 % of the labelled ones)."""
    e = REPORT["emergency"]
    assert e["test_emergencies"] >= 100 and e["test_near_misses"] >= 100
    # measured 2026-12-02: 0.987; 2026-12-06 (issue 21 examples, split re-drawn): 0.969, the
    # 5 misses indirect suicidal statements and one "coughed up a lot of blood" message
    assert e["recall"] >= 0.96
    assert e["false_alarms_holdout_questions"] <= 0.03
    assert e["false_alarms_near_misses"] <= 0.16  # measured 2026-12-02: 0.142 (hard near-misses)


def test_held_out_scope_and_lead_figures() -> None:
    """tests/eval/holdout.yaml is never fitted on."""
    s, lead = REPORT["scope"], REPORT["lead"]
    assert s["holdout_answerable_refused"] <= 0.12
    assert s["holdout_refuse_answered"] <= 0.25
    assert lead["holdout_lead@1"] >= 0.6
    assert REPORT["qtype"]["accuracy"] >= 0.65


def test_the_emergency_split_is_the_one_the_report_describes() -> None:
    """fit.emergency_sets() is the split both ``k2chat.fit`` and scripts/shared_encoder.py use:
    its held-out part is the one the report counts."""
    from k2chat.fit.examples import emergency_sets

    sets = emergency_sets(EVAL_FILE)
    e = REPORT["emergency"]
    assert sum(lab != "none" for lab in sets.test_labels) == e["test_emergencies"]
    assert sum(lab == "none" for lab in sets.test_labels) == e["test_near_misses"]
    assert len(sets.train_texts) == e["train"]


def test_the_scope_threshold_is_the_middle_of_the_flat_bottom_over_draws() -> None:
    """Issue 21: one draw's arg-min moved 0.24-0.45 between refits; the threshold is the middle
    of the thresholds within THRESHOLD_FLAT of the lowest cost averaged over the draws."""
    from k2chat.fit.thresholds import THRESHOLD_FLAT, flat_middle

    grid = np.asarray([0.1, 0.2, 0.3, 0.4, 0.5])
    costs = [[0.5, 0.200, 0.205, 0.210, 0.6],   # this draw alone would choose 0.2
             [0.5, 0.210, 0.200, 0.200, 0.6]]   # and this one 0.3
    assert THRESHOLD_FLAT == 0.01
    threshold, per_draw = flat_middle(costs, grid)
    assert per_draw == [0.2, 0.3]
    assert threshold == 0.3  # mean costs 0.205, 0.2025, 0.205: all within 0.01, middle 0.3

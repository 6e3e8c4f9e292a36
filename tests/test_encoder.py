"""The encoder fine-tuned on the labelled questions (``k2chat.finetune``, issue 21): it ships as
package data, loads offline without torch, ranks held-out questions' answers better than the
shipped encoder, and the lead model weighs it."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tomllib

import numpy as np

from k2chat.evaluate import load_cases, normalize_fact
from k2chat.finetune import INFO_PATH
from k2chat.models.classify import fitted
from k2chat.models.embeddings import TUNED_PATH, TunedEncoder
from k2chat.store.quotes import Hit, units_of

from .conftest import REPO

INFO = json.loads(INFO_PATH.read_text(encoding="utf-8"))
REPORT = fitted().report["encoder"]


def test_the_stored_encoder_is_the_one_fit_chose() -> None:
    """Its digest is the one fit recorded; it is the smallest exported form that measured no
    worse than fp32 on the questions it was not fine-tuned on."""
    assert hashlib.sha256(TUNED_PATH.read_bytes()).hexdigest() == INFO["sha256"]
    variants = INFO["variants"]
    kept, fp32 = variants[INFO["kept"]], variants["fp32"]
    assert TUNED_PATH.stat().st_size == kept["bytes"] <= fp32["bytes"]

    def hits(v: dict) -> int:  # type: ignore[type-arg]
        return int(v["held_out_hits_after"]) + int(v["holdout_hits_after"])

    assert hits(kept) >= hits(fp32)
    for name, v in variants.items():  # nothing smaller measured as well
        if "error" not in v and v["bytes"] < kept["bytes"]:
            assert hits(v) < hits(fp32), name


def test_the_encoder_is_package_data() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "data/*.onnx" in pyproject["tool"]["setuptools"]["package-data"]["k2chat"]
    assert TUNED_PATH.parent.name == "data" and TUNED_PATH.parent.parent.name == "k2chat"


def test_it_loads_offline_without_torch() -> None:
    """A fresh process with the hub switched off reads it from package data; answering never
    imports torch."""
    code = ("import sys\n"
            "from k2chat.models.classify import fitted\n"
            "m = fitted()\n"
            "s = m.tuned.similarity('How much MK-7 should I take?', ['MK-7: 180 mcg a day.',"
            " 'Natto is a fermented soybean food.'])\n"
            "assert 'torch' not in sys.modules, 'torch imported'\n"
            "print(float(s[0]), float(s[1]))\n")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=300, check=True)
    dose, food = map(float, out.stdout.split())
    assert dose > food


def test_the_lead_model_weighs_it() -> None:
    """The lead model has the feature with a positive weight, fitted with the encoder it ships
    with (the data digest is checked by test_classify)."""
    models = fitted()
    lead = models.lead
    assert "tuned" in lead.features
    assert float(lead.weights[lead.features.index("tuned")]) > 0
    assert isinstance(models.tuned, TunedEncoder)
    assert REPORT["inputs"] and REPORT["feature_weights"][1] > 0


def test_held_out_lead_figures() -> None:
    """Lead@1 on questions the encoder and the feature's weight were not fitted on (out of
    fold), and on tests/eval/holdout.yaml (never fitted on)."""
    assert REPORT["held_out_questions"] >= 150
    assert REPORT["held_out_lead@1_after"] > REPORT["held_out_lead@1_before"]
    assert REPORT["holdout_lead@1_after"] >= REPORT["holdout_lead@1_before"]


def _held_out_ranks(pipeline, encode) -> float:  # type: ignore[no-untyped-def]
    """Share of tests/eval/holdout.yaml's single-turn questions whose nearest quote of the whole
    article holds one of their facts."""
    units = units_of([Hit(c, 0.0, 0.0, 0.0, 0) for c in pipeline.index.chunks])
    texts = list(dict.fromkeys(u.embedding_text() for u in units))
    quotes = {u.embedding_text(): normalize_fact(u.quote) for u in units}
    cases = [c for c in load_cases(REPO / "tests" / "eval" / "holdout.yaml")
             if c.facts and not c.refuse and not c.history]
    assert len(cases) >= 100
    unit_vectors = encode(texts)
    right = 0
    for case in cases:
        best = texts[int(np.argmax(unit_vectors @ encode([case.question])[0]))]
        right += any(normalize_fact(f) in quotes[best] for f in case.facts)
    return right / len(cases)


def test_held_out_questions_are_nearest_their_answers(pipeline) -> None:  # type: ignore[no-untyped-def]
    """Over the whole article, the fine-tuned encoder puts a held-out question's answer first
    more often than the shipped encoder does."""
    tuned = fitted().tuned
    shipped = pipeline.retriever.embeddings

    def tuned_encode(texts: list[str]) -> np.ndarray:
        return tuned.vectors(texts) if len(texts) > 1 else np.asarray(
            tuned.encoder.embed_documents(texts))

    def shipped_encode(texts: list[str]) -> np.ndarray:
        return np.asarray(shipped.embed_documents(texts), dtype=np.float32)

    mine = _held_out_ranks(pipeline, tuned_encode)
    theirs = _held_out_ranks(pipeline, shipped_encode)
    assert mine >= 0.6  # measured 2026-12-06: 0.647 (the shipped encoder: 0.235)
    assert mine > theirs + 0.2


def test_the_chain_scores_candidates_with_it(pipeline) -> None:  # type: ignore[no-untyped-def]
    """A real question's candidate quotes carry the feature, standardised over them."""
    from k2chat.chain.answer import Request, find_evidence, prepare
    from k2chat.chain.evidence import LEAD_COLUMNS
    from k2chat.chain.scoring import score_units

    prepared = prepare(Request("How much MK-7 should I take for my bones?"), 2000,
                        pipeline.retriever.vocabulary)
    evidence = find_evidence(pipeline.retriever, prepared).evidence
    scored = score_units(evidence, models=pipeline.models, lex=pipeline.retriever.lexical,
                         unit_vectors=pipeline.unit_vectors, examples=pipeline.examples,
                         followup=False, vocabulary=pipeline.retriever.vocabulary)
    column = scored.rows[:, LEAD_COLUMNS.index("tuned")]
    assert len(column) >= 5
    assert abs(float(column.mean())) < 1e-6 and abs(float(column.std()) - 1.0) < 1e-6
    best = scored.units[int(np.argmax(column))].quote
    assert "MK-7" in best or "mcg" in best, best


def test_a_quotes_tuned_vector_does_not_depend_on_what_it_is_embedded_with() -> None:
    """The int8 encoder quantizes activations over the whole batch: a quote embedded beside
    others got a vector up to 0.02 away from the same quote alone, and two servers (one warmed
    up in batches) led a follow-up with different quotes."""
    import numpy as np

    from k2chat.models.embeddings import TunedEncoder

    quotes = ["For MK-4 (Menaquinone-4): 45 milligrams (mg).",
              "Vitamin K2 does not work in isolation.",
              "Most individuals in Western populations do not consistently reach the studied "
              "doses through diet alone."]
    together = TunedEncoder().vectors(quotes)
    alone = np.vstack([TunedEncoder().vectors([q]) for q in quotes])
    assert np.abs(together - alone).max() < 1e-6

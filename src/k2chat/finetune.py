"""An encoder fitted to this article: the shipped bi-encoder fine-tuned on the labelled questions.

Issue 21 measured it (blind rounds 1-6 pooled): all-MiniLM-L6-v2 fine-tuned as below reaches a
lead@1 of 0.756 alone, and its similarity, standardised over a question's candidates and added
to the lead score, 0.810 against 0.68. ``python -m k2chat.fit`` calls :func:`fit_tuned_lead`:

1. Pairs: each training question with the candidate quotes k2chat itself retrieves for it
   (``evidence.units_of``): its positives are the units that hold its first fact, its hard
   negatives the lead model's two best-scored units that hold none of its facts.
2. Fine-tuning (``RECIPE``, the issue's): MultipleNegativesRankingLoss at scale 20, batch 32,
   AdamW lr 5e-5 and weight decay 0.01 (not on biases and LayerNorm weights, as
   sentence-transformers does), 10 % linear warm-up then linear decay, gradients clipped at
   1.0, 3 epochs, 128 tokens. Each epoch draws each question's positive again. The candidates
   of a batch are its positives and hard negatives; one that holds a fact of the question is
   masked (never its negative). Fixed seeds, 2 torch threads: the same data gives the same
   weights. A plain torch loop over the SentenceTransformer modules (no trainer dependencies).
3. Held out by question: one training question in five (by the sha256 of its text, so the
   split holds when examples are added) is never fine-tuned on. The weight of the encoder's
   feature is fitted on those questions only (pairwise, beside the lead model's own score),
   and their lead@1 is reported out of fold (5 folds); tests/eval/holdout.yaml is reported too.
4. Stored form: the fine-tuned network is exported to ONNX as fp32, fp16 and int8 (dynamic
   quantization, per channel); the smallest whose held-out lead@1 hits are no fewer than
   fp32's is stored as ``data/encoder.onnx``, with ``data/encoder.json`` (recipe, inputs'
   hash, figures).

The fine-tuning runs again only when its inputs (the pairs, the recipe) changed, or never with
``--reuse-encoder`` (a quick refit of every other model after new labelled examples).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from k2chat.chain.evidence import LEAD_COLUMNS, standardised
from k2chat.chain.scoring import tuned_query
from k2chat.models.classify import FeatureModel
from k2chat.models.embeddings import TUNED_MAX_TOKENS, TUNED_PATH, TunedEncoder, model_dir
from k2chat.store.onnx_export import export_onnx

__all__ = ["INFO_PATH", "RECIPE", "Pair", "fit_tuned_lead", "held_out", "train"]

INFO_PATH = TUNED_PATH.with_name("encoder.json")
RECIPE: dict[str, Any] = {
    "scale": 20.0, "batch": 32, "lr": 5e-5, "weight_decay": 0.01, "warmup": 0.1, "clip": 1.0,
    "epochs": 3, "max_tokens": TUNED_MAX_TOKENS, "hard_negatives": 2, "seed": 0,
}
HELD_OUT_EVERY = 5  # one question in five is never fine-tuned on
THREADS = 2  # the machine's cores (shared): torch's default would oversubscribe them
TUNED = LEAD_COLUMNS.index("tuned")


@dataclass(frozen=True)
class Pair:
    """One training question and the candidate quotes it is fine-tuned against."""

    question: str  # what the encoder reads (scoring.tuned_query)
    positives: tuple[str, ...]  # units holding its first fact (one is drawn each epoch)
    answers: frozenset[str]  # units holding any of its facts: never its negatives
    negatives: tuple[str, ...]  # the lead model's best-scored units that hold none


def held_out(question: str) -> bool:
    """Never fine-tuned on: one question in HELD_OUT_EVERY, by the digest of its text."""
    return hashlib.sha256(question.encode("utf-8")).digest()[0] % HELD_OUT_EVERY == 0


def _pair(item: Any, lead: FeatureModel) -> Pair | None:

    if item is None or not item[2] or not item[3]:
        return None
    evidence, scored, _, labels, followup = item
    texts = [u.embedding_text() for u in scored.units]
    positives = tuple(dict.fromkeys(t for t, lab in zip(texts, labels, strict=True) if lab[0]))
    if not positives:
        return None
    answers = frozenset(t for t, lab in zip(texts, labels, strict=True) if any(lab))
    z = lead.score(scored.rows)
    negatives = [texts[i] for i in np.argsort(-z) if texts[i] not in answers]
    negatives = list(dict.fromkeys(negatives))[:RECIPE["hard_negatives"]]
    return Pair(tuned_query(evidence, followup), positives, answers, tuple(negatives))


def _digest(pairs: list[Pair]) -> str:
    h = hashlib.sha256(json.dumps(RECIPE, sort_keys=True).encode())
    for p in pairs:
        h.update(json.dumps([p.question, p.positives, sorted(p.answers), p.negatives]).encode())
    return h.hexdigest()[:16]


# ---- fine-tuning -------------------------------------------------------------------------

def train(pairs: list[Pair], say: Any = None) -> Any:
    """The shipped SentenceTransformer, fine-tuned on ``pairs`` (RECIPE); returned in eval
    mode."""
    import torch
    import torch.nn.functional as F  # noqa: N812 - torch's own convention
    from sentence_transformers import SentenceTransformer

    say = say or _say
    seed = int(RECIPE["seed"])
    torch.set_num_threads(THREADS)
    torch.manual_seed(seed)
    rng = random.Random(seed)
    model = SentenceTransformer(str(model_dir()), device="cpu")
    model.max_seq_length = int(RECIPE["max_tokens"])
    model.train()

    batch = int(RECIPE["batch"])
    steps = math.ceil(len(pairs) / batch) * int(RECIPE["epochs"])
    warmup = int(RECIPE["warmup"] * steps)
    no_decay = ("bias", "LayerNorm.weight", "LayerNorm.bias")
    named = list(model.named_parameters())
    groups = [
        {"params": [p for n, p in named if not any(k in n for k in no_decay)],
         "weight_decay": float(RECIPE["weight_decay"])},
        {"params": [p for n, p in named if any(k in n for k in no_decay)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=float(RECIPE["lr"]))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: s / max(warmup, 1) if s < warmup
        else max(0.0, (steps - s) / max(steps - warmup, 1)))

    def embed(texts: list[str]) -> Any:
        features = model.preprocess(texts)
        out = model(dict(features))["sentence_embedding"]
        return F.normalize(out, dim=-1)

    started, step = time.perf_counter(), 0
    for epoch in range(int(RECIPE["epochs"])):
        order = list(range(len(pairs)))
        rng.shuffle(order)
        for start in range(0, len(order), batch):
            part = [pairs[i] for i in order[start:start + batch]]
            candidates = [rng.choice(p.positives) for p in part]
            candidates += [n for p in part for n in p.negatives]
            mask = torch.tensor([[j != i and c in p.answers for j, c in enumerate(candidates)]
                                 for i, p in enumerate(part)])
            scores = float(RECIPE["scale"]) * embed([p.question for p in part]) @ embed(
                candidates).T
            loss = F.cross_entropy(scores.masked_fill(mask, float("-inf")),
                                   torch.arange(len(part)))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), float(RECIPE["clip"]))
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            step += 1
            if step % 10 == 0 or step == steps:
                say(f"  fine-tuning: epoch {epoch + 1}, step {step}/{steps}, "
                    f"loss {float(loss.detach()):.3f}, {time.perf_counter() - started:.0f} s")
    model.eval()
    return model


def _export(model: Any, folder: Path) -> dict[str, Path]:
    """The fine-tuned network as ONNX: fp32, fp16 (weights and activations, fp32 in and out)
    and int8 (dynamic quantization of the weights, per channel)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.float16 import convert_float_to_float16


    paths = {k: folder / f"encoder-{k}.onnx" for k in ("fp32", "fp16", "int8")}
    export_onnx(model, paths["fp32"])
    onnx.save(convert_float_to_float16(onnx.load(str(paths["fp32"])), keep_io_types=True),
              str(paths["fp16"]))
    # Per channel: each output column of a weight matrix gets its own scale. Measured on the
    # first fine-tuned encoder: question vectors at cosine 0.991-0.995 to fp32's, against
    # 0.94-0.97 with one scale per matrix (which lost 3 of 291 held-out lead@1 hits); both
    # take 4 ms per question against fp32's and fp16's 10-11 ms on onnxruntime's CPU kernels.
    quantize_dynamic(str(paths["fp32"]), str(paths["int8"]), weight_type=QuantType.QInt8,
                     per_channel=True)
    return paths


# ---- the lead feature --------------------------------------------------------------------

def _set_feature(items: list[Any], encoder: TunedEncoder) -> None:
    """Write the encoder's standardised similarity into each item's lead rows."""
    for item in items:
        if item is None or not item[1].units:
            continue
        evidence, scored, _, _, followup = item
        sims = encoder.similarity(tuned_query(evidence, followup),
                                  [u.embedding_text() for u in scored.units])
        scored.rows[:, TUNED] = standardised(np.asarray(sims, dtype=np.float64))


def _fit_pair(base: list[np.ndarray], z: list[np.ndarray], y: list[np.ndarray]) -> np.ndarray:
    """Weights of [lead score, tuned] by pairwise logistic regression (right unit - wrong unit
    within each question), as k2chat.fit.learners.fit_pairwise fits the lead model."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(int(RECIPE["seed"]))
    diffs, signs = [], []
    for b, t, lab in zip(base, z, y, strict=True):
        for p in np.flatnonzero(lab):
            for n in np.flatnonzero(~lab):
                d = np.asarray([b[p] - b[n], t[p] - t[n]])
                flip = rng.random() < 0.5
                diffs.append(-d if flip else d)
                signs.append(0 if flip else 1)
    lr = LogisticRegression(C=1.0, max_iter=5000, fit_intercept=False)
    lr.fit(np.asarray(diffs), np.asarray(signs))
    return np.asarray(lr.coef_[0])


def _right(score: np.ndarray, labels: Any) -> bool:
    return bool(labels[int(np.argmax(score))])


def _measure(train_f: list[Any], test_f: list[Any], questions: list[str],
             lead: FeatureModel) -> dict[str, Any]:
    """Lead@1 before and after, on the held-out training questions (first fact, as the lead
    model is fitted; the feature's weight out of fold) and on tests/eval/holdout.yaml (any
    fact, as fit reports it), with the weights fitted on all held-out training questions."""
    groups = [(item[1].rows, np.asarray([lab[0] for lab in item[3]]))
              for item, q in zip(train_f, questions, strict=True)
              if item is not None and item[2] and item[3] and item[1].units and held_out(q)
              and any(lab[0] for lab in item[3])]
    base = [lead.score(rows) for rows, _ in groups]
    z = [rows[:, TUNED] for rows, _ in groups]
    y = [lab for _, lab in groups]
    after = 0
    for k in range(5):
        tr = [i for i in range(len(groups)) if i % 5 != k]
        w = _fit_pair([base[i] for i in tr], [z[i] for i in tr], [y[i] for i in tr])
        after += sum(_right(w[0] * base[i] + w[1] * z[i], y[i])
                     for i in range(len(groups)) if i % 5 == k)
    weights = _fit_pair(base, z, y)
    held = [item for item in test_f if item is not None and item[2] and item[3]]
    h_base = [lead.score(item[1].rows) for item in held]
    h_z = [item[1].rows[:, TUNED] for item in held]
    h_y = [np.asarray([any(lab) for lab in item[3]]) for item in held]
    n = max(len(groups), 1)
    hn = max(len(held), 1)
    return {
        "weights": weights,
        "held_out_questions": len(groups),
        "held_out_lead@1_before": round(sum(map(_right, base, y)) / n, 3),
        "held_out_lead@1_alone": round(sum(map(_right, z, y)) / n, 3),
        "held_out_lead@1_after": round(after / n, 3),
        "held_out_hits_after": after,
        "holdout_cases": len(held),
        "holdout_lead@1_before": round(sum(map(_right, h_base, h_y)) / hn, 3),
        "holdout_lead@1_alone": round(sum(map(_right, h_z, h_y)) / hn, 3),
        "holdout_lead@1_after": round(sum(_right(weights[0] * b + weights[1] * t, lab)
                                          for b, t, lab in zip(h_base, h_z, h_y, strict=True))
                                      / hn, 3),
        "holdout_hits_after": sum(_right(weights[0] * b + weights[1] * t, lab)
                                  for b, t, lab in zip(h_base, h_z, h_y, strict=True)),
    }


def _combined(lead: FeatureModel, weights: np.ndarray) -> FeatureModel:
    """The lead model with the tuned feature: w0 x its score + w1 x the standardised
    similarity (already a z-value: scale 1)."""
    w = np.asarray(lead.weights, dtype=np.float64) * float(weights[0])
    w[TUNED] = float(weights[1])
    scale = np.asarray(lead.scale, dtype=np.float64).copy()
    scale[TUNED] = 1.0
    mean = np.asarray(lead.mean, dtype=np.float64).copy()
    mean[TUNED] = 0.0
    return FeatureModel(LEAD_COLUMNS, mean, scale, w, float(lead.bias) * float(weights[0]))


def fit_tuned_lead(train_f: list[Any], test_f: list[Any], questions: list[str],
                   lead: FeatureModel, *, reuse: bool = False,
                   say: Any = None) -> tuple[FeatureModel, dict[str, Any]]:
    """Fine-tune (or reuse) the encoder, write its feature into every item's lead rows, and
    return the lead model with that feature and the report. ``train_f``: fit's featurized
    training cases (``questions``: their texts), ``test_f``: tests/eval/holdout.yaml's."""
    say = say or _say
    pairs = [_pair(item, lead) for item in train_f]
    fitted_on = [p for p, q in zip(pairs, questions, strict=True)
                 if p is not None and not held_out(q)]
    digest = _digest(fitted_on)
    info = json.loads(INFO_PATH.read_text(encoding="utf-8")) if INFO_PATH.is_file() else {}
    report: dict[str, Any] = {"recipe": RECIPE, "fitted_on_questions": len(fitted_on),
                              "inputs": digest}
    if TUNED_PATH.is_file() and (reuse or info.get("inputs") == digest):
        say(f"Reusing the fine-tuned encoder {TUNED_PATH.name} "
            f"({'--reuse-encoder' if reuse else 'its inputs are unchanged'})")
        report.update({k: v for k, v in info.items() if k not in report})
        report["reused"] = True
        report["inputs_changed_since"] = info.get("inputs") != digest
        _set_feature(train_f + test_f, TunedEncoder(TUNED_PATH))
        m = _measure(train_f, test_f, questions, lead)
    else:
        say(f"Fine-tuning the encoder on {len(fitted_on)} questions (RECIPE; 1 in "
            f"{HELD_OUT_EVERY} held out)")
        started = time.perf_counter()
        model = train(fitted_on, say)
        report["train_seconds"] = round(time.perf_counter() - started, 1)
        with tempfile.TemporaryDirectory() as tmp:
            paths = _export(model, Path(tmp))
            variants: dict[str, Any] = {}
            for name in ("fp32", "fp16", "int8"):
                try:
                    _set_feature(train_f + test_f, TunedEncoder(paths[name]))
                except Exception as exc:  # a form onnxruntime cannot run here is not kept
                    variants[name] = {"error": f"{type(exc).__name__}: {exc}"[:200]}
                    continue
                m = _measure(train_f, test_f, questions, lead)
                variants[name] = {"bytes": paths[name].stat().st_size,
                                  **{k: v for k, v in m.items() if k != "weights"}}
                say(f"  {name}: {json.dumps(variants[name])}")
            floor = _hits(variants["fp32"])
            kept = min((n for n, v in variants.items() if "error" not in v and _hits(v) >= floor),
                       key=lambda n: variants[n]["bytes"])
            tmp_target = TUNED_PATH.with_name(f".{TUNED_PATH.name}.{os.getpid()}.tmp")
            shutil.copyfile(paths[kept], tmp_target)
            os.replace(tmp_target, TUNED_PATH)
        report["variants"] = variants
        report["kept"] = kept
        _set_feature(train_f + test_f, TunedEncoder(TUNED_PATH))
        m = _measure(train_f, test_f, questions, lead)
        info = {k: v for k, v in report.items()}
        info["sha256"] = hashlib.sha256(TUNED_PATH.read_bytes()).hexdigest()
        INFO_PATH.write_text(json.dumps(info, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    report["feature_weights"] = [round(float(w), 6) for w in m.pop("weights")]
    report.update(m)
    return _combined(lead, np.asarray(report["feature_weights"])), report


def _say(line: str) -> None:
    print(line, flush=True)


def _hits(v: dict[str, Any]) -> int:
    return int(v["held_out_hits_after"]) + int(v["holdout_hits_after"])

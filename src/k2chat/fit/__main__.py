"""``python -m k2chat.fit``: fit every model k2chat decides with, and report held-out figures.

Labelled examples (the package's data, and the two files it is given):
  src/k2chat/data/emergency.yaml   statements: medical / self_harm / none (near-misses)
  src/k2chat/data/questions.yaml   questions: in or out of scope, their type, the fact that
                                   answers them
  --tuning FILE                    the tuning set (in scope with facts, or refuse);
                                   `make fit` gives tests/eval/questions.yaml
  --holdout FILE                   held out: never fitted on, only reported;
                                   `make fit` gives tests/eval/holdout.yaml

Splits: emergency statements and question types are split 75/25 (stratified, seed 0); the
models are fitted on the 75 % and reported on the 25 %. Scope and quote ranking are fitted on
data/questions.yaml + the tuning set and reported on the held-out set.
Thresholds are chosen on out-of-fold predictions of the training part only.

The lead model also weighs the similarity by an encoder fine-tuned on the same questions
(``k2chat.finetune``, held out by question). It is fine-tuned again only when its inputs
changed (data/encoder.json records their hash); ``--reuse-encoder`` keeps it regardless.

Writes src/k2chat/data/fitted.json (weights, thresholds, the report), data/drugs.json
(brand and generic drug names from ``drug-named-entity-recognition``) and, when fine-tuned,
data/encoder.onnx and data/encoder.json.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from k2chat.chain.answer import Request, find_evidence, prepare
from k2chat.chain.drugs import DRUGS_PATH, drug_table, generic_names
from k2chat.chain.emergency import emergency_kind
from k2chat.chain.evidence import SCOPE_FEATURES, Examples
from k2chat.chain.scoring import scope_row, score_units, text_in_scope
from k2chat.chat import Chat
from k2chat.evaluate import normalize_fact
from k2chat.finetune import fit_tuned_lead
from k2chat.fit.drugs import build_drug_table
from k2chat.fit.examples import (
    DATA,
    EMERGENCY_FILES,
    SEED,
    emergency_sets,
    files_sha,
    holdout_split,
    load_yaml,
    question_files,
    scope_files,
)
from k2chat.fit.learners import (
    feature_dict,
    fit_features,
    fit_pairwise,
    fit_text,
    oof_text,
    placeholder_fitted,
)
from k2chat.fit.thresholds import emergency_threshold, stable_threshold
from k2chat.models.classify import FITTED_PATH, Fitted
from k2chat.pipeline import Pipeline
from k2chat.settings import Settings
from k2chat.text import clean_question
from k2chat.text import clean_question as chat_clean


def _judged_text(question: str, history: list[str], pipeline: Any) -> str:
    """The text the chain's scope model reads: in a follow-up, the question resolved against
    the conversation; otherwise the question itself."""
    if not history:
        return question
    cleaned = clean_question(question)
    resolved = Chat(history=history, pipeline=pipeline)._resolve(cleaned)
    return question if resolved == cleaned else resolved


# ---- main --------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:  # noqa: C901 - one script, top to bottom
    import argparse

    parser = argparse.ArgumentParser(prog="python -m k2chat.fit", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reuse-encoder", action="store_true",
                        help="keep the stored fine-tuned encoder (data/encoder.onnx) even if "
                        "its inputs changed: refits every other model in minutes")
    parser.add_argument("--tuning", type=Path, required=True, metavar="FILE",
                        help="the tuning set: fitted on (`make fit`: tests/eval/questions.yaml)")
    parser.add_argument("--holdout", type=Path, required=True, metavar="FILE",
                        help="the held-out set: only reported (`make fit`: "
                        "tests/eval/holdout.yaml)")
    args = parser.parse_args(argv)
    reuse_encoder = args.reuse_encoder

    DRUGS_PATH.write_text(json.dumps(build_drug_table(), indent=0, sort_keys=True) + "\n",
                          encoding="utf-8")
    drug_table.cache_clear()
    generic_names.cache_clear()

    pipeline = Pipeline(Settings.from_env(), warm_in_background=False, models=placeholder_fitted())
    embed = pipeline.retriever.embeddings
    report: dict[str, Any] = {}

    def vec(texts: list[str]) -> np.ndarray:
        return np.asarray(embed.embed_documents(texts), dtype=np.float32)

    # the labelled questions the articles' profiles name, and those that also teach scope
    labelled_files = question_files(pipeline.settings.corpus_dir)
    scope_from = scope_files(labelled_files)
    data_questions = [q for name in labelled_files if (DATA / name).is_file()
                      for q in load_yaml(DATA / name)]
    tuning = load_yaml(args.tuning)
    holdout = load_yaml(args.holdout)
    sets = emergency_sets(args.tuning)
    tr_texts, tr_labels = sets.train_texts, sets.train_labels
    tr_vecs = vec(tr_texts)
    emergency, e_dict, _ = fit_text(tr_vecs, tr_texts, tr_labels)
    threshold = emergency_threshold(oof_text(tr_vecs, tr_texts, tr_labels), tr_labels)
    e_dict["threshold"] = float(threshold)
    def is_emergency(text: str) -> bool:
        return emergency_kind([text], vec([text]), fitted_so_far, vec) is not None

    fitted_so_far = replace(placeholder_fitted(), emergency=emergency,
                            emergency_threshold=float(threshold))
    test_pos = [t for t, lab in zip(sets.test_texts, sets.test_labels, strict=True)
                if lab != "none"]
    test_neg = [t for t, lab in zip(sets.test_texts, sets.test_labels, strict=True)
                if lab == "none"]
    held_q = [str(q["question"]) for q in holdout]
    report["emergency"] = {
        "threshold": float(threshold), "C": e_dict["C"],
        "train": len(tr_texts), "test_emergencies": len(test_pos),
        "test_near_misses": len(test_neg),
        "recall": float(np.mean([is_emergency(t) for t in test_pos])),
        "false_alarms_near_misses": float(np.mean([is_emergency(t) for t in test_neg])),
        "false_alarms_holdout_questions": float(np.mean([is_emergency(t) for t in held_q])),
        "missed": [t for t in test_pos if not is_emergency(t)],
        "false_alarms": [t for t in test_neg + held_q if is_emergency(t)],
    }

    # Question types.
    typed = [q for q in data_questions if q.get("scope") == "in"]
    t_texts = [str(q["question"]) for q in typed]
    t_labels = [str(q["type"]) for q in typed]
    train, test = holdout_split(len(t_texts), t_labels)
    t_vecs = vec(t_texts)
    qtype, q_dict, _ = fit_text(t_vecs[train], [t_texts[i] for i in train],
                                 [t_labels[i] for i in train])
    pred = qtype.proba(t_vecs[test], [t_texts[i] for i in test]).argmax(axis=1)
    report["qtype"] = {"train": len(train), "test": len(test), "C": q_dict["C"],
                       "accuracy": float(np.mean([qtype.labels[p] == t_labels[i]
                                                  for p, i in zip(pred, test, strict=True)]))}

    # Cases for scope and quote ranking: (question, history, in scope?, facts).
    def cases(items: list[dict[str, Any]], scope_key: str) -> list[tuple[str, list[str], bool,
                                                                          list[str]]]:
        out = []
        for q in items:
            inside = (q.get("scope") == "in") if scope_key == "scope" else not q.get("refuse")
            out.append((str(q["question"]), [str(h) for h in q.get("history") or []], inside,
                        [str(f) for f in q.get("facts") or []]))
        return out

    # Scope is fitted on the sets with both answerable and unanswerable questions; the quote
    # ranker on those and the sentence-targeted set (all answerable), appended after them.
    scope_cases = cases([q for name in scope_from for q in load_yaml(DATA / name)], "scope")
    scope_cases += cases(tuning, "refuse")
    n_scope = len(scope_cases)
    train_cases = scope_cases + cases(
        [q for name in labelled_files if name not in scope_from and (DATA / name).is_file()
         for q in load_yaml(DATA / name)], "scope")
    test_cases = cases(holdout, "refuse")
    # The scope text model reads what the chain judges: a follow-up's question resolved
    # against the conversation (k2chat.chain.scoring.text_in_scope). Fitted on the bare
    # questions, it
    # took the earlier turn's words carried into "and magnesium, how much alongside?" for a K2
    # question (P(in) 0.29 -> 0.79), so another nutrient's dose asked as a follow-up was answered.
    s_texts = [_judged_text(c[0], c[1], pipeline) for c in scope_cases]
    s_labels = ["in" if c[2] else "out" for c in scope_cases]
    s_vecs = vec(s_texts)
    scope_text, st_dict, _ = fit_text(s_vecs, s_texts, s_labels)

    fitted_so_far = replace(fitted_so_far, qtype=qtype, scope_text=scope_text)
    pipeline.models = fitted_so_far

    def evidence_of(question: str, history: list[str]) -> Any:
        chat = Chat(history=history, pipeline=pipeline)
        query = chat._resolve(chat_clean(question))
        request = Request(question, query, in_conversation=bool(history))
        prepared = prepare(request, pipeline.settings.max_question_chars,
                            pipeline.retriever.vocabulary)
        found = find_evidence(pipeline.retriever, prepared)
        return prepared, found.evidence


    def featurize(items: list[tuple[str, list[str], bool, list[str]]],
                  examples_for: Any) -> list[Any]:
        out: list[Any] = []
        for n_item, (question, history, inside, facts) in enumerate(items):
            prepared, evidence = evidence_of(question, history)
            if evidence is None or not evidence.hits:
                out.append(None)
                continue
            followup = prepared.followup
            scored = score_units(evidence, models=fitted_so_far, lex=pipeline.retriever.lexical,
                                 unit_vectors=pipeline.unit_vectors,
                                 examples=examples_for(n_item), followup=followup,
                                 vocabulary=pipeline.retriever.vocabulary)
            wanted = [normalize_fact(f) for f in facts]
            labels = [[w in normalize_fact(u.quote) for w in wanted] for u in scored.units]
            out.append((evidence, scored, inside, labels, followup))
        return out

    # Example questions: each training question's own example is left out of its features
    # (5 folds), so the ranker learns how far the examples of *other* readers carry.
    pairs = [(c[0], c[3][0]) for c in train_cases if c[2] and c[3]]
    fold_of = [i % 5 for i in range(len(train_cases))]
    by_fold = [Examples([(c[0], c[3][0]) for c, f in zip(train_cases, fold_of, strict=True)
                         if f != k and c[2] and c[3]]) for k in range(5)]
    all_examples = Examples(pairs)
    train_f = featurize(train_cases, lambda i: by_fold[fold_of[i]])
    test_f = featurize(test_cases, lambda i: all_examples)

    # Lead ranker: a unit is positive when it holds the first (most direct) fact.
    xs, ys, groups = [], [], []
    for n_case, item in enumerate(train_f):
        if item is None or not item[2] or not item[3] or not item[3][0]:
            continue
        firsts = [lab[0] for lab in item[3]]
        if any(firsts):
            xs.append(item[1].rows)
            ys.extend(firsts)
            groups.extend([n_case] * len(firsts))
    x_lead, y_lead, g_lead = np.vstack(xs), np.asarray(ys), np.asarray(groups)

    def lead_at_1(c: float) -> float:
        """Grouped 5-fold CV: share of training questions whose top-scored unit is right."""
        from sklearn.model_selection import GroupKFold

        right = 0
        for tr, te in GroupKFold(5).split(x_lead, y_lead, g_lead):
            model = fit_pairwise(x_lead[tr], y_lead[tr], g_lead[tr], c)
            p = model.score(x_lead[te])
            for g in set(g_lead[te]):
                rows = np.flatnonzero(g_lead[te] == g)
                right += bool(y_lead[te][rows[int(p[rows].argmax())]])
        return right / len(set(g_lead))

    lead_c = {c: lead_at_1(c) for c in (0.01, 0.1, 1.0)}
    best_c = max(lead_c, key=lambda c: lead_c[c])
    lead = fit_pairwise(x_lead, y_lead, g_lead, best_c)
    # The fine-tuned encoder's similarity joins the lead model (k2chat.finetune); it writes
    # the feature into every item's rows, so the support margin and scope below see it.

    lead, report["encoder"] = fit_tuned_lead(train_f, test_f, [c[0] for c in train_cases],
                                             lead, reuse=reuse_encoder)

    # Support margin: a non-lead unit is quoted when it scores within the margin of the lead;
    # the margin with the best F1 for "holds an expected fact" on the training questions.
    gaps, holds = [], []
    for item in train_f:
        if item is None or not item[2] or not item[3] or not item[3][0]:
            continue
        z = lead.score(item[1].rows)
        order = np.argsort(-z)
        for i in order[1:]:
            gaps.append(z[order[0]] - z[i])
            holds.append(any(item[3][i]))
    gaps_a, holds_a = np.asarray(gaps), np.asarray(holds)

    def f1(margin: float) -> float:
        pred = gaps_a <= margin
        tp = float((pred & holds_a).sum())
        return 2 * tp / max(float(pred.sum() + holds_a.sum()), 1.0)

    support_margin = float(max(np.linspace(0.0, 3.0, 61), key=f1))

    # Scope: stacked features, text_in out-of-fold for training questions.
    def scope_rows(items: list[Any], text_in: list[float]) -> tuple[np.ndarray, np.ndarray]:
        rows, labels = [], []
        empty = [0.0] * len(SCOPE_FEATURES)
        for item, t_in in zip(items, text_in, strict=True):
            if item is None or not item[1].units:
                rows.append([t_in, *empty[1:]])
                labels.append(bool(item and item[2]))
                continue
            evidence, scored, inside, _, _ = item
            rows.append(scope_row(evidence, scored, lead.score(scored.rows), t_in,
                                  pipeline.retriever.lexical))
            labels.append(inside)
        return np.asarray(rows, dtype=np.float64), np.asarray(labels)

    # text_in for the training questions: out of fold, on the text the chain judges (a
    # follow-up's resolved query).
    scope_f = train_f[:n_scope]
    seen_rows = [1 if item and item[4] else 0 for item in scope_f]
    seen_vecs = np.vstack([item[0].vectors[r] if item else s_vecs[i]
                           for i, (item, r) in enumerate(zip(scope_f, seen_rows, strict=True))])
    seen_texts = [(item[0].query if r else item[0].question) if item else s_texts[i]
                  for i, (item, r) in enumerate(zip(scope_f, seen_rows, strict=True))]
    text_in_oof = oof_text(s_vecs, s_texts, s_labels, (seen_vecs, seen_texts))[:, 0]
    x_train, y_train = scope_rows(scope_f, list(text_in_oof))
    scope = fit_features(x_train, y_train, SCOPE_FEATURES)
    from sklearn.model_selection import StratifiedKFold

    oof_scope = np.zeros(len(y_train))
    for tr, te in StratifiedKFold(5, shuffle=True, random_state=SEED).split(x_train, y_train):
        oof_scope[te] = fit_features(x_train[tr], y_train[tr], SCOPE_FEATURES).proba(
            x_train[te])
    scope_threshold, scope_spread = stable_threshold(x_train, y_train)

    fitted_so_far = Fitted(emergency, float(threshold), qtype, scope_text, lead, scope,
                           scope_threshold, support_margin, tuple(pairs), {})
    # Held-out report: scope and lead@1 on tests/eval/holdout.yaml.
    test_text_in = []
    for item in test_f:
        if item is None:
            test_text_in.append(0.0)
        else:
            test_text_in.append(text_in_scope(item[0], fitted_so_far, item[4]))
    x_test, y_test = scope_rows(test_f, test_text_in)
    p_test = scope.proba(x_test)
    lead_hits, lead_n = 0, 0
    for item in test_f:
        if item is None or not item[2] or not item[3]:
            continue
        lead_n += 1
        z = lead.score(item[1].rows)
        lead_hits += bool(any(item[3][int(z.argmax())]))
    report["scope"] = {
        "threshold": scope_threshold, "threshold_per_repeat": scope_spread,
        "train": int(len(y_train)),
        "holdout_answerable": int(y_test.sum()), "holdout_refuse": int((~y_test).sum()),
        "holdout_answerable_refused": float((p_test[y_test] < scope_threshold).mean()),
        "holdout_refuse_answered": float((p_test[~y_test] >= scope_threshold).mean()),
        "holdout_curve": {f"{t:.2f}": [round(float((p_test[y_test] < t).mean()), 3),
                                       round(float((p_test[~y_test] >= t).mean()), 3)]
                          for t in np.linspace(0.1, 0.9, 17)},
        "train_oof_curve": {f"{t:.2f}": [round(float((oof_scope[y_train] < t).mean()), 3),
                                         round(float((oof_scope[~y_train] >= t).mean()), 3)]
                            for t in np.linspace(0.1, 0.9, 17)},
    }
    report["lead"] = {"train_units": int(len(ys)), "C": best_c,
                      "cv_lead@1": {str(c): round(v, 3) for c, v in lead_c.items()},
                      "support_margin": support_margin,
                      "holdout_lead@1": lead_hits / max(lead_n, 1), "holdout_cases": lead_n}
    report["data"] = files_sha(*(DATA / n for n in EMERGENCY_FILES),
                          *(DATA / n for n in labelled_files if (DATA / n).is_file()),
                          args.tuning)

    lead_d = feature_dict(lead)
    lead_d["support_margin"] = support_margin
    scope_d = feature_dict(scope)
    scope_d["threshold"] = scope_threshold
    out = {"fitted_by": "python -m k2chat.fit", "emergency": e_dict, "qtype": q_dict,
           "scope_text": st_dict, "lead": lead_d, "scope": scope_d,
           "examples": [list(p) for p in pairs], "report": report}
    FITTED_PATH.write_text(json.dumps(out) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

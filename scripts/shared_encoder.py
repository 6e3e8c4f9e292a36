"""Could the fine-tuned encoder (data/encoder.onnx) replace the shipped one elsewhere too?

Issue 21 asks whether one query embedding could serve retrieval and the scope, emergency and
question-type models instead of two. This fits each text model as ``python -m k2chat.fit``
does (same splits, same TF-IDF and C grid), once on the shipped encoder's vectors and once on
the fine-tuned one's, and reports both on the parts neither was fitted on; and it ranks the
article's passages by each encoder's cosine alone (dense retrieval) for tests/eval/holdout.yaml.
Nothing is written.

    .venv/bin/python scripts/shared_encoder.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    from sklearn.metrics import roc_auc_score

    from k2chat.evaluate import load_cases
    from k2chat.fit.examples import (
        DATA,
        emergency_sets,
        holdout_split,
        load_yaml,
        question_files,
        scope_files,
    )
    from k2chat.fit.learners import fit_text, oof_text
    from k2chat.fit.thresholds import emergency_threshold
    from k2chat.models.classify import fitted
    from k2chat.pipeline import get_pipeline

    pipeline = get_pipeline()
    labelled_files = question_files(pipeline.settings.corpus_dir)
    scope_from = scope_files(labelled_files)
    shipped = pipeline.retriever.embeddings
    tuned = fitted().tuned
    encoders = {
        "shipped": lambda t: np.asarray(shipped.embed_documents(t), dtype=np.float32),
        "fine-tuned": lambda t: np.asarray(tuned.encoder.embed_documents(t), dtype=np.float32),
    }
    holdout = load_yaml(REPO / "tests" / "eval" / "holdout.yaml")
    tuning = load_yaml(REPO / "tests" / "eval" / "questions.yaml")
    sets = emergency_sets(REPO / "tests" / "eval" / "questions.yaml")
    tr_texts, tr_labels = sets.train_texts, sets.train_labels
    te_texts = sets.test_texts + [str(q["question"]) for q in holdout]
    te_pos = np.asarray([lab != "none" for lab in sets.test_labels] + [False] * len(holdout))
    te_near = np.asarray([lab == "none" for lab in sets.test_labels] + [False] * len(holdout))
    te_hold = np.asarray([False] * len(sets.test_labels) + [True] * len(holdout))

    typed = [q for name in labelled_files for q in load_yaml(DATA / name) if q.get("scope") == "in"]
    t_texts = [str(q["question"]) for q in typed]
    t_labels = [str(q["type"]) for q in typed]
    t_train, t_test = holdout_split(len(t_texts), t_labels)

    s_items = [q for name in scope_from for q in load_yaml(DATA / name)]
    s_texts = [str(q["question"]) for q in s_items] + [str(q["question"]) for q in tuning]
    s_labels = (["in" if q.get("scope") == "in" else "out" for q in s_items]
                + ["out" if q.get("refuse") else "in" for q in tuning])
    h_texts = [str(q["question"]) for q in holdout]
    h_in = np.asarray([not q.get("refuse") for q in holdout])

    chunks = list(pipeline.index.chunks)
    cases = [c for c in load_cases(REPO / "tests" / "eval" / "holdout.yaml")
             if not c.refuse and c.sections and not c.history]

    out: dict[str, dict[str, float]] = {}
    for name, encode in encoders.items():
        row: dict[str, float] = {}
        vecs = encode(tr_texts)
        model, _, _ = fit_text(vecs, tr_texts, tr_labels)
        threshold = emergency_threshold(oof_text(vecs, tr_texts, tr_labels), tr_labels)
        p = model.proba(encode(te_texts), te_texts)
        flagged = 1 - p[:, model.labels.index("none")] >= threshold
        row["emergency_recall"] = float(flagged[te_pos].mean())
        row["emergency_false_alarms_near_misses"] = float(flagged[te_near].mean())
        row["emergency_false_alarms_holdout_questions"] = float(flagged[te_hold].mean())

        tv = encode(t_texts)
        qtype, _, _ = fit_text(tv[t_train], [t_texts[i] for i in t_train],
                                [t_labels[i] for i in t_train])
        pred = qtype.proba(tv[t_test], [t_texts[i] for i in t_test]).argmax(axis=1)
        row["qtype_accuracy"] = float(np.mean([qtype.labels[k] == t_labels[i]
                                               for k, i in zip(pred, t_test, strict=True)]))

        scope, _, _ = fit_text(encode(s_texts), s_texts, s_labels)
        p_in = scope.proba(encode(h_texts), h_texts)[:, scope.labels.index("in")]
        row["scope_text_holdout_auc"] = float(roc_auc_score(h_in, p_in))
        row["scope_text_holdout_accuracy@0.5"] = float(((p_in >= 0.5) == h_in).mean())

        passages = encode([c.embedding_text() for c in chunks])
        ranks = []
        for case in cases:
            order = np.argsort(-(passages @ encode([case.question])[0]))
            sections = list(dict.fromkeys(chunks[i].section for i in order))
            ranks.append(next((k for k, s in enumerate(sections, 1) if s in case.sections),
                              None))
        row["dense_hit@1"] = float(np.mean([r == 1 for r in ranks]))
        row["dense_hit@3"] = float(np.mean([r is not None and r <= 3 for r in ranks]))
        out[name] = {k: round(v, 3) for k, v in row.items()}
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

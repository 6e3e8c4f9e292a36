"""Would retrieval find the answer more often with the fine-tuned encoder (data/encoder.onnx)?

Issue 21 asks whether the lead feature's encoder could also serve retrieval. This runs the
chain's own retrieval (``k2chat.chain.answer.find_evidence``: the hybrid dense + BM25
retriever, k=12 passages, follow-ups resolved as ``Chat`` resolves them) twice over every
answerable case of
the holdout set and the blind rounds: once as shipped, once with the passages and the
questions embedded by the fine-tuned encoder (exact search over in-memory vectors, each
passage embedded alone). It prints how often the case's first fact is in the first passage,
the first three and all twelve: the lead model can only pick a fact that retrieval returned.
Nothing is written and nothing is refitted (the lead, scope and emergency models would have to
be, before the end-to-end lead@1 could be read).

    .venv/bin/python scripts/shared_retrieval.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

SETS = {
    "holdout": ["tests/eval/holdout.yaml"],
    "blind 1-6 pooled": [f"tests/eval/blind/round{i}/questions.yaml" for i in range(1, 7)],
    "blind round 7": ["tests/eval/blind/round7/questions.yaml"],
    "blind round 8": ["tests/eval/blind/round8/questions.yaml"],
}


def main() -> int:
    from k2chat.chain.answer import Request, find_evidence, prepare
    from k2chat.chat import Chat
    from k2chat.evaluate import load_cases, normalize_fact
    from k2chat.models.classify import fitted
    from k2chat.pipeline import get_pipeline
    from k2chat.text import clean_question

    pipeline = get_pipeline()
    tuned = fitted().tuned
    if tuned is None:
        print("no fine-tuned encoder in fitted.json")
        return 1
    chunks = pipeline.retriever.lexical.chunks
    vectors = np.asarray([tuned.encoder.embed_documents([c.embedding_text()])[0]
                          for c in chunks], dtype=np.float32)
    retrievers = {
        "shipped": pipeline.retriever,
        "fine-tuned": pipeline.retriever.model_copy(
            update={"embeddings": tuned.encoder, "vectors": vectors}),
    }
    limit = pipeline.settings.max_question_chars
    for name, files in SETS.items():
        cases = [c for f in files for c in load_cases(ROOT / f) if not c.refuse and c.facts]
        for label, retriever in retrievers.items():
            found_at = []
            for case in cases:
                chat = Chat(history=list(case.history), pipeline=pipeline)
                query = chat._resolve(clean_question(case.question))
                request = Request(case.question, query, in_conversation=bool(case.history))
                prepared = prepare(request, limit, retriever.vocabulary)
                evidence = find_evidence(retriever, prepared).evidence
                fact = normalize_fact(case.facts[0])
                texts = [normalize_fact(h.chunk.text) for h in evidence.hits] if evidence else []
                found_at.append(next((k for k, t in enumerate(texts, 1) if fact in t), None))
            n = max(len(cases), 1)
            share = [sum(1 for k in found_at if k is not None and k <= top) / n
                     for top in (1, 3, 12)]
            print(f"{name} [{label}]: {len(cases)} answerable cases; first fact in passage 1 "
                  f"{share[0]:.3f}, top 3 {share[1]:.3f}, all 12 {share[2]:.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

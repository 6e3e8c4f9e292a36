"""Dense search: the exact in-memory path agrees with Chroma's own query, and large indexes
leave the search to Chroma."""

from __future__ import annotations

import pytest

import k2chat
from k2chat import index as index_module
from k2chat.answer import Request
from k2chat.pipeline import Pipeline

QUESTIONS = [
    "How much MK-7 is used for osteoporosis?",
    "Can I take vitamin K2 with warfarin?",
    "k2 mk7 how mch daily??",
    "Who should avoid vitamin K2 supplements?",
    "What is the capital of France?",
]


@pytest.mark.parametrize("question", QUESTIONS)
def test_in_memory_dense_search_matches_chroma(pipeline, question: str) -> None:  # type: ignore[no-untyped-def]
    retriever = pipeline.retriever
    assert retriever.vectors is not None
    assert retriever.vectors.shape[0] == len(retriever.lexical.chunks)
    through_chroma = retriever.model_copy(update={"vectors": None})
    vector = retriever.embeddings.embed_query(question)
    mine = retriever.dense(vector, retriever.fetch_k)
    theirs = through_chroma.dense(vector, retriever.fetch_k)
    assert [i for i, _ in mine] == [i for i, _ in theirs]
    for (_, a), (_, b) in zip(mine, theirs, strict=True):
        assert a == pytest.approx(b, abs=1e-4)
    ids = [c.id for c in retriever.lexical.chunks[:7]]
    cos_mine, cos_theirs = retriever._cosines(vector, ids), through_chroma._cosines(vector, ids)
    assert cos_mine.keys() == cos_theirs.keys()
    for i in ids:
        assert cos_mine[i] == pytest.approx(cos_theirs[i], abs=1e-4)
    assert [d.id for d in retriever.search(question)] == [
        d.id for d in through_chroma.search(question)]


def test_indexes_above_the_memory_limit_are_searched_by_chroma(settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(index_module, "IN_MEMORY_MAX", 10)
    big = Pipeline(settings, warm_in_background=False)
    assert big.index.vectors is None and big.retriever.vectors is None
    question = "How much MK-7 is used for osteoporosis?"
    answer = big.answer(Request(question))
    assert answer.grounded and answer.citations
    assert answer.text == k2chat.ask(question, settings).text

"""Dense search: the exact in-memory path (over the build's saved vectors) agrees with
Chroma's own query over the same build, and large indexes memory-map the vectors."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

import k2chat
from k2chat.chain.answer import Request
from k2chat.pipeline import Pipeline
from k2chat.store import index as index_module
from k2chat.store import manifest as manifest_module

QUESTIONS = [
    "How much MK-7 is used for osteoporosis?",
    "Can I take vitamin K2 with warfarin?",
    "k2 mk7 how mch daily??",
    "Who should avoid vitamin K2 supplements?",
    "What is the capital of France?",
]


@pytest.fixture(scope="module")
def chroma_store(pipeline, settings, tmp_path_factory):  # type: ignore[no-untyped-def]
    """Chroma over a copy of the session's build (opening it writes, so not the original)."""
    from langchain_chroma import Chroma

    build = manifest_module.current_build_dir(settings)
    assert build is not None
    copy = tmp_path_factory.mktemp("chroma-copy") / build.name
    shutil.copytree(build, copy)
    client = index_module.chroma_client(settings, copy)
    return Chroma(client=client, collection_name=pipeline.index.manifest.collection,
                  embedding_function=pipeline.retriever.embeddings,
                  create_collection_if_not_exists=False)


@pytest.mark.parametrize("question", QUESTIONS)
def test_in_memory_dense_search_matches_chroma(pipeline, chroma_store, question: str) -> None:  # type: ignore[no-untyped-def]
    retriever = pipeline.retriever
    assert retriever.vectors is not None and retriever.store is None
    assert retriever.vectors.shape[0] == len(retriever.lexical.chunks)
    through_chroma = retriever.model_copy(update={"vectors": None, "store": chroma_store})
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


def test_indexes_above_the_memory_limit_map_their_vectors(settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(index_module, "IN_MEMORY_MAX", 10)
    big = Pipeline(settings, warm_in_background=False)
    assert isinstance(big.index.vectors, np.memmap) and big.retriever.store is None
    question = "How much MK-7 is used for osteoporosis?"
    answer = big.answer(Request(question))
    assert answer.grounded and answer.citations
    assert answer.text == k2chat.ask(question, settings).text

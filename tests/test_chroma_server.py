"""Scale-out: with K2CHAT_CHROMA_URL, ingest, retrieval and answers work against a Chroma server.

The server is the one CI starts (``K2CHAT_TEST_CHROMA_URL``) or, when that is unset, a real
``chroma run`` started here on a free loopback port and stopped afterwards. Each session uses
its own collection prefix and deletes its collections at the end.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import k2chat
from k2chat.errors import K2ChatError
from k2chat.pipeline import Pipeline
from k2chat.settings import Settings
from k2chat.store.build import BuildReport, build_index
from k2chat.store.index import chroma_client, index_status
from k2chat.store.manifest import COMPLETE_KEY
from k2chat.store.ready import open_index

from .conftest import CORPUS, free_port

pytestmark = pytest.mark.server

QUESTIONS = [
    "How much MK-7 is used for osteoporosis?",
    "Can I take vitamin K2 with warfarin?",
    "What is the difference between MK-4 and MK-7 doses?",
    "How long does vitamin K2 take to work?",
    "Who should avoid vitamin K2 supplements?",
    "k2 mk7 how mch daily??",
]


def _wait_for_heartbeat(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 300  # generous: a busy 2-core machine
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"`chroma run` exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2):
                return
        except OSError:
            time.sleep(0.25)
    pytest.fail(f"`chroma run` did not answer within 300 s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """CI's Chroma server, or one started here for the duration of this module."""
    given = os.environ.get("K2CHAT_TEST_CHROMA_URL")
    if given:
        yield given.rstrip("/")
        return
    chroma = Path(sys.executable).with_name("chroma")
    command = [str(chroma)] if chroma.is_file() else [shutil.which("chroma") or "chroma"]
    folder = tmp_path_factory.mktemp("chroma-server")
    log = folder / "server.log"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [*command, "run", "--path", str(folder / "db"), "--host", "127.0.0.1",
             "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
    try:
        _wait_for_heartbeat(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def remote(chroma_url: str, tmp_path_factory: pytest.TempPathFactory,
           st_embeddings) -> Iterator[tuple[Settings, BuildReport]]:  # type: ignore[no-untyped-def]
    """Settings pointing at the server (own collection prefix), after one real ingest."""
    s = Settings(corpus_dir=CORPUS, data_dir=tmp_path_factory.mktemp("remote-data"),
                 chroma_url=chroma_url, collection=f"k2test-{uuid.uuid4().hex[:8]}")
    report = build_index(s, embeddings=st_embeddings, show_progress=False)
    try:
        yield s, report
    finally:
        client = chroma_client(s)
        for c in client.list_collections():
            name = getattr(c, "name", c)
            if name.startswith(s.collection):
                client.delete_collection(name)


@pytest.fixture(scope="module")
def remote_pipeline(remote: tuple[Settings, BuildReport]) -> Pipeline:
    return Pipeline(remote[0])


def _server_collections(s: Settings) -> dict[str, object]:
    client = chroma_client(s)
    return {getattr(c, "name", c): c for c in client.list_collections()
            if getattr(c, "name", c).startswith(s.collection)}


def test_ingest_writes_one_complete_collection_to_the_server(remote) -> None:  # type: ignore[no-untyped-def]
    s, report = remote
    assert report.location.startswith(s.chroma_url)
    collections = _server_collections(s)
    assert list(collections) == [report.manifest.collection]
    collection = chroma_client(s).get_collection(report.manifest.collection)
    assert collection.count() == report.manifest.chunk_count > 50
    assert COMPLETE_KEY in (collection.metadata or {})
    assert collection.configuration["hnsw"]["space"] == "cosine"
    assert index_status(s) == "ready"
    assert not (s.index_dir / "builds").exists()  # the passages live on the server only


def test_the_server_index_opens_with_every_passage(remote) -> None:  # type: ignore[no-untyped-def]
    s, report = remote
    index = open_index(s, build=False)
    assert index.location.startswith(s.chroma_url)
    assert len(index.chunks) == report.manifest.chunk_count
    assert len({c.id for c in index.chunks}) == len(index.chunks)


def test_retrieval_from_the_server_equals_the_embedded_index(remote_pipeline, pipeline) -> None:  # type: ignore[no-untyped-def]
    for question in QUESTIONS:
        got = [d.id for d in remote_pipeline.retriever.search(question)[:3]]
        want = [d.id for d in pipeline.retriever.search(question)[:3]]
        assert got == want, question


def test_answer_from_the_server_is_grounded_cited_and_has_the_disclaimer(remote) -> None:  # type: ignore[no-untyped-def]
    s, _ = remote
    answer = k2chat.ask("How much MK-7 is used for osteoporosis?", s)
    assert answer.grounded and answer.citations
    assert "180–200 mcg" in answer.text and "[1]" in answer.text
    assert any(c.section == 2 for c in answer.citations)
    for citation in answer.citations:
        assert citation.quote and citation.chunk_id
    assert answer.to_markdown().endswith(f"_{k2chat.DISCLAIMER}_")


def test_follow_up_against_the_server_keeps_the_conversation(remote) -> None:  # type: ignore[no-untyped-def]
    s, _ = remote
    chat = k2chat.Chat(s)
    chat.ask("How much MK-7 is used for osteoporosis?")
    follow = chat.ask("How long does it take to work?")
    assert follow.grounded and follow.citations
    assert k2chat.DISCLAIMER in follow.to_markdown()


def test_out_of_scope_question_is_refused_against_the_server(remote) -> None:  # type: ignore[no-untyped-def]
    s, _ = remote
    answer = k2chat.ask("Who won the 2022 World Cup?", s)
    assert not answer.grounded and not answer.citations
    assert k2chat.DISCLAIMER in answer.to_markdown()


def test_ingest_twice_leaves_the_same_passages_on_the_server(remote, st_embeddings) -> None:  # type: ignore[no-untyped-def]
    s, first = remote
    before = sorted(c.id for c in open_index(s, build=False).chunks)
    second = build_index(s, embeddings=st_embeddings, show_progress=False)
    after = sorted(c.id for c in open_index(s, build=False).chunks)
    assert second.manifest.collection == first.manifest.collection
    assert second.manifest.chunk_count == first.manifest.chunk_count == len(after)
    assert after == before
    assert list(_server_collections(s)) == [first.manifest.collection]


def test_an_unreachable_server_says_how_to_start_one(tmp_path: Path) -> None:
    s = Settings(corpus_dir=CORPUS, data_dir=tmp_path, chroma_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(K2ChatError, match="chroma run"):
        open_index(s, build=False)


def test_status_is_missing_before_the_first_ingest_to_a_server(chroma_url: str,
                                                                tmp_path: Path) -> None:
    s = Settings(corpus_dir=CORPUS, data_dir=tmp_path, chroma_url=chroma_url,
                 collection=f"k2empty-{uuid.uuid4().hex[:8]}")
    assert index_status(s) == "missing"


def test_builds_of_older_corpora_are_pruned_from_the_server(chroma_url: str, tmp_path: Path,
                                                            st_embeddings) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    article = (CORPUS / "vitamin-k2-dosage-bone-health.md").read_text(encoding="utf-8")
    s = Settings(corpus_dir=corpus, data_dir=tmp_path / "data", chroma_url=chroma_url,
                 collection=f"k2prune-{uuid.uuid4().hex[:8]}")
    names = []
    try:
        for version in range(3):  # three different corpora -> three fingerprints
            (corpus / "k2.md").write_text(article + f"\n<!-- edition {version} -->\n")
            names.append(build_index(s, embeddings=st_embeddings,
                                     show_progress=False).manifest.collection)
        assert len(set(names)) == 3
        assert set(_server_collections(s)) == {names[1], names[2]}  # new + the one before
        assert index_status(s) == "ready"
    finally:
        client = chroma_client(s)
        for name in _server_collections(s):
            client.delete_collection(name)

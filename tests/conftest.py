"""Shared, real fixtures: the real embedding model (loaded once) and a real index in tmp."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
EVAL_FILE = REPO / "tests" / "eval" / "questions.yaml"

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def st_embeddings():  # type: ignore[no-untyped-def]
    """The reference encoder (sentence-transformers), loaded once per session."""
    from k2chat.models.embeddings import SentenceTransformerEmbeddings

    emb = SentenceTransformerEmbeddings()
    emb.embed_query("load the model now")
    return emb


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory, st_embeddings):  # type: ignore[no-untyped-def]
    """Settings with a freshly built local index (and ONNX encoder) in a temp folder."""
    from k2chat.settings import Settings
    from k2chat.store.build import build_index

    data = tmp_path_factory.mktemp("k2chat-data")
    s = Settings(corpus_dir=CORPUS, data_dir=data)
    build_index(s, embeddings=st_embeddings, show_progress=False)
    return s


@pytest.fixture(scope="session")
def pipeline(settings):  # type: ignore[no-untyped-def]
    from k2chat.pipeline import get_pipeline

    return get_pipeline(settings)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server(settings, pipeline) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A real k2chat Gradio server on a free loopback port; yields its URL."""
    from k2chat.serve.launch import launch

    port = free_port()
    feedback = settings.data_dir / "feedback-server.jsonl"
    app = launch(settings.with_(port=port, feedback_path=feedback))
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        app.close()

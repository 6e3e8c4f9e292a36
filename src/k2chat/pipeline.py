"""Everything a process needs to answer, loaded once per Settings and shared by threads."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from k2chat.settings import Settings

if TYPE_CHECKING:
    from langchain_core.runnables import Runnable

    from k2chat.answer import Request
    from k2chat.index import Index
    from k2chat.retrieve import HybridRetriever
    from k2chat.types import Answer

__all__ = ["Pipeline", "get_pipeline", "reset_pipelines"]

log = logging.getLogger(__name__)


class Pipeline:
    """The opened index, the query encoder, the hybrid retriever and the answering chain."""

    index: Index
    retriever: HybridRetriever
    chain: Runnable[Request, Answer]

    def __init__(self, settings: Settings) -> None:
        from k2chat.embeddings import load_query_embeddings
        from k2chat.index import open_index

        self.settings = settings
        # Imports are not safe to race (numpy half-initialised in two threads): do them here.
        import numpy  # noqa: F401
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401

        with ThreadPoolExecutor(max_workers=1) as pool:
            # The ONNX session loads while Chroma opens; both mostly release the GIL.
            onnx_ready = settings.onnx_path.is_file()
            future = pool.submit(load_query_embeddings, settings.onnx_path) if onnx_ready else None
            self.index = open_index(settings)
            embeddings = future.result() if future else load_query_embeddings(settings.onnx_path)

        from langchain_chroma import Chroma

        from k2chat.answer import build_chain
        from k2chat.retrieve import HybridRetriever, LexicalIndex
        from k2chat.scope import ScopeJudge

        store = Chroma(
            client=self.index.client,
            collection_name=self.index.collection.name,
            embedding_function=embeddings,
            create_collection_if_not_exists=False,
        )
        self.retriever = HybridRetriever(
            store=store, embeddings=embeddings, lexical=LexicalIndex(self.index.chunks)
        )
        self.judge = ScopeJudge(self.retriever.lexical, embeddings)
        self.judge.warm()
        self.chain = build_chain(self.retriever, self.judge, settings.max_question_chars)
        log.info("Ready: %d passages from %s", len(self.index.chunks), self.index.location)

    def answer(self, request: Request) -> Answer:
        return self.chain.invoke(request)


_pipelines: dict[Settings, Pipeline] = {}
_lock = threading.Lock()


def get_pipeline(settings: Settings | None = None) -> Pipeline:
    """The shared pipeline for these settings (from the environment by default)."""
    settings = settings or Settings.from_env()
    with _lock:
        pipeline = _pipelines.get(settings)
        if pipeline is None:
            pipeline = _pipelines[settings] = Pipeline(settings)
        return pipeline


def reset_pipelines() -> None:
    """Forget loaded pipelines (after a rebuild in the same process, and in tests)."""
    with _lock:
        _pipelines.clear()

"""Everything a process needs to answer, loaded once per Settings and shared by threads.

Start-up is on the critical path of every one-shot ``k2chat ask``, so it does only what the
first answer needs: the ONNX encoder loads in a thread while Chroma opens, and the sentences
of the first passages are embedded in the background once the pipeline can answer (a process
that exits first stops it between two batches instead of waiting). ``Pipeline.timings``
records where the start-up time went (``bench/cold_start.py`` prints it).

Start-up also creates ~100k long-lived objects (imports, schemas, the index): the cyclic
garbage collector is slowed down while they are made (it would scan them again and again and
free nothing, ~0.1 s) and, once a pipeline exists, skipped at interpreter exit (~0.3 s).
"""

from __future__ import annotations

import atexit
import gc
import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

from k2chat.settings import Settings

if TYPE_CHECKING:
    from langchain_core.runnables import Runnable

    from k2chat.chain.answer import Request
    from k2chat.chain.retrieve import HybridRetriever
    from k2chat.models.classify import Fitted
    from k2chat.related import Related
    from k2chat.store.index import Index
    from k2chat.store.profile import CorpusProfile
    from k2chat.types import Answer

__all__ = ["Pipeline", "get_pipeline", "reset_pipelines"]

log = logging.getLogger(__name__)

# Background warm-up embeds the sentences of at most this many passages (the whole article is
# ~70): bounded, so it does not grow with the corpus; others are embedded when first retrieved.
WARM_PASSAGES = 200


class Pipeline:
    """The opened index, the query encoder, the hybrid retriever and the answering chain."""

    index: Index
    retriever: HybridRetriever
    chain: Runnable[Request, Answer]
    profile: CorpusProfile
    # what the safety files add to the groups a conversation remembers (``remembers``)
    state_words: tuple[tuple[str, frozenset[str]], ...] = ()

    def __init__(self, settings: Settings, *, warm_in_background: bool = True,
                 models: Fitted | None = None) -> None:
        self._models = models
        started = time.perf_counter()
        self.settings = settings
        self.timings: dict[str, float] = {}
        with _fewer_collections():
            self._build(settings)
        self._warm_thread: threading.Thread | None = None
        if warm_in_background:
            self._warm_thread = threading.Thread(target=self._warm, name="k2chat-warm",
                                                 daemon=True)
            _warming.add(self._warm_thread)
            self._warm_thread.start()
        else:
            self._warm()
        self.timings["ready"] = time.perf_counter() - started
        log.info("Ready in %.2fs: %d passages from %s", self.timings["ready"],
                 len(self.index.chunks), self.index.location)

    def _build(self, settings: Settings) -> None:
        from k2chat.models.embeddings import RememberedQueries

        embeddings = RememberedQueries(self._open(settings))

        mark = time.perf_counter()
        from k2chat.chain.retrieve import HybridRetriever
        from k2chat.store.lexical import LexicalIndex

        store = None  # a local build: answers come from its saved files; chromadb not imported
        if self.index.client is not None:  # a Chroma server
            from langchain_chroma import Chroma

            store = Chroma(
                client=self.index.client,
                collection_name=self.index.collection.name,
                embedding_function=embeddings,
                create_collection_if_not_exists=False,
            )
        from k2chat.store.profile import load_profile

        # the articles' profiles (corpus/*.profile.yaml): their messages, examples, forms and
        # dose units (the vocabulary the retriever and the chain match text with)
        self.profile = load_profile(settings.corpus_dir)
        # A local build saved its BM25 index; a Chroma server's passages are indexed here.
        lexical = self.index.lexical or LexicalIndex(self.index.chunks)
        self.retriever = HybridRetriever(
            store=store, embeddings=embeddings, lexical=lexical, vectors=self.index.vectors,
            vocabulary=self.profile.vocabulary,
        )
        mark = self._lap("retriever", mark)

        from k2chat.chain.answer import build_chain
        from k2chat.chain.evidence import Examples, UnitVectors
        from k2chat.models.classify import fitted

        self.models = self._models or fitted()
        self.unit_vectors = UnitVectors(_Interruptible(embeddings), stored=self.index.units)
        self.examples = Examples(list(self.models.examples))
        from k2chat.chain.topics import SafetyTopics

        topics = SafetyTopics.for_corpus(settings.corpus_dir, self.index.chunks)
        from k2chat.chain.state import merged_groups

        # the words the safety files add to what a conversation remembers (checked here, so
        # a group no rule knows stops the start, not a conversation)
        self.state_words = topics.remembered()
        merged_groups(self.state_words)
        self.chain = build_chain(self.retriever, self.models, self.unit_vectors, self.examples,
                                 settings.max_question_chars, self.profile, topics)
        self._lap("chain", mark)

    def _open(self, settings: Settings) -> Embeddings:
        """Open the index and load the query encoder at the same time."""
        from k2chat.models.embeddings import load_query_embeddings, verified_onnx
        from k2chat.store.manifest import current_manifest
        from k2chat.store.ready import open_index

        mark = time.perf_counter()
        # Imports are not safe to race (numpy half-initialised in two threads): do them here.
        import numpy  # noqa: F401
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401

        mark = self._lap("import_encoder_libs", mark)
        manifest = None if settings.chroma_url else current_manifest(settings)
        digest = manifest.onnx_sha256 if manifest else ""
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="k2chat-encoder") as pool:
            # The ONNX session is checked and loads (mostly outside the GIL) while Chroma opens.
            future = (
                pool.submit(self._timed, "encoder_load", verified_onnx, settings.onnx_path,
                            digest)
                if settings.onnx_path.is_file()
                else None
            )
            self.index = open_index(settings)
            mark = self._lap("open_index", mark)
            embeddings = future.result() if future else load_query_embeddings(settings.onnx_path)
            self._lap("wait_encoder", mark)
        if embeddings is None:  # the ONNX file is damaged: export it again, here (imports)
            from k2chat.store.onnx_export import repair_onnx

            repair_onnx(settings)
            embeddings = load_query_embeddings(settings.onnx_path)
        return embeddings

    def _timed(self, name: str, fn: Any, *args: Any) -> Any:
        mark = time.perf_counter()
        try:
            return fn(*args)
        finally:
            self.timings[name] = time.perf_counter() - mark

    def _lap(self, name: str, mark: float) -> float:
        now = time.perf_counter()
        self.timings[name] = now - mark
        return now

    def _warm(self) -> None:
        """Embed the first WARM_PASSAGES passages' sentences now rather than on first retrieval
        (with the fine-tuned encoder too, when the lead model uses it)."""
        try:
            self._timed("warm_units", self._warm_units)
        except _Exiting:
            pass
        except Exception:  # sentences are embedded on demand instead; answers are unaffected
            log.exception("Warming the sentence vectors failed")
        finally:
            _warming.discard(threading.current_thread())

    def _warm_units(self) -> None:
        from k2chat.chain.drugs import drug_table
        from k2chat.store.quotes import Hit, units_of

        drug_table()
        units = units_of([Hit(c, 0.0, 0.0, 0.0, 0) for c in self.index.chunks[:WARM_PASSAGES]])
        tuned = self.models.tuned
        if tuned is not None:  # the fine-tuned encoder's session, and its vectors of the quotes
            texts = list(dict.fromkeys(u.embedding_text() for u in units))
            for start in range(0, len(texts), _Interruptible.BATCH):
                if _exiting.is_set():
                    raise _Exiting()
                tuned.vectors(texts[start:start + _Interruptible.BATCH])
        if self.index.units is not None:
            return  # ingest stored every quote's vector
        self.unit_vectors.get(units)

    def wait_until_warm(self, timeout: float | None = None) -> bool:
        """Block until background warm-up is done (benchmarks and tests); True if it is."""
        if self._warm_thread is not None:
            self._warm_thread.join(timeout)
            return not self._warm_thread.is_alive()
        return True

    related: Related | None = None  # k2chat.related: the checked related questions, if stored
    _related_looked = False

    def answer(self, request: Request) -> Answer:
        answer = self.chain.invoke(request)
        if not self._related_looked:  # read once, when first needed (related.ensure writes it)
            from k2chat.related import load

            self.related = self.related or load(self)
            self._related_looked = True
        if self.related is not None:
            import dataclasses

            answer = dataclasses.replace(answer, related=self.related.for_answer(answer))
        return answer


class _Exiting(Exception):
    """The interpreter is exiting: background embedding stops."""


_exiting = threading.Event()
_warming: set[threading.Thread] = set()


class _Interruptible(Embeddings):
    """The query encoder, embedding long lists in batches that stop when the process exits.

    Background warm-up runs in a daemon thread; at exit it is stopped between two batches and
    joined, so the interpreter never shuts down under a thread that is inside onnxruntime.
    Batches hold texts of similar length (less padding), in the caller's order on return.
    """

    BATCH = 64

    def __init__(self, inner: Embeddings) -> None:
        self.inner = inner

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: list[list[float]] = [[] for _ in texts]
        for start in range(0, len(order), self.BATCH):
            if _exiting.is_set():
                raise _Exiting()
            part = order[start : start + self.BATCH]
            vectors = self.inner.embed_documents([texts[i] for i in part])
            for i, vector in zip(part, vectors, strict=True):
                out[i] = vector
        return out

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Collect young objects far less often while start-up creates long-lived ones."""
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], 100_000), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


@atexit.register
def _at_exit() -> None:
    _exiting.set()
    for thread in list(_warming):
        thread.join(timeout=10)
    if _pipelines:
        # The interpreter is about to collect every object it ever made, which takes longer
        # than the rest of the shutdown; nothing left needs it (Chroma commits as it writes).
        gc.freeze()


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

"""Build the index: chunk -> embed -> upsert, then switch to it atomically.

A local build goes into a fresh folder; only when it is complete does ``CURRENT`` point to it,
so a running app keeps answering from the old index and a killed ingest leaves it intact.
A lock file keeps two ingests from running at once.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from k2chat.errors import IngestBusyError, K2ChatError
from k2chat.files import file_sha256
from k2chat.models.embeddings import MODEL_NAME, OnnxEmbeddings, SentenceTransformerEmbeddings
from k2chat.settings import Settings
from k2chat.store.chunk import chunk_sections
from k2chat.store.corpus import corpus_signature, read_corpus
from k2chat.store.derived import describe_files, write_derived
from k2chat.store.index import chroma_client, remote_collection_name
from k2chat.store.manifest import (
    COMPLETE_KEY,
    CURRENT_FILE,
    INDEX_VERSION,
    MANIFEST_FILE,
    Manifest,
    current_build_dir,
    current_manifest,
    fingerprint,
    write_atomic,
)
from k2chat.store.onnx_export import export_onnx
from k2chat.store.statements import load_topics
from k2chat.types import Chunk

__all__ = ["BuildReport", "build_index", "LOCK_TIMEOUT_S"]

log = logging.getLogger(__name__)

LOCK_TIMEOUT_S = 3.0
EMBED_BATCH = 64


@dataclass(frozen=True)
class BuildReport:
    manifest: Manifest
    location: str
    embed_seconds: float
    total_seconds: float

    @property
    def chunks_per_second(self) -> float:
        return self.manifest.chunk_count / max(self.embed_seconds, 1e-9)


def _embed(chunks: list[Chunk], embeddings: Any, show_progress: bool) -> list[list[float]]:
    from tqdm import tqdm

    texts = [c.embedding_text() for c in chunks]
    vectors: list[list[float]] = []
    with tqdm(total=len(texts), desc="Embedding passages", unit="passage",
              disable=not show_progress, file=sys.stderr) as bar:
        for start in range(0, len(texts), EMBED_BATCH):
            batch = texts[start : start + EMBED_BATCH]
            vectors.extend(embeddings.embed_documents(batch))
            bar.update(len(batch))
    return vectors


def _upsert(collection: Any, chunks: list[Chunk], vectors: list[list[float]],
            batch: int) -> None:
    for start in range(0, len(chunks), batch):
        part = chunks[start : start + batch]
        collection.upsert(
            ids=[c.id for c in part],
            documents=[c.text for c in part],
            metadatas=[c.metadata() for c in part],
            embeddings=vectors[start : start + batch],
        )


def _prune(builds: Path, keep: set[str]) -> None:
    for old in builds.iterdir():
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)


def _write_local(settings: Settings, manifest: Manifest, chunks: list[Chunk],
                 vectors: list[list[float]], embeddings: Any) -> str:
    """Write a complete build in a new folder, then point ``CURRENT`` at it (one rename).

    Until that rename every reader keeps using the previous build; a build that fails is
    removed, and one left by a killed ingest is pruned by the next successful one.
    """
    builds = settings.index_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    previous = current_build_dir(settings)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    build = builds / f"{stamp}-{manifest.fingerprint[:8]}"
    client = chroma_client(settings, build)
    try:
        collection = client.create_collection(
            manifest.collection, metadata={"hnsw:space": "cosine"}, embedding_function=None
        )
        _upsert(collection, chunks, vectors, client.get_max_batch_size())
        if collection.count() != len(chunks):
            raise K2ChatError(f"Chroma holds {collection.count()} of {len(chunks)} passages")
        write_derived(build, chunks, vectors, embeddings)
    except BaseException:
        _close(client)
        shutil.rmtree(build, ignore_errors=True)
        raise
    _close(client)  # flushes, and frees Chroma's per-path cache for the readers' own client
    manifest = replace(manifest, files=describe_files(build, frozenset({MANIFEST_FILE})))
    write_atomic(build / MANIFEST_FILE, manifest.to_json())
    write_atomic(settings.index_dir / CURRENT_FILE, build.name)  # the switch
    _prune(builds, {build.name} | ({previous.name} if previous else set()))
    return str(build)


def _close(client: Any) -> None:
    try:
        client.close()
    except Exception as exc:
        log.debug("Closing the Chroma client: %s", exc)


def _write_remote(settings: Settings, manifest: Manifest, chunks: list[Chunk],
                  vectors: list[list[float]], embeddings: Any) -> str:
    del embeddings  # a Chroma server keeps no derived files: readers rebuild them
    client = chroma_client(settings)
    name = manifest.collection
    collection = client.get_or_create_collection(
        name, metadata={"hnsw:space": "cosine"}, embedding_function=None
    )
    _upsert(collection, chunks, vectors, client.get_max_batch_size())
    keep = {c.id for c in chunks}
    stale = [i for i in collection.get(include=[])["ids"] if i not in keep]
    if stale:
        collection.delete(ids=stale)
    # chromadb 1.5 refuses "hnsw:space" in modify(); the distance lives in the configuration.
    collection.modify(metadata={COMPLETE_KEY: manifest.to_json()})
    _prune_remote(client, settings, name)
    return f"{settings.chroma_url}/{name}"


def _prune_remote(client: Any, settings: Settings, current: str) -> None:
    """Keep the new collection and the newest earlier complete one; drop older builds."""
    prefix = f"{settings.collection}-"
    earlier = []
    for c in client.list_collections():
        name = getattr(c, "name", c)
        if name == current or not str(name).startswith(prefix):
            continue
        raw = (client.get_collection(name).metadata or {}).get(COMPLETE_KEY)
        built = Manifest.from_json(str(raw)).built_at if raw else ""
        earlier.append((built, name))
    earlier.sort(reverse=True)
    for _, name in earlier[1:]:
        client.delete_collection(name)


def _check_writable(settings: Settings) -> None:
    """Fail in one line, before anything is embedded, when the index folder is read-only."""
    if settings.chroma_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return
    try:
        settings.index_dir.mkdir(parents=True, exist_ok=True)
        probe = settings.index_dir / f".write-check.{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise K2ChatError(
            f"Cannot write the index in {settings.index_dir} ({exc.strerror or exc}); "
            "ingest needs a writable folder (set K2CHAT_DATA_DIR)."
        ) from exc


def _ensure_onnx(settings: Settings, embeddings: Any) -> str:
    """The sha256 of the query encoder, exported again unless the one there is intact (it
    matches the current build's record, or, with no record, onnxruntime loads it)."""
    path = settings.onnx_path
    if path.is_file():
        digest = file_sha256(path)
        previous = current_manifest(settings)
        recorded = previous.onnx_sha256 if previous else ""
        if recorded == digest:
            return digest
        if not recorded:
            try:
                OnnxEmbeddings(path)
                return digest
            except Exception as exc:
                log.warning("The ONNX model %s is unusable (%s); exporting it again", path, exc)
        else:
            log.warning("The ONNX model %s does not match its checksum; exporting it again",
                        path)

    export_onnx(embeddings.model, path)
    return file_sha256(path)


def build_index(
    settings: Settings,
    *,
    embeddings: SentenceTransformerEmbeddings | None = None,
    show_progress: bool | None = None,
) -> BuildReport:
    """Build a complete new index from ``settings.corpus_dir`` and switch to it."""
    started = time.perf_counter()
    _check_writable(settings)
    lock = FileLock(str(settings.data_dir / "ingest.lock"))
    try:
        lock.acquire(timeout=LOCK_TIMEOUT_S)
    except Timeout as exc:
        raise IngestBusyError(
            f"Another ingest is running (lock {lock.lock_file}). Wait for it to finish, "
            "then try again."
        ) from exc
    try:
        signature = corpus_signature(settings.corpus_dir)  # before reading: a change re-hashes
        fp, corpus_digest = fingerprint(settings)
        chunks = chunk_sections(read_corpus(settings.corpus_dir))
        if not chunks:
            raise K2ChatError(f"The corpus in {settings.corpus_dir} has no passages to index.")
        # The curated safety statements beside each article must be its verbatim text: a
        # mistake stops the build here (CorpusError) rather than at the first answer.

        load_topics(settings.corpus_dir)
        embeddings = embeddings or SentenceTransformerEmbeddings()
        if show_progress is None:
            show_progress = sys.stderr.isatty() or len(chunks) > 500
        embed_started = time.perf_counter()
        vectors = _embed(chunks, embeddings, show_progress)
        embed_seconds = time.perf_counter() - embed_started
        onnx_digest = "" if settings.chroma_url else _ensure_onnx(settings, embeddings)
        collection = (
            remote_collection_name(settings, fp) if settings.chroma_url else settings.collection
        )
        manifest = Manifest(
            fingerprint=fp,
            corpus_hash=corpus_digest,
            model=MODEL_NAME,
            chunk_count=len(chunks),
            index_version=INDEX_VERSION,
            collection=collection,
            built_at=datetime.now(UTC).isoformat(timespec="microseconds"),
            onnx_sha256=onnx_digest,
            corpus_signature=signature,
        )
        writer = _write_remote if settings.chroma_url else _write_local
        location = writer(settings, manifest, chunks, vectors, embeddings)
        total = time.perf_counter() - started
        log.info("Indexed %d passages in %.2fs (%s)", len(chunks), total, location)
        return BuildReport(manifest, location, embed_seconds, total)
    finally:
        lock.release()

"""The stored index: opening it safely (a local build's files checked and its passages
verified, or a Chroma server's complete collection) and reporting its status. Where a build
lives, what its manifest records and whether it is fresh is :mod:`k2chat.store.manifest`.

Local layout under ``<data_dir>/index``::

    CURRENT                  name of the build in use (switched atomically by ingest)
    builds/<build>/          one complete Chroma database + manifest.json per build
    all-MiniLM-L6-v2.onnx    the query encoder ingest exports

With ``K2CHAT_CHROMA_URL`` the passages live in a Chroma server instead, in a collection named
after the corpus fingerprint whose metadata says when it is complete.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from k2chat.errors import IndexCorruptError, K2ChatError
from k2chat.settings import Settings
from k2chat.store.corpus import article_files
from k2chat.store.derived import load_derived
from k2chat.store.manifest import (
    COMPLETE_KEY,
    MANIFEST_FILE,
    Manifest,
    build_pointer,
    current_build_dir,
    current_fingerprint,
    fingerprint,
)
from k2chat.types import Chunk

__all__ = ["Index", "chroma_client", "index_status", "open_existing", "remote_collection_name",
           "writable"]

log = logging.getLogger(__name__)

CHROMA_DB_FILE = "chroma.sqlite3"
# What chromadb 1.5 writes for each vector segment, in a folder named after the segment id.
HNSW_FILES = ("header.bin", "data_level0.bin", "length.bin", "link_lists.bin")
_NONEMPTY_HNSW_FILES = ("header.bin", "data_level0.bin")
SELF_MATCH_DISTANCE = 1e-3  # a stored vector's nearest neighbour is itself (cosine distance ~0)
# Up to this many passages, their vectors (1.5 KB each) are read into memory; above it a local
# build's vectors.npy is memory-mapped instead (pages the dense search reads stay in the page
# cache). Either way the search is one exact matrix product (~0.05 ms for the article, ~2 ms
# at 20k passages). From a Chroma server, vectors are fetched up to this many passages and
# above it Chroma's HNSW index does the dense search.
IN_MEMORY_MAX = 20_000


def chroma_client(settings: Settings, path: Path | None = None) -> Any:
    """An embedded client on ``path``, or the HTTP client when ``chroma_url`` is set."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if not url.hostname:
            raise K2ChatError(f"K2CHAT_CHROMA_URL is not a URL: {settings.chroma_url!r}")
        ssl = url.scheme == "https"
        return chromadb.HttpClient(
            host=url.hostname,
            port=url.port or (443 if ssl else 8000),
            ssl=ssl,
            settings=chroma_settings,
        )
    if path is None:
        raise ValueError("an embedded Chroma client needs a path")
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def remote_collection_name(settings: Settings, fp: str) -> str:
    return f"{settings.collection}-{fp[:16]}"


@dataclass(frozen=True)
class Index:
    """An opened, verified index and every passage in it (for the lexical side)."""
    client: Any
    collection: Any
    manifest: Manifest
    chunks: Sequence[Chunk]  # a local build's are derived.Passages (read when asked for)
    location: str
    vectors: Any = None  # numpy (len(chunks), dim) float32, unit rows; None above IN_MEMORY_MAX
    lexical: Any = None  # retrieve.LexicalIndex as saved with a local build (None: build one)
    units: Any = None  # derived.StoredUnits of a local build (None: embed quotes as needed)
    read_only: bool = False  # a local build this process may not write (Chroma not opened)


def _load_chunks(collection: Any, expected: int) -> tuple[tuple[Chunk, ...], Any]:
    """Every passage, in article order, and (up to IN_MEMORY_MAX) their vectors, aligned."""
    import numpy as np

    with_vectors = expected <= IN_MEMORY_MAX
    include = ["documents", "metadatas", *(["embeddings"] if with_vectors else [])]
    rows: list[tuple[Chunk, Any]] = []
    page = 5000
    for offset in range(0, max(expected, 1), page):
        got = collection.get(include=include, limit=page, offset=offset)
        vectors = got["embeddings"] if with_vectors else [None] * len(got["ids"])
        for id_, doc, meta, vector in zip(got["ids"], got["documents"], got["metadatas"],
                                          vectors, strict=True):
            rows.append((Chunk.from_record(id_, doc, meta), vector))
    rows.sort(key=lambda r: (r[0].article, r[0].section, r[0].position))
    chunks = tuple(chunk for chunk, _ in rows)
    if not with_vectors or not rows:
        return chunks, None
    matrix = np.asarray([vector for _, vector in rows], dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    if not np.all(norms > 0):
        raise IndexCorruptError("a stored vector is zero")
    return chunks, matrix / norms


def _probe_ids(chunks: tuple[Chunk, ...]) -> list[str]:
    picks = {0, len(chunks) // 2, len(chunks) - 1}
    return [chunks[i].id for i in sorted(picks)]


def _verify(collection: Any, manifest: Manifest) -> tuple[tuple[Chunk, ...], Any]:
    """Read every passage from a Chroma server and run real vector queries; any failure
    means corrupt.

    Stored vectors (first, middle, last passage) must find themselves: a vector index that
    lost entries would return some other, farther passage.
    """
    try:
        count = collection.count()
        if count != manifest.chunk_count:
            raise IndexCorruptError(f"index holds {count} passages, manifest says "
                                    f"{manifest.chunk_count}")
        chunks, vectors = _load_chunks(collection, count)
        if len(chunks) != count:
            raise IndexCorruptError(f"read {len(chunks)} of {count} passages")
        probe = collection.get(ids=_probe_ids(chunks), include=["embeddings"])
        if len(probe["ids"]) != len(_probe_ids(chunks)):
            raise IndexCorruptError("stored vectors are missing")
        k = min(count, 3)
        result = collection.query(
            query_embeddings=probe["embeddings"], n_results=k, include=["distances"]
        )
        for id_, ids, distances in zip(probe["ids"], result["ids"], result["distances"],
                                       strict=True):
            if len(ids) != k:
                raise IndexCorruptError(f"a vector query returned {len(ids)} of {k} passages")
            if float(distances[0]) > SELF_MATCH_DISTANCE:
                raise IndexCorruptError(f"the vector index does not find passage {id_}")
        return chunks, vectors
    except IndexCorruptError:
        raise
    except Exception as exc:
        raise IndexCorruptError(f"{type(exc).__name__}: {exc}") from exc


def _check_files(build: Path, read_only: bool = False, quick_check: bool = True) -> None:
    """Check a local build's files before Chroma opens them.

    Chroma itself would quietly start an empty database over an empty ``chroma.sqlite3``, and
    quietly re-create a deleted HNSW segment from its log; a damaged build is rebuilt from the
    corpus instead, so what is served is always a complete, known build.
    """
    db = build / CHROMA_DB_FILE
    try:
        if db.stat().st_size == 0:
            raise IndexCorruptError(f"{db} is empty")
        # immutable=1: SQLite then needs no -shm/-wal file, so an unwritable build opens too
        query = "mode=ro&immutable=1" if read_only else "mode=ro"
        con = sqlite3.connect(f"{db.as_uri()}?{query}", uri=True)
        try:
            if quick_check:
                check = con.execute("PRAGMA quick_check").fetchone()
                if not check or check[0] != "ok":
                    raise IndexCorruptError(f"{db} failed its integrity check: {check}")
            segments = [
                str(row[0])
                for row in con.execute("SELECT id FROM segments WHERE scope = 'VECTOR'")
            ]
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise IndexCorruptError(f"{db} is unreadable: {exc}") from exc
    except OSError as exc:
        raise IndexCorruptError(f"{db} is unreadable: {exc}") from exc
    if not segments:
        raise IndexCorruptError(f"{db} lists no vector segment")
    for segment in segments:
        folder = build / segment
        missing = [name for name in HNSW_FILES if not (folder / name).is_file()]
        missing += [name for name in _NONEMPTY_HNSW_FILES
                    if name not in missing and (folder / name).stat().st_size == 0]
        if missing:
            raise IndexCorruptError(
                f"vector segment {segment} in {build.name} is missing or empty: "
                f"{', '.join(missing)}"
            )


def writable(build: Path) -> bool:
    """Whether this process may write the build (False on a read-only mount, for files made
    immutable, or without permission): Chroma writes whenever it opens a database."""
    try:
        top = list(build.iterdir())
        paths = [build, *top, *(f for d in top if d.is_dir() for f in d.iterdir())]
    except OSError:
        return False
    return all(os.access(p, os.W_OK) for p in paths)


def _forget_client(path: Path) -> None:
    """Drop Chroma's in-process cached client for a damaged build.

    ``chromadb.PersistentClient`` shares one system per path inside a process; without this a
    later open of the same path would reuse connections and memory from before the damage.
    """
    try:
        from chromadb.api.shared_system_client import SharedSystemClient
    except ImportError:  # pragma: no cover - chromadb is a dependency
        return
    key = str(path)
    system = SharedSystemClient._identifier_to_system.pop(key, None)
    SharedSystemClient._identifier_to_refcount.pop(key, None)
    if system is not None:
        try:
            system.stop()
        except Exception as exc:  # a broken database may not even stop cleanly
            log.debug("Stopping Chroma for %s: %s", path, exc)


def _open_local(settings: Settings, fp: str | None) -> Index | None:
    build_pointer(settings)  # a garbled pointer is corruption, like any other index file
    build = current_build_dir(settings)
    if build is None:
        return None
    try:
        manifest = Manifest.from_json((build / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError) as exc:
        raise IndexCorruptError(f"manifest unreadable in {build}: {exc}") from exc
    if fp is None:
        fp = current_fingerprint(settings, manifest)
    if manifest.fingerprint != fp:
        log.info("Index %s is stale (corpus, model or format changed)", build.name)
        return None

    read_only = not writable(build)
    try:
        # The manifest's sizes and checksums cover Chroma's files too; SQLite's own page check
        # (which reads the whole database, ~0.6 s at 100k passages) is then not needed.
        _check_files(build, read_only, quick_check=not manifest.files)
        derived = load_derived(build, manifest.files, manifest.chunk_count,
                               mmap_vectors=manifest.chunk_count > IN_MEMORY_MAX)
    except IndexCorruptError:
        _forget_client(build)
        raise
    # Everything the answers need is in the derived files: Chroma, which rewrites its vector
    # files whenever it opens a database (and replays its log, a cost that grows with the
    # corpus), is not opened, so answering writes nothing to the build.
    return Index(None, None, manifest, derived.chunks, str(build), derived.vectors,
                 derived.lexical, derived.units, read_only=read_only)


def _open_remote(settings: Settings, fp: str) -> Index | None:
    try:
        client = chroma_client(settings)
        name = remote_collection_name(settings, fp)
        existing = {getattr(c, "name", c) for c in client.list_collections()}
    except Exception as exc:
        raise K2ChatError(
            f"Cannot reach the Chroma server at {settings.chroma_url} ({exc}). Start it with "
            "`chroma run --path DIR --host 127.0.0.1 --port 8000` or unset K2CHAT_CHROMA_URL."
        ) from exc
    if name not in existing:
        return None
    collection = client.get_collection(name)
    raw = (collection.metadata or {}).get(COMPLETE_KEY)
    if not raw:
        log.info("Remote collection %s is incomplete", name)
        return None
    manifest = Manifest.from_json(str(raw))
    chunks, vectors = _verify(collection, manifest)
    return Index(client, collection, manifest, chunks, f"{settings.chroma_url}/{name}", vectors)


def open_existing(settings: Settings) -> Index | None:
    """The fresh index, or None; a local build's freshness is judged from its manifest."""
    if settings.chroma_url:
        return _open_remote(settings, fingerprint(settings)[0])
    return _open_local(settings, None)


def index_status(settings: Settings) -> str:
    """"ready", "ready (read-only)", "missing", "stale" or "corrupt", without building or
    writing anything: a local build is checked by its files (Chroma, which writes when it
    opens a database, is not opened)."""
    article_files(settings.corpus_dir)  # a missing or empty corpus folder: CorpusError first
    if not settings.chroma_url:
        try:
            if current_build_dir(settings) is None:
                build_pointer(settings)  # garbled: corrupt
                return "missing"
            index = _open_local(settings, None)
        except IndexCorruptError:
            return "corrupt"
        if index is None:
            return "stale"
        return "ready (read-only)" if index.read_only else "ready"
    if settings.chroma_url:
        prefix = f"{settings.collection}-"
        try:
            names = [str(getattr(c, "name", c)) for c in chroma_client(settings).list_collections()]
        except Exception:
            names = [prefix]  # unreachable: let _open raise its clear message below
        if not any(n.startswith(prefix) for n in names):
            return "missing"
    try:
        return "ready" if open_existing(settings) is not None else "stale"
    except IndexCorruptError:
        return "corrupt"



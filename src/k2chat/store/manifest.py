"""Where the index lives and whether it is fresh: the build a ``CURRENT`` pointer names, the
manifest each build records (fingerprint of corpus, model and index format; counts; checksums),
the fingerprint of the corpus now, and the atomic small-file write ingest switches builds with.

Local layout under ``<data_dir>/index``::

    CURRENT                  name of the build in use (switched atomically by ingest)
    builds/<build>/          one complete Chroma database + manifest.json per build
    all-MiniLM-L6-v2.onnx    the query encoder ingest exports

With ``K2CHAT_CHROMA_URL`` the passages live in a Chroma server instead, in a collection named
after the corpus fingerprint whose metadata (``COMPLETE_KEY``) says when it is complete.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from k2chat.errors import IndexCorruptError
from k2chat.files import file_sha256
from k2chat.models.embeddings import MODEL_NAME
from k2chat.settings import Settings
from k2chat.store.corpus import corpus_hash, corpus_signature

__all__ = [
    "COMPLETE_KEY", "CURRENT_FILE", "INDEX_VERSION", "MANIFEST_FILE", "Manifest", "build_pointer",
    "current_build_dir", "current_fingerprint", "current_manifest", "encoder_status",
    "fingerprint", "write_atomic",
]

# Bump whenever chunking, stored metadata or derived files change: old indexes go stale.
INDEX_VERSION = 10
CURRENT_FILE = "CURRENT"
MANIFEST_FILE = "manifest.json"
COMPLETE_KEY = "k2chat_manifest"


@dataclass(frozen=True)
class Manifest:
    """What an index was built from; compared with the corpus to tell if it is stale."""

    fingerprint: str
    corpus_hash: str
    model: str
    chunk_count: int
    index_version: int
    collection: str
    built_at: str
    # {path in the build folder: [sha256, size]} of the derived files (k2chat.store.derived)
    files: dict[str, list[Any]] = field(default_factory=dict)
    onnx_sha256: str = ""  # of the query encoder ingest exported ("" for a Chroma server)
    corpus_signature: str = ""  # corpus.corpus_signature when ingest read the corpus

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, raw: str) -> Manifest:
        return cls(**json.loads(raw))


def _fingerprint_of(corpus_digest: str) -> str:
    import hashlib

    return hashlib.sha256(f"{corpus_digest}|{MODEL_NAME}|{INDEX_VERSION}".encode()).hexdigest()


def fingerprint(settings: Settings) -> tuple[str, str]:
    """(fingerprint, corpus hash): the fingerprint also covers the model and index format."""
    h = corpus_hash(settings.corpus_dir)
    return _fingerprint_of(h), h


def current_fingerprint(settings: Settings, manifest: Manifest) -> str:
    """The corpus's fingerprint, without reading every article when the corpus's names, sizes
    and times are those ``manifest`` recorded (a start-up then reads no article)."""
    if (manifest.corpus_signature
            and corpus_signature(settings.corpus_dir) == manifest.corpus_signature):
        return _fingerprint_of(manifest.corpus_hash)
    return fingerprint(settings)[0]


def write_atomic(path: Path, text: str) -> None:
    """Write a small file so readers see the old or the new content, never a mix."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    try:  # make the rename itself durable
        fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# What ingest writes into CURRENT: a build folder's name, <UTC stamp>-<8 hex of fingerprint>.
_BUILD_NAME = re.compile(r"[0-9]{8}T[0-9]{12}-[0-9a-f]{8}")


def build_pointer(settings: Settings) -> str | None:
    """The build name CURRENT holds; None when there is no pointer; IndexCorruptError when it
    holds anything but a build name (non-UTF-8 bytes, a path, garbage)."""
    try:
        raw = (settings.index_dir / CURRENT_FILE).read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IndexCorruptError(f"{CURRENT_FILE} unreadable: {exc}") from exc
    try:
        name = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        name = ""
    if not _BUILD_NAME.fullmatch(name):
        raise IndexCorruptError(f"{CURRENT_FILE} is garbled ({len(raw)} bytes, not a build name)")
    return name


def current_build_dir(settings: Settings) -> Path | None:
    """The build CURRENT names, or None (no pointer, a garbled one, or a missing build)."""
    try:
        name = build_pointer(settings)
    except IndexCorruptError:
        return None
    build = settings.index_dir / "builds" / name if name else None
    return build if build is not None and build.is_dir() else None


def current_manifest(settings: Settings) -> Manifest | None:
    """The manifest of the local build in use, or None (missing or unreadable)."""
    build = current_build_dir(settings)
    if build is None:
        return None
    try:
        return Manifest.from_json((build / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError):
        return None


def encoder_status(settings: Settings) -> str:
    """The ONNX query encoder: "ok", "missing", "damaged" (checksum mismatch) or "unchecked"
    (no checksum recorded: a Chroma server, or an index built before checksums)."""
    path = settings.onnx_path
    if not path.is_file():
        return "missing"
    manifest = None if settings.chroma_url else current_manifest(settings)
    if manifest is None or not manifest.onnx_sha256:
        return "unchecked"
    return "ok" if file_sha256(path) == manifest.onnx_sha256 else "damaged"

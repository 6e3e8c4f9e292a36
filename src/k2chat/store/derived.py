"""What the query path derives from the corpus, written with each build and loaded, not redone.

Each local build folder holds, next to Chroma's files (ingest writes them before the switch, so
they share the build's atomic swap)::

    passages.jsonl     every passage (id, text, metadata), one JSON line each, in article order
    passage_rows.npy   the byte offset of each line of passages.jsonl (one extra at the end)
    passage_ids.json   every passage's id, in the same order
    vectors.npy        the passages' unit vectors, aligned (the dense search's matrix)
    lexical/           the BM25 index (bm25s's own files) and its IDF table
    units.npy          the vector of every candidate quote (evidence.units_of), memory-mapped
    unit_rows.npy      per passage, its first row in units.npy (one extra row at the end)
    unit_index.npy     per row of units.npy, the Unit.index it holds

The manifest records the sha256 and size of each of these files and of Chroma's. A start-up
checks every size and every small file's digest; the large ones (``units.npy``, 1.5 KB a
row, ~0.5 GB at 100k passages; Chroma's database and ``vectors.npy`` at scale) are not read
whole at start-up: their size is checked, and a row of ``units.npy`` that is not a finite unit
vector when it is read is treated as missing (embedded again, with a warning).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from k2chat.errors import IndexCorruptError
from k2chat.files import file_sha256
from k2chat.store.lexical import LexicalIndex
from k2chat.store.passages import Passages
from k2chat.store.quotes import Hit, units_of
from k2chat.types import Chunk

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings


__all__ = [
    "Derived", "StoredUnits", "check_files", "describe_files", "load_derived", "write_derived",
]

log = logging.getLogger(__name__)

PASSAGES = "passages.jsonl"
PASSAGE_ROWS = "passage_rows.npy"
PASSAGE_IDS = "passage_ids.json"
VECTORS = "vectors.npy"
LEXICAL = "lexical"
UNITS = "units.npy"
UNIT_ROWS = "unit_rows.npy"
UNIT_INDEX = "unit_index.npy"
# Files at most this large have their sha256 checked at every start-up (~2 ms per MB); larger
# ones (only units.npy at scale) are checked by size, and row by row when read.
DIGEST_MAX_BYTES = 64 << 20
UNIT_NORM_TOLERANCE = 1e-3  # a stored unit vector's norm is 1 within float32 rounding
UNIT_BATCH = 4096  # quotes embedded per call at ingest (bounds the lists the encoder returns)


class StoredUnits:
    """Candidate-quote vectors of every passage, as ingest embedded them."""

    def __init__(self, matrix: Any, rows: Any, index: Any, position: dict[str, int]) -> None:
        self._matrix = matrix  # memory-mapped (n_units, dim) float32
        self._rows = rows
        self._index = index
        self._position = position
        self._warned = False

    def lookup(self, key: tuple[str, int]) -> Any | None:
        """The stored vector of unit ``key`` (chunk id, Unit.index), or None."""
        import numpy as np

        p = self._position.get(key[0])
        if p is None:
            return None
        start, end = int(self._rows[p]), int(self._rows[p + 1])
        hits = np.flatnonzero(self._index[start:end] == key[1])
        if not len(hits):
            return None
        vector = np.array(self._matrix[start + int(hits[0])], dtype=np.float32)
        norm = float(np.linalg.norm(vector))
        if not np.isfinite(norm) or abs(norm - 1.0) > UNIT_NORM_TOLERANCE:
            if not self._warned:
                self._warned = True
                log.warning("A stored quote vector is damaged; quotes are embedded again as "
                            "needed (rebuild the index with `k2chat ingest`)")
            return None
        return vector


@dataclass(frozen=True)
class Derived:
    chunks: Passages
    lexical: LexicalIndex
    vectors: Any  # (len(chunks), dim) float32 unit rows (a numpy array or memory map)
    units: StoredUnits


def _unit_texts(chunks: Sequence[Chunk]) -> tuple[list[str], list[int], list[int]]:
    """(embedding text per unit, first row per passage + end, Unit.index per row)."""
    texts: list[str] = []
    rows = [0]
    index: list[int] = []
    for chunk in chunks:
        for unit in units_of([Hit(chunk, 0.0, 0.0, 0.0, 0)]):
            texts.append(unit.embedding_text())
            index.append(unit.index)
        rows.append(len(texts))
    return texts, rows, index


def write_derived(folder: Path, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]],
                  embeddings: Embeddings) -> None:
    """Write the files above into ``folder``."""
    import numpy as np


    order = sorted(range(len(chunks)), key=lambda i: (chunks[i].article, chunks[i].section,
                                                      chunks[i].position))
    chunks = [chunks[i] for i in order]
    lines = [json.dumps([c.id, c.text, c.metadata()], ensure_ascii=False).encode("utf-8") + b"\n"
             for c in chunks]
    (folder / PASSAGES).write_bytes(b"".join(lines))
    np.save(folder / PASSAGE_ROWS, np.cumsum([0] + [len(line) for line in lines], dtype=np.int64))
    (folder / PASSAGE_IDS).write_text(json.dumps([c.id for c in chunks]), encoding="utf-8")
    matrix = np.asarray([vectors[i] for i in order], dtype=np.float32).reshape(len(order), -1)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    if not np.all(norms > 0):
        raise ValueError("a passage vector is zero")
    np.save(folder / VECTORS, matrix / norms)
    LexicalIndex(chunks).save(folder / LEXICAL)
    texts, rows, index = _unit_texts(chunks)
    row_of: dict[str, int] = {}
    rows_of_texts = [row_of.setdefault(t, len(row_of)) for t in texts]
    unique = list(row_of)
    # Embedded batch by batch into one float32 matrix: the whole corpus's quote vectors as
    # Python lists would take ~4.6 GB at 100k passages.
    vectors_of_unique = np.zeros((len(unique), matrix.shape[1]), dtype=np.float32)
    for start in range(0, len(unique), UNIT_BATCH):
        part = unique[start:start + UNIT_BATCH]
        vectors_of_unique[start:start + len(part)] = np.asarray(embeddings.embed_documents(part),
                                                                dtype=np.float32)
    units = vectors_of_unique[np.asarray(rows_of_texts, dtype=np.int64)]
    units /= np.clip(np.linalg.norm(units, axis=1, keepdims=True), 1e-12, None)
    np.save(folder / UNITS, units)
    np.save(folder / UNIT_ROWS, np.asarray(rows, dtype=np.int64))
    np.save(folder / UNIT_INDEX, np.asarray(index, dtype=np.int32))


def describe_files(folder: Path, skip: frozenset[str]) -> dict[str, list[Any]]:
    """{relative path: [sha256, size]} of every file of a finished build (Chroma's included:
    the query path never opens Chroma, so they stay as ingest left them) but ``skip``."""
    files = [p for p in sorted(folder.rglob("*")) if p.is_file() and p.name not in skip]
    return {str(p.relative_to(folder)): [file_sha256(p), p.stat().st_size] for p in files}


def check_files(folder: Path, files: dict[str, list[Any]]) -> None:
    """Every file the manifest lists is there, with its size, and (up to DIGEST_MAX_BYTES) its
    sha256; IndexCorruptError otherwise."""
    if not files:
        raise IndexCorruptError(f"the manifest of {folder.name} lists no derived files")
    for name, (digest, size) in files.items():
        path = folder / name
        try:
            actual = path.stat().st_size
        except OSError as exc:
            raise IndexCorruptError(f"{path} is missing: {exc}") from exc
        if actual != size:
            raise IndexCorruptError(f"{path} has {actual} bytes, the manifest says {size}")
        if size <= DIGEST_MAX_BYTES and file_sha256(path) != digest:
            raise IndexCorruptError(f"{path} does not match its checksum in the manifest")


def load_derived(folder: Path, files: dict[str, list[Any]], count: int,
                 mmap_vectors: bool = False) -> Derived:
    """Load a build's derived files (checked against the manifest) for ``count`` passages;
    the passage vectors read into memory, or memory-mapped (``mmap_vectors``)."""
    import numpy as np


    check_files(folder, files)
    try:
        ids = json.loads((folder / PASSAGE_IDS).read_text(encoding="utf-8"))
        if len(ids) != count:
            raise IndexCorruptError(f"{PASSAGE_IDS} does not hold the manifest's {count} ids")
        chunks = Passages(folder / PASSAGES, np.load(folder / PASSAGE_ROWS), ids)
        vectors = np.load(folder / VECTORS, mmap_mode="r" if mmap_vectors else None)
        if vectors.ndim != 2 or vectors.shape[0] != count:
            raise IndexCorruptError(f"{VECTORS} does not hold {count} vectors")
        lexical = LexicalIndex.load(folder / LEXICAL, chunks)
        matrix = np.load(folder / UNITS, mmap_mode="r")
        rows = np.load(folder / UNIT_ROWS)
        index = np.load(folder / UNIT_INDEX)
        if (len(rows) != count + 1 or int(rows[-1]) != matrix.shape[0]
                or matrix.shape[0] != len(index)):
            raise IndexCorruptError("the stored quote vectors do not match the passages")
    except IndexCorruptError:
        raise
    except Exception as exc:
        raise IndexCorruptError(f"derived files in {folder.name} are unreadable: "
                                f"{type(exc).__name__}: {exc}") from exc
    units = StoredUnits(matrix, rows, index, lexical.position)
    return Derived(chunks, lexical, vectors, units)

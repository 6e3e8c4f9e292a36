"""A build's passages, read from ``passages.jsonl`` only when a query needs one
(written by ``k2chat.store.derived``, searched through ``k2chat.store.lexical``)."""

from __future__ import annotations

import json
import mmap
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, overload

from k2chat.errors import IndexCorruptError
from k2chat.types import Chunk

__all__ = ["Passages"]


class Passages(Sequence[Chunk]):
    """A build's passages, read from ``passages.jsonl`` (memory-mapped) one at a time when they
    are asked for: a start-up parses no passage, and memory holds only those a query used.
    ``ids`` are all read at once (the lexical index maps ids to rows). Parsed passages are kept,
    up to KEPT of them: a question reads ~120 (the top fetch of each search), the same ones
    for questions on the same topic."""

    KEPT = 4096  # passages; ~30 questions' worth, a few MB

    def __init__(self, path: Path, rows: Any, ids: Sequence[str]) -> None:
        self._path = path
        self._rows = rows  # (len + 1,) int64 byte offsets
        self.ids = tuple(ids)
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if len(rows) != len(self.ids) + 1 or int(rows[-1]) != size:
                raise IndexCorruptError(f"{path} does not hold the {len(self.ids)} passages "
                                        "its offsets and ids list")
            self._data: mmap.mmap | bytes = (mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
                                             if size else b"")
        self._kept: dict[int, Chunk] = {}

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, i: int) -> Chunk: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[Chunk]: ...
    def __getitem__(self, i: int | slice) -> Chunk | Sequence[Chunk]:
        picked = range(len(self))[i]  # a tuple's rules: negative indexes, slices, IndexError
        if isinstance(picked, range):
            return tuple(self._read(j) for j in picked)
        return self._read(picked)

    def __iter__(self) -> Iterator[Chunk]:
        return (self._read(i) for i in range(len(self)))

    def _read(self, i: int) -> Chunk:
        chunk = self._kept.get(i)
        if chunk is None:
            chunk = self._parse(i)
            if len(self._kept) >= self.KEPT:
                self._kept.clear()  # started afresh: bounded, and no bookkeeping per read
            self._kept[i] = chunk
        return chunk

    def _parse(self, i: int) -> Chunk:
        line = self._data[int(self._rows[i]):int(self._rows[i + 1])]
        try:
            id_, text, meta = json.loads(line)
            chunk = Chunk.from_record(id_, text, meta)
        except Exception as exc:
            raise IndexCorruptError(f"passage {i} of {self._path} is unreadable "
                                    f"({type(exc).__name__}); rebuild the index with "
                                    "`k2chat ingest`") from exc
        if chunk.id != self.ids[i]:
            raise IndexCorruptError(f"passage {i} of {self._path} is not {self.ids[i]}; "
                                    "rebuild the index with `k2chat ingest`")
        return chunk

"""The ground floor's file helpers: the package's data folder and a file's sha256 (the index
manifest, the ONNX export and the derived files are all checked by it)."""

from __future__ import annotations

import hashlib
from pathlib import Path

__all__ = ["DATA_DIR", "file_sha256"]

# the labelled examples and the fitted models shipped with the package (src/k2chat/data)
DATA_DIR = Path(__file__).parent / "data"


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()

"""The ground floor's file helpers: the package's data folder, a file's sha256 (the index
manifest, the ONNX export and the derived files are all checked by it) and the digest of the
source code a computation runs (what keys the index to the code that built it)."""

from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path

__all__ = ["DATA_DIR", "PACKAGE_DIR", "file_sha256", "source_digest", "source_files"]

PACKAGE_DIR = Path(__file__).parent

# the labelled examples and the fitted models shipped with the package (src/k2chat/data)
DATA_DIR = PACKAGE_DIR / "data"


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _module_file(package_dir: Path, name: str) -> Path | None:
    """The source file of module ``name`` (``k2chat.x.y``) under ``package_dir``, if any."""
    parts = name.split(".")[1:]
    base = package_dir.joinpath(*parts)
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if parts and path.is_file():
            return path
    return None


def source_files(roots: tuple[str, ...], package_dir: Path = PACKAGE_DIR) -> list[Path]:
    """The source files of the package's modules ``roots`` and of everything they import from
    the package (at module level, in functions or under TYPE_CHECKING alike), sorted. Read
    from the sources with a pattern (a tenth of parsing them: this runs at start-up), nothing is
    imported; an import written in a docstring only adds a file."""
    package = re.escape(package_dir.name)
    imports = re.compile(
        rf"^[ \t]*(?:from[ \t]+({package}(?:\.\w+)*)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)"
        rf"|import[ \t]+({package}(?:\.\w+)*))", re.MULTILINE)
    seen: dict[str, Path] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        path = _module_file(package_dir, name)
        if name in seen or path is None:
            continue
        seen[name] = path
        for module, names, plain in imports.findall(path.read_text(encoding="utf-8")):
            if plain:
                todo.append(plain)
                continue
            # "from k2chat.store import quotes" imports a module; "... import Unit" does not
            # (no such file: skipped)
            todo.append(module)
            todo += [f"{module}.{n}" for n in re.findall(r"(\w+)(?:\s+as\s+\w+)?", names)]
    return sorted(set(seen.values()))


@functools.lru_cache(maxsize=8)
def source_digest(roots: tuple[str, ...], package_dir: Path = PACKAGE_DIR) -> str:
    """sha256 over the paths and contents of :func:`source_files`: it changes when any code
    that ``roots`` run changes, and only then."""
    h = hashlib.sha256()
    for path in source_files(roots, package_dir):
        h.update(str(path.relative_to(package_dir)).encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()

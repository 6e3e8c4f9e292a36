"""Repository shim for ``python -m ingest``: the ingest code is ``k2chat.ingest``.

This folder is not packaged (pyproject.toml packages ``src/k2chat`` only), so an installed
k2chat puts no generic top-level ``ingest`` package into site-packages.
"""

from k2chat.ingest import build_index, chunk_section, chunk_sections

__all__ = ["build_index", "chunk_section", "chunk_sections"]

"""Ingest: corpus -> passages -> embeddings -> Chroma, atomically, with stable ids."""

from k2chat.store.build import build_index
from k2chat.store.chunk import chunk_section, chunk_sections

__all__ = ["build_index", "chunk_section", "chunk_sections"]

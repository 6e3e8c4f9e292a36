"""Ingest: corpus -> passages -> embeddings -> Chroma, atomically, with stable ids."""

from k2chat.ingest.build import build_index
from k2chat.ingest.chunk import chunk_section, chunk_sections

__all__ = ["build_index", "chunk_section", "chunk_sections"]

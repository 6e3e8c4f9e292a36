"""Ingest: corpus -> passages -> embeddings -> Chroma, atomically, with stable ids."""

from ingest.build import build_index
from ingest.chunk import chunk_section, chunk_sections

__all__ = ["build_index", "chunk_section", "chunk_sections"]

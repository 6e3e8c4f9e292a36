"""Open the index, or build it first: the one place that may use both the index
(``k2chat.store.index``: open, check, manifest) and ingest (``k2chat.store.build``), so
neither imports the other."""

from __future__ import annotations

import logging

from k2chat.errors import IndexCorruptError, IndexNotBuiltError, IndexReadOnlyError
from k2chat.settings import Settings
from k2chat.store.index import Index, open_existing, writable
from k2chat.store.manifest import current_build_dir

__all__ = ["open_index"]

log = logging.getLogger(__name__)


def open_index(settings: Settings, *, build: bool = True) -> Index:
    """Open the fresh index, building it first when it is missing, stale or corrupt."""
    try:
        index = open_existing(settings)
    except IndexCorruptError as exc:
        folder = None if settings.chroma_url else current_build_dir(settings)
        if folder is not None and not writable(folder):
            raise IndexReadOnlyError(
                f"The index in {folder} is damaged ({exc}) and read-only, so it cannot be "
                "rebuilt here. Run `k2chat ingest` where it is writable."
            ) from exc
        log.warning("The index is unreadable (%s); rebuilding it from the corpus", exc)
        index = None
    if index is not None:
        return index
    if not build:
        raise IndexNotBuiltError(
            "The search index is missing, out of date or damaged. Build it with "
            "`k2chat ingest` (or `python -m ingest`)."
        )
    # imported here for start-up speed:
    # ingest (Chroma, the encoder) is imported only when the index must be built
    from k2chat.store.build import build_index

    log.info("Building the search index from %s (this takes a moment)", settings.corpus_dir)
    build_index(settings)
    index = open_existing(settings)
    if index is None:
        raise IndexNotBuiltError("Building the index did not produce a usable index.")
    return index

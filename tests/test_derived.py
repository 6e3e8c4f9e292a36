"""The files each build saves for the query path (k2chat.store.derived) and the ONNX checksum."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from k2chat.chain.answer import Request
from k2chat.evaluate import load_cases
from k2chat.models.embeddings import OnnxEmbeddings
from k2chat.pipeline import Pipeline
from k2chat.settings import Settings
from k2chat.store.index import index_status
from k2chat.store.lexical import LexicalIndex
from k2chat.store.manifest import current_build_dir, encoder_status
from k2chat.store.quotes import Hit, units_of
from k2chat.store.ready import open_index

from .conftest import EVAL_FILE


def test_a_fresh_load_uses_the_saved_lexical_index(settings: Settings) -> None:
    """The BM25 index read from the build folder ranks exactly as one rebuilt from the
    passages, for every evaluation question."""
    index = open_index(settings, build=False)
    assert index.lexical is not None and index.units is not None
    rebuilt = LexicalIndex(index.chunks)
    assert index.lexical.idf == rebuilt.idf
    for case in load_cases(EVAL_FILE):
        loaded_hits = index.lexical.search(case.question, 24)
        rebuilt_hits = rebuilt.search(case.question, 24)
        assert [i for i, _ in loaded_hits] == [i for i, _ in rebuilt_hits], case.question
        assert np.allclose([s for _, s in loaded_hits], [s for _, s in rebuilt_hits])
    terms = rebuilt.query_terms("osteoprosis warfrin dose")
    assert index.lexical.query_terms("osteoprosis warfrin dose") == terms
    assert index.lexical.coverage(terms, range(10)) == rebuilt.coverage(terms, range(10))


def test_stored_quote_vectors_are_the_encoders_vectors(settings: Settings) -> None:
    """Every quote of the article has a stored vector, and it is the query encoder's vector of
    that quote (so the start-up embeds nothing)."""
    index = open_index(settings, build=False)
    encoder = OnnxEmbeddings(settings.onnx_path)
    units = units_of([Hit(c, 0.0, 0.0, 0.0, 0) for c in index.chunks])
    stored = [index.units.lookup(u.key) for u in units]
    assert all(v is not None for v in stored)
    sample = units[:: max(1, len(units) // 20)]
    fresh = np.asarray(encoder.embed_documents([u.embedding_text() for u in sample]))
    for unit, vector in zip(sample, fresh, strict=True):
        assert float(index.units.lookup(unit.key) @ vector) > 0.999, unit.quote


def test_pipeline_start_embeds_no_quote(settings: Settings) -> None:
    """With the stored vectors, answering reads them: the encoder embeds only the question."""
    p = Pipeline(settings, warm_in_background=False)
    calls: list[int] = []
    inner = p.unit_vectors._embeddings
    original = inner.embed_documents

    def counting(texts: list[str]) -> list[list[float]]:
        calls.append(len(texts))
        return original(texts)

    inner.embed_documents = counting  # type: ignore[method-assign]
    answer = p.answer(Request("How much MK-7 is used for osteoporosis?"))
    assert answer.grounded
    assert calls == []


def _own_copy(settings: Settings, dest: Path) -> Settings:
    """A data dir with its own copy of the index, the ONNX file included (it is damaged)."""
    shutil.copytree(settings.index_dir, dest / "index")
    return Settings(corpus_dir=settings.corpus_dir, data_dir=dest)


def test_truncated_onnx_is_detected_and_exported_again(
    settings: Settings, tmp_path: Path, st_embeddings, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
    caplog: pytest.LogCaptureFixture,
) -> None:
    import k2chat.models.embeddings as embeddings_module
    import k2chat.store.onnx_export as onnx_export_module

    monkeypatch.setattr(embeddings_module, "SentenceTransformerEmbeddings", lambda: st_embeddings)
    # the export again reads the session's model instead of loading another
    monkeypatch.setattr(onnx_export_module, "SentenceTransformerEmbeddings", lambda: st_embeddings)
    s = _own_copy(settings, tmp_path / "data")
    assert encoder_status(s) == "ok"
    os.truncate(s.onnx_path, s.onnx_path.stat().st_size // 3)
    assert encoder_status(s) == "damaged"
    assert index_status(s) == "ready"  # the passages are intact
    with caplog.at_level(logging.WARNING):
        p = Pipeline(s, warm_in_background=False)
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("does not match its checksum" in m for m in messages), messages
    assert any("Exported the ONNX model again" in m for m in messages), messages
    assert isinstance(p.retriever.embeddings.inner, OnnxEmbeddings)
    assert encoder_status(s) == "ok"
    assert current_build_dir(s) is not None


def test_passages_are_read_as_the_article_was_chunked(settings: Settings) -> None:
    """The saved passages, read one at a time, are exactly the chunks of the article, in
    article order; slices and negative indexes work like a tuple's."""
    from k2chat.store.chunk import chunk_sections
    from k2chat.store.corpus import read_corpus
    from k2chat.store.passages import Passages

    index = open_index(settings, build=False)
    assert isinstance(index.chunks, Passages)
    want = sorted(chunk_sections(read_corpus(settings.corpus_dir)),
                  key=lambda c: (c.article, c.section, c.position))
    assert list(index.chunks) == want
    assert [index.chunks[i] for i in range(len(want))] == want
    assert tuple(index.chunks[2:5]) == tuple(want[2:5]) and index.chunks[-1] == want[-1]
    assert index.chunks.ids == tuple(c.id for c in want)
    with pytest.raises(IndexError):
        index.chunks[len(want)]


def test_a_passage_that_is_not_its_id_is_reported(settings: Settings) -> None:
    """A passage line that does not hold the id it is listed under (a damaged or mixed-up
    file the size checks let through) is an IndexCorruptError naming the rebuild, not a wrong
    quote."""
    from k2chat.errors import IndexCorruptError
    from k2chat.store.derived import PASSAGE_ROWS, PASSAGES
    from k2chat.store.passages import Passages

    build = current_build_dir(settings)
    assert build is not None
    rows = np.load(build / PASSAGE_ROWS)
    good = open_index(settings, build=False).chunks
    assert isinstance(good, Passages)
    swapped = list(good.ids)
    swapped[0], swapped[1] = swapped[1], swapped[0]
    damaged = Passages(build / PASSAGES, rows, swapped)
    with pytest.raises(IndexCorruptError, match="k2chat ingest"):
        damaged[0]
    assert damaged[2] == good[2]

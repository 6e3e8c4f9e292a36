"""Ingest: passages stay inside sections, ids are stable, navigation is never indexed."""

import os
import shutil
from pathlib import Path

import pytest

from k2chat.settings import Settings
from k2chat.store.build import build_index
from k2chat.store.chunk import MAX_CHARS, chunk_sections
from k2chat.store.corpus import read_corpus
from k2chat.store.index import index_status
from k2chat.store.manifest import current_build_dir
from k2chat.store.ready import open_index
from k2chat.text import split_sentences

from .conftest import CORPUS


def test_passages_are_verbatim_small_and_within_one_section() -> None:
    sections = {s.number: s for s in read_corpus(CORPUS)}
    chunks = chunk_sections(sections.values())
    assert len(chunks) > 50
    for c in chunks:
        assert c.text in sections[c.section].body, c.id
        assert len(c.text) <= MAX_CHARS or len(split_sentences(c.text)) == 1, c.id
        assert c.id.endswith(f"-s{c.section}-p{c.position:02d}")


def test_navigation_sections_produce_no_passages() -> None:
    chunks = chunk_sections(read_corpus(CORPUS))
    assert not [c for c in chunks if c.section in (7, 8)]
    assert not [c for c in chunks if "Apple Cider" in c.text or "placeholder" in c.text]


def test_ids_are_stable_across_runs() -> None:
    a = [c.id for c in chunk_sections(read_corpus(CORPUS))]
    b = [c.id for c in chunk_sections(read_corpus(CORPUS))]
    assert a == b and len(set(a)) == len(a)


def test_ingest_twice_leaves_the_same_ids_and_count(tmp_path: Path, st_embeddings) -> None:  # type: ignore[no-untyped-def]
    s = Settings(corpus_dir=CORPUS, data_dir=tmp_path)
    first = build_index(s, embeddings=st_embeddings, show_progress=False)
    ids1 = sorted(c.id for c in open_index(s, build=False).chunks)
    second = build_index(s, embeddings=st_embeddings, show_progress=False)
    ids2 = sorted(c.id for c in open_index(s, build=False).chunks)
    assert first.manifest.chunk_count == second.manifest.chunk_count == len(ids1)
    assert ids1 == ids2
    assert index_status(s) == "ready"
    assert len(list((tmp_path / "index" / "builds").iterdir())) <= 2


def test_a_changed_corpus_makes_the_index_stale(tmp_path: Path, st_embeddings) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "k2.md").write_text((CORPUS / "vitamin-k2-dosage-bone-health.md").read_text())
    s = Settings(corpus_dir=corpus, data_dir=tmp_path / "data")
    assert index_status(s) == "missing"
    build_index(s, embeddings=st_embeddings, show_progress=False)
    assert index_status(s) == "ready"
    old = current_build_dir(s)
    (corpus / "extra.md").write_text("# Extra\n\n## 1. Natto\n\nNatto is fermented soy.\n")
    assert index_status(s) == "stale"
    index = open_index(s)  # rebuilds because it is stale
    assert current_build_dir(s) != old
    assert any(c.article == "extra" for c in index.chunks)


def test_a_failed_build_leaves_no_folder_and_keeps_the_current_index(  # type: ignore[no-untyped-def]
    tmp_path: Path, settings: Settings, st_embeddings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ingest that fails half-way removes its new folder, never switches CURRENT and frees
    the lock; the app keeps the index it had."""
    from filelock import FileLock

    from k2chat.store import build as build_module

    index = tmp_path / "data" / "index"
    shutil.copytree(settings.index_dir, index, ignore=shutil.ignore_patterns("*.onnx"))
    (index / settings.onnx_path.name).symlink_to(settings.onnx_path)
    s = Settings(corpus_dir=CORPUS, data_dir=tmp_path / "data")
    old = current_build_dir(s)
    assert old is not None

    def fail(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(build_module, "_upsert", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        build_index(s, embeddings=st_embeddings, show_progress=False)
    assert os.listdir(index / "builds") == [old.name]
    assert current_build_dir(s) == old and index_status(s) == "ready"
    lock = FileLock(str(s.data_dir / "ingest.lock"))
    lock.acquire(timeout=0)
    lock.release()


def _package_copy(tmp_path: Path) -> Path:
    """A copy of the k2chat sources (Python files only) to change."""
    import shutil

    import k2chat

    copy = tmp_path / "k2chat"
    shutil.copytree(Path(k2chat.__file__).parent, copy,
                    ignore=shutil.ignore_patterns("data", "static", "__pycache__"))
    return copy


@pytest.mark.parametrize(("module", "stale"), [
    ("store/quotes.py", True),  # which quotes a passage has (units.npy)
    ("store/reference.py", True),  # what a quote carries (reached through quotes and chunk)
    ("text/tokens.py", True),  # the tokenizer (the BM25 index)
    ("text/stem.py", True),  # its stemmer
    ("models/embeddings.py", True),  # the vectors
    ("chain/judge.py", False),  # answering reads the build, it does not make it
    ("serve/ui.py", False),
])
def test_the_build_code_digest_follows_exactly_the_code_a_build_runs(
        tmp_path: Path, module: str, stale: bool) -> None:
    from k2chat.files import source_digest
    from k2chat.store.manifest import BUILD_CODE

    copy = _package_copy(tmp_path)
    before = source_digest(BUILD_CODE, copy)
    with open(copy / module, "a", encoding="utf-8") as f:
        f.write("\n# changed\n")
    source_digest.cache_clear()  # a process computes it once; this one changed its code
    assert (source_digest(BUILD_CODE, copy) != before) is stale


def test_changed_build_code_makes_the_index_stale_and_it_is_rebuilt(  # type: ignore[no-untyped-def]
        tmp_path: Path, st_embeddings, monkeypatch: pytest.MonkeyPatch) -> None:
    """An index built by other code (a worktree's older data folder) is stale: a start-up
    rebuilds it instead of reading derived files that code would now compute differently."""
    from k2chat.files import source_digest
    from k2chat.store import manifest as manifest_module

    s = Settings(corpus_dir=CORPUS, data_dir=tmp_path / "data")
    build_index(s, embeddings=st_embeddings, show_progress=False)
    assert index_status(s) == "ready"
    old = current_build_dir(s)
    copy = _package_copy(tmp_path)
    with open(copy / "store" / "quotes.py", "a", encoding="utf-8") as f:
        f.write("\n# the quotes are cut differently now\n")
    monkeypatch.setattr(manifest_module, "source_digest",
                        lambda roots: source_digest(roots, copy))
    assert index_status(s) == "stale"
    index = open_index(s)  # rebuilds because it is stale
    assert current_build_dir(s) != old
    assert index.chunks and index_status(s) == "ready"

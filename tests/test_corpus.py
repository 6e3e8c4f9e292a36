"""The corpus is the article, verbatim, in numbered sections; navigation is flagged."""

from pathlib import Path

import pytest

from k2chat.errors import CorpusError
from k2chat.store.corpus import corpus_hash, read_corpus

from .conftest import CORPUS, REPO

SEED = REPO.parent / "shared" / "seed" / "vitamin-k2-article.txt"


def test_sections_are_numbered_one_to_eight_and_navigation_is_flagged() -> None:
    sections = read_corpus(CORPUS)
    assert [s.number for s in sections] == list(range(1, 9))
    assert [s.number for s in sections if s.navigation] == [7, 8]
    assert sections[2].title.startswith("Risks, Contraindications")


@pytest.mark.skipif(not SEED.is_file(), reason="the seed article is only beside the repo in CI")
def test_every_content_line_is_verbatim_from_the_seed() -> None:
    seed = SEED.read_text(encoding="utf-8")
    checked = 0
    for section in read_corpus(CORPUS):
        assert section.title in seed
        if section.navigation:
            continue
        for line in section.body.splitlines():
            line = line.strip().removeprefix("- ").lstrip("#").strip()
            if line:
                assert line in seed, line
                checked += 1
    assert checked > 60


def test_missing_corpus_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        read_corpus(tmp_path / "nope")


def test_hash_changes_when_an_article_changes(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A\n\n## 1. One\n\nText.\n", encoding="utf-8")
    before = corpus_hash(tmp_path)
    (tmp_path / "a.md").write_text("# A\n\n## 1. One\n\nText changed.\n", encoding="utf-8")
    assert corpus_hash(tmp_path) != before

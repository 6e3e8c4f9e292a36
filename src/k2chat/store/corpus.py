"""Read the Markdown articles in ``corpus/`` into numbered sections.

An article is one ``*.md`` file: a ``# Title`` line, then one ``## N. Section title`` heading per
numbered section. A section whose body holds ``<!-- k2chat: navigation -->`` is site navigation
(link lists) and is never retrievable.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from k2chat.errors import CorpusError
from k2chat.types import Section

__all__ = ["NAVIGATION_MARKER", "article_files", "read_article", "read_corpus", "corpus_hash",
           "corpus_signature"]

NAVIGATION_MARKER = "<!-- k2chat: navigation -->"
_SECTION = re.compile(r"^##\s+(\d+)\.\s+(.+?)\s*$")
_TITLE = re.compile(r"^#\s+(.+?)\s*$")


def article_files(corpus_dir: Path) -> list[Path]:
    if not corpus_dir.is_dir():
        raise CorpusError(
            f"The corpus folder {corpus_dir} does not exist. Put the article Markdown files there "
            "or set K2CHAT_CORPUS_DIR."
        )
    with os.scandir(corpus_dir) as entries:  # no stat per file, names sorted as strings
        names = sorted(e.name for e in entries if e.name.endswith(".md") and e.is_file())
    files = [corpus_dir / name for name in names]
    if not files:
        raise CorpusError(f"The corpus folder {corpus_dir} has no *.md article.")
    return files


def read_article(path: Path) -> list[Section]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"Cannot read article {path}: {exc}") from exc
    article = path.stem
    article_title = article.replace("-", " ").capitalize()
    sections: list[Section] = []
    current: tuple[int, str] | None = None
    body: list[str] = []

    def close() -> None:
        if current is not None:
            text = "\n".join(body).strip()
            sections.append(
                Section(
                    article=article,
                    article_title=article_title,
                    number=current[0],
                    title=current[1],
                    body=text.replace(NAVIGATION_MARKER, "").strip(),
                    navigation=NAVIGATION_MARKER in text,
                )
            )

    for line in lines:
        if (m := _SECTION.match(line)) is not None:
            close()
            current, body = (int(m.group(1)), m.group(2)), []
        elif current is None and (t := _TITLE.match(line)) is not None:
            article_title = t.group(1)
        elif current is not None:
            body.append(line)
    close()
    if not sections:
        raise CorpusError(f"Article {path} has no '## 1. Title' section headings.")
    return sections


def read_corpus(corpus_dir: Path) -> list[Section]:
    return [s for path in article_files(corpus_dir) for s in read_article(path)]


def corpus_signature(corpus_dir: Path) -> str:
    """A digest of every article's name, size and modification time: when it equals the one
    recorded at ingest, the bytes need not be read again to know the index is fresh."""
    h = hashlib.sha256()
    for path in article_files(corpus_dir):
        st = path.stat()
        h.update(f"{path.name}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return h.hexdigest()


def corpus_hash(corpus_dir: Path) -> str:
    """A fingerprint of every article's name and bytes: the index is stale when it changes."""
    h = hashlib.sha256()
    for path in article_files(corpus_dir):
        h.update(path.name.encode())
        h.update(b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()

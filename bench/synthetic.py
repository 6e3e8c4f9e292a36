"""Synthetic articles and passages for the ingest and scale benchmarks (deterministic, seeded).

Sentences are drawn from the real article, and every passage also carries words from a Zipf-
distributed invented vocabulary, so that the vocabulary grows with the corpus as it does in real
text (a corpus of the same few sentences repeated would flatter the lexical side).
"""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path

from _common import CORPUS

SYLLABLES = ("ka ro mi tu le sa no vi pe da ri lo mu te ha zo ne bi fa gu ce yo wi ju "
             "xe qu").split()


@cache
def article_sentences() -> tuple[str, ...]:
    from k2chat.store.corpus import read_corpus
    from k2chat.text import split_sentences

    out: list[str] = []
    for section in read_corpus(CORPUS):
        if section.navigation:
            continue
        for line in section.body.splitlines():
            line = line.strip().removeprefix("- ").strip()
            if line and not line.startswith(("#", "<!--")):
                out.extend(s for s in split_sentences(line) if len(s) > 30)
    return tuple(dict.fromkeys(out))


@cache
def invented_vocabulary(size: int = 60_000, seed: int = 7) -> tuple[str, ...]:
    rng = random.Random(seed)
    words: dict[str, None] = {}
    while len(words) < size:
        words["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))] = None
    return tuple(words)


class Words:
    """Zipf-distributed draws from the invented vocabulary."""

    def __init__(self, rng: random.Random, size: int = 60_000) -> None:
        self.rng = rng
        self.vocab = invented_vocabulary(size)
        weights = [1 / (rank + 1) for rank in range(size)]
        total = 0.0
        self.cumulative = []
        for w in weights:
            total += w
            self.cumulative.append(total)

    def draw(self, n: int) -> list[str]:
        return self.rng.choices(self.vocab, cum_weights=self.cumulative, k=n)


def passage(rng: random.Random, words: Words, extra_words: tuple[int, int] = (8, 20)) -> str:
    """One passage: an article sentence followed by a sentence of invented words."""
    base = rng.choice(article_sentences())
    extra = " ".join(words.draw(rng.randint(*extra_words)))
    return f"{base} {extra.capitalize()}."


def passages(n: int, seed: int = 1) -> list[tuple[str, str]]:
    """``n`` (article sentence, passage) pairs; the passage starts with that sentence."""
    rng = random.Random(seed)
    words = Words(rng)
    out = []
    for _ in range(n):
        text = passage(rng, words)
        out.append((next(s for s in article_sentences() if text.startswith(s + " ")), text))
    return out


def write_articles(folder: Path, count: int, sections: int = 3, seed: int = 3) -> Path:
    """``count`` short Markdown articles in the corpus format (paragraphs and bullet lists),
    about four passages each, so that 1,000 of them embed in minutes on two cores."""
    rng = random.Random(seed)
    words = Words(rng)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        title = " ".join(words.draw(3)).title()
        lines = [f"# {title}", ""]
        for number in range(1, sections + 1):
            lines += [f"## {number}. {' '.join(words.draw(4)).title()}", ""]
            lines += [passage(rng, words, (3, 8)), ""]
            if rng.random() < 0.3:
                lines += [f"{' '.join(words.draw(3)).capitalize()} include:", ""]
                lines += [f"- {passage(rng, words, (3, 8))}" for _ in range(rng.randint(1, 2))]
                lines += [""]
        (folder / f"article-{i:05d}.md").write_text("\n".join(lines), encoding="utf-8")
    return folder

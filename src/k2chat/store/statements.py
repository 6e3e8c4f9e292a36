"""The article's curated safety statements (``corpus/<article>.safety.yaml``): reading them and
checking that each is verbatim article text (:class:`~k2chat.errors.CorpusError` otherwise).
Ingest checks them before it builds; the chain's ``k2chat.chain.topics`` puts them in front of
the ranked quotes."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from k2chat.errors import CorpusError
from k2chat.store.corpus import article_files
from k2chat.store.reference import after_addition
from k2chat.text import split_sentences, tokenize
from k2chat.types import QUOTE_JOIN

__all__ = ["STATEMENT", "KINDS", "MIN_BARE", "Statement", "Topic", "amounts_mcg", "topics_file",
           "load_topics", "with_unit"]


STATEMENT = -2  # Unit.index of a curated statement (it may span two passages)
# "comparison": a statement for a question comparing K2 with what its topic names
# (k2chat.chain.topics, SafetyTopics.compared)
KINDS = ("blood_thinner", "lead", "comparison")


@dataclass(frozen=True)
class Statement:
    parts: tuple[str, ...]  # a run of sentences, or a list's lead-in and one of its items
    # it leads for a reader who uses one of these words or phrases (each as its tokens)
    readers: frozenset[tuple[str, ...]] = frozenset()
    # it follows the topic's lead for a reader who uses one of these (``also``)
    followers: frozenset[tuple[str, ...]] = frozenset()
    # the article's sentence, when the statement is a paragraph's head and the point of a
    # sentence that opens with an addition ("Clinical Insight:", "while high-dose ..." of
    # "Furthermore, while high-dose ..."), quoted as ingest quotes it
    # (``k2chat.store.reference.after_addition``)
    added_to: str = ""

    @property
    def text(self) -> str:
        return QUOTE_JOIN.join(self.parts)

    @property
    def body(self) -> str:
        """The sentences it states (a list item without its lead-in; the whole sentence of an
        addition's point)."""
        return self.added_to or self.parts[-1]

    @property
    def sentences(self) -> frozenset[str]:
        return frozenset(split_sentences(self.body))


@dataclass(frozen=True)
class Topic:
    name: str
    kind: str
    statements: tuple[Statement, ...]  # strongest first
    drugs: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()
    phrases: tuple[tuple[str, ...], ...] = ()  # each phrase as its tokens
    patterns: tuple[re.Pattern[str], ...] = ()  # on the lower-cased text ("an 8 year old")
    # its words do not touch it when one of these matches ("my son (he's 34)" is no child)
    unless: tuple[re.Pattern[str], ...] = ()
    other_drugs: bool = False
    emergency: Statement | None = None
    whole_class: bool = False  # the class's topic, for a blood thinner an earlier turn named
    # the article says not to, or only under supervision: its statements answer a dose
    # question of this group, and no dose range follows them
    restrictive: bool = False
    above_mcg: float | None = None  # touched by an amount above this (the article's figure)
    # the article tells this group to seek advice before starting K2: a question about K2 from
    # a reader in it is one the article answers, with that statement
    advice_first: bool = False
    # a comparison topic (kind "comparison"): what its question compares with K2's side
    # ("medicine": a medicine the topic names; "form": a form the topic names; "amount": two
    # amounts, both within ``within_mcg``)
    sides: str = "medicine"
    within_mcg: tuple[float, float] | None = None
    # a lead topic: how many of its statements the answer shows, strongest first (the amounts
    # topic's second says to seek advice beyond 200 mcg MK-7, which graders wanted each time)
    shows: int = 1
    # the statements it shows are the whole answer: no ranked quote follows them (a surgery
    # reader's onset line read from "in 3 weeks"; the healthy adults' 45 mg line after the
    # Japanese studies' dose, read as leave to take it)
    alone: bool = False
    # a general answer (whether K2 is safe, for everyone, up to what amount): the statement of
    # a group the reader told of earlier leads before it
    after_groups: bool = False
    # the conversation group its words place a reader in, kept across turns
    # (``k2chat.chain.state.GROUPS``: "kidney"); None: its words are not remembered
    remembers: str | None = None

    @property
    def by_amount(self) -> bool:
        return self.above_mcg is not None


_AMOUNT = re.compile(r"(?<![\w.,])(\d[\d,]*(?:\.\d+)?)\s*(mcg|µg|ug|micrograms?|mg|milligrams?)\b")


# A bare number that may share the unit of an amount stated beside it ("is 200 mcg better
# than 100? or should i go 360", blind round 25; "100 or 180 mcg?"): not a year, not one
# followed by another unit or count word.
_BARE = re.compile(
    r"(?<![\w.,/-])(?!(?:19|20)\d\d\b)(\d[\d,]*(?:\.\d+)?)\b(?!\s*(?:mcg|µg|ug|micrograms?|mg|"
    r"milligrams?|%|-|/|years?|yrs?|yo|y/o|months?|weeks?|wks?|days?|hours?|hrs?|minutes?|mins?|"
    r"times?|x\b|lbs?|pounds?|kgs?|kilos?|iu|units?|capsules?|caps|tablets?|tabs?|pills?|"
    r"softgels?|drops?|gumm\w+|grams?|g\b|ml|servings?|am\b|pm\b|st\b|nd\b|rd\b|th\b))")
# smaller bare numbers are counts ("2 or 3?") or form names ("MK-7"), not amounts in mcg (also
# k2chat.chain.compare's floor for the amounts a question compares)
MIN_BARE = 10.0
_BARE_RANGE = re.compile(r"(?<![\w.,/-])\d[\d,]*\s*[–-]\s*(\d[\d,]*)\b")


def amounts_mcg(text: str, mg: bool = True, carry: bool = False) -> list[float]:
    """The amounts a text states, in micrograms ("600 mcg" -> 600, "1 mg" -> 1000; with
    ``mg=False`` amounts in milligrams are left out). With ``carry``, when every amount
    stated is in micrograms, bare numbers of MIN_BARE or more count as micrograms too ("is
    200 mcg better than 100?": 200 and 100)."""
    out = _amounts(text, mg)
    if not carry:
        return out
    lowered = text.lower()
    units = {u.startswith(("mg", "milli")) for _, u in _AMOUNT.findall(lowered)}
    if units == {False}:
        # a bare range counts by its top, as a range with its unit does ("90-180 mcg in one
        # place and 100-200 in another": blind round 55)
        bare = _BARE_RANGE.sub(r"\1", _AMOUNT.sub(" ", lowered))
        out += [v for m in _BARE.finditer(bare)
                if not _AGE_BEFORE.search(bare[:m.start()])
                and (v := float(m.group(1).replace(",", "") or 0)) >= MIN_BARE]
    return out


# an age ("Dad is 84 ... 200 mcg" compares no doses; blind round 8)
_AGE_BEFORE = re.compile(r"\b(?:is|am|are|was|were|aged?|turned|turning|i'?m|he'?s|she'?s|"
                         r"they'?re|we'?re|at)\W*$")


def with_unit(text: str, unit: str) -> str:
    """``text`` with ``unit`` written after each bare number of MIN_BARE or more when it states
    no amount with a unit ("would bumping up to 360 do more", after answers about MK-7: "360
    mcg"); an age ("i'm 60") and a number followed by another unit or a count stay bare."""
    if _AMOUNT.search(text.lower()):
        return text

    def unit_after(m: re.Match[str]) -> str:
        before = text[:m.start()].lower()
        if _AGE_BEFORE.search(before) or float(m.group(1).replace(",", "") or 0) < MIN_BARE:
            return m.group(0)
        return f"{m.group(0)} {unit}"

    return _BARE.sub(unit_after, text)


def _amounts(text: str, mg: bool) -> list[float]:
    out = []
    for number, unit in _AMOUNT.findall(text.lower()):
        in_mg = unit.startswith(("mg", "milli"))
        try:
            value = float(number.replace(",", ""))
        except ValueError:
            continue
        if mg or not in_mg:
            out.append(value * 1000 if in_mg else value)
    return out


def topics_file(article: Path) -> Path:
    """``corpus/x.md`` -> ``corpus/x.safety.yaml``."""
    return article.with_suffix(".safety.yaml")


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _statement(raw: Any, where: str, article: str, lines: list[str]) -> Statement:
    readers: frozenset[tuple[str, ...]] = frozenset()
    followers: frozenset[tuple[str, ...]] = frozenset()
    if isinstance(raw, dict):  # {quote: ..., for: [words or phrases], also: [...]}
        readers = frozenset(tuple(tokenize(str(w))) for w in raw.get("for") or [])
        followers = frozenset(tuple(tokenize(str(w))) for w in raw.get("also") or [])
        raw = raw.get("quote")
    parts = (raw,) if isinstance(raw, str) else tuple(raw) if isinstance(raw, list) else ()
    if not parts or not all(isinstance(p, str) and p.strip() for p in parts) or len(parts) > 2:
        raise CorpusError(f"{where}: a statement is a string, or a list of a lead-in line and "
                          f"one list item; got {raw!r}")
    parts = tuple(_flat(p) for p in parts)
    for part in parts:
        if part not in article:
            raise CorpusError(f"{where}: this statement is not verbatim article text (fix it "
                              f"to match the article exactly): {part!r}")
    if len(parts) == 2:
        lead_in, item = parts
        starts = [i for i, line in enumerate(lines) if line == lead_in]
        ok = any(f"- {item}" in lines[i + 1:] and all(
            ln.startswith("- ") for ln in lines[i + 1:lines.index(f"- {item}", i + 1)])
            for i in starts)
        added = "" if ok else _added_point(lead_in, item, lines)
        if not ok and not added:
            raise CorpusError(f"{where}: {item!r} is not an item of the list that "
                              f"{lead_in!r} introduces, nor the point of an addition in the "
                              f"paragraph it heads")
        return Statement(parts, readers, followers, added)
    elif not (part := parts[0]).endswith((".", "!", "?")):
        raise CorpusError(f"{where}: a statement ends with a whole sentence: {part!r}")
    return Statement(parts, readers, followers)


def _added_point(head: str, point: str, lines: list[str]) -> str:
    """The sentence of the paragraph ``head`` opens ("Clinical Insight:") whose point after
    its additive connective is ``point``; "" when there is none."""
    if not head.endswith(":"):
        return ""
    for line in lines:
        if line.startswith(head):
            for sentence in split_sentences(line):
                if after_addition(sentence) == point:
                    return sentence
    return ""


def _words(raw: Any) -> frozenset[str]:
    return frozenset(str(w).lower() for w in (raw or []))


@functools.lru_cache(maxsize=8)
def _load(path: Path, mtime: float) -> tuple[Topic, ...]:
    import yaml

    article_path = path.with_name(path.name.replace(".safety.yaml", ".md"))
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        source = article_path.read_text(encoding="utf-8")
    except (OSError, yaml.YAMLError) as exc:
        raise CorpusError(f"Cannot read the safety statements {path}: {exc}") from exc
    lines = [_flat(line) for line in source.splitlines() if line.strip()]
    article = " ".join(line.removeprefix("- ") for line in lines)
    topics = []
    for n, entry in enumerate(raw.get("topics") or [], start=1):
        where = f"{path.name}, topic {n} ({entry.get('name', '?')})"
        kind = entry.get("kind")
        if kind not in KINDS:
            raise CorpusError(f"{where}: kind must be one of {', '.join(KINDS)}")
        statements = tuple(_statement(s, where, article, lines)
                           for s in entry.get("statements") or [])
        if not statements:
            raise CorpusError(f"{where}: a topic needs at least one statement")
        emergency = entry.get("emergency")
        above = entry.get("above_mcg")
        if above is not None and not any(
                re.search(rf"(?<![\d.,]){re.escape(f'{float(above):g}')}\s*mcg", s.text)
                for s in statements):
            raise CorpusError(f"{where}: above_mcg {above} is not a figure its statements give")
        sides = str(entry.get("sides", "medicine"))
        if sides not in ("medicine", "amount", "form", "drugs"):
            raise CorpusError(f"{where}: sides must be medicine, amount, form or drugs")
        within = entry.get("within_mcg")
        if within is not None:
            if not (isinstance(within, list) and len(within) == 2):
                raise CorpusError(f"{where}: within_mcg is [lowest, highest] in micrograms")
            for bound in within:
                if not any(re.search(rf"(?<![\d.,]){re.escape(f'{float(bound):g}')}\b", s.text)
                           for s in statements):
                    raise CorpusError(f"{where}: within_mcg {bound} is not a figure its "
                                      f"statements give")
        shows = entry.get("shows", 1)
        if not (isinstance(shows, int) and 1 <= shows <= len(statements)):
            raise CorpusError(f"{where}: shows is how many of its statements an answer shows "
                              f"(1 to {len(statements)})")
        topics.append(Topic(
            name=str(entry.get("name", f"topic {n}")), kind=kind, statements=statements,
            drugs=_words(entry.get("drugs")),
            words=frozenset(t for w in _words(entry.get("words")) for t in tokenize(w)),
            phrases=tuple(tuple(tokenize(str(p))) for p in entry.get("phrases") or []),
            patterns=tuple(re.compile(str(p)) for p in entry.get("patterns") or []),
            unless=tuple(re.compile(str(p)) for p in entry.get("unless") or []),
            other_drugs=bool(entry.get("other_drugs")),
            whole_class=bool(entry.get("whole_class")),
            restrictive=bool(entry.get("restrictive")),
            advice_first=bool(entry.get("advice_first")),
            above_mcg=float(above) if above is not None else None,
            sides=sides,
            within_mcg=(float(within[0]), float(within[1])) if within is not None else None,
            shows=shows,
            alone=bool(entry.get("alone")),
            after_groups=bool(entry.get("after_groups")),
            emergency=_statement(emergency, where, article, lines) if emergency else None,
            remembers=str(entry["remembers"]) if entry.get("remembers") else None,
        ))
    return tuple(topics)


def load_topics(corpus_dir: Path) -> tuple[Topic, ...]:
    """Every article's curated safety topics (articles without a file have none)."""
    out: list[Topic] = []
    for article in article_files(corpus_dir):
        path = topics_file(article)
        if path.is_file():
            out.extend(_load(path, path.stat().st_mtime))
    return tuple(out)

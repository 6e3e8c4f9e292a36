"""Related questions: after an answer, two or three other questions the article answers, near
the passages just cited (what Perplexity and NotebookLM offer after each answer).

The candidates are the package's labelled in-scope questions (``data/questions.yaml``: each
names the article sentence that should lead its answer). :func:`build` asks each one of the
chain, as the first question of a conversation, and keeps it only if the chain answers it
(not refused, not an emergency) with a first quote that holds its labelled fact, and it
stands alone (a follow-up such as "Is it worth ...?" would be merged with the previous turn):
a question offered is never one the chain would refuse or answer with a different lead.
What it keeps (each question with its lead passage and the passages it cites) is written
once per index and models to ``related.json`` in the data folder (:func:`ensure`, run by
``k2chat ingest`` and a server's start-up), so answering only looks it up
(:meth:`Related.for_answer`). ``Pipeline.answer`` reads the file once; with none stored (an
index not yet built by either), ``Answer.related`` is empty.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from k2chat.chain.answer import Request
from k2chat.chain.followup import is_followup
from k2chat.chain.state import ConversationState
from k2chat.files import DATA_DIR
from k2chat.models.classify import FITTED_PATH
from k2chat.text import normalize_fact
from k2chat.types import Answer

if TYPE_CHECKING:
    from k2chat.settings import Settings

__all__ = ["Related", "RelatedQuestion", "build", "ensure", "load", "CANDIDATES", "MAX_SHOWN"]

log = logging.getLogger(__name__)

CANDIDATES = DATA_DIR / "questions.yaml"
FILE = "related.json"
VERSION = 1  # of what build() checks and writes; a change makes every stored file stale
MAX_SHOWN = 3  # "two or three questions" (issue 23, What to build)
# A candidate reads as a question anyone could ask: it opens with an English interrogative
# (not "K2 is water-soluble, right?"), has at least MIN_WORDS words (not "MK-4 dose?"), is one
# line of at most MAX_CHARS characters (the example buttons' longest is 52), ends with "?",
# and has no first person ("I'm 58 and my GP said ..." is someone's own case).
MAX_CHARS = 80
MIN_WORDS = 4
_OPENER = re.compile(r"^(what|what's|how|why|when|which|who|whom|whose|where|is|are|was|were|"
                     r"does|do|did|can|could|should|would|will|may|might|must|has|have)\b",
                     re.IGNORECASE)
_FIRST_PERSON = re.compile(r"\b(i|i'm|i've|i'd|my|me|mine|we|our|us)\b", re.IGNORECASE)


class Pipeline(Protocol):
    """What this module uses of a :class:`k2chat.pipeline.Pipeline`. The pipeline reads the
    stored questions (:func:`load`), so this module sits below it and does not import it.
    """

    settings: Settings
    index: Any  # k2chat.store.index.Index
    chain: Any  # the answering Runnable
    retriever: Any  # its .vocabulary: the corpus's form and subject names
    related: Related | None


@dataclass(frozen=True)
class RelatedQuestion:
    """A question the chain answers, with where its answer comes from."""

    question: str
    lead: str  # the chunk id of its answer's first quote
    section: int  # that quote's section
    chunks: tuple[str, ...]  # every chunk its answer cites


def _readable(question: str) -> bool:
    return (question[:1].isupper() and question.endswith("?") and "\n" not in question
            and len(question) <= MAX_CHARS and len(question.split()) >= MIN_WORDS
            and bool(_OPENER.match(question)) and not _FIRST_PERSON.search(question))


def candidates(path: Path = CANDIDATES) -> list[tuple[str, tuple[str, ...]]]:
    """(question, its labelled facts) for every readable in-scope question with facts, in the
    file's order, each question once."""
    import yaml

    out: dict[str, tuple[str, ...]] = {}
    for case in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
        question = " ".join(str(case.get("question", "")).split())
        facts = tuple(str(f) for f in case.get("facts") or ())
        if case.get("scope") == "in" and facts and _readable(question):
            out.setdefault(question, facts)
    return list(out.items())


class Related:
    """The checked questions of one index and set of models; looked up, never re-checked."""
    def __init__(self, questions: Sequence[RelatedQuestion]) -> None:
        self.questions = tuple(questions)

    def for_answer(self, answer: Answer, limit: int = MAX_SHOWN) -> tuple[str, ...]:
        """Up to ``limit`` checked questions near the passages ``answer`` cites, nearest first:
        those citing the same passages, then those led from the section of the answer's own
        lead, then from another section it cites. None leads with the answer's own first
        quote or any passage it cites (a conversation leaves out quotes it has shown, so such a
        question would get another lead), or is the question asked; none for a refusal or an
        emergency."""
        if not answer.grounded or answer.emergency or not answer.citations:
            return ()
        cited = {c.chunk_id for c in answer.citations}
        lead = answer.citations[0]
        sections = {c.section for c in answer.citations}
        asked = normalize_fact(answer.question)
        ranked: list[tuple[tuple[int, int, int], int, RelatedQuestion]] = []
        for order, q in enumerate(self.questions):
            if q.lead in cited or normalize_fact(q.question) == asked:
                continue
            score = (len(cited & set(q.chunks)), int(q.section == lead.section),
                     int(q.section in sections))
            if any(score):
                ranked.append((score, order, q))
        ranked.sort(key=lambda r: (tuple(-s for s in r[0]), r[1]))
        out: list[str] = []
        leads: set[str] = set()
        for _, _, q in ranked:
            if q.lead in leads:
                continue  # one question per answer: two with the same lead say the same
            leads.add(q.lead)
            out.append(q.question)
            if len(out) == limit:
                break
        return tuple(out)

    def to_json(self, key: str) -> str:
        return json.dumps({"key": key, "questions": [
            [q.question, q.lead, q.section, list(q.chunks)] for q in self.questions]},
            ensure_ascii=False, indent=0)


def build(pipeline: Pipeline, path: Path = CANDIDATES) -> Related:
    """Ask every candidate of the chain, alone; keep those it answers with their fact first."""
    # The state a reader's own words leave (facts and notes, as a conversation keeps them):
    # restrictive topics read the notes, so a hand-made state with the fact alone would check a
    # different answer from the one a warfarin reader gets.
    ON_BLOOD_THINNER = ConversationState().after("I take warfarin.")

    kept = []
    for question, facts in candidates(path):
        if is_followup(question, pipeline.retriever.vocabulary):
            continue  # a conversation would take it with the previous turn's topic (chat.py)
        answer = pipeline.chain.invoke(Request(question))
        if not answer.grounded or answer.emergency or not answer.citations:
            continue
        lead = answer.citations[0]
        if not any(normalize_fact(f) in normalize_fact(lead.quote) for f in facts):
            continue
        # Offered in a conversation, it must keep that lead when the reader has said they
        # take a blood thinner (the state the chain's safety rules react to; a warfarin
        # question before it says so): after the caution the chain then puts first, the
        # first quote it shares with the answer alone is the same lead.
        careful = pipeline.chain.invoke(Request(question, in_conversation=True,
                                                on_blood_thinner=True, state=ON_BLOOD_THINNER))
        alone = {c.chunk_id for c in answer.citations}
        shared = [c.chunk_id for c in careful.citations if c.chunk_id in alone]
        if careful.emergency or not careful.grounded or shared[:1] != [lead.chunk_id]:
            continue
        kept.append(RelatedQuestion(question, lead.chunk_id, lead.section,
                                    tuple(dict.fromkeys(c.chunk_id for c in answer.citations))))
    log.info("Related questions: %d of %d candidates are answered with their lead",
             len(kept), len(candidates(path)))
    return Related(kept)


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def _code_digest(settings: Settings, data_dir: Path = DATA_DIR) -> str:
    """The chain's code, the article knowledge beside the articles and the package's data files
    that answering reads (the fitted models, the drug table, the fine-tuned encoder's record
    with its sha256, the look-alike letters; not the labelled examples, read only by fitting):
    a change to any can change an answer's lead, so a stored check made before it is stale
    (hashing the package's ~0.5 MB of source and ~1.5 MB of data takes a few ms at start-up)."""
    h = hashlib.sha256()
    package = Path(__file__).parent
    files = (sorted(package.rglob("*.py")) + sorted(Path(settings.corpus_dir).glob("*.yaml"))
             + sorted(p for p in data_dir.glob("*") if p.suffix in (".json", ".txt")))
    for f in files:
        h.update(f.name.encode("utf-8"))
        h.update(_digest(f).encode("ascii"))
    return h.hexdigest()


def key_of(pipeline: Pipeline, path: Path = CANDIDATES) -> str:
    """What the checks depend on: the index (its fingerprint and build time), the fitted
    models, the candidates, the chain's code and the article knowledge (their files'
    digests), and this module's VERSION."""
    manifest = pipeline.index.manifest
    parts = [str(VERSION), manifest.fingerprint, manifest.built_at, _digest(FITTED_PATH),
             _digest(path), _code_digest(pipeline.settings)]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def _file(settings: Settings) -> Path:
    return settings.data_dir / FILE


def _parse(raw: Any) -> Iterable[RelatedQuestion]:
    for question, lead, section, chunks in raw:
        yield RelatedQuestion(str(question), str(lead), int(section), tuple(map(str, chunks)))


def load(pipeline: Pipeline) -> Related | None:
    """The stored questions for this pipeline's index and models, or None (none stored, stale,
    or unreadable)."""
    path = _file(pipeline.settings)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("key") != key_of(pipeline):
            return None
        return Related(list(_parse(raw["questions"])))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        log.warning("Ignoring %s (%s); it is written again at the next start-up", path, exc)
        return None


def ensure(pipeline: Pipeline) -> Related:
    """The stored questions, checked and written now if missing or stale (a read-only data
    folder: kept in memory only). The pipeline uses them from here on."""
    related = load(pipeline)
    if related is None:
        related = build(pipeline)
        path = _file(pipeline.settings)
        tmp = None
        try:
            fd, tmp = tempfile.mkstemp(prefix=".related-", dir=path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(related.to_json(key_of(pipeline)))
            os.replace(tmp, path)
        except OSError as exc:
            if tmp is not None and os.path.exists(tmp):
                os.unlink(tmp)
            log.warning("Could not write %s (%s); related questions are kept in memory", path,
                        exc)
    pipeline.related = related
    return related

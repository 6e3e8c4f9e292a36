"""Conversations: follow-up questions are resolved against earlier turns before retrieval, and
what the turns established (the subject, the reader's stated facts) is kept as data
(:class:`k2chat.state.ConversationState`) and passed down the chain with each question."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from k2chat.answer import Request
from k2chat.pipeline import Pipeline, get_pipeline
from k2chat.settings import Settings
from k2chat.state import ConversationState, forms_in
from k2chat.text import STOPWORDS, clean_question
from k2chat.types import Answer

__all__ = ["Chat", "Turn", "resolve_followup", "is_followup", "lead_quote"]

_FOLLOWUP_START = re.compile(
    r"^(and|but|also|so|then|what about|how about|what if|same for|is that|is it|are they|"
    r"does it|does that|do they|can it|will it|should it|why|how come|ok|okay|what else)\b",
    re.IGNORECASE,
)
_PRONOUN = re.compile(r"\b(it|its|that|this|they|them|those|these|there)\b", re.IGNORECASE)
_ENTITY = re.compile(
    r"\b(mk[\s-]?\d+|menaquinone[\s-]?\d+|k[\s-]?[12]|vitamin k[12]?|phylloquinone|warfarin|"
    r"coumadin|osteoporosis|osteopenia)\b",
    re.IGNORECASE,
)
# A unit named with no form or amount ("mcg or mg?", "micrograms or milligrams?") asks about
# the figures of the previous answer.
_UNIT = re.compile(r"\b(mcg|mg|micrograms?|milligrams?|µg|ug|iu|units?)\b", re.IGNORECASE)
_FORM = re.compile(r"\b(mk[\s-]?\d+|menaquinone[\s-]?\d+|k[\s-]?[12])\b", re.IGNORECASE)
# Words that say what the earlier question wanted, not what it was about.
_INTENT = frozenset(
    "much many long dose doses dosage dosing take taking used use work works working safe "
    "often need needed recommended best good bad okay should daily day best right".split()
)


def is_followup(question: str) -> bool:
    """Does the question lean on an earlier turn ("And for MK-4?", "Is that safe?")?"""
    q = question.strip()
    words = [w for w in re.findall(r"[\w-]+", q.lower()) if w not in STOPWORDS]
    if _FOLLOWUP_START.match(q):
        return True
    if len(words) <= 2 and not _ENTITY.search(q):
        return True
    if _UNIT.search(q) and not _ENTITY.search(q) and not re.search(r"\d", q):
        return True
    return bool(_PRONOUN.search(q)) and not _ENTITY.search(q)


def resolve_followup(question: str, previous: str | None) -> str | None:
    """The question made self-contained with the earlier turn's topic, or None if it is."""
    if not previous or not is_followup(question):
        return None
    new_forms = _FORM.findall(question)
    old_forms = _FORM.findall(previous)
    if new_forms and old_forms:
        # "And for MK-4?" after "How much MK-7 ...?" asks the same about MK-4.
        base = _FORM.sub(new_forms[0], previous)
        rest = _FORM.sub(" ", _FOLLOWUP_START.sub(" ", question))
        return clean_question(f"{base} {rest}")
    asked = {w.lower() for w in re.findall(r"[\w-]+", question)}
    carry = [
        w for w in re.findall(r"[\w-]+", previous)
        if w.lower() not in STOPWORDS and w.lower() not in _INTENT and w.lower() not in asked
    ]
    return clean_question(f"{question} {' '.join(dict.fromkeys(carry))}")


_FORM_NAMES = {"mk4": "MK-4", "mk7": "MK-7"}


def lead_quote(answer: Answer | None) -> str | None:
    """The quote an answer was about, for the conversation's subject: its first quote that
    names a K2 form, else its first quote."""
    if answer is None or not answer.citations:
        return None
    quotes = [c.quote for c in answer.citations]
    return next((q for q in quotes if forms_in(q)), quotes[0])


@dataclass(frozen=True)
class Turn:
    question: str
    search_query: str  # what was searched: the question, resolved when it was a follow-up
    answer: Answer | None = None


class Chat:
    """A conversation. ``chat.ask(q)`` answers like :func:`k2chat.ask` but remembers turns.

    ``history`` takes earlier questions (for example from a chat UI) without answering them.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        history: Iterable[str] = (),
        *,
        pipeline: Pipeline | None = None,
    ) -> None:
        self._settings = settings
        self._pipeline = pipeline
        self._turns: list[Turn] = []
        self._state = ConversationState()
        self._lock = threading.Lock()
        for question in history:
            cleaned = clean_question(question)
            self._turns.append(Turn(cleaned, self._resolve(cleaned)))
            self._state = self._state.after(cleaned)

    @property
    def turns(self) -> tuple[Turn, ...]:
        return tuple(self._turns)

    @property
    def state(self) -> ConversationState:
        """What the conversation has established (plain data; ``state.to_dict()`` is JSON)."""
        return self._state

    def _resolve(self, question: str) -> str:
        previous = self._turns[-1].search_query if self._turns else None
        resolved = resolve_followup(question, previous)
        if resolved is None:
            return question
        form = self._state.form
        if form and not forms_in(resolved):  # "is that mcg or mg?" after an MK-7 answer
            resolved = f"{resolved} {_FORM_NAMES.get(form, form)}"
        return resolved

    def ask(self, question: str) -> Answer:
        pipeline = self._pipeline or get_pipeline(self._settings)
        with self._lock:
            cleaned = clean_question(question)
            search_query = self._resolve(cleaned)
            shown = frozenset(c.quote for t in self._turns if t.answer for c in t.answer.citations)
            answer = pipeline.answer(
                Request(question, search_query, in_conversation=bool(self._turns),
                        already_quoted=shown, on_blood_thinner=self._state.on_blood_thinner,
                        state=self._state)
            )
            # Facts a reader states count even in a turn that is not answered; the subject
            # follows answered turns only.
            self._state = self._state.after(cleaned, lead_quote(answer))
            if answer.grounded or answer.emergency:
                self._turns.append(Turn(cleaned, search_query, answer))
            return answer

    def restore(self, turns: Iterable[tuple[str, str | None, Answer]]) -> None:
        """Continue a conversation kept elsewhere (the signed conversation a client sends
        back): ``turns`` are (question as asked, what it searched for or None when the
        conversation's memory did not take it, the answer given), oldest first. Nothing is
        asked again; the turns and the state are what :meth:`ask` would have left."""
        kept = [(clean_question(q), s, a) for q, s, a in turns]
        with self._lock:
            self._turns = [Turn(q, s, a) for q, s, a in kept if s is not None]
            self._state = ConversationState.from_turns((q, lead_quote(a)) for q, _, a in kept)

    def reset(self) -> None:
        with self._lock:
            self._turns.clear()
            self._state = ConversationState()

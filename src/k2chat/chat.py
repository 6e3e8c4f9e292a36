"""Conversations: follow-up questions are resolved against earlier turns before retrieval, and
what the turns established (the subject, the reader's stated facts) is kept as data
(:class:`k2chat.chain.state.ConversationState`) and passed down the chain with each question."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace

from k2chat.chain.answer import Request
from k2chat.chain.followup import resolve_followup
from k2chat.chain.state import ConversationState, forms_in
from k2chat.errors import CorpusError
from k2chat.pipeline import Pipeline, get_pipeline
from k2chat.settings import Settings
from k2chat.store.profile import CorpusProfile, load_profile
from k2chat.text import clean_question
from k2chat.types import Answer
from k2chat.vocabulary import Vocabulary

__all__ = ["Chat", "Turn", "lead_quote"]


def lead_quote(answer: Answer | None, forms: frozenset[str] = frozenset()) -> str | None:
    """The quote an answer was about, for the conversation's subject: its first quote that
    names one of ``forms`` (the articles' forms, ``Vocabulary.forms``), else its first quote."""
    if answer is None or not answer.citations:
        return None
    quotes = [c.quote for c in answer.citations]
    return next((q for q in quotes if forms_in(q, forms)), quotes[0])


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
        # what the state was built from, (question, lead quote or None) oldest first: it is
        # built again once the pipeline's safety files say what more the groups remember
        self._said: list[tuple[str, str | None]] = []
        self._state = self._fresh_state()
        self._lock = threading.Lock()
        for question in history:
            cleaned = clean_question(question)
            self._turns.append(Turn(cleaned, self._resolve(cleaned)))
            self._state = self._state.after(cleaned)
            self._said.append((cleaned, None))

    @property
    def turns(self) -> tuple[Turn, ...]:
        return tuple(self._turns)

    @property
    def state(self) -> ConversationState:
        """What the conversation has established (plain data; ``state.to_dict()`` is JSON)."""
        return self._state

    def _resolve(self, question: str) -> str:
        previous = self._turns[-1].search_query if self._turns else None
        resolved = resolve_followup(question, previous, self._vocabulary())
        if resolved is None:
            return question
        form = self._state.form
        if form and not forms_in(resolved, self._state.known_forms):
            # "is that mcg or mg?" after an MK-7 answer
            resolved = f"{resolved} {self._profile().forms.get(form, form)}"
        return resolved

    def _profile(self) -> CorpusProfile:
        """The articles' profiles: the forms they name, as shown ("mk7" -> "MK-7")."""
        if self._pipeline is not None:
            return self._pipeline.profile
        return load_profile((self._settings or Settings.from_env()).corpus_dir)

    def _vocabulary(self) -> Vocabulary:
        """The articles' words (form and subject names); none while the corpus cannot be
        read (asking then says why)."""
        if self._pipeline is not None:
            return self._pipeline.retriever.vocabulary
        try:
            return self._profile().vocabulary
        except CorpusError:
            return Vocabulary()

    def _fresh_state(self) -> ConversationState:
        """A conversation's state before its first turn: it knows the articles' forms. A
        corpus that cannot be read yet knows none here; asking says why (CorpusError)."""
        try:
            return ConversationState(
                known_forms=frozenset(self._profile().forms),
                more_words=self._pipeline.state_words if self._pipeline is not None else ())
        except CorpusError:
            return ConversationState()

    def ask(self, question: str) -> Answer:
        pipeline = self._pipeline or get_pipeline(self._settings)
        with self._lock:
            if not self._state.known_forms and pipeline.profile.forms:  # the corpus came later
                self._state = replace(self._state,
                                      known_forms=frozenset(pipeline.profile.forms))
            if self._state.more_words != pipeline.state_words:  # (so did its safety files:
                # what was said before is read again with their words, a restored
                # conversation's "I have nephropathy" too)
                self._state = ConversationState.from_turns(
                    self._said, self._state.known_forms, pipeline.state_words)
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
            lead = lead_quote(answer, self._state.known_forms)
            self._state = self._state.after(cleaned, lead)
            self._said.append((cleaned, lead))
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
            forms = self._state.known_forms
            self._said = [(q, lead_quote(a, forms)) for q, _, a in kept]
            self._state = ConversationState.from_turns(self._said, forms, self._state.more_words)

    def reset(self) -> None:
        with self._lock:
            self._turns.clear()
            self._said.clear()
            self._state = self._fresh_state()

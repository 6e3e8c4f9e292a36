"""The chat's conversations, kept by the client as signed envelopes, not by the server.

Each reply carries the whole conversation sealed with the server's key
(:mod:`k2chat.serve.signing`): the questions, what each one searched for (so a follow-up
resolves the same way) and the
answers the server gave. The client sends it back with the next question or vote; any instance
with the same key opens it, so a restart, a deploy or a second instance loses nothing and needs
no sticky sessions. Nobody can forge or alter a turn (the signature covers every byte), and a
vote names a turn by its place, so the answer recorded is always one the server gave.

Bounds: at most :data:`MAX_TURNS` stored turns (past it the reply asks for a new conversation
and stores nothing), questions are stored cut to the question limit, and an envelope is
refused unread beyond :data:`MAX_ENVELOPE_CHARS` (or :data:`MAX_STATE_BYTES` once opened).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from k2chat.chain.safety import too_long_message
from k2chat.chat import Chat
from k2chat.errors import K2ChatError
from k2chat.serve.signing import Sealer, SealError, load_key
from k2chat.settings import Settings
from k2chat.text import markdown_escape
from k2chat.textgate import readable
from k2chat.types import Answer, Citation

__all__ = ["Conversation", "StoredTurn", "ConversationStore", "MAX_TURNS", "LONG_CONVERSATION",
           "MAX_ENVELOPE_CHARS", "MAX_STATE_BYTES"]

log = logging.getLogger(__name__)

MAX_TURNS = 100  # turns one conversation stores (bounds what every reply and request carries)
LONG_CONVERSATION = ("This conversation is long (100 questions). Please start a new "
                     "conversation to ask more.")
# Bounds of an envelope, under the server's 1 MiB body limit (guard.py). Measured: 100 turns of
# the evaluation questions are 136 kB of JSON, 17 kB sealed; 100 turns of 2,000 random letters
# each, 731 kB and 230 kB. A turn that would seal past MAX_ENVELOPE_CHARS (possible only with
# long, incompressible, non-ASCII questions) is not stored: the reply asks for a new conversation.
MAX_ENVELOPE_CHARS = 600_000
MAX_STATE_BYTES = 4 * 1024 * 1024
_FORMAT = 1


@dataclass(frozen=True)
class StoredTurn:
    """One answered question: as typed (cut to the limit), what it searched for (None when the
    conversation's memory did not take it, as for a refusal), and the server's answer."""

    question: str
    search_query: str | None
    answer: Answer


def _answer_to_json(answer: Answer) -> list[Any]:
    return [answer.question, answer.text, answer.grounded, answer.emergency,
            [list(dataclasses.astuple(c)) for c in answer.citations], list(answer.related)]


def _answer_from_json(raw: list[Any]) -> Answer:
    # A turn signed before related questions existed has five fields.
    question, text, grounded, emergency, citations, *rest = raw
    related = tuple(str(q) for q in rest[0]) if rest else ()
    return Answer(str(question), str(text), tuple(Citation(*c) for c in citations),
                  grounded=bool(grounded), emergency=bool(emergency), related=related)


class Conversation:
    """One conversation: its id (for votes), its turns, and a :class:`Chat` holding the same
    turns, so follow-ups are resolved as in one long-lived process."""

    def __init__(self, settings: Settings, turns: list[StoredTurn] | None = None,
                 id: str | None = None) -> None:
        self.settings = settings
        self.id = id or secrets.token_urlsafe(12)
        self.turns: list[StoredTurn] = list(turns or [])
        self.chat = Chat(settings)
        # Chat's memory (its answered turns and the conversation's state) from the stored
        # turns, so nothing is re-asked and any instance answers as the first would.
        self.chat.restore((t.question, t.search_query, t.answer) for t in self.turns)

    @property
    def full(self) -> bool:
        return len(self.turns) >= MAX_TURNS

    def ask(self, question: str) -> Answer:
        """Answer ``question`` in this conversation and store the turn (unless it is full)."""
        question = readable(question)  # k2chat.textgate: a lone surrogate cannot be sealed or shown
        limit = self.settings.max_question_chars
        if len(question) > limit:
            # The library's own refusal, before any work on an oversized text.
            answer = Answer(question[:200], too_long_message(limit), grounded=False)
        elif self.full:
            return Answer(question[:200], LONG_CONVERSATION, grounded=False)
        else:
            answer = _answer(self.chat, question)
        if self.full:
            return answer
        memory = self.chat.turns
        remembered = memory[-1].search_query if memory and memory[-1].answer is answer else None
        self.turns.append(StoredTurn(question[:limit], remembered, answer))
        return answer

    def turn_at(self, index: int) -> tuple[int, Answer] | None:
        """The turn number and answer shown at message ``index`` of the page, if any."""
        at = 0
        for number, turn in enumerate(self.turns):
            size = 1 + (3 if turn.answer.citations else 2)
            if at <= index < at + size:
                return number, turn.answer
            at += size
        return None

    def to_json(self) -> bytes:
        turns = [[t.question, t.search_query, _answer_to_json(t.answer)] for t in self.turns]
        return json.dumps({"v": _FORMAT, "id": self.id, "turns": turns},
                          separators=(",", ":")).encode("ascii")  # ASCII: even a lone surrogate

    @classmethod
    def from_json(cls, settings: Settings, data: bytes) -> Conversation:
        raw = json.loads(data)
        if raw.get("v") != _FORMAT:
            raise ValueError("another format")
        turns = [StoredTurn(str(q), None if s is None else str(s), _answer_from_json(a))
                 for q, s, a in raw["turns"][:MAX_TURNS]]
        return cls(settings, turns, id=str(raw["id"]))


def _answer(chat: Chat, question: str) -> Answer:
    try:
        return chat.ask(question)
    except K2ChatError as exc:
        text = f"k2chat cannot answer right now: {markdown_escape(str(exc))}"
    except Exception:
        log.exception("Unexpected error while answering")
        text = "Something went wrong while answering. Please try again."
    return Answer(question[:200], text, grounded=False)


class ConversationStore:
    """Opens and seals conversations with this server's key (see the module's docstring)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        key = load_key(settings.data_dir, settings.conversation_key)
        self.sealer = Sealer(key, MAX_ENVELOPE_CHARS, MAX_STATE_BYTES)

    def new(self) -> Conversation:
        return Conversation(self.settings)

    def open(self, envelope: object) -> Conversation | None:
        """The conversation sealed in ``envelope``; None when empty or not one of ours."""
        if envelope is None or envelope == "":
            return None
        try:
            return Conversation.from_json(self.settings, self.sealer.open(envelope))
        except SealError as exc:
            log.info("A conversation was refused: %s", exc)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            # Signed by our key but not readable: a format from another version.
            log.warning("A signed conversation could not be read (%s)", type(exc).__name__)
        return None

    def seal(self, conversation: Conversation) -> str:
        return self.sealer.seal(conversation.to_json())

    def ask(self, conversation: Conversation, question: str
            ) -> tuple[Answer, bool, str]:
        """Ask in ``conversation``: the answer, whether the turn was stored, and the sealed
        conversation (a turn that would make it too large is taken back, not stored)."""
        before = len(conversation.turns)
        answer = conversation.ask(question)
        sealed = self.seal(conversation)
        if len(conversation.turns) > before and len(sealed) > MAX_ENVELOPE_CHARS:
            conversation.turns.pop()
            # rebuilt from the stored turns, without the last one
            conversation.chat.restore((t.question, t.search_query, t.answer)
                                      for t in conversation.turns)
            answer = Answer(question[:200], LONG_CONVERSATION, grounded=False)
            sealed = self.seal(conversation)
        return answer, len(conversation.turns) > before, sealed

    def browser_secret(self) -> str:
        """The secret gr.BrowserState encrypts the page's copy with: the same on every instance
        sharing the key, so a page reloaded from another instance (or after a restart) reads its
        copy back (a random one per start made localStorage unreadable after a restart)."""
        return self.sealer.derive("browser-state")[:32]

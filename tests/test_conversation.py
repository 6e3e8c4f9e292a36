"""Conversations kept by the client, signed by the server: what one server seals another with
the same key opens and continues; nothing altered, forged or oversized is ever opened."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from k2chat.chat import Chat
from k2chat.serve.conversation import LONG_CONVERSATION, MAX_TURNS, Conversation, ConversationStore
from k2chat.serve.signing import KEY_FILE, Sealer, SealError, load_key
from k2chat.types import Answer

MK7 = "How much MK-7 is used for osteoporosis?"
FOLLOW_UP = "Is that mcg or mg?"  # resolved against the MK-7 turn; alone it asks of no form


def test_a_conversation_sealed_by_one_store_continues_in_another(settings, pipeline) -> None:  # type: ignore[no-untyped-def]
    """Two stores on one data folder (two instances): the follow-up is resolved from the turn
    the other one answered, exactly as one long-lived Chat resolves it."""
    chat = Chat(pipeline=pipeline)
    chat.ask(MK7)
    expected = chat.ask(FOLLOW_UP)
    alone = Chat(pipeline=pipeline).ask(FOLLOW_UP)
    assert expected.text != alone.text  # else this test could not tell them apart

    first, second = ConversationStore(settings), ConversationStore(settings)
    conversation = first.new()
    conversation.ask(MK7)
    envelope = first.seal(conversation)
    reopened = second.open(envelope)
    assert reopened is not None and reopened.id == conversation.id
    assert second.open(envelope) is not None  # opening does not use it up
    assert reopened.ask(FOLLOW_UP).text == expected.text
    assert [t.question for t in reopened.turns] == [MK7, FOLLOW_UP]


def test_the_key_is_made_once_and_shared_through_the_data_folder(tmp_path: Path) -> None:
    key = load_key(tmp_path)
    assert load_key(tmp_path) == key and len(key) == 32
    assert (os.stat(tmp_path / KEY_FILE).st_mode & 0o777) == 0o600
    assert load_key(tmp_path, "a configured secret") != key  # the setting wins
    configured = "a configured secret"
    assert load_key(tmp_path, configured) == load_key(tmp_path / "elsewhere", configured)


def test_a_read_only_data_folder_still_serves(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as a user who can write anywhere")
        assert len(load_key(folder)) == 32  # a key for this process only
    finally:
        folder.chmod(0o700)


@pytest.mark.parametrize("change", ["body", "mac", "truncate", "other key", "not text", "huge",
                                    "no dot", "non-ascii"])
def test_altered_or_foreign_envelopes_are_refused(change: str) -> None:
    sealer = Sealer(b"k" * 32, max_chars=10_000, max_bytes=100_000)
    envelope = sealer.seal(b'{"v": 1}')
    body, mac = envelope.split(".")
    altered: object = {
        "body": ("A" if body[0] != "A" else "B") + body[1:] + "." + mac,
        "mac": body + "." + ("A" if mac[0] != "A" else "B") + mac[1:],
        "truncate": envelope[:-3],
        "other key": Sealer(b"x" * 32, 10_000, 100_000).seal(b'{"v": 1}'),
        "not text": 12,
        "huge": "A" * 10_001 + "." + mac,
        "no dot": body + mac,
        "non-ascii": body + "é." + mac,
    }[change]
    assert sealer.open(envelope) == b'{"v": 1}'
    with pytest.raises(SealError):
        sealer.open(altered)


def test_a_sealed_bomb_is_not_inflated_past_the_bound() -> None:
    sealer = Sealer(b"k" * 32, max_chars=10_000, max_bytes=1_000)
    with pytest.raises(SealError):
        sealer.open(sealer.seal(b"x" * 1_000_000))


def test_the_store_opens_nothing_it_did_not_seal(settings) -> None:  # type: ignore[no-untyped-def]
    store = ConversationStore(settings)
    for junk in (None, "", "abc", "a.b", 5, ["x"], {"a": 1}):
        assert store.open(junk) is None
    # Signed with the right key but not a conversation: refused, not a crash.
    assert store.open(store.sealer.seal(b"[1, 2]")) is None
    assert store.open(store.sealer.seal(b"not json")) is None


def test_stored_turns_stop_at_the_cap(monkeypatch, settings) -> None:  # type: ignore[no-untyped-def]
    """Past MAX_TURNS nothing is asked or stored: the reply offers a new conversation, and the
    envelope stops growing."""
    asked: list[str] = []

    def counted(self: Chat, question: str) -> Answer:
        asked.append(question)
        return Answer(question, "A")

    monkeypatch.setattr(Chat, "ask", counted)
    store = ConversationStore(settings)
    conversation = store.new()
    for i in range(MAX_TURNS):
        conversation.ask(f"q{i}")
    size = len(store.seal(conversation))
    for i in range(3):
        last = conversation.ask(f"more {i}")
    assert len(asked) == MAX_TURNS and len(conversation.turns) == MAX_TURNS
    assert last.text == LONG_CONVERSATION
    assert len(store.seal(conversation)) == size


def test_no_envelope_is_sealed_past_its_bound(monkeypatch, settings) -> None:  # type: ignore[no-untyped-def]
    """Long, incompressible questions fill the envelope before MAX_TURNS: the turn that would
    cross MAX_ENVELOPE_CHARS is not stored and the reply asks for a new conversation."""
    import random

    from k2chat.serve import conversation as module

    monkeypatch.setattr(module, "MAX_ENVELOPE_CHARS", 20_000)  # reached in a few turns
    rnd = random.Random(7)
    store = ConversationStore(settings)
    conversation = store.new()
    answers, sizes = [], []
    for _ in range(20):
        question = "".join(chr(rnd.randrange(0x4E00, 0x9FFF)) for _ in range(1_500))
        answer, stored, sealed = store.ask(conversation, question)
        answers.append(answer.text)
        sizes.append(len(sealed))
        if not stored:
            break
    assert answers[-1] == LONG_CONVERSATION and max(sizes) <= 20_000
    assert store.open(sealed) is not None and len(conversation.turns) == len(answers) - 1


def test_votes_name_turns_by_their_place(settings, pipeline) -> None:  # type: ignore[no-untyped-def]
    conversation = Conversation(settings)
    a1 = conversation.ask(MK7)
    a2 = conversation.ask("How long does it take to work?")
    first_size = 1 + (3 if a1.citations else 2)
    second_size = 1 + (3 if a2.citations else 2)
    for index in range(first_size + second_size):
        found = conversation.turn_at(index)
        assert found is not None
        assert found == ((0, a1) if index < first_size else (1, a2))
    assert conversation.turn_at(first_size + second_size) is None
    assert conversation.turn_at(-1) is None

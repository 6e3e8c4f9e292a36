"""The running Gradio app answers through gradio_client with sources and the disclaimer; the
UI's own helpers keep questions as typed and record feedback for the right turn."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio_client import Client

import k2chat
from k2chat import ui
from k2chat.chat import Chat
from k2chat.errors import IndexNotBuiltError
from k2chat.feedback import record_feedback
from k2chat.safety import too_long_message
from k2chat.types import Answer

server = pytest.mark.server


def _contents(result: Any) -> list[str]:
    return [m["content"] if isinstance(m["content"], str) else json.dumps(m["content"])
            for m in result]


def _titles(result: Any) -> list[str]:
    return [(m.get("metadata") or {}).get("title", "") for m in result]


@server
def test_api_answers_with_sources_and_disclaimer(server: str) -> None:
    client = Client(server, verbose=False)
    result = client.predict("How much MK-7 is used for osteoporosis?", api_name="/ask")
    contents = _contents(result)
    assert "180–200 mcg" in contents[0] and "[1]" in contents[0]
    sources = [m for m, title in zip(result, _titles(result), strict=True)
               if title.startswith("Sources")]
    assert sources and "Section 2" in sources[0]["content"]
    assert k2chat.DISCLAIMER in contents[-1]


@server
def test_api_keeps_each_client_session_separate(server: str) -> None:
    a, b = Client(server, verbose=False), Client(server, verbose=False)
    a.predict("How much MK-7 is used for osteoporosis?", api_name="/ask")
    follow = _contents(a.predict("How long does it take to work?", api_name="/ask"))[0]
    assert "within weeks" in follow or "over years" in follow
    fresh = _contents(b.predict("How long does it take to work?", api_name="/ask"))
    assert k2chat.DISCLAIMER in fresh[-1]


@server
def test_an_api_conversation_is_its_client_session(server: str, settings) -> None:  # type: ignore[no-untyped-def]
    """A follow-up is answered in its own session's conversation, and reset_session() starts a
    new one: the answers are those of a local Chat asked the same questions in turn."""
    first, follow = "How much MK-7 is used for osteoporosis?", "And for MK-4?"
    chat = Chat(settings)
    chat.ask(first)
    in_conversation = chat.ask(follow).body_markdown()
    alone = Chat(settings).ask(follow).body_markdown()
    assert in_conversation != alone  # else the check below could not tell them apart
    client = Client(server, verbose=False)
    client.predict(first, api_name="/ask")
    assert _contents(client.predict(follow, api_name="/ask"))[0] == in_conversation
    client.reset_session()
    assert _contents(client.predict(follow, api_name="/ask"))[0] == alone


@server
def test_out_of_scope_through_the_api_has_no_sources(server: str) -> None:
    result = Client(server, verbose=False).predict("Who won the 2022 World Cup?", api_name="/ask")
    assert not [title for title in _titles(result) if title]
    assert "does not cover" in _contents(result)[0]
    assert k2chat.DISCLAIMER in _contents(result)[-1]


@server
def test_api_answers_in_one_step(server: str) -> None:
    """The finished answer is sent once (no word-by-word steps that cost server CPU)."""
    job = Client(server, verbose=False).submit(
        "How much MK-7 is used for osteoporosis?", api_name="/ask")
    final = job.result(timeout=300)
    assert len(job.outputs()) == 1
    assert "180–200 mcg" in _contents(final)[0]
    assert k2chat.DISCLAIMER in _contents(final)[-1]


@server
def test_api_enforces_the_question_limit_in_the_handler(server: str, settings) -> None:  # type: ignore[no-untyped-def]
    """A direct API call skips the textbox's max_length; the handler still refuses."""
    result = Client(server, verbose=False).predict("vitamin K2 " * 10_000, api_name="/ask")
    contents = _contents(result)
    assert contents[0] == too_long_message(settings.max_question_chars)
    assert k2chat.DISCLAIMER in contents[-1]
    assert "Traceback" not in "".join(contents)


@server
@pytest.mark.parametrize("question", [
    "<img src=x onerror=alert(1)> How much MK-7?",
    "[click](javascript:alert(1)) **K2** `code` | table | $$x$$",
    "",
    "\x00\u202e\u200b emoji 🦴 مرحبا",
])
def test_api_answers_odd_input_with_the_disclaimer(server: str, question: str) -> None:
    contents = _contents(Client(server, verbose=False).predict(question, api_name="/ask"))
    assert contents[0].strip()
    assert k2chat.DISCLAIMER in contents[-1]
    assert "Traceback" not in "".join(contents)


@server
def test_api_survives_a_lone_surrogate(server: str) -> None:
    """JSON may carry a lone surrogate that no client library would send; it is answered."""
    base = server.rstrip("/")
    body = b'{"data": ["\\ud800\\u0000 How much MK-7 is used for osteoporosis?"]}'
    with httpx.Client(timeout=120) as http:
        started = http.post(f"{base}/gradio_api/call/ask", content=body,
                            headers={"content-type": "application/json"})
        assert started.status_code == 200
        stream = http.get(f"{base}/gradio_api/call/ask/{started.json()['event_id']}").text
    assert "event: complete" in stream and "Traceback" not in stream
    final = json.loads(stream.split("event: complete\ndata: ")[1].splitlines()[0])[0]
    assert k2chat.DISCLAIMER in final[-1]["content"]


# --- The UI's helpers (no server needed) ------------------------------------------------------

@pytest.mark.parametrize("text", [
    "plain", r"a\b", "<img src=x onerror=alert(1)>", "[a](b) *c* _d_ `e` #f |g| ~h~ $i$ \\[",
])
def test_questions_come_back_as_typed(text: str) -> None:
    shown = ui._as_text(text, 2000)
    assert ui._unescape(shown) == text


def test_shown_questions_are_cut_to_the_limit() -> None:
    shown = ui._as_text("x" * 5000, 2000)
    assert len(shown) == 2001 and shown.endswith("…")


def test_votes_find_the_turn_the_server_answered(settings, pipeline) -> None:  # type: ignore[no-untyped-def]
    """Every message index of a turn names that turn's answer; other indices name none."""
    q1, q2 = "How much MK-7 is used for osteoporosis?", "How long does it take to work?"
    chat = Chat(pipeline=pipeline)
    a1, a2 = chat.ask(q1), chat.ask(q2)
    conversation = ui.Conversation(settings)
    conversation.ask(settings, q1)
    conversation.ask(settings, q2)
    messages = conversation.messages({}, settings.max_question_chars)
    first_size = 1 + (3 if a1.citations else 2)
    for index in range(len(messages)):
        found = conversation.turn_at(index)
        assert found is not None
        expected = a1 if index < first_size else a2
        assert found.text == expected.text and found.chunk_ids == expected.chunk_ids
    assert conversation.turn_at(len(messages)) is None
    assert conversation.turn_at(-1) is None
    assert ui.Conversation(settings).turn_at(0) is None  # a vote in a conversation never held


def test_an_oversized_question_is_refused_before_any_work(monkeypatch, settings) -> None:  # type: ignore[no-untyped-def]
    def no_work(*args: object) -> Answer:
        raise AssertionError("the pipeline was asked")

    monkeypatch.setattr(Chat, "ask", no_work)
    conversation = ui.Conversation(settings)
    answer = conversation.ask(settings, "x" * (settings.max_question_chars + 1))
    assert answer.text == too_long_message(settings.max_question_chars)
    assert len(conversation.turns[0][0]) == settings.max_question_chars  # kept capped
    messages = conversation.messages({}, settings.max_question_chars)
    assert len(messages[0]["content"]) <= settings.max_question_chars + 1


def test_a_conversation_is_capped_in_turns(monkeypatch, settings) -> None:  # type: ignore[no-untyped-def]
    asked: list[str] = []

    def counted(self: Chat, question: str) -> Answer:
        asked.append(question)
        return Answer(question, "A")

    monkeypatch.setattr(Chat, "ask", counted)
    conversation = ui.Conversation(settings)
    for i in range(ui.MAX_TURNS + 3):
        last = conversation.ask(settings, f"q{i}")
    assert len(asked) == ui.MAX_TURNS
    assert last.text == ui.LONG_CONVERSATION


def test_source_cards_escape_the_section_and_mark_the_quote(settings, pipeline) -> None:  # type: ignore[no-untyped-def]
    answer = Chat(pipeline=pipeline).ask("How much MK-7 is used for osteoporosis?")
    sections = ui._sections(settings)
    shown = ui._sources_html(answer, 0, sections)
    first = answer.citations[0]
    assert shown.count('class="k2-card"') == len(answer.citations)
    assert f"Section {first.section}. " in shown and "<mark>" in shown
    evil = ui._highlighted("a <script>x</script> b", ("b",))
    assert evil == "a &lt;script&gt;x&lt;/script&gt; <mark>b</mark>"


def test_respond_turns_errors_into_friendly_answers(monkeypatch, settings) -> None:  # type: ignore[no-untyped-def]
    def broken(*args: object) -> Answer:
        raise RuntimeError("secret internals")

    def not_built(*args: object) -> Answer:
        raise IndexNotBuiltError("Run `k2chat ingest` first.")

    for fail, expected in ((broken, "Something went wrong"), (not_built, "k2chat ingest")):
        monkeypatch.setattr(Chat, "ask", fail)
        last = ui.respond(settings, "How much K2?")
        text = "\n".join(m["content"] for m in last)
        assert expected in text and "secret internals" not in text
        assert k2chat.DISCLAIMER in last[-1]["content"]


@pytest.mark.parametrize(("liked", "rating"), [(True, "like"), (False, "dislike"),
                                                (None, "withdrawn")])
def test_feedback_is_one_json_line_per_vote(tmp_path: Path, liked: bool | None,
                                            rating: str) -> None:
    answer = Answer("Q?", "A [1]", citations=())
    path = tmp_path / "sub" / "feedback.jsonl"
    record_feedback(path, liked, answer)
    record_feedback(path, liked, answer)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    record = json.loads(lines[0])
    assert record["rating"] == rating and record["question"] == "Q?"
    assert record["answer"] == "A [1]" and record["chunk_ids"] == []
    assert ui._rating(liked if liked is not None else "") is liked

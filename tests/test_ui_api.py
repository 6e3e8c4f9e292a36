"""The running Gradio app answers through gradio_client with sources and the disclaimer; the
UI's own helpers keep questions as typed and record feedback for the right turn."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio_client import Client

import k2chat
from k2chat.chain.safety import too_long_message
from k2chat.chat import Chat
from k2chat.errors import IndexNotBuiltError
from k2chat.serve import render, ui
from k2chat.serve.conversation import LONG_CONVERSATION, MAX_TURNS, Conversation, ConversationStore
from k2chat.serve.feedback import record_feedback
from k2chat.store.profile import load_profile
from k2chat.types import Answer, Citation, Section

server = pytest.mark.server


def _contents(result: Any) -> list[str]:
    return [m["content"] if isinstance(m["content"], str) else json.dumps(m["content"])
            for m in result]


def _titles(result: Any) -> list[str]:
    return [(m.get("metadata") or {}).get("title", "") for m in result]


def _ask(client: Client, question: str, conversation: str = "") -> tuple[Any, str]:
    """One /ask call: the messages and the conversation to send with the next question."""
    messages, sealed = client.predict(question, conversation, api_name="/ask")
    return messages, sealed


@server
def test_api_answers_with_sources_and_disclaimer(server: str) -> None:
    client = Client(server, verbose=False)
    result, conversation = _ask(client, "How much MK-7 is used for osteoporosis?")
    contents = _contents(result)
    assert "180–200 mcg" in contents[0] and "[1]" in contents[0]
    sources = [m for m, title in zip(result, _titles(result), strict=True)
               if title.startswith("Sources")]
    assert sources and "Section 2" in sources[0]["content"]
    assert k2chat.DISCLAIMER in contents[-1]
    assert conversation and isinstance(conversation, str)


@server
def test_the_question_alone_is_a_new_conversation(server: str) -> None:
    """The conversation parameter is optional: an old client's one-argument call still works."""
    result, conversation = Client(server, verbose=False).predict(
        "How much MK-7 is used for osteoporosis?", api_name="/ask")
    assert "180–200 mcg" in _contents(result)[0] and conversation


FIRST, FOLLOW = "How much MK-7 is used for osteoporosis?", "Is that mcg or mg?"


@pytest.fixture(scope="module")
def follow_ups(settings) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """The follow-up's body in the conversation and alone (a local Chat asked in turn)."""
    chat = Chat(settings)
    chat.ask(FIRST)
    in_conversation = chat.ask(FOLLOW).body_markdown()
    alone = Chat(settings).ask(FOLLOW).body_markdown()
    assert in_conversation != alone  # else the checks could not tell them apart
    return in_conversation, alone


@server
def test_an_api_conversation_is_the_envelope_sent_back(server: str, follow_ups) -> None:  # type: ignore[no-untyped-def]
    """A follow-up is answered in the conversation it sends back; without it, alone."""
    in_conversation, alone = follow_ups
    client = Client(server, verbose=False)
    _, conversation = _ask(client, FIRST)
    assert _contents(_ask(client, FOLLOW, conversation)[0])[0] == in_conversation
    assert _contents(_ask(client, FOLLOW)[0])[0] == alone


@server
def test_reusing_a_session_hash_does_not_continue_its_conversation(server: str, follow_ups) -> None:  # type: ignore[no-untyped-def]
    """Issue 22 #15: a stranger who sends someone's session hash gets a new conversation."""
    _, alone = follow_ups
    base = server.rstrip("/")
    with httpx.Client(timeout=300) as http:
        def call(question: str, conversation: str, session: str) -> Any:
            started = http.post(f"{base}/gradio_api/call/ask",
                                json={"data": [question, conversation], "session_hash": session})
            assert started.status_code == 200
            stream = http.get(f"{base}/gradio_api/call/ask/{started.json()['event_id']}").text
            return json.loads(stream.split("event: complete\ndata: ")[1].splitlines()[0])

        call(FIRST, "", "victimsession01")
        stranger = call(FOLLOW, "", "victimsession01")
    assert stranger[0][0]["content"] == alone


@server
def test_a_forged_or_altered_conversation_is_refused(server: str) -> None:
    from gradio_client.exceptions import AppError

    client = Client(server, verbose=False)
    _, conversation = _ask(client, FIRST)
    body, mac = conversation.split(".")
    # one character changed in the middle of the body, where all six bits count (the last
    # characters' low bits are padding: "AA" in place of the last two decoded to the same
    # bytes about once in 256 runs, and the test failed once)
    i = len(body) // 2
    altered = body[:i] + ("B" if body[i] != "B" else "C") + body[i + 1:]
    for forged in (altered + "." + mac, "eyJ2IjoxfQ.AAAA", "x" * 50):
        with pytest.raises(AppError, match="not made by this server"):
            _ask(client, FOLLOW, forged)


@server
def test_api_parameters_have_readable_names(server: str) -> None:
    """The API page and client.view_api() name the inputs `question` and `conversation`."""
    info = Client(server, verbose=False).view_api(return_format="dict", print_info=False)
    params = [p["parameter_name"] for p in info["named_endpoints"]["/ask"]["parameters"]]
    assert params == ["question", "conversation"]


@server
def test_out_of_scope_through_the_api_has_no_sources(server: str) -> None:
    result, _ = _ask(Client(server, verbose=False), "Who won the 2022 World Cup?")
    assert not [title for title in _titles(result) if title]
    assert "does not cover" in _contents(result)[0]
    assert k2chat.DISCLAIMER in _contents(result)[-1]


@server
def test_api_answers_in_one_step(server: str) -> None:
    """The finished answer is sent once (no word-by-word steps that cost server CPU)."""
    job = Client(server, verbose=False).submit(
        "How much MK-7 is used for osteoporosis?", "", api_name="/ask")
    final, _ = job.result(timeout=300)
    assert len(job.outputs()) == 1
    assert "180–200 mcg" in _contents(final)[0]
    assert k2chat.DISCLAIMER in _contents(final)[-1]


@server
def test_api_enforces_the_question_limit_in_the_handler(server: str, settings) -> None:  # type: ignore[no-untyped-def]
    """A direct API call skips the textbox's max_length; the handler still refuses."""
    result, _ = _ask(Client(server, verbose=False), "vitamin K2 " * 10_000)
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
    contents = _contents(_ask(Client(server, verbose=False), question)[0])
    assert contents[0].strip()
    assert k2chat.DISCLAIMER in contents[-1]
    assert "Traceback" not in "".join(contents)


@server
def test_api_survives_a_lone_surrogate(server: str) -> None:
    """JSON may carry a lone surrogate that no client library would send; it is answered."""
    base = server.rstrip("/")
    body = b'{"data": ["\\ud800\\u0000 How much MK-7 is used for osteoporosis?", ""]}'
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
    shown = render._as_text(text, 2000)
    assert render._unescape(shown) == text


def test_a_lone_surrogate_is_shown_as_a_question_mark(settings) -> None:  # type: ignore[no-untyped-def]
    """Issue 22 #5: a turn holding one can still be sent to the page on every later reply."""
    conversation = Conversation(settings)
    conversation.ask("How much K2 \ud800?")
    for message in render._shown(conversation, {}, settings.max_question_chars):
        message["content"].encode("utf-8")  # would raise on a surrogate


def test_shown_questions_are_cut_to_the_limit() -> None:
    shown = render._as_text("x" * 5000, 2000)
    assert len(shown) == 2001 and shown.endswith("…")


def test_votes_find_the_turn_the_page_shows(settings, pipeline) -> None:  # type: ignore[no-untyped-def]
    """Every message index of the page's messages names that turn's answer; others none."""
    q1, q2 = "How much MK-7 is used for osteoporosis?", "How long does it take to work?"
    chat = Chat(pipeline=pipeline)
    a1, a2 = chat.ask(q1), chat.ask(q2)
    conversation = Conversation(settings)
    conversation.ask(q1)
    conversation.ask(q2)
    messages = render._shown(conversation, {}, settings.max_question_chars)
    first_size = 1 + (3 if a1.citations else 2)
    for index in range(len(messages)):
        found = conversation.turn_at(index)
        assert found is not None
        number, answer = found
        expected = a1 if index < first_size else a2
        assert number == (0 if index < first_size else 1)
        assert answer.text == expected.text and answer.chunk_ids == expected.chunk_ids
    assert conversation.turn_at(len(messages)) is None
    assert Conversation(settings).turn_at(0) is None  # a vote in a conversation never held


def test_an_oversized_question_is_refused_before_any_work(monkeypatch, settings) -> None:  # type: ignore[no-untyped-def]
    def no_work(*args: object) -> Answer:
        raise AssertionError("the pipeline was asked")

    monkeypatch.setattr(Chat, "ask", no_work)
    conversation = Conversation(settings)
    answer = conversation.ask("x" * (settings.max_question_chars + 1))
    assert answer.text == too_long_message(settings.max_question_chars)
    assert len(conversation.turns[0].question) == settings.max_question_chars  # kept capped
    messages = render._shown(conversation, {}, settings.max_question_chars)
    assert len(messages[0]["content"]) <= settings.max_question_chars + 1


def test_a_full_conversation_shows_the_reply_without_storing_it(monkeypatch, settings) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(Chat, "ask", lambda self, q: Answer(q, "A"))
    conversation = Conversation(settings)
    for i in range(MAX_TURNS):
        conversation.ask(f"q{i}")
    answer, unstored, _ = ui._ask(ConversationStore(settings), conversation, "one more")
    assert answer.text == LONG_CONVERSATION and unstored == ("one more", answer)
    shown = render._shown(conversation, {}, settings.max_question_chars, unstored)
    assert LONG_CONVERSATION in shown[-2]["content"] and len(conversation.turns) == MAX_TURNS


def test_source_cards_render_the_article_and_mark_the_quote(settings, pipeline) -> None:  # type: ignore[no-untyped-def]
    answer = Chat(pipeline=pipeline).ask("How much MK-7 is used for osteoporosis?")
    sections = ui._sections(settings)
    shown = render._sources_html(answer, 0, sections)
    first = answer.citations[0]
    assert shown.count('class="k2-card"') == len(answer.citations)
    assert f"Section {first.section}. " in shown and '<mark class="k2-cited">' in shown
    assert "<ul>" in shown and "<li>" in shown and "\n- " not in shown  # lists as lists
    evil = Section("a", "A", 1, "T", "<script>x</script> [l](javascript:alert(1))\n\n"
                   "### Sub\n\n- one <b>two</b>\n- three")
    card = render._section_html(evil, Citation(1, 1, "T", "three", "c", 1.0))
    assert "<script>" not in card and "&lt;script&gt;" in card and "<a " not in card
    assert "<h4>Sub</h4>" in card and "&lt;b&gt;two&lt;/b&gt;" in card
    assert '<li><mark class="k2-cited">three</mark></li>' in card


@pytest.mark.parametrize("question", ["Can I take vitamin K2 with warfarin?",
                                      "Who won the 2022 World Cup?"])
def test_copy_carries_the_answers_markdown(settings, question: str) -> None:  # type: ignore[no-untyped-def]
    """The page's copy button gives Answer.to_markdown(), kept in the turn's last message."""
    from urllib.parse import unquote

    conversation = Conversation(settings)
    answer = conversation.ask(question)
    last = render._shown(conversation, {}, settings.max_question_chars)[-1]["content"]
    kept = re.search(r'<span class="k2-md" hidden title="([^"]*)"></span>', last)
    assert kept and unquote(kept.group(1)) == answer.to_markdown()


def test_a_refusal_offers_each_suggestion_once(settings) -> None:  # type: ignore[no-untyped-def]
    conversation = Conversation(settings)
    answer = conversation.ask("Who won the 2022 World Cup?")
    examples = load_profile(settings.corpus_dir).example_questions
    shown = render._shown(conversation, {}, settings.max_question_chars, examples=examples)
    options = [o["value"] for o in shown[-1]["options"]]
    assert options and len(set(options)) == len(options)
    page_text = "\n".join(m["content"] for m in shown[1:])
    for option in options:
        assert option not in page_text  # a button, not also a line of text
        assert option in answer.text  # the API and copy keep the text as it is


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


# --- Two `k2chat serve` processes on one data folder ------------------------------------------

@pytest.fixture(scope="module")
def two_instances(settings, pipeline, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from .serve_process import two_instances as started

    with started(settings, tmp_path_factory.mktemp("serve-logs")) as pair:
        yield pair


@server
def test_two_instances_serve_one_api_conversation_alternately(two_instances, pipeline) -> None:  # type: ignore[no-untyped-def]
    """No sticky sessions: each question goes to the other instance, and each follow-up is
    answered as one local Chat asked the same questions in turn would answer it."""
    a, b = two_instances
    questions = [FIRST, FOLLOW, "How long does it take to work?", "Is that safe with warfarin?"]
    chat = Chat(pipeline=pipeline)
    expected = [chat.ask(q).body_markdown() for q in questions]
    clients = [Client(a.url, verbose=False), Client(b.url, verbose=False)]
    conversation = ""
    for i, question in enumerate(questions):
        messages, conversation = _ask(clients[i % 2], question, conversation)
        assert _contents(messages)[0] == expected[i], f"turn {i + 1} on instance {'ab'[i % 2]}"


@server
def test_a_restart_between_two_questions_keeps_the_api_conversation(  # type: ignore[no-untyped-def]
        two_instances, follow_ups) -> None:
    in_conversation, _ = follow_ups
    a, _ = two_instances
    _, conversation = _ask(Client(a.url, verbose=False), FIRST)
    a.stop()
    a.start()
    messages, _ = _ask(Client(a.url, verbose=False), FOLLOW, conversation)
    assert _contents(messages)[0] == in_conversation


def test_the_latest_answer_offers_its_related_questions_as_buttons(settings, pipeline) -> None:  # type: ignore[no-untyped-def]
    """Answer.related become the options (buttons) of the latest answer, under a "Related
    questions" title; an earlier answer's are gone (Gradio shows the last message's only)."""
    from k2chat.related import ensure

    ensure(pipeline)
    conversation = Conversation(settings)
    first = conversation.ask("How much MK-7 is used for osteoporosis?")
    shown = render._shown(conversation, {}, settings.max_question_chars)
    assert first.related
    assert [o["value"] for o in shown[-1]["options"]] == list(first.related)
    assert render.RELATED_TITLE in shown[-1]["content"]
    second = conversation.ask("Can I take vitamin K2 with warfarin?")
    shown = render._shown(conversation, {}, settings.max_question_chars)
    assert [o["value"] for o in shown[-1]["options"]] == list(second.related)
    offered = [m for m in shown if m.get("options")]
    titled = [m for m in shown if render.RELATED_TITLE in m["content"]]
    assert offered == [shown[-1]] and titled == [shown[-1]]

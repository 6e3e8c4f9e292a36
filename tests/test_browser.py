"""The chat in a real browser: headless Debian Chromium driven by Playwright against a real
k2chat server. Each test protects one thing a person sees or does in the page."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from k2chat.answer import EXAMPLE_QUESTIONS, Request
from k2chat.chat import Chat
from k2chat.safety import BANNER, DISCLAIMER

from .conftest import REPO

pytestmark = [pytest.mark.browser, pytest.mark.server]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
ARTIFACTS = REPO / "test-artifacts"
TIMEOUT_MS = 120_000  # generous: the machine may be busy; nothing here asserts a timing

DISCLAIMER_END = DISCLAIMER.rsplit(". ", 1)[-1].rstrip(".")  # "Talk to your doctor or ..."
BANNER_START = "answers only from one article"
MK7 = "How much MK-7 is used for osteoporosis?"
CHAT = "#k2chat-chatbot"


def _need_chromium() -> None:
    if Path(CHROMIUM).is_file():
        return
    reason = f"{CHROMIUM} is missing (apt-get install chromium)"
    if os.environ.get("K2CHAT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"K2CHAT_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _need_chromium()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


class Tab:
    """One browser context (one visitor) with one page, and what it saw go wrong."""

    def __init__(self, browser: Any, url: str, size: tuple[int, int] = (1280, 800)) -> None:
        self.context = browser.new_context(viewport={"width": size[0], "height": size[1]})
        self.context.set_default_timeout(TIMEOUT_MS)
        self.outside: list[str] = []  # requests to anywhere but this machine (blocked)
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._guard)
        self.page = self.context.new_page()
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.goto(url)
        self.page.locator("#k2chat-banner").wait_for()
        self.input.wait_for()

    def _guard(self, route: Any) -> None:
        if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    @property
    def input(self) -> Any:
        return self.page.locator("#k2chat-input textarea")

    @property
    def answers(self) -> Any:
        """One row per finished answer (its last message is the disclaimer)."""
        return self.page.locator(f"{CHAT} .message-row.bot-row").filter(has_text=DISCLAIMER_END)

    @property
    def questions(self) -> Any:
        return self.page.locator(f"{CHAT} .message-row.user-row")

    def send(self, question: str) -> None:
        self.input.fill(question)
        self.input.press("Enter")

    def wait_answers(self, n: int) -> Any:
        from playwright.sync_api import expect

        expect(self.answers).to_have_count(n)
        expect(self.input).to_be_editable()  # the chat is done streaming
        return self.answers.nth(n - 1)

    def ask(self, question: str) -> Any:
        """Send a question and return the row of its finished answer."""
        n = self.answers.count()
        self.send(question)
        return self.wait_answers(n + 1)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tabs(browser: Any, server: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    """Open visitors with ``tabs()``; on failure each one's screen goes to test-artifacts/."""
    opened: list[Tab] = []
    failed_before = request.session.testsfailed

    def open_tab(size: tuple[int, int] = (1280, 800), url: str = server) -> Tab:
        tab = Tab(browser, url, size)
        opened.append(tab)
        return tab

    yield open_tab
    if request.session.testsfailed > failed_before:
        ARTIFACTS.mkdir(exist_ok=True)
        for i, tab in enumerate(opened):
            name = f"{request.node.name}-{i}.png".replace("/", "_")
            try:
                tab.page.screenshot(path=str(ARTIFACTS / name), full_page=True)
            except Exception as exc:  # the page may be gone; the failure itself matters more
                print(f"could not save {name}: {exc}")
    for tab in opened:
        assert not tab.outside, f"the page tried to reach other hosts: {tab.outside}"
        tab.close()


@pytest.fixture(params=[(1280, 800), (390, 844)], ids=["desktop", "phone"])
def tab(tabs: Any, request: pytest.FixtureRequest) -> Tab:
    """One visitor, at desktop and at phone size: every check runs at both."""
    return tabs(request.param)  # type: ignore[no-any-return]


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def test_page_shows_the_banner_the_examples_and_the_controls(tab: Tab, settings) -> None:  # type: ignore[no-untyped-def]
    expect = _expect()
    banner = tab.page.locator("#k2chat-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(BANNER_START)
    expect(banner).to_contain_text("It is not medical advice")
    assert BANNER_START in BANNER
    assert tab.page.title().startswith("k2chat")
    for question in EXAMPLE_QUESTIONS:
        expect(tab.page.get_by_role("button", name=question)).to_be_visible()
    expect(tab.page.locator("#k2chat-clear")).to_have_text("New conversation")
    assert tab.input.get_attribute("maxlength") is None  # no silent cut: the limit is told
    expect(tab.input).to_have_attribute("aria-label", "Your question")
    expect(tab.page.get_by_role("button", name="Send")).to_be_visible()


def test_an_answer_has_markers_sources_and_the_disclaimer(tab: Tab, pipeline) -> None:  # type: ignore[no-untyped-def]
    expect = _expect()
    expected = pipeline.answer(Request(MK7))
    first = expected.citations[0]
    row = tab.ask(MK7)
    body = row.locator(".message-content").first
    expect(body).to_contain_text("[1]")
    expect(body).to_contain_text("180–200 mcg")
    expect(row).to_contain_text(DISCLAIMER_END)

    section = f"Section {first.section}. {first.section_title}"
    cards = row.locator(".k2-card")
    expect(cards).to_have_count(len(expected.citations))
    expect(cards.first).to_contain_text(first.location)
    expect(cards.first.locator(".k2-section")).not_to_be_visible()  # closed until opened
    chip = body.locator("button.k2-chip").first
    expect(chip).to_have_text("[1]")
    chip.focus()
    tab.page.keyboard.press("Enter")  # a chip works from the keyboard
    expect(cards.first.locator(".k2-section")).to_be_visible()
    expect(cards.first.locator(".k2-section")).to_contain_text(first.fragments[0][:40])
    expect(cards.first.locator("mark").first).to_contain_text(first.fragments[0][:40])
    assert section in cards.first.inner_text()
    font = cards.first.locator("summary").evaluate("e => getComputedStyle(e).fontSize")
    assert float(font.rstrip("px")) >= 14

    for name in ("Copy message", "Like", "Dislike"):
        expect(tab.page.locator(f"{CHAT} button[aria-label='{name}']").first).to_be_visible()
    assert not tab.errors


def test_a_follow_up_is_answered_from_the_earlier_turn(tab: Tab) -> None:
    tab.ask(MK7)
    follow = tab.ask("How long does it take to work?").inner_text()
    assert "within weeks" in follow or "over years" in follow
    assert tab.questions.count() == 2


def test_an_out_of_scope_question_gets_no_sources(tab: Tab) -> None:
    expect = _expect()
    row = tab.ask("Who won the 2022 World Cup?")
    expect(row).to_contain_text("does not cover")
    expect(row).to_contain_text(DISCLAIMER_END)
    expect(row.locator(".k2-card")).to_have_count(0)


def test_a_refusal_offers_questions_that_are_answered_when_clicked(tab: Tab) -> None:
    expect = _expect()
    tab.ask("Who won the 2022 World Cup?")
    suggestion = tab.page.locator(CHAT).get_by_role("button", name=EXAMPLE_QUESTIONS[0])
    expect(suggestion).to_be_visible()
    suggestion.click()
    answer = tab.wait_answers(2)
    expect(tab.questions.nth(1)).to_contain_text(EXAMPLE_QUESTIONS[0])
    expect(answer.locator(".k2-card").first).to_be_visible()


def _feedback_lines(path: Path, after: int, n: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 120  # a busy machine may be slow; the vote must land
    while time.monotonic() < deadline:
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        if len(lines) >= after + n:
            return [json.loads(line) for line in lines[after:]]
        time.sleep(0.2)
    raise AssertionError(f"{n} feedback line(s) were not written to {path}")


def test_like_and_dislike_record_the_right_turn(tab: Tab, settings, pipeline) -> None:  # type: ignore[no-untyped-def]
    """Each answer has its own buttons; the vote names that turn's question and chunk ids."""
    feedback = settings.data_dir / "feedback-server.jsonl"  # as the `server` fixture sets it
    before = len(feedback.read_text(encoding="utf-8").splitlines()) if feedback.exists() else 0
    q2 = "Can I take vitamin K2 with warfarin?"
    tab.ask(MK7)
    tab.ask(q2)
    chat = Chat(pipeline=pipeline)
    first, second = chat.ask(MK7), chat.ask(q2)

    likes = tab.page.locator(f"{CHAT} button[aria-label='Like']")
    dislikes = tab.page.locator(f"{CHAT} button[aria-label='Dislike']")
    assert likes.count() == 2 and dislikes.count() == 2
    likes.nth(1).click()
    [liked] = _feedback_lines(feedback, before, 1)
    dislikes.nth(0).click()
    [_, disliked] = _feedback_lines(feedback, before, 2)

    assert liked["rating"] == "like" and liked["question"] == q2
    assert liked["chunk_ids"] == list(second.chunk_ids) and liked["chunk_ids"]
    assert liked["answer"] == second.text
    assert disliked["rating"] == "dislike" and disliked["question"] == MK7
    assert disliked["chunk_ids"] == list(first.chunk_ids)


@pytest.mark.parametrize("question", [
    "<img src=x onerror=\"window.__pwned=1;alert(1)\"> How much MK-7?",
    "[click me](javascript:alert(1)) <script>alert(2)</script> **MK-7** <b>dose</b>",
])
def test_injected_html_and_markdown_are_shown_as_text(tab: Tab, question: str) -> None:
    expect = _expect()
    tab.ask(question)
    bubble = tab.questions.last
    expect(bubble).to_have_text(question)  # every character shown, nothing interpreted
    assert bubble.locator("img, script, a, b, strong").count() == 0
    chat = tab.page.locator(CHAT)
    assert chat.locator("img[src='x'], script, a[href^='javascript']").count() == 0
    assert tab.page.evaluate("window.__pwned") is None
    assert not tab.dialogs


def test_two_visitors_never_see_each_others_turns(tabs: Any) -> None:
    alice, bob = tabs(), tabs()
    q_bob = "Who should avoid vitamin K2 supplements?"
    alice.send(MK7)
    bob.send(q_bob)  # both in flight at once
    alice.wait_answers(1)
    bob.wait_answers(1)
    follow = alice.ask("How long does it take to work?").inner_text()
    assert "within weeks" in follow or "over years" in follow
    alice_text = alice.page.locator(CHAT).inner_text()
    bob_text = bob.page.locator(CHAT).inner_text()
    assert q_bob not in alice_text and MK7 in alice_text
    assert MK7 not in bob_text and "How long does it take" not in bob_text
    assert bob.questions.count() == 1 and alice.questions.count() == 2


def test_clicking_an_example_answers_it(tab: Tab) -> None:
    expect = _expect()
    question = EXAMPLE_QUESTIONS[1]
    tab.page.get_by_role("button", name=question).click()
    row = tab.wait_answers(1)
    expect(tab.questions.last).to_have_text(question)
    expect(row).to_contain_text("[1]")
    expect(row.locator(".k2-card").first).to_contain_text("Section")


def test_the_clear_button_starts_a_new_conversation(tab: Tab) -> None:
    """Cleared turns are gone from the page and from the conversation the server keeps."""
    expect = _expect()
    tab.ask(MK7)
    tab.page.locator("#k2chat-clear").click()
    expect(tab.questions).to_have_count(0)
    expect(tab.page.get_by_role("button", name=EXAMPLE_QUESTIONS[0])).to_be_visible()
    tab.ask(EXAMPLE_QUESTIONS[4])
    expect(tab.questions).to_have_count(1)
    assert MK7 not in tab.page.locator(CHAT).inner_text()


def test_an_empty_send_posts_nothing(tab: Tab) -> None:
    expect = _expect()
    tab.ask(MK7)
    tab.send("   ")
    tab.page.get_by_role("button", name="Send").click()
    tab.ask("How long does it take to work?")  # the server has answered whatever came before
    expect(tab.questions).to_have_count(2)
    expect(tab.answers).to_have_count(2)


def _hold_questions(tab: Tab) -> list[Any]:
    """Hold every question the page sends (Gradio's queue/join) until the test lets it go, so
    an answer is on its way for as long as the test needs; returns the held requests."""
    held: list[Any] = []

    def hold(route: Any) -> None:
        held.append(route)

    tab.page.route("**/queue/join**", hold)
    return held


def _wait_held(tab: Tab, held: list[Any], n: int) -> None:
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while len(held) < n:
        assert time.monotonic() < deadline, f"the page sent {len(held)} of {n} questions"
        tab.page.wait_for_timeout(50)  # lets Playwright deliver the held request


def test_what_is_typed_while_an_answer_comes_is_kept_and_sent_after_it(tab: Tab) -> None:
    """The box is not wiped by an arriving answer, and Enter while one is on its way is not
    dropped: that question goes once the answer is in."""
    expect = _expect()
    follow_up = "How long does it take to work?"
    held = _hold_questions(tab)
    tab.send(MK7)
    _wait_held(tab, held, 1)
    tab.input.fill("a draft")
    held.pop().continue_()
    tab.wait_answers(1)
    expect(tab.input).to_have_value("a draft")  # what was typed meanwhile stays
    tab.send(MK7 + " And for MK-4?")
    _wait_held(tab, held, 1)
    tab.send(follow_up)  # while that answer is on its way
    held.pop().continue_()
    _wait_held(tab, held, 1)  # the follow-up leaves once that answer is in
    expect(tab.answers).to_have_count(2)
    held.pop().continue_()
    tab.wait_answers(3)
    expect(tab.questions).to_have_count(3)
    expect(tab.questions.last).to_have_text(follow_up)
    expect(tab.input).to_have_value("")  # each sent question left the box once answered

def test_an_over_limit_question_gets_the_limit_message(tab: Tab, settings) -> None:  # type: ignore[no-untyped-def]
    expect = _expect()
    limit = settings.max_question_chars
    counter = tab.page.locator("#k2chat-counter")
    tab.input.fill("K2 " * (limit // 3 - 10))
    expect(counter).to_contain_text(f"/ {limit}")
    long_text = "vitamin K2 " * (limit // 11) + " so is MK-7 safe with warfarin?"
    tab.input.fill(long_text)
    assert tab.input.input_value() == long_text  # nothing cut
    expect(counter).to_contain_text("too long")
    tab.input.press("Enter")
    row = tab.wait_answers(1)
    expect(row).to_contain_text(f"limited to {limit} characters")


def test_a_reload_keeps_the_conversation_and_new_conversation_clears_it(tab: Tab) -> None:
    expect = _expect()
    tab.ask(MK7)
    tab.page.reload()
    expect(tab.questions).to_have_count(1)
    expect(tab.questions.last).to_have_text(MK7)
    expect(tab.answers).to_have_count(1)
    follow = tab.ask("How long does it take to work?").inner_text()  # still the same turns
    assert "within weeks" in follow or "over years" in follow
    tab.page.locator("#k2chat-clear").click()
    expect(tab.questions).to_have_count(0)
    tab.page.reload()
    tab.input.wait_for()
    expect(tab.page.get_by_role("button", name=EXAMPLE_QUESTIONS[0])).to_be_visible()
    expect(tab.questions).to_have_count(0)


@pytest.mark.parametrize("failure", ["abort", "500"])
def test_a_failed_answer_keeps_the_conversation_and_offers_retry(tab: Tab, failure: str) -> None:
    expect = _expect()
    tab.ask(MK7)
    q2 = "Can I take vitamin K2 with warfarin?"

    def fail(route: Any) -> None:
        if failure == "abort":
            route.abort()
        else:
            route.fulfill(status=500, body="Internal Server Error")

    tab.page.route("**/gradio_api/queue/join**", fail)
    tab.send(q2)
    retry = tab.page.locator("#k2chat-retry")
    expect(retry).to_be_visible()
    expect(tab.questions).to_have_count(1)  # the earlier turn is still there
    expect(tab.answers).to_have_count(1)
    expect(tab.input).to_have_value(q2)  # the typed question is kept
    expect(tab.input).to_be_editable()
    tab.page.unroute("**/gradio_api/queue/join**")
    retry.click()
    tab.wait_answers(2)
    expect(tab.questions.last).to_have_text(q2)
    expect(retry).not_to_be_visible()


SIZES = {"desktop": (1280, 800), "phone": (390, 844)}


def _serious_violations(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": [
        "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}})
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("size", SIZES)
def test_axe_finds_no_serious_violations_on_the_main_flow(tabs: Any, size: str) -> None:
    expect = _expect()
    tab = tabs(SIZES[size])
    assert _serious_violations(tab.page) == [], "landing page"
    row = tab.ask(MK7)
    assert _serious_violations(tab.page) == [], "after an answer"
    row.locator("button.k2-chip").first.click()
    expect(row.locator(".k2-card[open] .k2-section")).to_be_visible()
    assert _serious_violations(tab.page) == [], "with a source card open"


@pytest.mark.parametrize("size", SIZES)
def test_the_page_fits_and_a_new_answer_starts_in_view(tabs: Any, size: str) -> None:
    expect = _expect()
    tab = tabs(SIZES[size])
    width, height = SIZES[size]
    clear = tab.page.locator("#k2chat-clear")
    box = clear.bounding_box()
    assert box is not None and box["y"] + box["height"] <= height, "New conversation is cut off"
    tab.ask(MK7)
    tab.page.locator(f"{CHAT} .bubble-wrap").evaluate("el => el.scrollTop = 0")  # read up
    q2 = "Can I take vitamin K2 with warfarin?"
    tab.ask(q2)
    question = tab.questions.last
    expect(question).to_have_text(q2)
    expect(question).to_be_in_viewport()
    disclaimer = tab.answers.last.locator(".message").last
    font = disclaimer.locator(".prose").evaluate("e => getComputedStyle(e).fontSize")
    assert float(font.rstrip("px")) < 14  # one small line, not a shout
    expect(disclaimer).to_contain_text(DISCLAIMER_END)  # but verbatim


@pytest.fixture(scope="module")
def broken_feedback_server(settings, pipeline, tmp_path_factory: pytest.TempPathFactory
                           ) -> Iterator[tuple[str, Path]]:  # type: ignore[no-untyped-def]
    """A server whose feedback path is a directory: every vote write fails, even for root."""
    from k2chat.ui import launch

    from .conftest import free_port

    folder = tmp_path_factory.mktemp("feedback-is-a-folder")
    port = free_port()
    app = launch(settings.with_(port=port, feedback_path=folder))
    try:
        yield f"http://127.0.0.1:{port}/", folder
    finally:
        app.close()


def test_a_vote_that_cannot_be_saved_tells_the_user(tabs: Any, broken_feedback_server) -> None:  # type: ignore[no-untyped-def]
    expect = _expect()
    url, folder = broken_feedback_server
    tab = tabs(url=url)
    tab.ask(MK7)
    tab.page.locator(f"{CHAT} button[aria-label='Like']").first.click()
    expect(tab.page.get_by_text("Your vote could not be saved").first).to_be_visible()
    assert list(folder.iterdir()) == []  # nothing half-written
    expect(tab.questions).to_have_count(1)  # and nothing else is lost

"""The Gradio chat. It renders what the Python API returns and nothing else."""

from __future__ import annotations

import html
import logging
import re
import socket
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import gradio as gr
from markdown_it import MarkdownIt

from k2chat.chain.safety import banner
from k2chat.errors import FeedbackError, K2ChatError, PortInUseError
from k2chat.pipeline import get_pipeline
from k2chat.related import ensure as ensure_related
from k2chat.serve.conversation import Conversation, ConversationStore
from k2chat.serve.feedback import record_feedback, repair
from k2chat.serve.serving import Door, run_until_stopped
from k2chat.settings import Settings
from k2chat.store.corpus import read_corpus
from k2chat.store.profile import CorpusProfile, load_profile
from k2chat.text import markdown_escape
from k2chat.types import Answer, Citation, Section

__all__ = ["API_NAME", "create_app", "respond", "launch", "serve", "check_port"]

log = logging.getLogger(__name__)

API_NAME = "ask"  # the stable endpoint: /gradio_api/call/ask, client.predict(..., api_name="/ask")
SOURCES_TITLE = "Sources"
RELATED_TITLE = "Related questions"
QUEUE_MAX_SIZE = 256  # requests waiting for a worker; more get Gradio's "queue is full" message
VOTES_REMEMBERED = 10_000  # turns whose last recorded vote this process remembers (dedup)
BROWSER_KEY = "k2chat-conversation-v2"  # localStorage; v1 was encrypted with a per-start secret
STATIC = Path(__file__).with_name("static")  # page.css and page.js, served inline with the page

# The page's script (static/page.js) keeps the honest states; each event calls into it.
SEND_JS = "(q, t) => window.k2chat.send(q, t)"
SHOWN_JS = "() => window.k2chat.shown()"
FAILED_JS = "() => window.k2chat.failed()"
CLEARED_JS = "() => window.k2chat.cleared()"
RESTORED_JS = "() => window.k2chat.restored()"
# A plain button, named and stateful from the first paint; page.js switches the theme.
THEME_TOGGLE = ('<button type="button" id="k2chat-theme" aria-pressed="false" '
                'aria-label="Dark mode"><span aria-hidden="true">◐</span> Dark</button>')
THEME = gr.themes.Default(
    primary_hue="emerald",
    neutral_hue="slate",
    font=(gr.themes.LocalFont("IBM Plex Sans", weights=(400, 700)), "ui-sans-serif",
          "system-ui", "sans-serif"),
)


# A section of the corpus, by (article, number): two articles' section 2 are two cards.
Sections = dict[tuple[str, int], Section]


def page_title(profile: CorpusProfile) -> str:
    """"k2chat · Vitamin K2 and bone health": the subject of the articles' profiles."""
    subject = profile.subject
    return f"k2chat · {subject[:1].upper()}{subject[1:]}"


# --- What the chat shows -------------------------------------------------------------------

def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text") or content.get("content") or "")
    if isinstance(content, list | tuple):
        return " ".join(_text_of(c) for c in content)
    return ""


def _as_text(text: str, limit: int) -> str:
    """A user's words for display: Markdown/HTML escaped, cut to the question limit (a lone
    surrogate, which no page can show or send, becomes "?")."""
    shown = text if len(text) <= limit else text[:limit] + "…"
    shown = shown.encode("utf-8", "replace").decode("utf-8")
    return markdown_escape(shown)


def _unescape(text: str) -> str:
    """Undo :func:`markdown_escape` (every backslash it leaves is an escape)."""
    return re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL)


_OPEN, _CLOSE = "\ue000", "\ue001"  # private-use marks around cited words while rendering
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).disable(["link", "image", "autolink"])


def _section_html(section: Section | None, citation: Citation) -> str:
    """The whole section as the article has it (lists as lists, sub-headings as headings),
    rendered from its Markdown with raw HTML escaped, the cited words in ``<mark>``."""
    if section is None:
        return f"<blockquote>{html.escape(citation.quote)}</blockquote>"
    text = section.body.replace(_OPEN, "").replace(_CLOSE, "")
    for fragment in citation.fragments:
        for line in filter(None, (part.strip() for part in fragment.splitlines())):
            at = text.find(line)
            if at >= 0:
                text = text[:at] + _OPEN + line + _CLOSE + text[at + len(line):]
    shown = _MARKDOWN.render(text)
    shown = shown.replace(_OPEN, '<mark class="k2-cited">').replace(_CLOSE, "</mark>")
    # The article's headings sit under the card's own: one level down, at most h4.
    shown = re.sub(r"<(/?)h[1-6]>", r"<\1h4>", shown).replace("\n", " ")  # one HTML block
    return f'<div class="k2-section">{shown}</div>'


def _article(citation: Citation) -> str:
    """The citation's article; a turn kept from before citations named it has the article in
    its passage id ("vitamin-k2-dosage-bone-health-s3-p04", k2chat.store.chunk.chunk_id)."""
    return citation.article or re.sub(r"-s\d+-p\d+$", "", citation.chunk_id)


def _sources_html(answer: Answer, turn: int, sections: Sections) -> str:
    """One readable card per citation; each opens the whole section, its quote marked."""
    cards = []
    for c in answer.citations:
        card_id = f"k2-src-{turn}-{c.marker}"
        cards.append(
            f'<details class="k2-card" id="{card_id}">'
            f'<summary><span class="k2-marker">[{c.marker}]</span> '
            f"{html.escape(c.location)}</summary>"
            f"{_section_html(sections.get((_article(c), c.section)), c)}</details>"
        )
    return f'<div class="k2-sources"><p class="k2-sources-title">{SOURCES_TITLE}</p>' + \
        "".join(cards) + "</div>"


def _messages(answer: Answer) -> list[dict[str, Any]]:
    """What the API returns: body (with markers), Sources (if any), then the disclaimer."""
    messages: list[dict[str, Any]] = [{"role": "assistant", "content": answer.body_markdown()}]
    if answer.citations:
        messages.append({
            "role": "assistant",
            "content": answer.sources_markdown(),
            "metadata": {"title": f"{SOURCES_TITLE} ({len(answer.citations)})", "status": "done"},
        })
    messages.append({"role": "assistant", "content": answer.disclaimer_markdown()})
    return messages


# --- The conversation as the page shows it ----------------------------------------------------

def _turn_messages(number: int, question: str, answer: Answer, sections: Sections,
                   limit: int, last: bool = False, examples: Sequence[str] = ()
                   ) -> list[dict[str, Any]]:
    body = answer.body_markdown()
    options: list[str] = []
    if answer.emergency:
        # An emergency reply is an alert: announced at once, and styled apart (page.css).
        body = f'<div class="k2-alert" role="alert">\n\n{body}\n\n</div>'
    elif not answer.grounded:
        # A refusal offers questions the article does answer as buttons that ask them (Gradio
        # shows the options of the conversation's last message), each once: the ones its text
        # lists leave the text for their buttons; else every example (``examples``: the
        # articles' profiles').
        lines = body.split("\n")
        options = [q for q in examples if f"- {markdown_escape(q)}" in lines
                   or f"- {q}" in lines] or list(examples)
        listed = {f"- {q}" for q in options} | {f"- {markdown_escape(q)}" for q in options}
        body = "\n".join(line for line in lines if line not in listed).rstrip()
    elif answer.related and last:
        # Related questions (Answer.related), as buttons that ask them: Gradio shows the
        # options of the conversation's last message only, so the latest answer offers them.
        options = list(answer.related)
    out: list[dict[str, Any]] = [{"role": "user", "content": _as_text(question, limit)},
                                 {"role": "assistant", "content": body}]
    if answer.citations:
        out.append({"role": "assistant", "content": _sources_html(answer, number, sections)})
    # Copy gives the turn's Markdown, Answer.to_markdown(), which page.js reads from here
    # (percent-encoded: the sanitizer keeps a title, and no Markdown or HTML can come of it).
    markdown = quote(answer.to_markdown(), safe="")
    closing = f'<span class="k2-md" hidden title="{markdown}"></span>{answer.disclaimer_markdown()}'
    if options and answer.grounded:
        closing += f'\n\n<p class="k2-related-title">{RELATED_TITLE}</p>'
    final: dict[str, Any] = {"role": "assistant", "content": closing}
    if options:
        final["options"] = [{"label": q, "value": q} for q in options]
    out.append(final)
    return out


def _shown(conversation: Conversation | None, sections: Sections, limit: int,
           unstored: tuple[str, Answer] | None = None, examples: Sequence[str] = ()
           ) -> list[dict[str, Any]]:
    """The page's messages: every stored turn, then a reply that was not stored (the one that
    says the conversation is full); a refusal offers ``examples`` as buttons."""
    out: list[dict[str, Any]] = []
    turns = conversation.turns if conversation else []
    for number, turn in enumerate(turns):
        out.extend(_turn_messages(number, turn.question, turn.answer, sections, limit,
                                  last=not unstored and number == len(turns) - 1,
                                  examples=examples))
    if unstored:
        out.extend(_turn_messages(len(turns), *unstored, sections, limit, last=True,
                                  examples=examples))
    return out


def _ask(store: ConversationStore, conversation: Conversation, question: str
         ) -> tuple[Answer, tuple[str, Answer] | None, str]:
    """Ask in ``conversation``: the answer, the (question, answer) to show if it was not
    stored (a full conversation), and the sealed conversation."""
    answer, stored, sealed = store.ask(conversation, question)
    unstored = None if stored else (question[: store.settings.max_question_chars], answer)
    return answer, unstored, sealed


def respond(settings: Settings, message: Any, conversation: Conversation | None = None
            ) -> list[dict[str, Any]]:
    """Answer one question (in ``conversation`` if given) as the API's messages."""
    conversation = conversation or Conversation(settings)
    return _messages(conversation.ask(_text_of(message)))


def _rating(liked: Any) -> bool | None:
    """LikeData.liked: True (like), False (dislike), "" or None when a vote is taken back."""
    return liked if isinstance(liked, bool) else None


# --- The app -----------------------------------------------------------------------------------

def _sections(settings: Settings) -> Sections:
    try:
        return {(s.article, s.number): s for s in read_corpus(settings.corpus_dir)
                if not s.navigation}
    except K2ChatError:
        log.warning("The corpus could not be read; source cards show the quote only")
        return {}


def create_app(settings: Settings) -> gr.Blocks:
    sections = _sections(settings)
    profile = load_profile(settings.corpus_dir)  # corpus/*.profile.yaml: title, examples
    offered = profile.example_questions
    title = page_title(profile)
    store = ConversationStore(settings)
    limit = settings.max_question_chars
    votes: OrderedDict[str, bool | None] = OrderedDict()  # turn -> the rating last recorded

    def restore(envelope: Any) -> tuple[Any, Any]:
        conversation = store.open(envelope)
        if conversation is None:
            # Nothing to restore: change nothing. Answered late (a busy machine), an empty
            # restore wiped the question the visitor had asked meanwhile and the conversation
            # it started (issue 23 #14: 0 earlier questions after a failed second question).
            return gr.skip(), gr.skip()
        return _shown(conversation, sections, limit, examples=offered), envelope

    def answer(question: str, envelope: Any) -> tuple[list[dict[str, Any]], str]:
        conversation = store.open(envelope) or store.new()
        _, unstored, sealed = _ask(store, conversation, question)
        return _shown(conversation, sections, limit, unstored, offered), sealed

    def submit(question: str, envelope: Any) -> tuple[Any, Any]:
        if not (question or "").strip():
            return gr.skip(), gr.skip()
        return answer(question, envelope)

    def pick(envelope: Any, data: gr.SelectData) -> tuple[Any, Any]:
        return submit(_text_of(data.value), envelope)

    def new_conversation() -> tuple[list[Any], str, str]:
        # A sealed empty conversation: the browser stores only a non-empty value, so "" would
        # keep the old one.
        return [], store.seal(store.new()), ""

    def on_like(envelope: Any, data: gr.LikeData) -> None:
        conversation = store.open(envelope)
        index = data.index if isinstance(data.index, int) else data.index[0]
        found = conversation.turn_at(index) if conversation and isinstance(index, int) else None
        if conversation is None or found is None:
            return  # a vote for a turn this server never answered: nothing to record
        number, answered = found
        turn, rating = f"{conversation.id}:{number}", _rating(data.liked)
        if turn in votes and votes[turn] == rating:
            return  # the same vote again: the file already holds it as this turn's latest
        try:
            record_feedback(settings.feedback_path, rating, answered, turn=turn)
        except FeedbackError as exc:
            gr.Warning(str(exc))
            return
        except Exception:
            log.exception("Could not record feedback")
            gr.Warning("Your vote could not be saved. Please try again.")
            return
        gr.Info("Thank you: your vote is saved." if rating is not None
                else "Your vote is taken back.", duration=4)
        votes[turn] = rating
        votes.move_to_end(turn)
        while len(votes) > VOTES_REMEMBERED:
            votes.popitem(last=False)

    def api_ask(question: str, conversation: str | None) -> tuple[list[dict[str, Any]], str]:
        # An API client's conversation is the envelope it sends back (empty: a new one).
        opened = store.open(conversation)
        if conversation and opened is None:
            raise gr.Error("This conversation was not made by this server (or is damaged). "
                           "Send an empty conversation to start a new one.", print_exception=False)
        reply, _, sealed = _ask(store, opened or store.new(), _text_of(question))
        return _messages(reply), sealed

    with gr.Blocks(title=title, analytics_enabled=False, fill_height=True) as app:
        with gr.Row(elem_id="k2chat-top", equal_height=True):
            gr.Markdown(f"# {title}", elem_id="k2chat-header")
            # Dark mode: page.js keeps the choice (localStorage); by default the system's.
            gr.HTML(THEME_TOGGLE, elem_id="k2chat-theme-box", padding=False, scale=0,
                    min_width=0)
            clear_btn = gr.Button("New conversation", size="sm", variant="secondary",
                                  elem_id="k2chat-clear", scale=0, min_width=150)
        gr.Markdown(banner(profile), elem_id="k2chat-banner")
        # The page's copy of its signed conversation (conversation.py), in localStorage.
        saved = gr.BrowserState(None, storage_key=BROWSER_KEY, secret=store.browser_secret())
        chatbot = gr.Chatbot(
            label="Conversation",
            show_label=False,
            elem_id="k2chat-chatbot",
            scale=1,  # takes the height the rest leaves (page.css): the page itself never scrolls
            min_height=120,
            buttons=["copy"],
            sanitize_html=True,
            allow_tags=False,
            latex_delimiters=[],
            render_markdown=True,
            feedback_options=("Like", "Dislike"),
            autoscroll=False,
            placeholder=f"**Ask about {profile.ask_about}.**\n\n"
                        "Pick an example below or type your own question.",
        )
        gr.HTML('<div id="k2chat-pending" class="k2-hidden" aria-live="polite"></div>',
                elem_id="k2chat-pending-box", padding=False)
        with gr.Column(elem_id="k2chat-error", elem_classes=["k2-hidden"], variant="default"):
            gr.Markdown("**Your question was not answered**: the server could not be reached "
                        "or failed. It is back in the box and the conversation is kept; Retry "
                        "sends it again.", elem_id="k2chat-error-text")
            retry = gr.Button("Retry", size="sm", variant="primary", elem_id="k2chat-retry")
        with gr.Row(elem_id="k2chat-examples"):
            examples = [gr.Button(q, size="sm", variant="secondary", elem_classes=["k2-example"])
                        for q in offered]
        textbox = gr.Textbox(
            label="Your question",
            placeholder=f"Ask a question about {profile.subject}",
            submit_btn="Send",
            show_label=True,  # its label names the box from the first paint (hidden: page.css)
            lines=1,
            max_lines=6,
            elem_id="k2chat-input",
        )
        gr.HTML(f'<p id="k2chat-counter" aria-live="polite" data-limit="{limit}"></p>',
                elem_id="k2chat-counter-box", padding=False)
        api_question = gr.Textbox(label="question", visible=False)
        api_conversation = gr.Textbox("", label="conversation", visible=False)
        api_answer = gr.JSON(label="messages", visible=False)
        api_sealed = gr.Textbox(label="conversation", visible=False)
        api_button = gr.Button(visible=False)

        # A question sent while the last one is still being answered goes once that answer is
        # in ("always_last"); Gradio's default ("once") dropped it without a word.
        for trigger in (textbox.submit, retry.click):
            sent = trigger(submit, [textbox, saved], [chatbot, saved], js=SEND_JS,
                           concurrency_limit=settings.concurrency_limit,
                           trigger_mode="always_last", api_visibility="private")
            sent.success(None, None, None, js=SHOWN_JS)
            sent.failure(None, None, None, js=FAILED_JS)
        for button in examples:
            asked = button.click(submit, [button, saved], [chatbot, saved], js=SEND_JS,
                                 concurrency_limit=settings.concurrency_limit,
                                 trigger_mode="always_last", api_visibility="private")
            asked.success(None, None, None, js=SHOWN_JS)
            asked.failure(None, None, None, js=FAILED_JS)
        picked = chatbot.option_select(pick, saved, [chatbot, saved],
                                       concurrency_limit=settings.concurrency_limit,
                                       api_visibility="private")
        picked.success(None, None, None, js=SHOWN_JS)
        picked.failure(None, None, None, js=FAILED_JS)
        app.load(restore, saved, [chatbot, saved], queue=False, api_visibility="private"
                 ).then(None, None, None, js=RESTORED_JS)
        clear_btn.click(new_conversation, None, [chatbot, saved, textbox], queue=False,
                        js=CLEARED_JS, api_visibility="private")
        # Every vote is sent, in order: Gradio's default ("once") dropped a click made while an
        # earlier vote was still on its way (issue 23, a vote lost under CPU load); one vote at
        # a time keeps a like and its taking back in the order they were made.
        chatbot.like(on_like, saved, None, api_visibility="private", trigger_mode="multiple",
                     concurrency_limit=1, concurrency_id="k2chat-votes")
        api_button.click(api_ask, [api_question, api_conversation], [api_answer, api_sealed],
                         api_name=API_NAME, concurrency_limit=settings.concurrency_limit,
                         api_description="Ask one question; returns the answer's messages (body "
                         "with [n] markers, Sources if any, the disclaimer) and the conversation "
                         "to send with the next question (empty: a new conversation).")
    return app


def check_port(host: str, port: int) -> None:
    """Fail early, with a suggestion, when the port is taken."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        # As the server itself binds (uvicorn sets SO_REUSEADDR): a port left in TIME-WAIT by
        # a server that just stopped is free; one with a listener is not.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            with socket.socket() as free:
                free.bind((host if ":" not in host else "127.0.0.1", 0))
                suggestion = free.getsockname()[1]
            raise PortInUseError(
                f"Port {port} on {host} is already in use ({exc.strerror}). Stop the other "
                f"program, or start k2chat on another port: `k2chat serve --port {suggestion}` "
                f"(or set K2CHAT_PORT={suggestion})."
            ) from exc


def launch(settings: Settings) -> Any:
    """Load the pipeline, build the app and start serving in the background; returns the app
    (``app.block_thread()`` waits until it is stopped)."""
    check_port(settings.host, settings.port)
    pipeline = get_pipeline(settings)  # build or load the index before the first visitor
    try:
        ensure_related(pipeline)  # the related questions, checked once per index and models
    except Exception:  # answers do not need them: serve without rather than not at all
        log.exception("The related questions could not be checked; answers offer none")
    repair(settings.feedback_path)  # set aside a partial last vote before taking new ones
    app = create_app(settings)
    app.queue(default_concurrency_limit=settings.concurrency_limit, max_size=QUEUE_MAX_SIZE)
    door = Door(app, settings)  # k2chat.serve.serving: the allow-list, limits and graceful stop
    app.launch(
        app_kwargs={"middleware": [door.middleware]},
        # Gradio keeps a copy of the page's configuration for each session it saw (~40 KB;
        # 10,000 sessions by default). k2chat keeps the conversations itself, so Gradio needs
        # one only while a session's request is queued or running.
        state_session_capacity=QUEUE_MAX_SIZE + settings.concurrency_limit,
        server_name=settings.host,  # 127.0.0.1 unless K2CHAT_HOST says otherwise
        server_port=settings.port,
        share=False,
        show_error=False,
        max_file_size="1mb",
        strict_cors=True,
        enable_monitoring=False,
        run_history=False,
        ssr_mode=False,
        prevent_thread_lock=True,
        quiet=True,  # serve() prints the address; Gradio's own banner suggests share=True
        pwa=False,
        mcp_server=False,
        footer_links=["api"],
        theme=THEME,
        css_paths=[STATIC / "page.css"],
        js=(STATIC / "page.js").read_text(encoding="utf-8"),
    )
    door.opened(app)
    return app


def serve(settings: Settings) -> None:
    url = f"http://{settings.host}:{settings.port}"
    print(f"k2chat: starting on {url}", flush=True)
    app = launch(settings)
    print(f"k2chat: ready: open {url} (Ctrl+C stops it)", flush=True)
    run_until_stopped(app, settings.shutdown_grace)

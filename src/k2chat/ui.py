"""The Gradio chat. It renders what the Python API returns and nothing else."""

from __future__ import annotations

import html
import logging
import re
import secrets
import socket
import threading
from collections import OrderedDict
from typing import Any

import gradio as gr

from k2chat.answer import EXAMPLE_QUESTIONS
from k2chat.chat import Chat
from k2chat.corpus import read_corpus
from k2chat.errors import FeedbackError, K2ChatError, PortInUseError
from k2chat.feedback import record_feedback, repair
from k2chat.pipeline import get_pipeline
from k2chat.safety import BANNER, too_long_message
from k2chat.serving import Door, run_until_stopped
from k2chat.settings import Settings
from k2chat.text import markdown_escape
from k2chat.textgate import readable
from k2chat.types import Answer, Citation, Section

__all__ = ["API_NAME", "create_app", "respond", "launch", "serve", "check_port"]

log = logging.getLogger(__name__)

API_NAME = "ask"  # the stable endpoint: /gradio_api/call/ask, client.predict(..., api_name="/ask")
TITLE = "k2chat · Vitamin K2 and bone health"
SOURCES_TITLE = "Sources"
SESSION_CAPACITY = 500  # conversations kept in memory; the oldest are dropped beyond this
QUEUE_MAX_SIZE = 256  # requests waiting for a worker; more get Gradio's "queue is full" message
MAX_TURNS = 100  # turns one conversation keeps (bounds the server's memory and work per visitor)
LONG_CONVERSATION = ("This conversation is long. Please start a new conversation to ask more.")
_HEADING = re.compile(r"^#+\s*")

# Page behaviour the server cannot do. A question is "pending" (in sessionStorage) from send
# until its answer is shown: if the answer never arrives, even across a reload the page does on
# a lost connection, the question goes back in the box with an error note and Retry.
PENDING_KEY = "k2chat-pending"  # spelled out in SEND_JS and SHOWN_JS too
SEND_JS = """(q, t) => { document.querySelectorAll('#k2chat-error')
  .forEach(e => e.classList.add('k2-hidden'));
  if ((q || '').trim()) sessionStorage.setItem('k2chat-pending', q); return [q, t]; }"""
# The server never writes the input box: what is typed while an answer is on its way stays. An
# answered question leaves the box here, when the box still holds it.
SHOWN_JS = """() => { const box = document.querySelector('#k2chat-input textarea');
  const q = sessionStorage.getItem('k2chat-pending');
  if (box && q !== null && box.value === q) {
    box.value = ''; box.dispatchEvent(new Event('input', {bubbles: true}));
  }
  sessionStorage.removeItem('k2chat-pending');
  window.k2chatShowLatest && window.k2chatShowLatest(); }"""
FAILED_JS = """() => { window.k2chatFailed && window.k2chatFailed(); }"""
PAGE_JS = """() => {
  const LIMIT = %(limit)d, NEAR = Math.floor(LIMIT * 0.8);  // counter from 80 %% of the limit
  const PENDING = '%(pending)s';
  window.k2chatFailed = () => {
    document.querySelectorAll('#k2chat-error').forEach(e => e.classList.remove('k2-hidden'));
    const box = document.querySelector('#k2chat-input textarea');
    const q = sessionStorage.getItem(PENDING);
    if (box && q && !box.value) {
      box.value = q; box.dispatchEvent(new Event('input', {bubbles: true}));
    }
    document.querySelector('#k2chat-retry')?.focus();
  };
  const waitForBox = setInterval(() => {
    if (!document.querySelector('#k2chat-input textarea')) return;
    clearInterval(waitForBox);
    if (sessionStorage.getItem(PENDING)) window.k2chatFailed();
  }, 200);
  window.k2chatShowLatest = () => {
    const users = document.querySelectorAll('#k2chat-chatbot .message-row.user-row');
    const last = users[users.length - 1];
    if (last) last.scrollIntoView({block: 'start', behavior: 'instant'});
  };
  const chips = () => {
    document.querySelectorAll('#k2chat-chatbot .message-row.bot-row').forEach(row => {
      const body = row.querySelector('.message .prose');
      if (!body || body.dataset.k2chips || !row.querySelector('.k2-card')) return;
      body.dataset.k2chips = '1';
      const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
      const nodes = [];
      while (walker.nextNode()) nodes.push(walker.currentNode);
      nodes.forEach(node => {
        if (!/\[\d+\]/.test(node.nodeValue)) return;
        const frag = document.createDocumentFragment();
        node.nodeValue.split(/(\[\d+\])/).forEach(part => {
          const m = part.match(/^\[(\d+)\]$/);
          const card = m && row.querySelector(`.k2-card[id$="-${m[1]}"]`);
          if (!card) { frag.appendChild(document.createTextNode(part)); return; }
          const chip = document.createElement('button');
          chip.type = 'button'; chip.className = 'k2-chip'; chip.textContent = part;
          const where = card.querySelector('summary').textContent.trim();
          chip.title = where;
          chip.setAttribute('aria-label', `Source ${where}`);
          chip.addEventListener('click', ev => {
            ev.stopPropagation();
            card.open = true;
            card.scrollIntoView({block: 'nearest'});
            card.classList.add('k2-flash');
            setTimeout(() => card.classList.remove('k2-flash'), 1500);
            card.querySelector('summary').focus();
          });
          frag.appendChild(chip);
        });
        node.replaceWith(frag);
      });
    });
  };
  new MutationObserver(chips).observe(document.body, {childList: true, subtree: true});
  const counter = () => {
    const box = document.querySelector('#k2chat-input textarea');
    const note = document.querySelector('#k2chat-counter');
    if (!box || !note) return;
    if (!box.getAttribute('aria-label')) box.setAttribute('aria-label', 'Your question');
    const n = box.value.length;
    note.classList.toggle('k2-over', n > LIMIT);
    note.textContent = n > LIMIT ? `${n} / ${LIMIT} characters: too long by ${n - LIMIT}.`
      : n >= NEAR ? `${n} / ${LIMIT} characters` : '';
  };
  document.addEventListener('input', counter, true);
  setInterval(counter, 1000);
}"""

CSS = """
#k2chat-header h1 { margin: 0; font-size: 1.6rem; font-weight: 700; }
#k2chat-header p { margin: 0; color: var(--body-text-color-subdued); }
#k2chat-banner { border-left: 4px solid #d97706; background: #fffbeb; color: #451a03;
  border-radius: 6px; padding: .6rem .9rem; }
#k2chat-banner p { margin: 0; }
.dark #k2chat-banner { background: #451a03; color: #fef3c7; }
#k2chat-top { align-items: center; flex-wrap: nowrap; }
#k2chat-clear { max-width: 14rem; margin-left: auto; }
#k2chat-examples { flex-wrap: wrap; gap: .4rem; }
#k2chat-examples button { flex: 0 1 auto; min-width: 0; }
.k2-hidden { display: none !important; }
#k2chat-error { border: 2px solid #b91c1c; border-radius: 6px; padding: .5rem .8rem;
  background: #fef2f2; color: #7f1d1d; }
#k2chat-error p { margin: 0 0 .4rem 0; color: #7f1d1d; }
.k2-sources { font-size: 1rem; }
.k2-sources-title { font-weight: 700; margin: 0 0 .3rem 0; }
.k2-card { border: 1px solid var(--border-color-primary); border-radius: 6px;
  margin: .35rem 0; padding: .3rem .6rem; }
.k2-card summary { cursor: pointer; font-size: 1rem; }
.k2-card[open] summary { margin-bottom: .4rem; }
.k2-card.k2-flash { outline: 3px solid #047857; }
.k2-section { font-size: 1rem; }
.k2-section mark { background: #fde68a; color: #111827; }
.k2-marker { font-weight: 700; }
.k2-chip { font: inherit; font-weight: 700; color: #064e3b !important;
  background: #ecfdf5 !important; opacity: 1 !important;
  border: 1px solid #047857; border-radius: 4px; padding: 0 .25rem; cursor: pointer; }
.k2-disclaimer, .k2-disclaimer * { font-size: .8rem !important; line-height: 1.3; }
:focus-visible { outline: 3px solid #047857 !important; outline-offset: 2px; }
#k2chat-input textarea:focus { outline: 3px solid #047857 !important; }
#k2chat-input textarea::placeholder { color: #4b5563; opacity: 1; }
#k2chat-chatbot .bot-row .bot > .message:last-child .prose,
#k2chat-chatbot .bot-row .bot > .message:last-child .prose * { font-size: .8rem !important;
  line-height: 1.35; }
#k2chat-chatbot button[aria-label='Clear'] { display: none; }
#k2chat-counter { font-size: .9rem; color: #374151; margin: 0; min-height: 1.2em; }
#k2chat-counter.k2-over { color: #b91c1c; font-weight: 700; }
footer, footer a { color: #374151 !important; opacity: 1 !important; }
.main.app { padding-left: clamp(8px, 2.5vw, 32px) !important;
  padding-right: clamp(8px, 2.5vw, 32px) !important; }
@media (max-width: 640px) {
  #k2chat-header h1 { font-size: 1.2rem; }
  #k2chat-banner { padding: .3rem .5rem; font-size: .8rem; line-height: 1.3; }
  #k2chat-examples { flex-wrap: nowrap; overflow-x: auto; }
  #k2chat-examples button { flex: 0 0 auto; }
}
"""
THEME = gr.themes.Default(
    primary_hue="emerald",
    neutral_hue="slate",
    font=(gr.themes.LocalFont("IBM Plex Sans", weights=(400, 700)), "ui-sans-serif",
          "system-ui", "sans-serif"),
)


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
    """A user's words for display: Markdown/HTML escaped, cut to the question limit."""
    shown = text if len(text) <= limit else text[:limit] + "…"
    return markdown_escape(shown)


def _unescape(text: str) -> str:
    """Undo :func:`markdown_escape` (every backslash it leaves is an escape)."""
    return re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL)


def _highlighted(text: str, fragments: tuple[str, ...]) -> str:
    """``text`` HTML-escaped, with each verbatim fragment in ``<mark>``."""
    spans: list[tuple[int, int]] = []
    for fragment in fragments:
        at = text.find(fragment) if fragment else -1
        if at >= 0:
            spans.append((at, at + len(fragment)))
    out, pos = [], 0
    for begin, stop in sorted(spans):
        if begin < pos:
            continue
        out.append(html.escape(text[pos:begin]))
        out.append(f"<mark>{html.escape(text[begin:stop])}</mark>")
        pos = stop
    out.append(html.escape(text[pos:]))
    return "".join(out)


def _section_html(section: Section | None, citation: Citation) -> str:
    if section is None:
        return f"<blockquote>{html.escape(citation.quote)}</blockquote>"
    paragraphs = [p for p in re.split(r"\n\s*\n", section.body) if p.strip()]
    shown = "".join(f"<p>{_highlighted(_HEADING.sub('', p.strip()), citation.fragments)}</p>"
                    for p in paragraphs)
    return f'<div class="k2-section">{shown}</div>'


def _sources_html(answer: Answer, turn: int, sections: dict[int, Section]) -> str:
    """One readable card per citation; each opens the whole section, its quote marked."""
    cards = []
    for c in answer.citations:
        card_id = f"k2-src-{turn}-{c.marker}"
        cards.append(
            f'<details class="k2-card" id="{card_id}">'
            f'<summary><span class="k2-marker">[{c.marker}]</span> '
            f"{html.escape(c.location)}</summary>"
            f"{_section_html(sections.get(c.section), c)}</details>"
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


# --- The conversation the server keeps ---------------------------------------------------------

class Conversation:
    """One visitor's conversation, kept on the server: the turns it answered, by number.

    Votes name a turn by its place in the page, and the server looks the answer up here; nothing
    the browser sends back is taken as a question or an answer.
    """

    def __init__(self, settings: Settings) -> None:
        self.chat = Chat(settings)
        self.turns: list[tuple[str, Answer]] = []
        self.lock = threading.Lock()

    def ask(self, settings: Settings, question: str) -> Answer:
        question = readable(question)  # k2chat.textgate: a lone surrogate cannot be shown again
        with self.lock:
            if len(question) > settings.max_question_chars:
                # The library's own refusal, before any work on an oversized text.
                answer = Answer(question[:200], too_long_message(settings.max_question_chars),
                                grounded=False)
            elif len(self.turns) >= MAX_TURNS:
                answer = Answer(question[:200], LONG_CONVERSATION, grounded=False)
            else:
                answer = _answer(self.chat, question)
            self.turns.append((question[: settings.max_question_chars], answer))
            return answer

    def turn_at(self, index: int) -> Answer | None:
        """The answer shown at message ``index`` of :meth:`messages`, if there is one."""
        for turn, (start, stop) in enumerate(self._spans()):
            if start <= index < stop:
                return self.turns[turn][1]
        return None

    def _spans(self) -> list[tuple[int, int]]:
        spans, at = [], 0
        for _, answer in self.turns:
            size = 1 + (3 if answer.citations else 2)
            spans.append((at, at + size))
            at += size
        return spans

    def messages(self, sections: dict[int, Section], limit: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for turn, (question, answer) in enumerate(self.turns):
            out.append({"role": "user", "content": _as_text(question, limit)})
            out.append({"role": "assistant", "content": answer.body_markdown()})
            if answer.citations:
                out.append({"role": "assistant", "content": _sources_html(answer, turn, sections)})
            last: dict[str, Any] = {"role": "assistant", "content": answer.disclaimer_markdown()}
            if not answer.grounded and not answer.emergency:
                # A refusal offers questions the article does answer, as buttons that ask them
                # (Gradio shows the options of the conversation's last message).
                last["options"] = [{"label": q, "value": q} for q in EXAMPLE_QUESTIONS]
            out.append(last)
        return out


def _answer(chat: Chat, question: str) -> Answer:
    try:
        return chat.ask(question)
    except K2ChatError as exc:
        text = f"k2chat cannot answer right now: {markdown_escape(str(exc))}"
    except Exception:
        log.exception("Unexpected error while answering")
        text = "Something went wrong while answering. Please try again."
    return Answer(question[:200], text, grounded=False)


class _Conversations:
    """Conversations by key: the random token a page keeps, or an API client's Gradio session
    (bounded, the least recently used dropped)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._by_key: OrderedDict[str, Conversation] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_new(self, key: str, settings: Settings) -> Conversation:
        """The conversation kept under ``key`` (an API client's session), made if there is
        none."""
        return self.get(key) or self._add(key, Conversation(settings))

    def _add(self, key: str, conversation: Conversation) -> Conversation:
        with self._lock:
            conversation = self._by_key.setdefault(key, conversation)
            while len(self._by_key) > self.capacity:
                self._by_key.popitem(last=False)
        return conversation

    def get(self, token: Any) -> Conversation | None:
        with self._lock:
            if not isinstance(token, str) or token not in self._by_key:
                return None
            self._by_key.move_to_end(token)
            return self._by_key[token]

    def new(self, settings: Settings) -> tuple[str, Conversation]:
        token = secrets.token_urlsafe(16)
        return token, self._add(token, Conversation(settings))


def respond(settings: Settings, message: Any, conversation: Conversation | None = None
            ) -> list[dict[str, Any]]:
    """Answer one question (in ``conversation`` if given) as the API's messages."""
    conversation = conversation or Conversation(settings)
    return _messages(conversation.ask(settings, _text_of(message)))


def _rating(liked: Any) -> bool | None:
    """LikeData.liked: True (like), False (dislike), "" or None when a vote is taken back."""
    return liked if isinstance(liked, bool) else None


# --- The app -----------------------------------------------------------------------------------

def _sections(settings: Settings) -> dict[int, Section]:
    try:
        return {s.number: s for s in read_corpus(settings.corpus_dir) if not s.navigation}
    except K2ChatError:
        log.warning("The corpus could not be read; source cards show the quote only")
        return {}


def create_app(settings: Settings) -> gr.Blocks:
    sections = _sections(settings)
    conversations = _Conversations(SESSION_CAPACITY)  # the page's, by the browser's token
    api_conversations = _Conversations(SESSION_CAPACITY)  # API clients', by Gradio session
    limit = settings.max_question_chars

    def shown(conversation: Conversation | None) -> list[dict[str, Any]]:
        return conversation.messages(sections, limit) if conversation else []

    def restore(token: Any) -> tuple[list[dict[str, Any]], Any]:
        return shown(conversations.get(token)), token

    def submit(question: str, token: Any) -> tuple[Any, Any]:
        if not (question or "").strip():
            return gr.skip(), gr.skip()
        conversation = conversations.get(token)
        if conversation is None:
            token, conversation = conversations.new(settings)
        conversation.ask(settings, question)
        return shown(conversation), token

    def pick(token: Any, data: gr.SelectData) -> tuple[Any, Any]:
        return submit(str(data.value or ""), token)

    def new_conversation() -> tuple[list[Any], str, str]:
        # A fresh token: the browser stores only a non-empty value, so "" would keep the old one.
        return [], conversations.new(settings)[0], ""

    def on_like(token: Any, data: gr.LikeData) -> None:
        conversation = conversations.get(token)
        index = data.index if isinstance(data.index, int) else data.index[0]
        answer = conversation.turn_at(index) if conversation and isinstance(index, int) else None
        if answer is None:
            return  # a vote for a turn this server never answered: nothing to record
        try:
            record_feedback(settings.feedback_path, _rating(data.liked), answer)
        except FeedbackError as exc:
            gr.Warning(str(exc))
        except Exception:
            log.exception("Could not record feedback")
            gr.Warning("Your vote could not be saved. Please try again.")

    def api_ask(question: str, request: gr.Request) -> list[dict[str, Any]]:
        # An API client's conversation is its Gradio session (gradio_client: one per Client,
        # reset_session() starts another), kept here, not in Gradio's state.
        key = str(request.session_hash)
        return respond(settings, question, api_conversations.get_or_new(key, settings))

    with gr.Blocks(title=TITLE, analytics_enabled=False, fill_height=True) as app:
        with gr.Row(elem_id="k2chat-top", equal_height=True):
            gr.Markdown(f"# {TITLE}", elem_id="k2chat-header")
            clear_btn = gr.Button("New conversation", size="sm", variant="secondary",
                                  elem_id="k2chat-clear", scale=0, min_width=150)
        gr.Markdown(BANNER, elem_id="k2chat-banner")
        saved = gr.BrowserState(None, storage_key="k2chat-conversation")
        chatbot = gr.Chatbot(
            label="Conversation",
            show_label=False,
            elem_id="k2chat-chatbot",
            scale=1,
            height="calc(100vh - 330px)",
            min_height=300,
            buttons=["copy"],
            sanitize_html=True,
            allow_tags=False,
            latex_delimiters=[],
            render_markdown=True,
            feedback_options=("Like", "Dislike"),
            autoscroll=False,
            placeholder="**Ask about vitamin K2 doses, forms, evidence and safety.**\n\n"
                        "Pick an example or type your own question.",
        )
        with gr.Group(elem_id="k2chat-error", elem_classes=["k2-hidden"]):
            gr.Markdown("The answer did not arrive (the connection failed). Your question and "
                        "the conversation are kept.", elem_id="k2chat-error-text")
            retry = gr.Button("Retry", size="sm", variant="primary", elem_id="k2chat-retry")
        textbox = gr.Textbox(
            label="Your question",
            placeholder="Ask a question about vitamin K2 and bone health",
            submit_btn="Send",
            show_label=False,
            lines=1,
            max_lines=6,
            elem_id="k2chat-input",
        )
        gr.HTML('<p id="k2chat-counter" aria-live="polite"></p>', elem_id="k2chat-counter-box")
        with gr.Row(elem_id="k2chat-examples"):
            examples = [gr.Button(q, size="sm", variant="secondary", elem_classes=["k2-example"])
                        for q in EXAMPLE_QUESTIONS]
        api_question = gr.Textbox(visible=False)
        api_answer = gr.JSON(visible=False)
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
        app.load(restore, saved, [chatbot, saved], queue=False, api_visibility="private")
        clear_btn.click(new_conversation, None, [chatbot, saved, textbox], queue=False,
                        api_visibility="private")
        chatbot.like(on_like, saved, None, api_visibility="private")
        api_button.click(api_ask, api_question, api_answer,
                         api_name=API_NAME, concurrency_limit=settings.concurrency_limit,
                         api_description="Ask one question; returns the answer's messages: body "
                         "with [n] markers, Sources (if any) and the disclaimer. Each client "
                         "session is its own conversation.")
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
    get_pipeline(settings)  # build or load the index before the first visitor
    repair(settings.feedback_path)  # set aside a partial last vote before taking new ones
    app = create_app(settings)
    app.queue(default_concurrency_limit=settings.concurrency_limit, max_size=QUEUE_MAX_SIZE)
    door = Door(app, settings)  # k2chat.serving: the allow-list, limits and graceful stop
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
        css=CSS,
        js=PAGE_JS % {"limit": settings.max_question_chars, "pending": PENDING_KEY},
    )
    door.opened(app)
    return app


def serve(settings: Settings) -> None:
    url = f"http://{settings.host}:{settings.port}"
    print(f"k2chat: starting on {url}", flush=True)
    app = launch(settings)
    print(f"k2chat: ready: open {url} (Ctrl+C stops it)", flush=True)
    run_until_stopped(app, settings.shutdown_grace)

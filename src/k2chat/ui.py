"""The Gradio chat. It renders what the Python API returns and nothing else."""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Iterator
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from k2chat.answer import EXAMPLE_QUESTIONS
from k2chat.chat import Chat
from k2chat.errors import K2ChatError, PortInUseError
from k2chat.feedback import record_feedback, repair
from k2chat.guard import Guard, allowed_hosts
from k2chat.pipeline import get_pipeline
from k2chat.safety import BANNER
from k2chat.settings import Settings
from k2chat.text import markdown_escape
from k2chat.types import Answer

__all__ = ["API_NAME", "create_app", "respond", "launch", "serve", "check_port"]

log = logging.getLogger(__name__)

API_NAME = "ask"  # the stable endpoint: /gradio_api/call/ask, client.predict(..., api_name="/ask")
TITLE = "k2chat · Vitamin K2 and bone health"
SOURCES_TITLE = "Sources"
STREAM_STEPS = 6
SESSION_CAPACITY = 500  # conversations kept in memory; the oldest are dropped beyond this
MAX_HISTORY_QUESTIONS = 50  # earlier questions a follow-up is resolved against (bounds the work)

CSS = """
#k2chat-header h1 { margin: 0; font-size: 1.6rem; font-weight: 700; }
#k2chat-header p { margin: 0; color: var(--body-text-color-subdued); }
#k2chat-banner { border-left: 4px solid #d97706; background: #fffbeb; color: #451a03;
  border-radius: 6px; padding: .6rem .9rem; }
#k2chat-banner p { margin: 0; }
.dark #k2chat-banner { background: #451a03; color: #fef3c7; }
#k2chat-clear { max-width: 14rem; margin-left: auto; }
.main.app { padding-left: clamp(8px, 2.5vw, 32px) !important;
  padding-right: clamp(8px, 2.5vw, 32px) !important; }
@media (max-width: 640px) {
  #k2chat-header h1 { font-size: 1.2rem; }
  #k2chat-banner { padding: .4rem .6rem; font-size: .9rem; }
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


def _role(message: Any) -> str:
    return str(message.get("role") if isinstance(message, dict) else getattr(message, "role", ""))


def _questions(history: list[Any]) -> list[str]:
    """The user's questions in a chat history, as typed (the display escapes them)."""
    out = []
    for message in history or []:
        content = (message.get("content") if isinstance(message, dict)
                   else getattr(message, "content", ""))
        if _role(message) == "user":
            out.append(_unescape(_text_of(content)))
    return out[-MAX_HISTORY_QUESTIONS:]


def _messages(answer: Answer, body: str | None = None) -> list[dict[str, Any]]:
    """Body (with markers), a collapsible Sources block, then the disclaimer."""
    messages: list[dict[str, Any]] = [
        {"role": "assistant", "content": answer.body_markdown() if body is None else body}
    ]
    if body is None:
        if answer.citations:
            messages.append({
                "role": "assistant",
                "content": answer.sources_markdown(),
                "metadata": {"title": f"{SOURCES_TITLE} ({len(answer.citations)})",
                             "status": "done"},
            })
        messages.append({"role": "assistant", "content": answer.disclaimer_markdown()})
    return messages


class _ChatInterface(gr.ChatInterface):
    """``gr.ChatInterface`` that shows the user's words as text, never as Markdown or HTML.

    The chat history keeps each question escaped (and cut to the question limit); retry and
    undo get the typed text back, and :func:`_questions` reads it back the same way.
    """

    def __init__(self, *args: Any, max_chars: int, **kwargs: Any) -> None:
        self.max_chars = max_chars
        super().__init__(*args, **kwargs)

    def _append_message_to_history(self, message: Any, history: Any, role: Any = "user") -> Any:
        if role == "user":
            if isinstance(message, str):
                message = _as_text(message, self.max_chars)
            elif isinstance(message, dict) and "text" in message and "content" not in message:
                message = {**message, "text": _as_text(str(message["text"]), self.max_chars)}
        return super()._append_message_to_history(message, history, role)

    def _pop_last_user_message(self, history: Any) -> Any:
        history_, message = super()._pop_last_user_message(history)
        return history_, _unescape(message) if isinstance(message, str) else message


# --- Answering ---------------------------------------------------------------------------------

def answer_for(settings: Settings, message: str, history: list[Any]) -> Answer:
    chat = Chat(settings, history=_questions(history))
    return chat.ask(message)


def respond(settings: Settings, message: Any, history: list[Any]) -> Iterator[list[dict[str, Any]]]:
    """Stream one answer: the body in a few steps, then body, sources and disclaimer."""
    question = _text_of(message)
    try:
        answer = answer_for(settings, question, history)
    except K2ChatError as exc:
        text = f"k2chat cannot answer right now: {markdown_escape(str(exc))}"
        yield _messages(Answer(question[:200], text, grounded=False))
        return
    except Exception:
        log.exception("Unexpected error while answering")
        text = "Something went wrong while answering. Please try again."
        yield _messages(Answer(question[:200], text, grounded=False))
        return
    body = answer.body_markdown()
    words = body.split(" ")
    step = max(1, len(words) // STREAM_STEPS)
    for end in range(step, len(words), step):
        yield _messages(answer, " ".join(words[:end]))
    yield _messages(answer)


def _last_user(history: list[Any]) -> int | None:
    for i in range(len(history) - 1, -1, -1):
        if _role(history[i]) == "user":
            return i
    return None


def answer_at(settings: Settings, history: list[Any], index: int) -> Answer | None:
    """The answer shown at ``index`` of a chat history, answered again from the same turns.

    Answers are deterministic, so this gives the displayed answer with its cited chunk ids.
    """
    earlier = history[: index + 1]
    user = _last_user(earlier)
    if user is None:
        return None
    question = _questions(earlier[user : user + 1])[0]
    return answer_for(settings, question, earlier[:user])


def _rating(liked: Any) -> bool | None:
    """LikeData.liked: True (like), False (dislike), "" or None when a vote is taken back."""
    return liked if isinstance(liked, bool) else None


# --- The app -----------------------------------------------------------------------------------

def create_app(settings: Settings) -> gr.Blocks:
    def chat_fn(message: str, history: list[Any]) -> Iterator[list[dict[str, Any]]]:
        yield from respond(settings, message, history)

    def on_like(history: list[Any], data: gr.LikeData) -> None:
        try:
            index = data.index if isinstance(data.index, int) else data.index[0]
            answer = answer_at(settings, history, index)
            if answer is not None:
                record_feedback(settings.feedback_path, _rating(data.liked), answer)
        except Exception:
            log.exception("Could not record feedback")

    def clear() -> tuple[list[Any], list[Any], list[Any]]:
        return [], [], []

    with gr.Blocks(title=TITLE, analytics_enabled=False, fill_height=True) as app:
        gr.Markdown(f"# {TITLE}", elem_id="k2chat-header")
        gr.Markdown(BANNER, elem_id="k2chat-banner")
        chatbot = gr.Chatbot(
            label="k2chat",
            show_label=False,
            elem_id="k2chat-chatbot",
            scale=1,
            height="calc(100vh - 300px)",
            min_height=360,
            buttons=["copy", "copy_all"],
            sanitize_html=True,
            allow_tags=False,
            latex_delimiters=[],
            render_markdown=True,
            feedback_options=("Like", "Dislike"),
            placeholder="**Ask about vitamin K2 doses, forms, evidence and safety.**\n\n"
                        "Pick an example or type your own question.",
        )
        textbox = gr.Textbox(
            placeholder="Ask a question about vitamin K2 and bone health",
            max_length=settings.max_question_chars,
            submit_btn=True,
            show_label=False,
            elem_id="k2chat-input",
        )
        chat = _ChatInterface(
            chat_fn,
            max_chars=settings.max_question_chars,
            chatbot=chatbot,
            textbox=textbox,
            examples=list(EXAMPLE_QUESTIONS),
            api_name=API_NAME,
            api_description="Ask one question; returns the answer's messages: body with [n] "
                            "markers, Sources (if any) and the disclaimer. Each client session "
                            "is its own conversation.",
            concurrency_limit=settings.concurrency_limit,
            flagging_mode="never",
            save_history=False,
            analytics_enabled=False,
            fill_height=True,
        )
        clear_btn = gr.Button("Clear conversation", size="sm", variant="secondary",
                              elem_id="k2chat-clear")
        clear_btn.click(clear, None, [chatbot, chat.chatbot_state, chat.chatbot_value],
                        queue=False, api_visibility="private")
        chatbot.like(on_like, chatbot, None, api_visibility="private")
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


def launch(settings: Settings, *, block: bool = True) -> Any:
    """Load the pipeline, build the app and start serving; returns the app."""
    check_port(settings.host, settings.port)
    get_pipeline(settings)  # build or load the index before the first visitor
    repair(settings.feedback_path)  # set aside a partial last vote before taking new ones
    app = create_app(settings)
    app.queue(default_concurrency_limit=settings.concurrency_limit, max_size=256)
    guard = Middleware(
        Guard,
        hosts=allowed_hosts(settings.host, settings.allowed_hosts),
        frame_ancestors=settings.frame_ancestors,
        event_ids=lambda: app.fns.keys(),
    )
    app.launch(
        app_kwargs={"middleware": [guard]},  # Host check, no uploads, size cap, headers
        state_session_capacity=SESSION_CAPACITY,  # Gradio keeps 10,000 sessions by default
        server_name=settings.host,  # 127.0.0.1 unless K2CHAT_HOST says otherwise
        server_port=settings.port,
        share=False,
        show_error=False,
        max_file_size="1mb",
        strict_cors=True,
        enable_monitoring=False,
        run_history=False,
        ssr_mode=False,
        prevent_thread_lock=not block,
        quiet=True,  # serve() prints the address; Gradio's own banner suggests share=True
        pwa=False,
        mcp_server=False,
        footer_links=["api"],
        theme=THEME,
        css=CSS,
    )
    return app


def serve(settings: Settings) -> None:
    print(f"k2chat: starting on http://{settings.host}:{settings.port}", flush=True)
    launch(settings, block=True)

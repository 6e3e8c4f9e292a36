"""The Gradio chat. It renders what the Python API returns and nothing else."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from typing import Any

import gradio as gr

from k2chat.answer import EXAMPLE_QUESTIONS
from k2chat.chat import Chat
from k2chat.errors import K2ChatError, PortInUseError
from k2chat.feedback import record_feedback
from k2chat.pipeline import get_pipeline
from k2chat.safety import BANNER, DISCLAIMER
from k2chat.settings import Settings
from k2chat.types import Answer

__all__ = ["API_NAME", "create_app", "respond", "serve", "check_port"]

log = logging.getLogger(__name__)

API_NAME = "ask"  # the stable endpoint: /gradio_api/call/ask, client.predict(..., api_name="/ask")
SOURCES_TITLE = "Sources"
STREAM_STEPS = 6



def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text") or content.get("content") or "")
    if isinstance(content, list | tuple):
        return " ".join(_text_of(c) for c in content)
    return ""


def _questions(history: list[Any]) -> list[str]:
    out = []
    for message in history or []:
        role = message.get("role") if isinstance(message, dict) else getattr(message, "role", "")
        content = (message.get("content") if isinstance(message, dict)
                   else getattr(message, "content", ""))
        if role == "user":
            out.append(_text_of(content))
    return out


def _messages(answer: Answer, body: str | None = None) -> list[dict[str, Any]]:
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


def _error_messages(text: str) -> list[dict[str, Any]]:
    return [{"role": "assistant", "content": text},
            {"role": "assistant", "content": f"_{DISCLAIMER}_"}]


def answer_for(settings: Settings, message: str, history: list[Any]) -> Answer:
    chat = Chat(settings, history=_questions(history))
    return chat.ask(message)


def respond(settings: Settings, message: Any, history: list[Any]) -> Iterator[list[dict[str, Any]]]:
    """Stream one answer: the body in a few steps, then body, sources and disclaimer."""
    try:
        answer = answer_for(settings, _text_of(message), history)
    except K2ChatError as exc:
        yield _error_messages(f"k2chat cannot answer right now: {exc}")
        return
    except Exception:
        log.exception("Unexpected error while answering")
        yield _error_messages("Something went wrong while answering. Please try again.")
        return
    body = answer.body_markdown()
    words = body.split(" ")
    step = max(1, len(words) // STREAM_STEPS)
    for end in range(step, len(words), step):
        yield _messages(answer, " ".join(words[:end]))
    yield _messages(answer)


def create_app(settings: Settings) -> gr.Blocks:
    def chat_fn(message: str, history: list[Any]) -> Iterator[list[dict[str, Any]]]:
        yield from respond(settings, message, history)

    def on_like(history: list[Any], data: gr.LikeData) -> None:
        try:
            index = data.index if isinstance(data.index, int) else data.index[0]
            earlier = history[: index + 1]
            questions = _questions(earlier)
            if not questions:
                return
            answer = answer_for(settings, questions[-1], earlier[: _last_user(earlier)])
            record_feedback(settings.feedback_path, bool(data.liked), answer)
        except Exception:
            log.exception("Could not record feedback")

    with gr.Blocks(title="k2chat · Vitamin K2 and bone health", analytics_enabled=False) as app:
        gr.Markdown(BANNER, elem_id="k2chat-banner")
        chatbot = gr.Chatbot(
            label="k2chat",
            elem_id="k2chat-chatbot",
            height=560,
            buttons=["copy", "copy_all"],
            sanitize_html=True,
            render_markdown=True,
            feedback_options=("Like", "Dislike"),
            placeholder="Ask about vitamin K2 doses, forms, evidence and safety.",
        )
        textbox = gr.Textbox(
            placeholder="Ask a question about vitamin K2 and bone health",
            max_length=settings.max_question_chars,
            submit_btn=True,
            show_label=False,
            elem_id="k2chat-input",
        )
        gr.ChatInterface(
            chat_fn,
            chatbot=chatbot,
            textbox=textbox,
            examples=list(EXAMPLE_QUESTIONS),
            api_name=API_NAME,
            concurrency_limit=settings.concurrency_limit,
            flagging_mode="never",
            save_history=False,
            fill_height=True,
        )
        chatbot.like(on_like, chatbot, None, api_visibility="undocumented")
    return app


def _last_user(history: list[Any]) -> int:
    for i in range(len(history) - 1, -1, -1):
        message = history[i]
        role = message.get("role") if isinstance(message, dict) else getattr(message, "role", "")
        if role == "user":
            return i
    return 0


def check_port(host: str, port: int) -> None:
    """Fail early, with a suggestion, when the port is taken."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
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
    app = create_app(settings)
    app.queue(default_concurrency_limit=settings.concurrency_limit, max_size=256)
    app.launch(
        server_name=settings.host,
        server_port=settings.port,
        share=False,
        show_error=False,
        max_file_size="1mb",
        ssr_mode=False,
        prevent_thread_lock=not block,
        quiet=not block,
        pwa=False,
        mcp_server=False,
        footer_links=["api"],
    )
    return app


def serve(settings: Settings) -> None:
    print(f"k2chat: starting on http://{settings.host}:{settings.port}", flush=True)
    launch(settings, block=True)

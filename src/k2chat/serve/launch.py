"""Starting the served chat: the port check (with a free port to suggest), loading the
pipeline and the related questions before the first visitor, the queue, Gradio's launch
options (theme, the page's static CSS and JavaScript, no monitoring, no MCP) behind the
door (:mod:`k2chat.serve.serving`), and ``serve`` for ``k2chat serve``.
"""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from typing import Any

import gradio as gr

from k2chat.errors import PortInUseError
from k2chat.pipeline import get_pipeline
from k2chat.related import ensure as ensure_related
from k2chat.serve.feedback import repair
from k2chat.serve.serving import Door, run_until_stopped
from k2chat.serve.ui import create_app
from k2chat.settings import Settings

__all__ = ["QUEUE_MAX_SIZE", "check_port", "launch", "serve"]

log = logging.getLogger(__name__)


QUEUE_MAX_SIZE = 256  # requests waiting for a worker; more get Gradio's "queue is full" message
STATIC = Path(__file__).with_name("static")  # page.css and page.js, served inline with the page
THEME = gr.themes.Default(
    primary_hue="emerald",
    neutral_hue="slate",
    font=(gr.themes.LocalFont("IBM Plex Sans", weights=(400, 700)), "ui-sans-serif",
          "system-ui", "sans-serif"),
)


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

"""The reference for bench/concurrency.py: a bare Gradio chat app that answers at once.

A ``gr.ChatInterface`` whose function returns one fixed text, on the same endpoint name
(``/ask``), queue and launch settings as ``k2chat serve`` (src/k2chat/serve/launch.py's
``launch``), so the
difference between the two is what k2chat itself costs. Not part of the package.

    .venv/bin/python bench/bare_chat.py --port 7861
"""

from __future__ import annotations

import argparse
import os
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "1")  # as k2chat/offline.py sets it
import gradio as gr  # noqa: E402

ANSWER = "A fixed answer, the same for every question."
CONCURRENCY_LIMIT = 8  # k2chat's default (Settings.concurrency_limit)
QUEUE_MAX_SIZE = 256  # as src/k2chat/serve/launch.py's QUEUE_MAX_SIZE
SESSION_CAPACITY = QUEUE_MAX_SIZE + CONCURRENCY_LIMIT  # as launch.launch's state_session_capacity


def answer(message: str, history: list[Any]) -> str:
    return ANSWER


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, required=True)
    args = p.parse_args()
    with gr.Blocks(title="bare", analytics_enabled=False) as app:
        gr.ChatInterface(answer, api_name="ask", concurrency_limit=CONCURRENCY_LIMIT,
                         flagging_mode="never", save_history=False, analytics_enabled=False)
    app.queue(default_concurrency_limit=CONCURRENCY_LIMIT, max_size=QUEUE_MAX_SIZE)
    app.launch(state_session_capacity=SESSION_CAPACITY, server_name="127.0.0.1",
               server_port=args.port, share=False, show_error=False, strict_cors=True,
               enable_monitoring=False, ssr_mode=False, quiet=True, pwa=False,
               mcp_server=False)


if __name__ == "__main__":
    main()

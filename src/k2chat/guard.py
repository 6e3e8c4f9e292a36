"""HTTP hardening for the served chat: one ASGI middleware in front of Gradio's routes.

It refuses, before any work is done:
- requests whose ``Host`` is not one of this server's names (DNS rebinding: a foreign page whose
  name resolves to 127.0.0.1 would otherwise be "same origin");
- file uploads (the chat takes no files, so Gradio's upload routes are closed);
- request bodies larger than the server could ever need (:data:`MAX_BODY_BYTES`);
- queue and run calls naming an event the app does not have (Gradio answers those with a 500).

Every response carries ``Content-Security-Policy`` (with ``frame-ancestors``),
``X-Frame-Options`` and ``X-Content-Type-Options: nosniff``.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Awaitable, Callable, Collection, MutableMapping
from typing import Any

__all__ = ["Guard", "allowed_hosts", "security_headers", "MAX_BODY_BYTES"]

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# The largest body a real page sends is an event carrying the chat's messages (the Chatbot's
# value goes back with each event). 50 turns (ui.MAX_HISTORY_QUESTIONS) of the longest answers
# seen in the blind rounds (~2.5 KB of Markdown each, with sources and disclaimer) plus
# questions at the 2,000-character limit come to about 0.4 MB of JSON; 1 MiB leaves room for
# Unicode escapes. Anything bigger is refused with 413 before it is parsed.
MAX_BODY_BYTES = 1024 * 1024
_LOCAL_NAMES = ("localhost", "127.0.0.1", "::1")
_UPLOAD_PATHS = ("/upload", "/upload_progress")
_CALL_PATHS = ("/queue/join", "/run/predict", "/api/predict")

# Gradio's page needs inline scripts and styles (its config is an inline script) and opens
# no connection to other origins; everything else is same-origin only.
_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
        "connect-src 'self'; media-src 'self' blob:; worker-src 'self' blob:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors {ancestors}")


def allowed_hosts(bind_host: str, extra: Collection[str] = ()) -> frozenset[str]:
    """The host names this server answers to: loopback names, the bound address, ``extra``.

    Bound to every interface (``0.0.0.0`` / ``::``), the machine's own name and addresses
    are added too; other names (a reverse proxy's public name) come from ``extra``.
    """
    names = {*_LOCAL_NAMES, bind_host.strip("[]").lower(), *(h.strip().lower() for h in extra)}
    if bind_host in ("0.0.0.0", "::", ""):
        hostname = socket.gethostname().lower()
        names.add(hostname)
        try:
            names.update(str(info[4][0]) for info in socket.getaddrinfo(hostname, None))
        except OSError:
            pass
    return frozenset(n for n in names if n)


def _host_name(raw: str) -> str:
    """``example.org:7860`` -> ``example.org``; ``[::1]:7860`` -> ``::1``."""
    raw = raw.strip().lower()
    if raw.startswith("["):
        return raw[1:].split("]", 1)[0]
    return raw.rsplit(":", 1)[0] if raw.count(":") == 1 else raw


def security_headers(frame_ancestors: str) -> list[tuple[bytes, bytes]]:
    x_frame = b"SAMEORIGIN" if frame_ancestors.strip() == "'self'" else None
    headers = [
        (b"content-security-policy", _CSP.format(ancestors=frame_ancestors).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
    ]
    if x_frame:  # X-Frame-Options cannot name other sites; frame-ancestors does that
        headers.append((b"x-frame-options", x_frame))
    return headers


class Guard:
    """ASGI middleware; ``event_ids`` gives the app's valid event (``fn_index``) numbers."""

    def __init__(self, app: ASGIApp, *, hosts: frozenset[str], frame_ancestors: str,
                 event_ids: Callable[[], Collection[int]], max_body: int = MAX_BODY_BYTES
                 ) -> None:
        self.app = app
        self.hosts = hosts
        self.headers = security_headers(frame_ancestors)
        self.event_ids = event_ids
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        host = _host_name(headers.get(b"host", b"").decode("latin-1"))
        if host not in self.hosts:
            log.warning("Refused a request for unknown host %r", host)
            await self._refuse(scope, send, 421, "Unknown host name. Set K2CHAT_ALLOWED_HOSTS "
                                                 "to serve under this name.")
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        if path.endswith(_UPLOAD_PATHS):
            await self._refuse(scope, send, 403, "This chat takes no files.")
            return
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            await self._refuse(scope, send, 413, "The request is too large.")
            return
        if scope.get("method") == "POST":
            body, too_big = await self._read_body(receive)
            if too_big:
                await self._refuse(scope, send, 413, "The request is too large.")
                return
            if path.endswith(_CALL_PATHS) and not self._known_event(body):
                await self._refuse(scope, send, 422, "Unknown event (fn_index).")
                return
            receive = _replay(body, receive)
        await self.app(scope, receive, self._with_headers(send))

    async def _read_body(self, receive: Receive) -> tuple[bytes, bool]:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks), False
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return b"", True
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), False

    def _known_event(self, body: bytes) -> bool:
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return True  # not JSON: Gradio's own validation answers it with a 4xx
        fn_index = data.get("fn_index") if isinstance(data, dict) else None
        if fn_index is None:
            return True
        return isinstance(fn_index, int) and fn_index in self.event_ids()

    def _with_headers(self, send: Send) -> Send:
        async def sender(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in names]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)
        return sender

    async def _refuse(self, scope: Scope, send: Send, status: int, text: str) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        body = json.dumps({"error": text}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()), *self.headers]})
        await send({"type": "http.response.body", "body": body})


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the already-read body once, then waits as the original."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()
    return replay

"""The door of the served chat: one ASGI middleware in front of Gradio's routes.

It answers only what the page and the public ``/ask`` API use (:data:`ROUTES`, an allow-list),
and checks every field a client sends, before Gradio sees the request:

- a ``Host`` that is not one of this server's names is refused (421: DNS rebinding);
- a path not on the allow-list is 404, a listed path with another method 405; file uploads
  are 403 (the chat takes no files); the only API name is ``ask`` (``/gradio_api/call/ask``):
  the page's own functions are reached by event number only, as the page does;
- a body over :data:`MAX_BODY_BYTES` is 413, a body that takes longer than
  :data:`BODY_TIMEOUT_S` to arrive is 408;
- JSON bodies must be one object of the fields Gradio defines, each of its type and format:
  session hash and event id by pattern and length, ``fn_index`` one of the app's events with
  as many ``data`` items as that event has inputs, finite numbers, nesting at most
  :data:`MAX_JSON_DEPTH` deep. A client's mistake is a 4xx with a short JSON reason, logged as
  one INFO line, never a 500;
- ``X-Forwarded-*`` and ``Forwarded`` headers are dropped unless the peer is a proxy named in
  ``K2CHAT_TRUSTED_PROXIES``; CORS headers go only to the page's own origin.

Every response carries ``Content-Security-Policy`` (with ``frame-ancestors``),
``X-Frame-Options`` and ``X-Content-Type-Options: nosniff``. :class:`InFlight` counts the
questions being answered, so that a stopping server finishes them (:mod:`k2chat.stopping`).

This module is the door itself (host, path, size, time, proxy and CORS headers); what each
field of a request must look like is checked in :mod:`k2chat.serve.checks`, and the count of
work in flight is :mod:`k2chat.serve.inflight`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import socket
import time
from collections.abc import Awaitable, Callable, Collection, Mapping, MutableMapping
from typing import Any

from k2chat.serve.checks import (
    Refused,
    check_ask,
    check_cancel,
    check_event,
    check_event_id,
    check_query,
    check_session,
    parse_body,
    route,
)
from k2chat.serve.inflight import InFlight

__all__ = ["Guard", "OwnOriginCors", "allowed_hosts", "security_headers", "MAX_BODY_BYTES",
           "trusted_networks"]

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# The largest body a real page sends is a question with the conversation the browser keeps
# (sealed, ASCII; issue 23): at most conversation.MAX_ENVELOPE_CHARS = 600,000 characters, plus
# the question (the page sends an over-limit question too, for the server to say it is too
# long). 1 MiB leaves ~400 kB for the question. Anything bigger is refused with 413 before it
# is parsed.
MAX_BODY_BYTES = 1024 * 1024
# A 1 MiB body over the slowest link we serve (a 2G phone, ~50 kB/s) takes ~20 s; a client
# slower than that holds a worker for nothing and is dropped (issue 22, item 7).
BODY_TIMEOUT_S = 30.0

_UPLOAD_PATHS = ("/upload", "/upload_progress")
_FORWARDED = (b"forwarded", b"x-forwarded-for", b"x-forwarded-host", b"x-forwarded-proto",
              b"x-forwarded-port", b"x-forwarded-prefix", b"x-real-ip")

_QUESTIONS = frozenset({"event", "ask"})  # kinds that start work: refused while stopping

# Gradio's page needs inline scripts and styles (its config is an inline script) and opens
# no connection to other origins; everything else is same-origin only.
_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
        "connect-src 'self'; media-src 'self' blob:; worker-src 'self' blob:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors {ancestors}")
_LOCAL_NAMES = ("localhost", "127.0.0.1", "::1")


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


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(proxies: Collection[str]) -> tuple[Network, ...]:
    """``K2CHAT_TRUSTED_PROXIES`` entries (addresses or networks) as networks."""
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


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


# --- The middleware --------------------------------------------------------------------------

class Guard:
    """ASGI middleware; ``event_inputs`` gives the app's events that run a function, each with
    its number of inputs; ``in_flight`` is shared with the code that stops the server."""

    def __init__(self, app: ASGIApp, *, hosts: frozenset[str], frame_ancestors: str,
                 event_inputs: Callable[[], Mapping[int, int]],
                 in_flight: InFlight | None = None, trusted_proxies: Collection[str] = (),
                 max_body: int = MAX_BODY_BYTES, body_timeout: float = BODY_TIMEOUT_S) -> None:
        self.app = app
        self.hosts = hosts
        self.headers = security_headers(frame_ancestors)
        self.event_inputs = event_inputs
        self.in_flight = in_flight or InFlight()
        self.proxies = trusted_networks(trusted_proxies)
        self.max_body = max_body
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        try:
            await self._door(scope, receive, send)
        except Refused as refused:
            client = (scope.get("client") or ("?",))[0]
            log.info("Refused %s %s from %s: %d %s", scope.get("method", "WS"),
                     scope.get("path", "")[:100], client, refused.status, refused.reason)
            await self._refuse(scope, send, refused.status, refused.reason)

    async def _door(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers") or [])
        host = _host_name(headers.get(b"host", b"").decode("latin-1"))
        if host not in self.hosts:
            log.warning("Refused a request for unknown host %r", host[:100])
            raise Refused(421, "Unknown host name. Set K2CHAT_ALLOWED_HOSTS to serve under "
                               "this name.")
        if scope["type"] == "websocket":
            raise Refused(404, "Not found.")  # neither the page nor the API uses websockets
        trusted = self._from_proxy(scope)
        if not trusted:
            scope = dict(scope)
            scope["headers"] = [(k, v) for k, v in scope.get("headers") or []
                                if k not in _FORWARDED]
        path: str = scope.get("path", "")
        method: str = scope.get("method", "GET")
        if path.endswith(_UPLOAD_PATHS):
            raise Refused(403, "This chat takes no files.")
        kind, match = route(method, path)
        params = check_query(kind, scope.get("query_string", b""))
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            raise Refused(413, "The request is too large.")
        session = event_id = None
        if kind == "heartbeat":
            session = check_session(match["session"], required=True)
        elif kind == "result":
            event_id = check_event_id(match["event"])
        elif kind == "stream":
            session = params["session_hash"][0]
        if method == "POST":
            if kind in _QUESTIONS and not self.in_flight.accepting:
                raise Refused(503, "The server is stopping. Please try again in a moment.")
            body = await self._read_body(receive)
            data = parse_body(body)
            if kind == "ask":
                check_ask(data)
            elif kind == "cancel":
                check_cancel(data, self.event_inputs())
            else:
                check_event(data, self.event_inputs())
            session = data.get("session_hash")
            receive = _replay(body, receive)
        counted = kind in _QUESTIONS or kind in ("stream", "result")
        sender = self._sender(send, kind if method == "POST" else None, session)
        if counted:
            self.in_flight.begin()
        try:
            await self.app(scope, receive, sender)
        finally:
            if counted:
                self.in_flight.end()
                if method == "GET":
                    self.in_flight.delivered(event_id, session if kind == "stream" else None)

    def _from_proxy(self, scope: Scope) -> bool:
        return _from_proxy(scope, self.proxies)

    async def _read_body(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        deadline = time.monotonic() + self.body_timeout
        while True:
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                raise Refused(408, "The request body took too long to arrive.") from None
            if message["type"] != "http.request":
                return b"".join(chunks)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise Refused(413, "The request is too large.")
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _sender(self, send: Send, asked: str | None, session: Any) -> Send:
        """Adds the security headers and, for an ask, notes the event id it was given (the
        answer is then pending)."""
        body: list[bytes] = []
        status = 0

        async def sender(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message.get("status", 0)
                kept = message.get("headers", [])
                names = {k.lower() for k, _ in kept}
                message["headers"] = [*kept, *((k, v) for k, v in self.headers
                                               if k not in names)]
            elif message["type"] == "http.response.body" and asked and status == 200:
                body.append(message.get("body", b""))
                if not message.get("more_body", False):
                    self._note_accepted(b"".join(body), session)
            await send(message)
        return sender

    def _note_accepted(self, body: bytes, session: Any) -> None:
        try:
            event_id = json.loads(body).get("event_id")
        except (ValueError, AttributeError):
            return
        if isinstance(event_id, str):
            self.in_flight.accepted(event_id, session if isinstance(session, str) else None)

    async def _refuse(self, scope: Scope, send: Send, status: int, text: str) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        body = json.dumps({"error": text}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()), *self.headers]})
        await send({"type": "http.response.body", "body": body})


def _from_proxy(scope: Scope, proxies: Collection[Network]) -> bool:
    """Is the peer one of the trusted proxies? (uvicorn's own proxy trust is off, so
    ``scope["client"]`` is the peer; k2chat.serve.serving.)"""
    client = scope.get("client")
    if not proxies or not client:
        return False
    try:
        address = ipaddress.ip_address(client[0])
    except ValueError:
        return False
    return any(address in network for network in proxies)


class OwnOriginCors:
    """Outermost ASGI wrapper: CORS headers (which Gradio's own middleware grants to any
    loopback origin, issue 22 item 15) reach only the page's own origin, that is this
    request's scheme and ``Host`` (behind a trusted proxy, the forwarded ones)."""

    def __init__(self, app: ASGIApp, trusted_proxies: Collection[str] = ()) -> None:
        self.app = app
        self.proxies = trusted_networks(trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        host: bytes = headers.get(b"host", b"")
        scheme = b"http"
        if _from_proxy(scope, self.proxies):
            host = headers.get(b"x-forwarded-host", host).split(b",")[0].strip()
            scheme = headers.get(b"x-forwarded-proto", scheme).split(b",")[0].strip()
        own = scheme + b"://" + host

        async def sender(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = message.get("headers", [])
                allowed = dict(kept).get(b"access-control-allow-origin")
                if allowed is not None and allowed != own:
                    message["headers"] = [(k, v) for k, v in kept
                                          if not k.lower().startswith(b"access-control-")]
            await send(message)
        await self.app(scope, receive, sender)


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

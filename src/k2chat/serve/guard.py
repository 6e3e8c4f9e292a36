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
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import math
import re
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Collection, Mapping, MutableMapping
from typing import Any
from urllib.parse import parse_qs

__all__ = ["Guard", "InFlight", "OwnOriginCors", "allowed_hosts", "security_headers",
           "MAX_BODY_BYTES", "ROUTES", "trusted_networks"]

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
# The page's deepest body (a vote: event_data.value is a message with its content list) is 5
# levels; 16 leaves room and stops a 5,000-deep body long before Python's recursion limit.
MAX_JSON_DEPTH = 16
# Gradio's page makes 11-character base-36 session hashes, gradio_client a 36-character UUID;
# event ids are uuid4().hex. 64 is the most either needs; a longer hash is refused (issue 22,
# item 1: a 900 kB hash was kept in memory by Gradio for every request).
_SESSION = re.compile(r"[A-Za-z0-9_-]{1,64}")
_EVENT = re.compile(r"[0-9a-f]{32}")
MAX_QUERY_BYTES = 512  # the longest query the page sends is theme.css?v=<64 hex>

# Fields of Gradio's PredictBody a client may send (oauth_token: k2chat has no login).
_BODY_FIELDS = frozenset({"data", "event_data", "fn_index", "trigger_id", "session_hash",
                          "event_id", "simple_format", "batched"})
_UPLOAD_PATHS = ("/upload", "/upload_progress")
_FORWARDED = (b"forwarded", b"x-forwarded-for", b"x-forwarded-host", b"x-forwarded-proto",
              b"x-forwarded-port", b"x-forwarded-prefix", b"x-real-ip")

# The allow-list: (methods, path pattern, kind). Found by recording every request the page
# (load, ask, example, option, vote, reload, new conversation, API page, a lost connection)
# and gradio_client make, and by the routes Gradio's JavaScript client names (issue 22);
# everything else is answered here, before Gradio.
_GET = frozenset({"GET", "HEAD"})
_POST = frozenset({"POST"})
ROUTES: tuple[tuple[frozenset[str], re.Pattern[str], str], ...] = tuple(
    (methods, re.compile(pattern), kind) for methods, pattern, kind in (
        (_GET, r"/", "page"),
        (_GET, r"/config/?", "file"),
        (_GET, r"/gradio_api/info/?", "file"),
        (_GET, r"/gradio_api/startup-events", "file"),
        (_GET, r"/gradio_api/app_id/?", "file"),  # the page polls it to reconnect
        (_GET, r"/(?:assets|static)/[A-Za-z0-9._@/-]+", "file"),
        (_GET, r"/(?:favicon\.ico|theme\.css|robots\.txt|gradio_api/theme\.css)", "file"),
        (_GET, r"/gradio_api/queue/data", "stream"),
        (_GET, r"/gradio_api/heartbeat/(?P<session>[^/]*)", "heartbeat"),
        (_GET, r"/gradio_api/call/ask/(?P<event>[^/]*)", "result"),
        (_POST, r"/gradio_api/queue/join", "event"),
        (_POST, r"/gradio_api/run/predict", "event"),
        (_POST, r"/gradio_api/call/ask", "ask"),
        (_POST, r"/gradio_api/cancel", "cancel"),  # Gradio's client cancels a pending event
    )
)
# Left out on purpose: the API page also asks for GET /monitoring/summary and
# /gradio_api/mcp/schema (seen as "Refused" in the browser suite's log); monitoring and MCP are
# switched off (ui.launch), Gradio itself answers 403 / 404 there, and the page shows its API
# without them.
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


class Refused(Exception):
    """A client's mistake: answered with ``status`` and ``reason`` as JSON."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


# --- What a stopping server waits for ----------------------------------------------------------

class InFlight:
    """Questions this server has accepted and not yet delivered.

    A request that asks (``/queue/join``, ``/run/predict``, ``/call/ask``) or fetches an answer
    (``/queue/data``, ``/call/ask/<id>``) is *active* while Gradio works on it; an event id
    handed out by an ask is *pending* until the stream that delivers it ends. Once
    :meth:`stop_accepting` is called, new asks get 503 and :meth:`wait` returns when nothing
    is active or pending.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active = 0
        self._pending: dict[str, str | None] = {}  # event id -> session hash
        self.accepting = True

    def stop_accepting(self) -> None:
        self.accepting = False

    def begin(self) -> None:
        with self._lock:
            self._active += 1

    def end(self) -> None:
        with self._lock:
            self._active -= 1

    def accepted(self, event_id: str, session: str | None) -> None:
        with self._lock:
            self._pending[event_id] = session

    def delivered(self, event_id: str | None = None, session: str | None = None) -> None:
        with self._lock:
            if event_id is not None:
                self._pending.pop(event_id, None)
            if session is not None:
                for done in [e for e, s in self._pending.items() if s == session]:
                    del self._pending[done]

    def busy(self) -> int:
        """How many requests are active plus answers not yet fetched."""
        with self._lock:
            return self._active + len(self._pending)

    def wait(self, timeout: float) -> bool:
        """Wait until nothing is in flight (True) or ``timeout`` seconds pass (False)."""
        deadline = time.monotonic() + timeout
        while self.busy():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True


# --- Checking what a client sends ----------------------------------------------------------------

def _finite(raw: str) -> float:
    value = float(raw)
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value


def _no_constant(raw: str) -> Any:
    raise ValueError(f"{raw} is not a number")


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in ``value`` (iterative: no recursion limit)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, level)
            if level > MAX_JSON_DEPTH:
                return level
            stack.extend((child, level + 1) for child in item)
    return deepest


def parse_body(body: bytes) -> dict[str, Any]:
    """The body as one JSON object with finite numbers and bounded nesting, or :class:`Refused`."""
    try:
        data = json.loads(body or b"null", parse_float=_finite, parse_constant=_no_constant)
    except RecursionError:
        raise Refused(400, f"The JSON nests deeper than {MAX_JSON_DEPTH} levels.") from None
    except ValueError as exc:  # includes UnicodeDecodeError and int digits beyond the limit
        raise Refused(400, f"The body is not valid JSON ({str(exc)[:80]}).") from None
    if not isinstance(data, dict):
        raise Refused(400, "The body must be a JSON object.")
    if _depth(data) > MAX_JSON_DEPTH:
        raise Refused(400, f"The JSON nests deeper than {MAX_JSON_DEPTH} levels.")
    return data


def check_session(value: Any, *, required: bool) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not _SESSION.fullmatch(value):
        raise Refused(400, "session_hash must be 1 to 64 letters, digits, '-' or '_'.")
    return value


def check_event_id(value: Any) -> str:
    if not isinstance(value, str) or not _EVENT.fullmatch(value):
        raise Refused(404, "Unknown event id.")
    return value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _only(data: Mapping[str, Any], allowed: Collection[str]) -> None:
    """Refuse a body with fields the route does not take."""
    unknown = set(data) - set(allowed)
    if unknown:
        raise Refused(400, f"Unknown field(s): {', '.join(sorted(unknown))[:80]}.")


def _fn_index(data: Mapping[str, Any], inputs: Mapping[int, int]) -> int:
    """The body's ``fn_index``: one of the app's events."""
    fn_index = data.get("fn_index")
    if not isinstance(fn_index, int) or isinstance(fn_index, bool) or fn_index not in inputs:
        raise Refused(422, "Unknown event (fn_index).")
    return fn_index


def check_event(data: Mapping[str, Any], inputs: Mapping[int, int]) -> None:
    """A page or gradio_client event (``/queue/join``, ``/run/predict``)."""
    _only(data, _BODY_FIELDS)
    fn_index = _fn_index(data, inputs)
    check_session(data.get("session_hash"), required=True)
    items = data.get("data")
    if not isinstance(items, list) or len(items) != inputs[fn_index]:
        raise Refused(422, f"data must be a list of {inputs[fn_index]} value(s) for this event.")
    if data.get("event_data") is not None and not isinstance(data["event_data"], dict):
        raise Refused(422, "event_data must be an object or null.")
    if data.get("trigger_id") is not None and not _is_int(data["trigger_id"]):
        raise Refused(422, "trigger_id must be a whole number or null.")
    if data.get("event_id") is not None:
        check_event_id(data["event_id"])
    if data.get("batched") not in (None, False) or not isinstance(
            data.get("simple_format", False), bool):
        raise Refused(422, "batched must be false and simple_format true or false.")


def check_ask(data: Mapping[str, Any]) -> None:
    """A REST call of the public API: ``{"data": ["question", "conversation"]}`` (the second
    is the signed conversation ``/ask`` returned last time, or "" for a new one)."""
    _only(data, {"data", "session_hash", "event_id"})
    items = data.get("data")
    if not (isinstance(items, list) and len(items) == 2
            and all(isinstance(item, str) for item in items)):
        raise Refused(422, 'data must be the question and the conversation ("" for a new '
                      'one): {"data": ["...", ""]}.')
    check_session(data.get("session_hash"), required=False)


def check_cancel(data: Mapping[str, Any], inputs: Mapping[int, int]) -> None:
    """Gradio's CancelBody: which event of which session to cancel."""
    _only(data, {"session_hash", "fn_index", "event_id"})
    _fn_index(data, inputs)
    check_session(data.get("session_hash"), required=True)
    check_event_id(data.get("event_id"))


def check_query(kind: str, query: bytes) -> dict[str, list[str]]:
    if len(query) > MAX_QUERY_BYTES:
        raise Refused(414, "The query string is too long.")
    try:
        params = parse_qs(query.decode("ascii"), keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, "The query string is not valid.") from None
    if kind == "stream":
        if set(params) != {"session_hash"} or len(params["session_hash"]) != 1:
            raise Refused(400, "The stream takes one session_hash and nothing else.")
        check_session(params["session_hash"][0], required=True)
    return params


def route(method: str, path: str) -> tuple[str, re.Match[str]]:
    """The kind of an allowed request and its path match, or :class:`Refused` (404 / 405)."""
    if "/../" in path + "/" or "/./" in path + "/" or "\\" in path:
        raise Refused(404, "Not found.")
    methods_seen: set[str] = set()
    for methods, pattern, kind in ROUTES:
        match = pattern.fullmatch(path)
        if match:
            if method in methods or (method == "OPTIONS" and kind != "page"):
                return kind, match
            methods_seen |= methods
    if methods_seen:
        raise Refused(405, f"Method {method[:10]} is not allowed here.")
    raise Refused(404, "Not found.")


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

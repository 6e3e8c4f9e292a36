"""What a client may send the served chat, field by field: the allow-list of routes
(:data:`ROUTES`) and the checks of a request's JSON body, session hash, event id and query
string. Each check returns the checked value or raises :class:`Refused` (a client's mistake,
answered as a 4xx with a short JSON reason by :class:`k2chat.serve.guard.Guard`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import parse_qs

__all__ = ["MAX_JSON_DEPTH", "MAX_QUERY_BYTES", "ROUTES", "Refused", "check_ask", "check_cancel",
           "check_event", "check_event_id", "check_query", "check_session", "parse_body", "route"]


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
# switched off (k2chat.serve.launch), Gradio itself answers 403 / 404 there, and the page shows
# its API without them.


class Refused(Exception):
    """A client's mistake: answered with ``status`` and ``reason`` as JSON."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


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

"""Issue 22's probes, as a stranger sends them, against a real ``k2chat serve`` process.

One server (started once for the module, with a file limit of 256 as in the probe of slow
clients) takes every probe; its log is checked last for tracebacks. Stopping is tested on
servers of their own. Each test names the item of issue 22 it reproduces.
"""

from __future__ import annotations

import json
import re
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from k2chat.settings import Settings

from .conftest import free_port
from .test_faults import env_for

pytestmark = pytest.mark.server

FILE_LIMIT = 256  # the probe's `prlimit --nofile=256`
READY_TIMEOUT_S = 240  # a cold start on the busy 2-core machine takes 10-40 s


@dataclass
class Served:
    url: str
    proc: subprocess.Popen[bytes]
    log: Path
    out: Path

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _limit_files() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (FILE_LIMIT, FILE_LIMIT))


def start_server(settings: Settings, folder: Path, *, limit_files: bool = False,
                 **env: str) -> Served:
    """``python -m k2chat serve`` on a free port; returns once it says it is ready."""
    port = free_port()
    log, out = folder / "server.log", folder / "server.out"
    environ = {**env_for(settings), "K2CHAT_FEEDBACK_PATH": str(folder / "feedback.jsonl"),
               **env}
    with open(log, "wb") as err_file, open(out, "wb") as out_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "k2chat", "serve", "--port", str(port)], env=environ,
            stdout=out_file, stderr=err_file, preexec_fn=_limit_files if limit_files else None)
    served = Served(f"http://127.0.0.1:{port}", proc, log, out)
    deadline = time.monotonic() + READY_TIMEOUT_S
    while b"k2chat: ready" not in out.read_bytes():
        assert proc.poll() is None, served.log_text()[-3000:]
        assert time.monotonic() < deadline, "the server did not get ready"
        time.sleep(0.2)
    return served


def stop_server(served: Served) -> int:
    if served.proc.poll() is None:
        served.proc.send_signal(signal.SIGTERM)
    return served.proc.wait(timeout=120)


@pytest.fixture(scope="module")
def served(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("door")
    s = start_server(settings, folder, limit_files=True)
    try:
        yield s
    finally:
        stop_server(s)


@pytest.fixture
def http(served: Served) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.url, timeout=120.0) as client:
        yield client


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def assert_json_refusal(response: httpx.Response, *codes: int) -> str:
    """A client mistake: the expected 4xx with a short JSON reason."""
    assert response.status_code in codes, (response.status_code, response.text[:300])
    reason = response.json()["error"]
    assert isinstance(reason, str) and 0 < len(reason) < 200
    assert "Traceback" not in response.text
    return reason


# --- The page's own protocol, spoken over raw HTTP -------------------------------------------

def page_events(http: httpx.Client) -> dict[str, int]:
    """fn_index of the page's submit (the question box: data [question, conversation]) and
    restore (page load: data [conversation]), found as the page finds them, in /config."""
    config = http.get("/config").json()
    box = next(c["id"] for c in config["components"]
               if c.get("props", {}).get("elem_id") == "k2chat-input")
    events = {}
    for dep in config["dependencies"]:
        for target, trigger in dep["targets"]:
            if (target, trigger) == (box, "submit"):
                events["submit"] = dep["id"]
            if trigger == "load":
                events["restore"] = dep["id"]
    return events


def page_submit(http: httpx.Client, fn_index: int, body_data: str, session: str) -> Any:
    """Send one question as the page does (``body_data``: the raw JSON of the data list: the
    question and the sealed conversation the page keeps, null for a new one) and return the
    event's output (the chat's messages, the sealed conversation to keep)."""
    body = (f'{{"data": {body_data}, "fn_index": {fn_index}, "session_hash": "{session}", '
            '"event_data": null, "trigger_id": null}')
    joined = http.post("/gradio_api/queue/join", content=body,
                       headers={"content-type": "application/json"})
    assert joined.status_code == 200, joined.text
    with http.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as s:
        for line in s.iter_lines():
            if not line.startswith("data:"):
                continue
            message = json.loads(line[5:])
            if message.get("msg") == "process_completed":
                assert message["success"], message
                return message["output"]["data"]
    raise AssertionError("the stream ended without an answer")


def ask(http: httpx.Client, question: str) -> list[dict[str, Any]]:
    """One question, in a new conversation, through the public REST API
    (``/gradio_api/call/ask``: data [question, conversation]); returns its messages."""
    posted = http.post("/gradio_api/call/ask", json={"data": [question, ""]})
    assert posted.status_code == 200, posted.text
    stream = http.get(f"/gradio_api/call/ask/{posted.json()['event_id']}")
    complete = [e for e in stream.text.split("\n\n") if e.startswith("event: complete")]
    assert complete, stream.text
    return json.loads(complete[-1].split("data:", 1)[1])[0]  # type: ignore[no-any-return]


# --- 1. A long session hash ------------------------------------------------------------------

LONG_HASH = "0123456789abcdef0123456789abcdef" + "S" * 921600


@pytest.mark.parametrize("hash_", ["", "a" * 65, "bad hash", "ü" * 10, LONG_HASH[:2000]])
def test_a_malformed_session_hash_is_refused_at_every_door(http: httpx.Client,
                                                           hash_: str) -> None:
    """Item 1 and 4: session hashes are 1-64 of [A-Za-z0-9_-] in bodies, queries and paths."""
    events = page_events(http)
    body = {"data": ["How much K2?", None], "fn_index": events["submit"], "session_hash": hash_}
    assert_json_refusal(http.post("/gradio_api/queue/join", json=body), 400)
    assert_json_refusal(http.get("/gradio_api/queue/data", params={"session_hash": hash_}),
                        400, 414)


def test_long_session_hashes_do_not_grow_the_server(http: httpx.Client, served: Served) -> None:
    """Item 1: 2,500 POSTs with a 900 kB session hash leave RSS within 50 MB of the start
    (before: 423 MB -> 2,686 MB, never released)."""
    events = page_events(http)
    body = json.dumps({"data": ["How much K2?", None], "fn_index": events["submit"],
                       "session_hash": LONG_HASH, "event_data": None, "trigger_id": None})

    def send(count: int) -> set[int]:
        codes = set()
        with httpx.Client(base_url=served.url, timeout=120.0) as client:
            for _ in range(count):
                codes.add(client.post("/gradio_api/queue/join", content=body,
                                      headers={"content-type": "application/json"}
                                      ).status_code)
        return codes

    send(50)  # warm: the first requests allocate buffers that are then reused
    before = rss_mb(served.proc.pid)
    with ThreadPoolExecutor(4) as pool:
        codes = set().union(*pool.map(send, [625] * 4))
    after = rss_mb(served.proc.pid)
    print(f"RSS before {before:.0f} MB, after 2,500 long-hash requests {after:.0f} MB")
    assert codes == {400}
    assert after - before < 50, f"RSS {before:.0f} MB -> {after:.0f} MB"


# --- 2, 3, 15. Only the page's and /ask's routes ---------------------------------------------

def test_the_recording_upload_route_is_closed(http: httpx.Client) -> None:
    """Item 2: process_recording echoed a file and wrote it to Gradio's temp folder."""
    response = http.post("/gradio_api/process_recording",
                         files={"video": ("clip.webm", b"\x1aE\xdf\xa3" + b"x" * 1000)})
    assert_json_refusal(response, 404)


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/gradio_api/call/nope"), ("POST", "/gradio_api/run/nope"),
    ("POST", "/gradio_api/api/nope"), ("POST", "/gradio_api/call/v2/nope"),
    ("POST", "/gradio_api/run/restore"), ("POST", "/gradio_api/run/submit"),
    ("POST", "/gradio_api/run/on_like"), ("POST", "/gradio_api/call/restore"),
    ("POST", "/gradio_api/run/pick"), ("POST", "/gradio_api/call/new_conversation"),
    ("POST", "/gradio_api/call/api_ask"), ("POST", "/gradio_api/run/ask"),
    ("POST", "/gradio_api/component_server"), ("POST", "/gradio_api/component_server/"),
    ("GET", "/gradio_api/openapi.json"), ("GET", "/monitoring"), ("POST", "/gradio_api/reset"),
    ("GET", "/gradio_api/file=/etc/hostname"), ("POST", "/login"), ("GET", "/gradio_api/runs"),
    ("POST", "/gradio_api/vibe-edit"), ("GET", "/manifest.json"),
    ("GET", "/monitoring/summary"), ("GET", "/gradio_api/mcp/schema"),  # the API page asks
])
def test_unknown_routes_and_names_are_404(http: httpx.Client, method: str, path: str) -> None:
    """Items 3 and 15: unknown endpoint names were 500; the page's private functions could
    be called by name. Only ``ask`` is a public name."""
    response = http.request(method, path, json={"data": []})
    assert_json_refusal(response, 404)


@pytest.mark.parametrize(("method", "path"), [
    ("DELETE", "/config"), ("POST", "/config"), ("PUT", "/gradio_api/queue/join"),
    ("GET", "/gradio_api/queue/join"),
])
def test_a_listed_route_with_another_method_is_405(http: httpx.Client, method: str,
                                                   path: str) -> None:
    assert_json_refusal(http.request(method, path), 405)


# --- 4. Malformed bodies -------------------------------------------------------------------

def _join(http: httpx.Client, body: bytes | str) -> httpx.Response:
    return http.post("/gradio_api/queue/join", content=body,
                     headers={"content-type": "application/json"})


def test_malformed_event_bodies_get_a_4xx_reason(http: httpx.Client) -> None:
    """Item 4: these were 500s with 38 tracebacks in the log."""
    submit = page_events(http)["submit"]
    ok = {"data": ["How much K2?", None], "fn_index": submit, "session_hash": "k2probe1"}
    bodies: list[bytes | str] = [
        "1e999999", "[1e999999]", "NaN", '"text"', "null", "{not json", b"\xff\xfe{}",
        "[" * 5000 + "]" * 5000, '{"data": ' + "[" * 5000 + "]" * 5000 + "}",
        json.dumps({**ok, "session_hash": ""}),
        json.dumps({**ok, "fn_index": True}), json.dumps({**ok, "fn_index": "0"}),
        json.dumps({**ok, "fn_index": 1}),  # a js-only event: no function behind it
        json.dumps({**ok, "data": "How much K2?"}), json.dumps({**ok, "data": ["only one"]}),
        json.dumps({**ok, "data": ["a", None, "extra"]}),
        json.dumps({**ok, "event_data": [1]}), json.dumps({**ok, "trigger_id": "x"}),
        json.dumps({**ok, "batched": True}), json.dumps({**ok, "oauth_token": "x"}),
        json.dumps({**ok, "event_id": "../../etc"}), '{"data": [1e999], "fn_index": 0}',
        '{"data": [' + "9" * 5000 + '], "fn_index": 0}',
    ]
    for body in bodies:
        response = _join(http, body)
        assert 400 <= response.status_code < 500, (str(body)[:80], response.text[:200])
        assert "error" in response.json() or "detail" in response.json()


@pytest.mark.parametrize("body", [
    "1e999999", '{"data": "How much K2?"}', '{"data": [1]}', '{"data": []}',
    '{"data": ["q"]}', '{"data": ["q", null]}', '{"data": ["q", "", "x"]}', '{"data": ["q", 1]}',
    '{"data": ["q", ""], "fn_index": 3}', '{"data": [["q"], ""]}',
    '{"data": ["q", ""], "session_hash": ""}',
])
def test_malformed_ask_bodies_get_a_4xx_reason(http: httpx.Client, body: str) -> None:
    response = http.post("/gradio_api/call/ask", content=body,
                         headers={"content-type": "application/json"})
    assert_json_refusal(response, 400, 422)


@pytest.mark.parametrize("event_id", ["nope", "0" * 31, "%2e%2e%2fconfig", "A" * 32])
def test_malformed_event_ids_are_404(http: httpx.Client, event_id: str) -> None:
    assert_json_refusal(http.get(f"/gradio_api/call/ask/{event_id}"), 404)


@pytest.mark.parametrize("body", [
    {}, {"session_hash": "k2probe3", "fn_index": 0}, {"session_hash": "", "fn_index": 0,
                                                      "event_id": "0" * 32},
    {"session_hash": "k2probe3", "fn_index": 99999, "event_id": "0" * 32},
    {"session_hash": "k2probe3", "fn_index": 0, "event_id": "x", "extra": 1},
])
def test_malformed_cancel_bodies_get_a_4xx_reason(http: httpx.Client,
                                                  body: dict[str, Any]) -> None:
    assert_json_refusal(http.post("/gradio_api/cancel", json=body), 400, 404, 422)


def test_the_page_still_works_after_the_probes(http: httpx.Client) -> None:
    """The control: the page's own protocol passes the door."""
    events = page_events(http)
    messages, token = page_submit(http, events["submit"], '["How much K2 per day?", null]',
                                  "k2probe2")
    assert token and any("[1]" in str(m["content"]) for m in messages)
    restored = http.post("/gradio_api/run/predict", json={
        "data": [token], "fn_index": events["restore"], "session_hash": "k2probe2"})
    assert restored.status_code == 200 and restored.json()["data"][0] == messages


# --- 5. A lone surrogate in a page conversation ---------------------------------------------

def _without_options(messages: list[dict]) -> list[dict]:
    """The messages without what only the latest answer shows: its related questions (the
    options and their title)."""
    shown = json.dumps([{k: v for k, v in m.items() if k != "options"} for m in messages])
    return json.loads(re.sub(r'(\\n)*<p class=\\"k2-related-title\\">[^<]*</p>', "", shown))


def test_a_lone_surrogate_does_not_break_a_page_conversation(http: httpx.Client) -> None:
    """Item 5: a page submit of the JSON string "How much K2 \\ud800?" broke every later submit
    and reload of that conversation ("str is not valid UTF-8"). The page keeps the sealed
    conversation each reply returns: the one sealed after the surrogate must still take the
    next question and reload."""
    events = page_events(http)
    first, sealed = page_submit(http, events["submit"], '["How much K2 per day?", null]',
                                "k2sur1")
    messages, sealed = page_submit(
        http, events["submit"], '["How much K2 \\ud800?", ' + json.dumps(sealed) + "]", "k2sur2")
    # the same conversation, one turn longer (only the latest answer offers its related
    # questions as options, so the earlier turn's options are gone)
    assert _without_options(messages[:len(first)]) == _without_options(first)
    assert "How much K2 \ufffd?" in str(messages[len(first)]["content"])  # the reader's question
    json.dumps(messages, ensure_ascii=False).encode("utf-8")  # no lone surrogate left in it
    again, sealed = page_submit(
        http, events["submit"], '["Is MK-7 better than MK-4?", ' + json.dumps(sealed) + "]",
        "k2sur3")
    assert len(again) > len(messages)
    assert _without_options(again[:len(messages)]) == _without_options(messages)
    restored = http.post("/gradio_api/run/predict", json={
        "data": [sealed], "fn_index": events["restore"], "session_hash": "k2sur4"})
    assert restored.status_code == 200 and restored.json()["data"][0] == again


# --- 6. Look-alike letters --------------------------------------------------------------------

@pytest.mark.parametrize(("lookalike", "plain"), [
    ("Can I take K2 with w\u0430rfarin?", "Can I take K2 with warfarin?"),  # Cyrillic a
    ("Can I take K2 with c\u03bfumadin?", "Can I take K2 with coumadin?"),  # Greek omicron
    ("Is K2 safe with \u0435liquis?", "Is K2 safe with eliquis?"),  # Cyrillic ie
])
def test_lookalike_drug_names_get_the_same_answer_as_the_plain_ones(
        http: httpx.Client, lookalike: str, plain: str) -> None:
    """Item 6: look-alike letters skipped the blood-thinner caution."""
    from k2chat.chain.medicines import is_caution

    spoofed, control = ask(http, lookalike), ask(http, plain)
    assert any(is_caution(str(m["content"])) for m in control), control  # the control
    assert spoofed == control


# --- 7. Slow clients --------------------------------------------------------------------------

def test_slow_clients_are_dropped_and_do_not_lock_others_out(served: Served,
                                                             http: httpx.Client) -> None:
    """Item 7: 300 sockets sending headers a line at a time locked everyone out of a server
    limited to 256 files; slow bodies stayed open."""
    port = int(served.url.rsplit(":", 1)[1])
    slow: list[socket.socket] = []
    try:
        for _ in range(300):
            sock = socket.create_connection(("127.0.0.1", port), timeout=60)
            sock.sendall(b"GET /config HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never finished
            slow.append(sock)
        bodies = []
        for _ in range(5):
            sock = socket.create_connection(("127.0.0.1", port), timeout=120)
            sock.sendall(b"POST /gradio_api/call/ask HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
            bodies.append(sock)
        # Everyone else is still served while the slow sockets are open.
        assert http.get("/config").status_code == 200
        assert any("[1]" in str(m["content"]) for m in ask(http, "How much K2 per day?"))
        # The server drops the slow ones (headers: 10 s; bodies: 30 s, with a 408).
        for sock in bodies:
            reply = sock.recv(4096)
            assert reply.startswith(b"HTTP/1.1 408"), reply[:100]
        closed = 0
        for sock in slow:
            try:
                closed += sock.recv(1) == b""
            except ConnectionResetError:
                closed += 1
        assert closed == len(slow)
    finally:
        for sock in slow:
            sock.close()


# --- 15. Forwarded headers and CORS -----------------------------------------------------------

def test_forwarded_headers_from_a_stranger_are_ignored(http: httpx.Client) -> None:
    """Item 15: X-Forwarded-Host: evil.example made /config advertise root http://evil.example."""
    config = http.get("/config", headers={"X-Forwarded-Host": "evil.example",
                                          "X-Forwarded-Proto": "https",
                                          "Forwarded": "host=evil.example"}).json()
    assert "evil.example" not in json.dumps(config)
    assert config["root"].startswith("http://127.0.0.1:")


def test_cors_only_for_the_page_own_origin(http: httpx.Client, served: Served) -> None:
    """Item 15: any http://localhost:<other port> origin got CORS with credentials."""
    port = int(served.url.rsplit(":", 1)[1])
    other = http.get("/config", headers={"Origin": f"http://localhost:{port + 1}"})
    assert "access-control-allow-origin" not in other.headers
    assert "access-control-allow-credentials" not in other.headers
    own = http.get("/config", headers={"Origin": f"http://localhost:{port}",
                                       "Host": f"localhost:{port}"})
    assert own.headers.get("access-control-allow-origin") == f"http://localhost:{port}"


# --- After all probes ------------------------------------------------------------------------

def test_zz_the_server_log_holds_no_traceback(served: Served, http: httpx.Client) -> None:
    """Done-when: after the whole probe suite the log holds no traceback; client mistakes
    are one INFO or WARNING line each."""
    assert http.get("/config").status_code == 200  # still up
    text = served.log_text()
    assert "Traceback" not in text, text[text.find("Traceback") - 200:][:3000]
    assert " ERROR " not in text, text


# --- 11. Stopping -----------------------------------------------------------------------------

@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stopping_server_answers_every_accepted_question(
        settings: Settings, tmp_path: Path, sig: signal.Signals) -> None:
    """Item 11: SIGTERM (or SIGINT) with 30 /ask requests in flight answered 0 of 30. Now every
    accepted question is answered, later ones get 503, and the server exits 0."""
    served = start_server(settings, tmp_path, K2CHAT_SHUTDOWN_GRACE="240")
    questions = [f"How much MK-7 for bone health, case {n}?" for n in range(25)]
    event_ids: list[str] = []
    with httpx.Client(base_url=served.url, timeout=240.0) as client:
        for question in questions:
            posted = client.post("/gradio_api/call/ask", json={"data": [question, ""]})
            assert posted.status_code == 200
            event_ids.append(posted.json()["event_id"])
    results: dict[int, str] = {}

    def fetch(n: int) -> None:
        with httpx.Client(base_url=served.url, timeout=240.0) as client:
            results[n] = client.get(f"/gradio_api/call/ask/{event_ids[n]}").text

    threads = [threading.Thread(target=fetch, args=(n,)) for n in range(len(event_ids))]
    for thread in threads[:15]:  # some fetching already, the others fetch after the signal
        thread.start()
    served.proc.send_signal(sig)
    deadline = time.monotonic() + 60
    while b"k2chat: stopping" not in served.out.read_bytes():
        assert time.monotonic() < deadline, "the server did not say it is stopping"
        time.sleep(0.05)
    late = httpx.post(served.url + "/gradio_api/call/ask", json={"data": ["Late?", ""]},
                      timeout=30)
    for thread in threads[15:]:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert served.proc.wait(timeout=300) == 0, served.log_text()[-3000:]
    answered = [n for n, text in results.items() if "event: complete" in text]
    assert sorted(answered) == list(range(len(event_ids))), {
        n: t[:200] for n, t in results.items() if n not in answered}
    assert late.status_code == 503
    assert "Traceback" not in served.log_text()


def test_the_grace_period_is_a_setting_checked_at_start_up() -> None:
    env = {"K2CHAT_SHUTDOWN_GRACE": "5"}
    assert Settings.from_env(env).shutdown_grace == 5.0
    assert Settings.from_env({}).shutdown_grace == 10.0


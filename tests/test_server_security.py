"""The served app against Gradio's known attack routes: file reads through ``/file=`` and
``/static/..``, SSRF, CORS from foreign or ``null`` origins, oversized uploads, exposure.

Every request goes to the loopback server; the server process may not open a connection
to anywhere else while these tests run (a guard refuses and records it)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr
import httpx
import pytest

from k2chat.serve import launch as launch_module
from k2chat.settings import Settings

pytestmark = pytest.mark.server

PASSWD_MARK = "root:"


@pytest.fixture(autouse=True)
def no_outside_connections(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Refuse (and record) any connection this process tries to open off the machine."""
    attempts: list[Any] = []

    def is_local(address: Any) -> bool:
        host = address[0] if isinstance(address, tuple) else None
        if host is None:  # a Unix socket
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return host == "localhost"

    for name in ("connect", "connect_ex"):
        original = getattr(socket.socket, name)

        def guarded(self: socket.socket, address: Any, _original: Any = original) -> Any:
            if not is_local(address):
                attempts.append(address)
                raise ConnectionRefusedError(f"test guard: no connection to {address}")
            return _original(self, address)

        monkeypatch.setattr(socket.socket, name, guarded)
    yield attempts
    assert not attempts, f"the server tried to connect off the machine: {attempts}"


@pytest.fixture
def http(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.rstrip("/"), timeout=60.0, follow_redirects=False) as c:
        yield c


def _raw_get(http: httpx.Client, target: str) -> httpx.Response:
    """GET with the request target sent exactly as written (no ../ clean-up by httpx)."""
    request = http.build_request("GET", "/", extensions={"target": target.encode()})
    return http.send(request)


@pytest.mark.parametrize("target", [
    "/gradio_api/file=/etc/passwd",
    "/gradio_api/file=..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/gradio_api/file=%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/gradio_api/file=..%252f..%252f..%252fetc%252fpasswd",
    "/gradio_api/file=....//....//....//etc/passwd",
    "/gradio_api/file=%2fetc%2fpasswd",
    "/gradio_api/file=file:///etc/passwd",
    "/file=/etc/passwd",
    "/static/../../../../../../etc/passwd",
    "/static/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/assets/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/gradio_api/static/../../../../../../etc/passwd",
    "/favicon.ico/../../../../etc/passwd",
])
def test_file_reads_outside_the_app_are_refused(http: httpx.Client, target: str) -> None:
    response = _raw_get(http, target)
    assert response.status_code in (400, 403, 404), (target, response.status_code)
    assert PASSWD_MARK not in response.text


def test_the_control_file_is_readable_directly(http: httpx.Client) -> None:
    """The traversal targets above would expose this file: it exists and is readable."""
    assert PASSWD_MARK in Path("/etc/passwd").read_text(encoding="utf-8")
    assert http.get("/").status_code == 200


def test_the_corpus_and_data_folders_are_not_served(http: httpx.Client, settings) -> None:  # type: ignore[no-untyped-def]
    for path in (*settings.corpus_dir.glob("*.md"), settings.feedback_path):
        response = http.get(f"/gradio_api/file={path}")
        assert response.status_code in (403, 404), path


@pytest.mark.parametrize("target", [
    "/gradio_api/file=http://169.254.169.254/latest/meta-data/",
    "/gradio_api/file=http://169.254.169.254/",
    "/gradio_api/proxy=http://169.254.169.254/latest/meta-data/",
    "/gradio_api/proxy=http://127.0.0.1:22/",
])
def test_server_side_requests_are_refused(http: httpx.Client, target: str) -> None:
    response = _raw_get(http, target)
    assert response.status_code in (400, 403, 404), (target, response.status_code)


@pytest.mark.parametrize("origin", ["null", "http://evil.example", "https://127.0.0.1.evil.example"])
@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/config"),
    ("GET", "/gradio_api/info"),
    ("OPTIONS", "/gradio_api/queue/join"),
    ("OPTIONS", "/gradio_api/upload"),
    ("OPTIONS", "/gradio_api/call/ask"),
])
def test_foreign_origins_get_no_cors_permission(http: httpx.Client, origin: str, method: str,
                                                path: str) -> None:
    headers = {"Origin": origin, "Access-Control-Request-Method": "POST",
               "Access-Control-Request-Headers": "content-type"}
    response = http.request(method, path, headers=headers)
    assert "access-control-allow-origin" not in response.headers, response.headers


def test_the_app_own_origin_does_get_cors_permission(http: httpx.Client, server: str) -> None:
    """The control for the test above: the header is there when it should be."""
    own = server.rstrip("/")
    response = http.get("/config", headers={"Origin": own})
    assert response.headers.get("access-control-allow-origin") == own


def test_uploads_are_rejected_whatever_their_size(http: httpx.Client) -> None:
    big = b"\0" * (2 * 1024 * 1024)
    response = http.post("/gradio_api/upload", files={"files": ("big.bin", big)})
    assert response.status_code in (403, 413)  # the chat takes no files (k2chat.serve.guard)


def test_server_errors_show_no_traceback(server: str) -> None:
    base = server.rstrip("/")
    for path, body in (
        ("/gradio_api/queue/join", b"{not json"),
        ("/gradio_api/queue/join", b'{"data": [], "fn_index": 10000, "session_hash": "x"}'),
        ("/gradio_api/call/no-such-endpoint", b'{"data": []}'),
    ):
        # A fresh connection each time: the server drops a connection after a 500.
        response = httpx.post(base + path, content=body, timeout=60.0,
                              headers={"content-type": "application/json"})
        assert response.status_code >= 400
        assert "Traceback" not in response.text and 'File "' not in response.text


def test_the_served_config_is_the_safe_one(http: httpx.Client) -> None:
    config = http.get("/config").json()
    assert config["analytics_enabled"] is False
    assert config["show_error"] is False
    assert config["max_file_size"] == 1024 * 1024
    assert config["mcp_server"] is False
    assert config["root"].startswith("http://127.0.0.1:")
    assert http.get("/monitoring").status_code in (403, 404)


def _listening(port: int) -> list[str]:
    """The local addresses of the sockets listening on ``port`` (from /proc/net/tcp*)."""
    found = []
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            local, state = fields[1], fields[3]
            address, hex_port = local.split(":")
            if state != "0A" or int(hex_port, 16) != port:  # 0A = LISTEN
                continue
            raw = bytes.fromhex(address)
            if width == 8:
                found.append(socket.inet_ntop(socket.AF_INET, raw[::-1]))
            else:
                words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                found.append(socket.inet_ntop(socket.AF_INET6, words))
    return found


def test_the_server_listens_on_loopback_only(server: str) -> None:
    if not Path("/proc/net/tcp").exists():
        pytest.skip("no /proc/net/tcp on this system")
    port = httpx.URL(server).port
    assert port is not None
    addresses = _listening(port)
    assert addresses, f"nothing listens on port {port}"
    assert all(ipaddress.ip_address(a).is_loopback for a in addresses), addresses


def test_loopback_is_the_default_host_and_a_user_can_choose_another() -> None:
    assert Settings.from_env({}).host == "127.0.0.1"
    assert Settings.from_env({"K2CHAT_HOST": "0.0.0.0"}).host == "0.0.0.0"


def test_launch_asks_gradio_for_the_safe_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """No share link, loopback, no tracebacks, a size limit, strict CORS, no telemetry."""
    calls: dict[str, Any] = {}

    def fake_launch(self: gr.Blocks, **kwargs: Any) -> None:
        calls["launch"] = kwargs
        calls["analytics"] = self.analytics_enabled

    def fake_queue(self: gr.Blocks, **kwargs: Any) -> gr.Blocks:
        calls["queue"] = kwargs
        return self

    monkeypatch.setattr(gr.Blocks, "launch", fake_launch)
    monkeypatch.setattr(gr.Blocks, "queue", fake_queue)
    monkeypatch.setattr(launch_module, "get_pipeline", lambda s: None)
    monkeypatch.setattr(launch_module, "check_port", lambda host, port: None)
    defaults = Settings.from_env({})
    launch_module.launch(defaults)
    launch = calls["launch"]
    assert launch["server_name"] == "127.0.0.1"
    assert launch["share"] is False
    assert launch["show_error"] is False
    assert launch["max_file_size"] == "1mb"
    assert launch["strict_cors"] is True
    assert launch["enable_monitoring"] is False
    assert launch["mcp_server"] is False
    assert not launch.get("allowed_paths") and not launch.get("auth")
    assert calls["analytics"] is False
    assert calls["queue"]["default_concurrency_limit"] == defaults.concurrency_limit


def _like_fn_index(http: httpx.Client) -> int:
    config = http.get("/config").json()
    chatbot = next(c["id"] for c in config["components"]
                   if c.get("props", {}).get("elem_id") == "k2chat-chatbot")
    return next(i for i, d in enumerate(config["dependencies"])
                if [chatbot, "like"] in [list(t) for t in d["targets"]])


@pytest.mark.parametrize("token", ["forged-token", None, {"history": "x" * 100_000}])
def test_a_forged_vote_for_a_never_asked_question_writes_nothing(
        http: httpx.Client, settings: Settings, token: Any) -> None:
    """Over raw HTTP: a like naming a conversation the server never held records nothing."""
    feedback = settings.data_dir / "feedback-server.jsonl"  # as the `server` fixture sets it
    before = feedback.read_bytes() if feedback.exists() else b""
    session = "forged-session"
    started = http.post("/gradio_api/queue/join", json={
        "data": [token], "fn_index": _like_fn_index(http), "session_hash": session,
        "event_data": {"index": 0, "value": "<img src=x onerror=alert(1)> never asked",
                       "liked": True}})
    assert started.status_code == 200
    with http.stream("GET", f"/gradio_api/queue/data?session_hash={session}",
                     timeout=120) as stream:
        events = []
        for line in stream.iter_lines():
            events.append(line)
            if "process_completed" in line:
                break
    assert any("process_completed" in e for e in events)
    after = feedback.read_bytes() if feedback.exists() else b""
    assert after == before
    assert b"never asked" not in after

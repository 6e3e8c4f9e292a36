"""The served chat's doors: unknown Host names, uploads, oversized bodies and unknown events are
refused with a 4xx before any work; every response carries the security headers."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from k2chat.serve.guard import MAX_BODY_BYTES, allowed_hosts

pytestmark = pytest.mark.server


@pytest.fixture
def http(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.rstrip("/"), timeout=30.0) as c:
        yield c


def test_pages_carry_csp_frame_and_nosniff_headers(http: httpx.Client) -> None:
    for path in ("/", "/config", "/gradio_api/info"):
        response = http.get(path)
        assert response.status_code == 200, path
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'self'" in csp and "object-src 'none'" in csp
        assert response.headers["x-frame-options"] == "SAMEORIGIN"
        assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", ["/config", "/gradio_api/call/ask", "/"])
def test_a_rebinding_host_name_is_refused(http: httpx.Client, path: str) -> None:
    headers = {"Host": "rebind.evil.example", "Origin": "http://rebind.evil.example"}
    if path == "/gradio_api/call/ask":
        response = http.post(path, json={"data": ["How much K2?", ""]}, headers=headers)
    else:
        response = http.get(path, headers=headers)
    assert response.status_code == 421
    assert "K2CHAT_ALLOWED_HOSTS" in response.json()["error"]


def test_loopback_names_are_served(server: str) -> None:
    port = server.rstrip("/").rsplit(":", 1)[1]
    for host in ("localhost", "127.0.0.1"):
        response = httpx.get(f"{server}config", headers={"Host": f"{host}:{port}"}, timeout=30)
        assert response.status_code == 200, host


@pytest.mark.parametrize("name", ["notes.txt", ""])
def test_uploads_are_refused(http: httpx.Client, name: str) -> None:
    response = http.post("/gradio_api/upload", files={"files": (name, b"x" * 10)})
    assert response.status_code == 403
    assert response.json() == {"error": "This chat takes no files."}


def test_an_oversized_body_gets_413_and_the_server_still_answers(http: httpx.Client) -> None:
    question = "a" * (MAX_BODY_BYTES + 1)
    response = http.post("/gradio_api/call/ask", content=json.dumps({"data": [question]}),
                         headers={"content-type": "application/json"})
    assert response.status_code == 413
    started = http.post("/gradio_api/call/ask", json={"data": ["How much K2 per day?", ""]})
    assert started.status_code == 200 and started.json()["event_id"]


def test_an_unknown_event_number_gets_422(http: httpx.Client) -> None:
    body = {"data": ["hi"], "fn_index": 987654, "session_hash": "k2chat-test",
            "event_data": None, "trigger_id": None}
    response = http.post("/gradio_api/queue/join", json=body)
    assert response.status_code == 422
    assert "fn_index" in response.json()["error"]


def test_allowed_hosts_add_extra_names_and_the_machine_when_bound_to_all() -> None:
    assert {"localhost", "127.0.0.1", "::1", "chat.example.org"} <= allowed_hosts(
        "127.0.0.1", ["Chat.Example.org "])
    assert "rebind.evil.example" not in allowed_hosts("127.0.0.1")
    import socket

    assert socket.gethostname().lower() in allowed_hosts("0.0.0.0")

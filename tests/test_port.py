"""The port check matches how the server binds: a quick restart works, a busy port is refused."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from k2chat.errors import PortInUseError
from k2chat.serve.launch import check_port
from k2chat.settings import Settings

from .conftest import free_port


def _time_wait_port() -> int:
    """A loopback port whose server side closed first, so it sits in TIME-WAIT."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = int(listener.getsockname()[1])
    client = socket.create_connection(("127.0.0.1", port))
    conn, _ = listener.accept()
    conn.close()  # the server closes first: its side of the connection enters TIME-WAIT
    client.recv(1)
    client.close()
    listener.close()
    return port


def test_a_port_left_in_time_wait_by_a_stopped_server_is_free() -> None:
    port = _time_wait_port()
    check_port("127.0.0.1", port)  # raises PortInUseError if the check binds without SO_REUSEADDR


def test_a_port_with_a_listener_is_refused_with_a_suggestion() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = int(busy.getsockname()[1])
        with pytest.raises(PortInUseError, match="k2chat serve --port"):
            check_port("127.0.0.1", port)


def _serve(settings: Settings, port: int) -> subprocess.Popen[str]:
    env = {**os.environ, "K2CHAT_DATA_DIR": str(settings.data_dir),
           "K2CHAT_CORPUS_DIR": str(settings.corpus_dir), "K2CHAT_PORT": str(port),
           "K2CHAT_FEEDBACK_PATH": str(settings.data_dir / "feedback-restart.jsonl")}
    return subprocess.Popen([sys.executable, "-m", "k2chat", "serve"], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _wait_until_serving(url: str, proc: subprocess.Popen[str], limit: float = 300) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else "server exited"
        try:
            if httpx.get(url + "config", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)  # polling interval of a condition wait, not a fixed delay
    raise AssertionError(f"the server at {url} did not answer within {limit} s")


@pytest.mark.server
def test_a_server_with_a_connected_client_restarts_on_its_port_at_once(
        settings: Settings) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    first = _serve(settings, port)
    try:
        _wait_until_serving(url, first)
        with httpx.Client(timeout=30) as client:  # a visitor with a kept-alive connection
            assert client.get(url + "config").status_code == 200
            first.send_signal(signal.SIGTERM)
            first.wait(timeout=120)
            check_port("127.0.0.1", port)  # the old server's connection left only TIME-WAIT
            second = _serve(settings, port)
    finally:
        if first.poll() is None:
            first.kill()
    try:
        # Started the moment the old one exited, the new server gets past its own port check
        # (it would exit with "already in use" otherwise) and answers on the same port.
        _wait_until_serving(url, second)
    finally:
        second.terminate()
        second.wait(timeout=120)


@pytest.mark.server
def test_serve_tells_its_start_up_and_says_ready_once_it_answers(settings: Settings) -> None:
    """`k2chat serve` logs its start-up steps (k2chat's INFO lines) and prints the address to
    open only when the server answers there."""
    port = free_port()
    proc = _serve(settings, port)
    try:
        assert proc.stdout is not None
        seen: list[str] = []
        for line in proc.stdout:  # ends if the server exits
            seen.append(line)
            if line.startswith("k2chat: ready"):
                break
        out = "".join(seen)
        assert seen and seen[-1].startswith("k2chat: ready"), out
        assert f"http://127.0.0.1:{port}" in seen[-1], out
        assert any(" INFO k2chat.pipeline: Ready in " in line for line in seen), out
        assert httpx.get(f"http://127.0.0.1:{port}/config", timeout=30).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=120)

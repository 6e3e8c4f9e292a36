"""The port check matches how the server binds: a quick restart works, a busy port is refused."""

from __future__ import annotations

import socket

import pytest

from k2chat.errors import PortInUseError
from k2chat.ui import check_port


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

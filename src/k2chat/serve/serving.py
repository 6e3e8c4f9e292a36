"""How the chat is served: the door in front of Gradio, bounded connections, a graceful stop.

Gradio starts uvicorn itself and takes none of its settings, so :class:`Door` sets up what
k2chat needs around ``app.launch()``:

- before it, the :class:`~k2chat.serve.guard.Guard` middleware (the allow-list) and uvicorn's
  proxy-header trust switched off (``FORWARDED_ALLOW_IPS``, read when Gradio makes uvicorn's
  ``Config``): the Guard alone decides whose forwarded headers count
  (``K2CHAT_TRUSTED_PROXIES``);
- after it, the server's app is wrapped in :class:`~k2chat.serve.guard.OwnOriginCors` (in front of
  Gradio's own CORS middleware, which grants any loopback origin) and its connection class
  (uvicorn makes each connection from ``config.http_protocol_class``) too: a client that
  has begun but not finished its request headers within :data:`HEADER_TIMEOUT_S` is dropped,
  and when :func:`max_connections` are open the one that has waited longest for its headers
  makes room for the newcomer, so slow clients cannot lock others out (issue 22, item 7).

:func:`run_until_stopped` waits for SIGTERM or SIGINT, then stops accepting questions (503),
finishes every accepted one within the grace period (``K2CHAT_SHUTDOWN_GRACE``, 10 s) and
closes the server (issue 22, item 11). A second signal stops at once.
"""

from __future__ import annotations

import logging
import os
import resource
import signal
import threading
import time
from typing import Any

from starlette.middleware import Middleware

from k2chat.errors import SettingsError
from k2chat.serve.guard import Guard, OwnOriginCors, allowed_hosts
from k2chat.serve.inflight import InFlight
from k2chat.settings import Settings

__all__ = ["Door", "run_until_stopped", "stop_gracefully", "max_connections",
           "HEADER_TIMEOUT_S"]

log = logging.getLogger(__name__)

# A browser sends its request headers in one packet, well under a second even on a slow phone;
# 10 s is uvicorn's order of magnitude for its own keep-alive (5 s) doubled.
HEADER_TIMEOUT_S = 10.0
# File descriptors the idle server holds besides connections (measured: ~40 with the index,
# the model and Gradio's files open); the rest of the process limit is for connections.
RESERVED_FDS = 64
_PROXY_ENV = "FORWARDED_ALLOW_IPS"
# After the grace period: how long idle streams get to close (Gradio's close waits 5 s at most).
CLOSE_STREAMS_S = 2


def max_connections() -> int:
    """Open connections allowed at once: the process's file limit less :data:`RESERVED_FDS`."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        soft = 4096
    return max(16, min(soft, 4096) - RESERVED_FDS)


class Door:
    """The middleware and server set-up for one app; make it before ``app.launch()`` and call
    :meth:`opened` right after."""
    def __init__(self, app: Any, settings: Settings) -> None:
        self.in_flight = InFlight()
        inputs = {i: len(fn.inputs) for i, fn in app.fns.items() if fn.fn is not None}
        self.middleware = Middleware(
            Guard,
            hosts=allowed_hosts(settings.host, settings.allowed_hosts),
            frame_ancestors=settings.frame_ancestors,
            event_inputs=lambda: inputs,
            in_flight=self.in_flight,
            trusted_proxies=settings.trusted_proxies,
        )
        self._proxies = settings.trusted_proxies
        self._saved_env = os.environ.get(_PROXY_ENV)
        # uvicorn trusts X-Forwarded-For/Proto from the addresses in this variable (default:
        # loopback); "" matches no address.
        os.environ[_PROXY_ENV] = ""
        app._k2chat_door = self

    def opened(self, app: Any) -> None:
        """The server is up: restore the environment and bound its connections."""
        if self._saved_env is None:
            os.environ.pop(_PROXY_ENV, None)
        else:
            os.environ[_PROXY_ENV] = self._saved_env
        server = getattr(app, "server", None)
        if server is None:  # launched without a server of its own (mounted elsewhere)
            return
        config = server.config
        config.http_protocol_class = _bounded(config.http_protocol_class, max_connections())
        # Each new connection runs config.loaded_app: wrapped, it is in front of Gradio's CORS.
        config.loaded_app = OwnOriginCors(config.loaded_app, self._proxies)


def _bounded(base: type, limit: int) -> type:
    """``base`` (uvicorn's connection class) with a header timeout and a connection cap."""
    class Bounded(base):
        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self.k2chat_opened = time.monotonic()
            self.k2chat_timer = self.loop.call_later(HEADER_TIMEOUT_S, self._k2chat_slow)
            if len(self.connections) > limit:
                waiting = [c for c in self.connections
                           if getattr(c, "cycle", 0) is None and hasattr(c, "k2chat_opened")]
                oldest = min(waiting, key=lambda c: c.k2chat_opened, default=self)
                log.debug("%d connections open: dropping one still sending headers", limit)
                oldest.transport.close()

        def data_received(self, data: bytes) -> None:
            self.k2chat_started = True
            super().data_received(data)

        def _k2chat_slow(self) -> None:
            # Headers begun but not finished in time: a slow client. A connection that sent
            # nothing yet is a browser's preconnection (closing it under the browser can fail
            # the request it is about to carry); it goes only when room is needed (above).
            if (self.cycle is None and getattr(self, "k2chat_started", False)
                    and not self.transport.is_closing()):
                log.debug("Dropped a client that sent no whole request within %.0f s",
                          HEADER_TIMEOUT_S)
                self.transport.close()

        def connection_lost(self, exc: Exception | None) -> None:
            self.k2chat_timer.cancel()
            super().connection_lost(exc)

    Bounded.__name__ = f"Bounded{base.__name__}"
    return Bounded


def stop_gracefully(app: Any, grace: float) -> bool:
    """Stop taking questions, finish the accepted ones (at most ``grace`` seconds), close the
    server; True when every accepted question was delivered."""
    door: Door | None = getattr(app, "_k2chat_door", None)
    finished = True
    if door is not None:
        door.in_flight.stop_accepting()
        busy = door.in_flight.busy()
        if busy:
            log.info("Stopping: finishing %d question(s) in flight (up to %.0f s)", busy, grace)
        finished = door.in_flight.wait(grace)
        if not finished:
            log.warning("Stopped with %d question(s) unfinished after %.0f s",
                        door.in_flight.busy(), grace)
    if getattr(app, "server", None) is not None:
        # Every accepted answer is out: streams still open (a page left open waiting for its
        # next question) are closed after this many seconds, then the app shuts down cleanly.
        app.server.config.timeout_graceful_shutdown = CLOSE_STREAMS_S
    app.close()
    return finished


def run_until_stopped(app: Any, grace: float) -> None:
    """Serve until SIGTERM or SIGINT (Ctrl+C), then :func:`stop_gracefully`."""
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        del frame
        log.info("Received %s", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        while app.is_running and not stop.wait(0.2):
            pass
    finally:
        for sig, handler in previous.items():  # a second signal now stops at once
            signal.signal(sig, handler)
    print("k2chat: stopping: finishing the questions in flight", flush=True)
    stop_gracefully(app, grace)
    print("k2chat: stopped", flush=True)


def check_host(host: str, flag: str = "K2CHAT_HOST") -> None:
    """The address to bind is one of this machine's, or SettingsError (before any work)."""
    import socket


    allowed = ("an address of this machine: 127.0.0.1 (the default), 0.0.0.0 or :: for every "
               "interface, or the address or name of one of its interfaces")
    try:
        infos = socket.getaddrinfo(host.strip("[]"), None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise SettingsError(f"{flag}={host} is not allowed: {allowed}.") from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((address[0], 0))
        except OSError:
            raise SettingsError(f"{flag}={host} is not allowed: {allowed}.") from None

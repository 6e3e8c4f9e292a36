"""The work a serving process has in flight: questions accepted and answers not yet delivered,
counted so that a stopping server finishes them before it exits (:mod:`k2chat.stopping`).
"""

from __future__ import annotations

import threading
import time

__all__ = ["InFlight"]


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

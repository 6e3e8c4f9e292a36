"""`k2chat serve` as a separate process, as it is deployed: started, stopped and started again
on one data folder, so tests can restart a server or run two instances side by side."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

START_LIMIT_S = 300  # a busy 2-core machine: loading the index and Gradio can take a while


class ServeProcess:
    """One `python -m k2chat serve` on ``port``, reading ``settings``' corpus and data folder."""

    def __init__(self, settings: Any, port: int, log: Path) -> None:
        self.settings = settings
        self.port = port
        self.log = log
        self.url = f"http://127.0.0.1:{port}/"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> ServeProcess:
        env = {**os.environ, "K2CHAT_PORT": str(self.port), "K2CHAT_HOST": "127.0.0.1",
               "K2CHAT_DATA_DIR": str(self.settings.data_dir),
               "K2CHAT_CORPUS_DIR": str(self.settings.corpus_dir),
               "K2CHAT_FEEDBACK_PATH": str(self.settings.data_dir / "feedback-processes.jsonl"),
               "HF_HUB_OFFLINE": "1"}
        env.pop("K2CHAT_CONVERSATION_KEY", None)  # the key comes from the shared data folder
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "k2chat", "serve"], env=env,
                                         stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_LIMIT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"k2chat serve exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "config", timeout=5).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"k2chat serve did not answer in {START_LIMIT_S} s")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)
        # The port is free once nothing listens on it.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(self.url + "config", timeout=2)
            except httpx.HTTPError:
                return
            time.sleep(0.2)


@contextmanager
def two_instances(settings: Any, logs: Path) -> Iterator[tuple[ServeProcess, ServeProcess]]:
    """Two `k2chat serve` processes on one data folder (two ports: a deploy's two
    instances), stopped on exit."""
    from .conftest import free_port

    a = ServeProcess(settings, free_port(), logs / "a.log").start()
    b = ServeProcess(settings, free_port(), logs / "b.log").start()
    try:
        yield a, b
    finally:
        a.stop()
        b.stop()

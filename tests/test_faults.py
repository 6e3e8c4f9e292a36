"""Faults: a missing or damaged index, killed and concurrent ingests, a busy port and no network
never lose the index or put a traceback in front of a user."""

from __future__ import annotations

import json
import logging
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import k2chat
from k2chat.errors import IndexNotBuiltError, IngestBusyError
from k2chat.pipeline import Pipeline
from k2chat.settings import Settings
from k2chat.store import build as build_module
from k2chat.store import derived
from k2chat.store.build import LOCK_TIMEOUT_S, build_index
from k2chat.store.index import index_status
from k2chat.store.manifest import CURRENT_FILE, current_build_dir
from k2chat.store.ready import open_index

from .conftest import CORPUS

Q = "How much MK-7 is used for osteoporosis?"


# --- helpers -----------------------------------------------------------------------------------


def private_copy(settings: Settings, dest: Path, corpus: Path | None = None) -> Settings:
    """A data dir of its own holding a copy of the session's built index (no re-embedding).

    The ONNX query encoder is linked, not copied: it is large and never written.
    """
    index = dest / "index"
    shutil.copytree(settings.index_dir, index, ignore=shutil.ignore_patterns("*.onnx"))
    (index / settings.onnx_path.name).symlink_to(settings.onnx_path)
    return Settings(corpus_dir=corpus or settings.corpus_dir, data_dir=dest)


def env_for(s: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("K2CHAT_")}
    env.update(K2CHAT_DATA_DIR=str(s.data_dir), K2CHAT_CORPUS_DIR=str(s.corpus_dir))
    return env


def start_ingest(s: Settings, *args: str) -> subprocess.Popen[bytes]:
    """``python -m ingest`` (or another module) as a real process on these settings."""
    cmd = [sys.executable, "-m", *(args or ("ingest",))]
    return subprocess.Popen(cmd, env=env_for(s), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def wait_for_output(proc: subprocess.Popen[bytes], marker: bytes, timeout: float = 90) -> bytes:
    """Read the process's stderr until ``marker`` shows up (tqdm writes without newlines)."""
    assert proc.stderr is not None
    seen = b""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stderr, selectors.EVENT_READ)
        while marker not in seen:
            assert time.monotonic() < deadline, seen[-2000:]
            if sel.select(timeout=0.5):
                chunk = os.read(proc.stderr.fileno(), 65536)
                assert chunk, f"process ended before {marker!r}: {seen[-2000:]!r}"
                seen += chunk
    return seen


def drain(proc: subprocess.Popen[bytes]) -> threading.Thread:
    """Keep reading a child's stderr so it never blocks on a full pipe."""
    assert proc.stderr is not None
    stream = proc.stderr
    thread = threading.Thread(target=lambda: stream.read(), daemon=True)
    thread.start()
    return thread


@pytest.fixture
def rebuild_with_session_model(monkeypatch: pytest.MonkeyPatch, st_embeddings) -> None:  # type: ignore[no-untyped-def]
    """Rebuilds triggered inside k2chat (open_index) reuse the already loaded model."""
    monkeypatch.setattr(build_module, "SentenceTransformerEmbeddings", lambda: st_embeddings)


def assert_answers(s: Settings) -> None:
    a = k2chat.ask(Q, s)
    assert a.grounded and "[1]" in a.text, a.text
    assert a.to_markdown().endswith(f"_{k2chat.DISCLAIMER}_")


# --- the index folder is missing ---------------------------------------------------------------


def test_missing_index_says_how_to_build_it(tmp_path: Path) -> None:
    """Without permission to build, a missing index is a clear error naming the command."""
    s = Settings(corpus_dir=CORPUS, data_dir=tmp_path / "data")
    assert index_status(s) == "missing"
    with pytest.raises(IndexNotBuiltError, match="k2chat ingest"):
        open_index(s, build=False)


def test_missing_index_is_built_on_first_question(tmp_path: Path, rebuild_with_session_model,  # type: ignore[no-untyped-def]
                                                  caplog: pytest.LogCaptureFixture) -> None:
    """With no index folder at all, the first question builds it (encoder too) and answers."""
    s = Settings(corpus_dir=CORPUS, data_dir=tmp_path / "data")
    with caplog.at_level(logging.INFO, logger="k2chat.store.ready"):
        assert_answers(s)
    assert any("Building the search index" in r.getMessage() and r.levelno == logging.INFO
               for r in caplog.records)
    assert index_status(s) == "ready"
    assert s.onnx_path.is_file()


# --- the index is damaged ----------------------------------------------------------------------


def _segment_dir(build: Path) -> Path:
    (folder,) = [p for p in build.iterdir() if p.is_dir() and p.name != derived.LEXICAL]
    return folder


def truncate_sqlite(build: Path) -> None:
    db = build / "chroma.sqlite3"
    os.truncate(db, db.stat().st_size // 2)


def empty_sqlite(build: Path) -> None:
    os.truncate(build / "chroma.sqlite3", 0)


def delete_hnsw_segment(build: Path) -> None:
    shutil.rmtree(_segment_dir(build))


def delete_hnsw_file(build: Path) -> None:
    (_segment_dir(build) / "data_level0.bin").unlink()


def truncate_passages(build: Path) -> None:
    path = build / derived.PASSAGES
    os.truncate(path, path.stat().st_size // 2)


def flip_bm25_bytes(build: Path) -> None:
    """Same size, different bytes: only the checksum can tell."""
    path = build / derived.LEXICAL / "data.csc.index.npy"
    data = bytearray(path.read_bytes())
    for i in range(len(data) - 64, len(data)):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def delete_idf(build: Path) -> None:
    (build / derived.LEXICAL / "idf.json").unlink()


def truncate_unit_vectors(build: Path) -> None:
    path = build / derived.UNITS
    os.truncate(path, path.stat().st_size - 1536)


def garble_pointer(build: Path) -> None:
    """A non-UTF-8 byte in index/CURRENT (it made every command end in UnicodeDecodeError)."""
    (build.parent.parent / CURRENT_FILE).write_bytes(build.name.encode() + b"\xff")


def point_outside(build: Path) -> None:
    (build.parent.parent / CURRENT_FILE).write_text("../../../etc", encoding="utf-8")


DAMAGE: dict[str, Callable[[Path], None]] = {
    "truncated-sqlite": truncate_sqlite,
    "empty-sqlite": empty_sqlite,
    "deleted-hnsw-segment": delete_hnsw_segment,
    "deleted-hnsw-file": delete_hnsw_file,
    "truncated-passages": truncate_passages,
    "flipped-bm25-bytes": flip_bm25_bytes,
    "deleted-idf": delete_idf,
    "truncated-unit-vectors": truncate_unit_vectors,
    "garbled-pointer": garble_pointer,  # issue 22, item 9
    "pointer-to-a-path": point_outside,
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_index_is_detected_and_rebuilt(damage: str, tmp_path: Path, settings: Settings,
                                               rebuild_with_session_model,  # type: ignore[no-untyped-def]
                                               caplog: pytest.LogCaptureFixture) -> None:
    """A damaged build is reported as corrupt, rebuilt from the corpus with a log line, and the
    question is answered; no exception reaches the caller."""
    s = private_copy(settings, tmp_path / "data")
    old = current_build_dir(s)
    assert old is not None and index_status(s) == "ready"
    DAMAGE[damage](old)
    assert index_status(s) == "corrupt"
    with caplog.at_level(logging.WARNING, logger="k2chat.store.ready"):
        assert_answers(s)
    logged = [r.getMessage() for r in caplog.records
              if "unreadable" in r.getMessage() and "rebuilding" in r.getMessage()]
    assert len(logged) == 1, [r.getMessage() for r in caplog.records]  # detected, logged once
    assert current_build_dir(s) not in (None, old)
    assert index_status(s) == "ready"


def test_damage_after_opening_in_the_same_process_is_rebuilt(
    tmp_path: Path, settings: Settings, rebuild_with_session_model,  # type: ignore[no-untyped-def]
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Chroma caches one client per path in a process; a build damaged after it was opened is
    still detected on the next open, not served from that cache."""
    s = private_copy(settings, tmp_path / "data")
    Pipeline(s)  # opens the build in this process
    old = current_build_dir(s)
    assert old is not None
    truncate_sqlite(old)
    with caplog.at_level(logging.WARNING, logger="k2chat.store.ready"):
        assert_answers(s)
    assert any("rebuilding" in r.getMessage() for r in caplog.records)
    assert current_build_dir(s) != old


# --- ingest switches atomically ----------------------------------------------------------------


def test_serving_keeps_answering_from_the_old_index_during_an_ingest(
    tmp_path: Path, settings: Settings
) -> None:
    """While `python -m ingest` builds beside it, the loaded pipeline answers from the old build
    and readers always see a complete index; the switch happens only at the end."""
    s = private_copy(settings, tmp_path / "data")
    first = k2chat.ask(Q, s)
    old = current_build_dir(s)
    proc = start_ingest(s)
    reader = drain(proc)
    answered, statuses = 0, set()
    while proc.poll() is None:
        a = k2chat.ask(Q, s)
        assert a.chunk_ids == first.chunk_ids and a.grounded
        statuses.add(index_status(s))
        answered += 1
    reader.join(5)
    assert proc.returncode == 0
    assert answered > 0 and statuses == {"ready"}
    new = current_build_dir(s)
    assert new is not None and new != old
    assert old is not None and old.is_dir()  # kept for readers still on it
    assert k2chat.ask(Q, s).chunk_ids == first.chunk_ids
    assert Pipeline(s).index.location == str(new)


@pytest.mark.parametrize("when", ["while-embedding", "while-writing-the-new-build"])
def test_kill_9_during_ingest_leaves_the_old_index_and_a_rerun_succeeds(
    when: str, tmp_path: Path, settings: Settings, st_embeddings  # type: ignore[no-untyped-def]
) -> None:
    """SIGKILL at any point of an ingest leaves CURRENT on the old, intact build; the lock dies
    with the process, so the next ingest runs and prunes the half-written folder."""
    s = private_copy(settings, tmp_path / "data")
    old = current_build_dir(s)
    assert old is not None
    builds = s.index_dir / "builds"
    before = set(os.listdir(builds))
    proc = start_ingest(s)
    if when == "while-embedding":
        wait_for_output(proc, b"Embedding passages")
        proc.send_signal(signal.SIGKILL)
    else:
        reader = drain(proc)
        deadline = time.monotonic() + 120
        while not set(os.listdir(builds)) - before:
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.0005)
        proc.send_signal(signal.SIGKILL)
        reader.join(60)
    assert proc.wait(120) == -signal.SIGKILL
    partial = set(os.listdir(builds)) - before
    if when != "while-embedding":
        (name,) = partial
        assert not (builds / name / "manifest.json").exists()  # killed before completion
    assert (s.index_dir / CURRENT_FILE).read_text().strip() == old.name
    assert index_status(s) == "ready"
    assert_answers(s)

    report = build_index(s, embeddings=st_embeddings, show_progress=False)
    assert index_status(s) == "ready"
    assert set(os.listdir(builds)) == {old.name, Path(report.location).name}


class PausedEmbeddings:
    """The session model, held at the first batch until the test lets go: an ingest that is
    still running (it holds the lock) for exactly as long as the test needs."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.started = threading.Event()
        self.go = threading.Event()

    @property
    def model(self) -> object:
        return self.inner.model  # type: ignore[attr-defined]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.started.set()
        assert self.go.wait(120)
        return self.inner.embed_documents(texts)  # type: ignore[attr-defined,no-any-return]


def test_a_second_ingest_stops_within_seconds_with_a_clear_message(
    tmp_path: Path, settings: Settings, st_embeddings  # type: ignore[no-untyped-def]
) -> None:
    """While one ingest runs, `k2chat ingest`, `python -m ingest` and build_index each give up
    after the lock timeout with IngestBusyError's message (exit code 1 for the commands);
    nothing is written, and the running ingest completes a good index."""
    s = private_copy(settings, tmp_path / "data")
    old = current_build_dir(s)
    assert old is not None
    builds = s.index_dir / "builds"
    paused = PausedEmbeddings(st_embeddings)
    result: dict[str, object] = {}

    def first() -> None:
        try:
            result["report"] = build_index(s, embeddings=paused, show_progress=False)  # type: ignore[arg-type]
        except BaseException as exc:  # pragma: no cover - reported below
            result["error"] = exc

    runner = threading.Thread(target=first)
    runner.start()
    try:
        assert paused.started.wait(60), "the first ingest never started embedding"
        for command in (["k2chat", "ingest"], ["ingest"]):
            started = time.monotonic()
            done = subprocess.run([sys.executable, "-m", *command], env=env_for(s),
                                  capture_output=True, text=True, timeout=300)
            elapsed = time.monotonic() - started
            assert done.returncode == 1, done.stderr
            assert "Another ingest is running" in done.stderr
            assert "Traceback" not in done.stderr
            # It waited for the lock (not refused at once) and then gave up (did not hang);
            # the upper bound is generous: start-up on a busy 2-core machine plus the wait.
            assert LOCK_TIMEOUT_S - 0.5 < elapsed < LOCK_TIMEOUT_S + 240, elapsed
        started = time.monotonic()
        with pytest.raises(IngestBusyError, match="Another ingest is running"):
            build_index(s, embeddings=st_embeddings, show_progress=False)
        # waited for the lock, then gave up; the upper bound only says it did not hang
        assert LOCK_TIMEOUT_S - 0.5 < time.monotonic() - started < LOCK_TIMEOUT_S + 120
        assert os.listdir(builds) == [old.name]  # the refused ones wrote nothing
    finally:
        paused.go.set()
        runner.join(120)
    assert "error" not in result, result.get("error")
    assert current_build_dir(s) not in (None, old)
    assert index_status(s) == "ready"
    assert_answers(s)


# --- the port is busy --------------------------------------------------------------------------


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


@pytest.mark.server
def test_serve_on_a_busy_port_says_so_and_suggests_another(busy_port: int,
                                                           settings: Settings) -> None:
    """`k2chat serve --port P` with P taken exits 1 with one line that names a free port."""
    done = subprocess.run(
        [sys.executable, "-m", "k2chat", "serve", "--port", str(busy_port)],
        env=env_for(settings), capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("k2chat:")]
    assert len(lines) == 1, done.stderr
    assert f"Port {busy_port}" in lines[0] and "already in use" in lines[0]
    suggested = int(lines[0].split("--port ")[1].split("`")[0])
    assert suggested != busy_port


# --- no network at all -------------------------------------------------------------------------

NO_NETWORK = textwrap.dedent(
    """
    import json, socket, sys

    attempts = []
    LOOPBACK = ("127.", "::1", "localhost")

    def allowed(host):
        return isinstance(host, str) and host.startswith(LOOPBACK)

    def guard(name, original):
        def blocked(*args, **kwargs):
            address = args[1] if name == "connect" else args[0]
            host = address[0] if isinstance(address, tuple) else address
            sock = args[0] if name == "connect" else None
            unix = sock is not None and sock.family == socket.AF_UNIX
            if not unix and not allowed(host):
                attempts.append([name, repr(host)])
                raise OSError(101, "Network is unreachable (blocked by the test)")
            return original(*args, **kwargs)
        return blocked

    socket.socket.connect = guard("connect", socket.socket.connect)
    socket.socket.connect_ex = guard("connect", socket.socket.connect_ex)
    socket.create_connection = guard("create_connection", socket.create_connection)
    socket.getaddrinfo = guard("getaddrinfo", socket.getaddrinfo)

    import k2chat
    from k2chat.store.index import index_status
    from k2chat.settings import Settings

    s = Settings.from_env()
    one = k2chat.ask(sys.argv[1], s)
    chat = k2chat.Chat(s)
    chat.ask(sys.argv[1])
    follow = chat.ask("How long does it take to work?")
    print(json.dumps({"status": index_status(s), "one": one.to_dict(),
                      "follow": follow.to_dict(), "attempts": attempts}))
    """
)


def test_answers_with_all_outbound_network_blocked(tmp_path: Path, settings: Settings) -> None:
    """With every non-loopback connection and DNS lookup refused from the first import on,
    opening the index, ask() and a conversation all work, and nothing even tries to connect."""
    s = private_copy(settings, tmp_path / "data")
    env = env_for(s)
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "ANONYMIZED_TELEMETRY",
                 "GRADIO_ANALYTICS_ENABLED"):
        env.pop(name, None)  # k2chat must set these itself
    done = subprocess.run([sys.executable, "-c", NO_NETWORK, Q], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == "ready"
    assert result["one"]["grounded"] and result["one"]["citations"]
    assert result["follow"]["grounded"]
    assert result["one"]["disclaimer"] == k2chat.DISCLAIMER
    assert result["attempts"] == []

"""Read-only deployments (issue 12, item 4): an intact index that may not be written answers,
`status` says so, nothing writes to the index, and `ingest` refuses before embedding."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import k2chat
from k2chat.errors import K2ChatError
from k2chat.settings import Settings
from k2chat.store import build as build_module
from k2chat.store.build import build_index
from k2chat.store.index import index_status

from .test_faults import Q, env_for, private_copy


def snapshot(folder: Path) -> dict[str, tuple[int, int, str]]:
    """(size, mtime_ns, sha256) of every file under ``folder``."""
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns,
                                         hashlib.sha256(p.read_bytes()).hexdigest())
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


def k2chat_cli(s: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "k2chat", *args], env=env_for(s),
                          capture_output=True, text=True, timeout=600)


@pytest.fixture
def immutable_index(settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    """A private copy of the index made immutable with ``chattr +i`` (which holds for root,
    unlike file modes); skipped where the file system or container does not allow it."""
    s = private_copy(settings, tmp_path / "data")
    chattr = shutil.which("chattr")
    if chattr is None:
        pytest.skip("chattr is not installed")
    # every file and folder, but not the ONNX symlink (chattr follows none; its target is
    # the session's own encoder)
    paths = [str(p) for p in [s.index_dir, *s.index_dir.rglob("*")] if not p.is_symlink()]
    done = subprocess.run([chattr, "+i", *paths], capture_output=True, text=True)
    try:
        if done.returncode != 0:
            pytest.skip(f"chattr +i is not allowed here: {done.stderr.strip()}")
        yield s
    finally:
        subprocess.run([chattr, "-i", *paths], capture_output=True)


def test_status_writes_nothing_to_a_writable_index(settings: Settings, tmp_path: Path) -> None:
    s = private_copy(settings, tmp_path / "data")
    before = snapshot(s.index_dir)
    done = k2chat_cli(s, "status")
    assert done.returncode == 0, done.stderr
    assert "index: ready\n" in done.stdout
    assert "query encoder: ok" in done.stdout
    assert snapshot(s.index_dir) == before


def test_ask_writes_nothing_to_a_writable_index(settings: Settings, tmp_path: Path) -> None:
    s = private_copy(settings, tmp_path / "data")
    before = snapshot(s.index_dir)
    done = k2chat_cli(s, "ask", Q)
    assert done.returncode == 0, done.stderr
    assert "[1]" in done.stdout
    assert snapshot(s.index_dir) == before


def test_an_immutable_index_is_ready_and_answers(immutable_index: Settings) -> None:
    s = immutable_index
    before = snapshot(s.index_dir)
    assert index_status(s) == "ready (read-only)"
    done = k2chat_cli(s, "status")
    assert done.returncode == 0, done.stderr
    assert "index: ready (read-only)" in done.stdout
    asked = k2chat_cli(s, "ask", Q)
    assert asked.returncode == 0, asked.stderr
    assert "[1]" in asked.stdout and "unexpected error" not in asked.stderr
    answer = k2chat.ask(Q, s)
    assert answer.grounded
    assert snapshot(s.index_dir) == before


def test_ingest_into_an_immutable_index_fails_before_embedding(
    immutable_index: Settings, monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_embedding(*args: object, **kwargs: object) -> None:
        raise AssertionError("ingest embedded before checking that it can write")

    monkeypatch.setattr(build_module, "_embed", no_embedding)
    with pytest.raises(K2ChatError, match="Cannot write the index") as err:
        build_index(immutable_index, show_progress=False)
    assert "\n" not in str(err.value)
    done = k2chat_cli(immutable_index, "ingest")
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Cannot write the index" in lines[0], done.stderr

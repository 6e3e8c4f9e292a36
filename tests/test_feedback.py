"""Feedback is never lost silently: complete lines, checked writes, partial lines set aside,
many processes appending at once, and a failure count that `k2chat status` shows."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from k2chat.errors import FeedbackError
from k2chat.feedback import feedback_status, record_feedback, repair
from k2chat.types import Answer


def _answer(question: str = "How much K2?") -> Answer:
    return Answer(question, "Body.", grounded=True)


def _lines(path: Path) -> list[dict[str, object]]:
    raw = path.read_bytes()
    assert raw.endswith(b"\n")
    return [json.loads(line) for line in raw.decode().splitlines()]


def test_a_partial_last_line_is_set_aside_and_the_next_vote_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    record_feedback(path, True, _answer())
    with open(path, "ab") as f:
        f.write(b'{"time": "2026-12-02", "rating": "li')  # a crash mid-write
    assert repair(path) > 0
    record_feedback(path, False, _answer("Second?"))
    assert [r["rating"] for r in _lines(path)] == ["like", "dislike"]
    assert b'"rating": "li' in (tmp_path / "feedback.jsonl.partial").read_bytes()
    status = feedback_status(path)
    assert (status.votes, status.set_aside, status.lost) == (2, 1, 0)
    assert repair(path) == 0  # nothing left to set aside


def _vote_many(path: str, n: int, tag: int) -> None:
    for i in range(n):
        record_feedback(Path(path), True, _answer(f"process {tag} vote {i} " + "x" * 3000))


def test_several_processes_append_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_vote_many, args=(str(path), 40, t)) for t in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
        assert p.exitcode == 0
    records = _lines(path)
    assert len(records) == 160
    assert {str(r["question"]).rsplit(" x", 1)[0][:20] for r in records} >= {"process 0 vote 0"}


def test_a_failed_write_raises_and_is_counted(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    path.mkdir()  # the write fails as it would on a broken disk, for root too
    with pytest.raises(FeedbackError, match="could not be saved"):
        record_feedback(path, False, _answer())
    with pytest.raises(FeedbackError):
        record_feedback(path, True, _answer())
    assert feedback_status(tmp_path / "feedback.jsonl").lost == 2


def _full_tmpfs(tmp_path: Path) -> Path | None:
    """A 1 MiB tmpfs mounted under tmp_path, or None where mounting is not allowed."""
    mount = tmp_path / "small"
    mount.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        return None
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                          capture_output=True)
    return mount if done.returncode == 0 else None


def test_a_full_disk_loses_no_acknowledged_vote_and_leaves_no_half_line(tmp_path: Path) -> None:
    mount = _full_tmpfs(tmp_path)
    if mount is None:
        pytest.skip("needs root to mount a small tmpfs")
    try:
        path = mount / "feedback.jsonl"
        repair(path)
        acknowledged = failed = 0
        for i in range(400):
            try:
                record_feedback(path, True, _answer(f"vote {i} " + "y" * 5000))
                acknowledged += 1
            except FeedbackError:
                failed += 1
        assert failed > 0, "the tmpfs never filled up"
        assert len(_lines(path)) == acknowledged  # every acknowledged vote, whole
        assert feedback_status(path).lost == failed
        out = subprocess.run(
            [sys.executable, "-m", "k2chat", "status"], capture_output=True, text=True,
            env={**os.environ, "K2CHAT_FEEDBACK_PATH": str(path)}, timeout=300)
        assert f"{failed} could not be saved" in out.stdout
    finally:
        subprocess.run(["umount", str(mount)], check=False)

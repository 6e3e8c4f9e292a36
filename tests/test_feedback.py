"""Feedback is never lost silently: complete lines, checked writes, partial lines set aside,
many processes appending at once, and a failure count that `k2chat status` shows."""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from k2chat.errors import FeedbackError
from k2chat.serve.feedback import feedback_status, record_feedback, repair
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


def test_a_vote_never_joins_a_partial_line_left_after_start_up(tmp_path: Path) -> None:
    """Issue 22, item 10: a partial last line, a start-up repair that failed (full disk), then
    a vote: it was glued onto the partial line and counted. The repair now runs before every
    vote, whatever happened at start-up."""
    path = tmp_path / "feedback.jsonl"
    record_feedback(path, True, _answer())
    with open(path, "ab") as f:
        f.write(b'{"time": "2026-12-02", "rating": "dis')  # after start-up's repair
    record_feedback(path, False, _answer("Second?"))
    assert [r["rating"] for r in _lines(path)] == ["like", "dislike"]
    assert b'"rating": "dis' in (tmp_path / "feedback.jsonl.partial").read_bytes()
    assert feedback_status(path).votes == 2


def test_status_counts_only_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    record_feedback(path, True, _answer())
    with open(path, "ab") as f:
        f.write(b'{"time": "2026-12-02", "rating": "li{"time": "x"}\n')  # glued by an old version
        f.write(b"[1, 2]\n")  # JSON, but not a vote
    record_feedback(path, False, _answer("Second?"))
    assert feedback_status(path).votes == 2


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


# Votes until the disk gives out, then reads back what was written: run in a child process,
# on a 1 MiB tmpfs in a private mount namespace, or under a file-size limit (the same ENOSPC-
# style fault, a failed or short write, where mounting is not allowed).
_FILL = r"""
import json, os, subprocess, sys
from pathlib import Path
from k2chat.errors import FeedbackError
from k2chat.serve.feedback import feedback_status, record_feedback, repair
from k2chat.types import Answer
path = Path(sys.argv[1])
repair(path)
ok = failed = 0
for i in range(400):
    try:
        record_feedback(path, True, Answer(f"vote {i} " + "y" * 5000, "Body.", grounded=True))
        ok += 1
    except FeedbackError:
        failed += 1
raw = path.read_bytes()
whole = raw.endswith(b"\n") and all(json.loads(l) for l in raw.splitlines())
status = subprocess.run([sys.executable, "-m", "k2chat", "status"], capture_output=True,
                        text=True, env={**os.environ, "K2CHAT_FEEDBACK_PATH": str(path)})
print(json.dumps({"ok": ok, "failed": failed, "lines": len(raw.splitlines()), "whole": whole,
                  "lost": feedback_status(path).lost, "status": status.stdout}))
"""


def _check_filled(out: str) -> None:
    result = json.loads(out.strip().splitlines()[-1])
    assert result["failed"] > 0, "the disk never filled up"
    assert result["whole"] and result["lines"] == result["ok"]  # every acknowledged vote, whole
    assert result["lost"] == result["failed"]
    assert f"{result['failed']} could not be saved" in result["status"]


def test_a_full_tmpfs_loses_no_acknowledged_vote_and_leaves_no_half_line(tmp_path: Path) -> None:
    unshare = shutil.which("unshare")
    if os.geteuid() != 0 or unshare is None:
        pytest.skip("needs root and unshare to mount a private tmpfs")
    mount = tmp_path / "small"
    mount.mkdir()
    script = tmp_path / "fill.py"
    script.write_text(_FILL)
    shell = (f"mount -t tmpfs -o size=1m tmpfs {mount} && "
             f"{sys.executable} {script} {mount / 'feedback.jsonl'}")
    done = subprocess.run([unshare, "--mount", "--propagation", "private", "sh", "-c", shell],
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0 and "mount" in done.stderr and "feedback" not in done.stderr:
        pytest.skip(f"mounting is not allowed here: {done.stderr.strip()[:200]}")
    assert done.returncode == 0, done.stderr
    _check_filled(done.stdout)


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (512 * 1024, 512 * 1024))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG


def test_writes_cut_short_by_a_size_limit_lose_no_acknowledged_vote(tmp_path: Path) -> None:
    script = tmp_path / "fill.py"
    script.write_text(_FILL)
    done = subprocess.run([sys.executable, str(script), str(tmp_path / "feedback.jsonl")],
                          capture_output=True, text=True, timeout=600,
                          preexec_fn=_limit_file_size)
    assert done.returncode == 0, done.stderr
    _check_filled(done.stdout)


def test_status_counts_one_vote_per_answered_turn_the_latest_deciding(tmp_path: Path) -> None:
    """Issue 22, item 15: 300 votes on one answer were 300 votes. Lines naming the same turn
    are one vote (the latest line decides; a vote taken back last is none); lines of older
    versions, which name no turn, count one each."""
    path = tmp_path / "feedback.jsonl"
    record_feedback(path, True, _answer(), turn="c1:0")
    for i in range(300):
        record_feedback(path, i % 2 == 0, _answer(), turn="c1:1")
    record_feedback(path, True, _answer(), turn="c1:2")
    record_feedback(path, None, _answer(), turn="c1:2")  # taken back
    record_feedback(path, False, _answer("Older?"))  # no turn
    assert len(_lines(path)) == 304
    assert feedback_status(path).votes == 3  # c1:0, c1:1 and the line without a turn

"""Like / dislike feedback: one complete JSON line per vote, or a clear error and no trace.

Several server processes may append to the same file (README, Deploying), so every write holds
an exclusive ``flock`` on the file. A write is checked: when the disk is full the file is cut
back to where it was, so a half-written record never sits in front of the next vote, the caller
gets :class:`~k2chat.errors.FeedbackError` and the failure is counted. The count lives in a
small side file whose bytes are allocated when the server starts and rewritten in place, so it
can still be updated on a full disk. :func:`repair` sets aside a partial last line (left by a
crash or by an older version) at start-up and again before every vote, so a vote never
joins a partial line; ``status`` counts only whole lines (complete JSON objects).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from k2chat.errors import FeedbackError
from k2chat.types import Answer

__all__ = ["record_feedback", "repair", "feedback_status", "FeedbackStatus"]

log = logging.getLogger(__name__)

_COUNT_WIDTH = 20  # digits of the failure count: the side file is always exactly this long
_COULD_NOT_SAVE = ("Your vote could not be saved (the server could not write it). "
                   "Please try again later.")


def _failures_path(path: Path) -> Path:
    return path.with_name(path.name + ".failures")


def _partial_path(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


@contextmanager
def _locked(path: Path) -> Iterator[int]:
    """The feedback file opened for appending, under an exclusive lock held across processes."""
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        os.close(fd)  # closing releases the lock


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _parse_count(raw: bytes) -> int:
    digits = raw.strip()
    return int(digits) if digits.isdigit() else 0


def _read_count(path: Path) -> int:
    try:
        return _parse_count(path.read_bytes())
    except OSError:
        return 0


def _prepare_counter(path: Path) -> None:
    """Make sure the failure-count file exists at its full size (its bytes are then reused)."""
    counter = _failures_path(path)
    if counter.exists() and counter.stat().st_size == _COUNT_WIDTH:
        return
    count = _read_count(counter)
    counter.write_bytes(str(count).zfill(_COUNT_WIDTH).encode())


def _count_failure(path: Path) -> None:
    """Add one to the failure count, rewriting the pre-allocated bytes in place."""
    counter = _failures_path(path)
    try:
        fd = os.open(counter, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        log.error("Could not count a lost vote in %s", counter)
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        count = _parse_count(os.pread(fd, _COUNT_WIDTH, 0))
        os.pwrite(fd, str(count + 1).zfill(_COUNT_WIDTH).encode(), 0)
    except OSError:
        log.error("Could not count a lost vote in %s", counter)
    finally:
        os.close(fd)


def repair(path: Path) -> int:
    """Set aside a partial last line of the feedback file; return how many bytes were moved.

    Run at start-up. The bytes after the last newline go to ``<file>.partial`` (appended, so
    nothing is ever deleted) and the feedback file is cut back to its last complete line. Also
    allocates the failure counter's bytes while there is room for them.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return _repair(path)
    except OSError as exc:  # a read-only data folder: votes will fail, each with its message
        log.error("Could not check the feedback file %s: %s", path, exc)
        return 0


def _after_last_newline(fd: int, block: int = 64 * 1024) -> int:
    """The offset just after the file's last newline (0 if none), reading back from the end
    block by block, so start-up does not read a feedback file that only grows."""
    at = os.fstat(fd).st_size
    while at > 0:
        start = max(0, at - block)
        newline = os.pread(fd, at - start, start).rfind(b"\n")
        if newline >= 0:
            return start + newline + 1
        at = start
    return 0


def _set_aside_tail(path: Path, fd: int) -> int:
    """Under the lock: move the bytes after the last newline to ``<file>.partial`` and cut
    the file back to its last complete line; return how many bytes were moved."""
    size = os.fstat(fd).st_size
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return 0  # the common case: one byte read
    end = _after_last_newline(fd)
    tail = os.pread(fd, size - end, end)
    with open(_partial_path(path), "ab") as aside:
        aside.write(tail + b"\n")
        aside.flush()
        os.fsync(aside.fileno())
    os.ftruncate(fd, end)
    log.warning("Set aside a partial feedback line (%d bytes) in %s", len(tail),
                _partial_path(path))
    return len(tail)


def _repair(path: Path) -> int:
    with _locked(path) as fd:
        moved = _set_aside_tail(path, fd)
    try:
        _prepare_counter(path)
    except OSError as exc:
        log.error("Could not prepare the lost-vote counter %s: %s", _failures_path(path), exc)
    return moved


def record_feedback(path: Path, liked: bool | None, answer: Answer,
                    turn: str | None = None) -> dict[str, object]:
    """Append the vote with its question, answer and cited chunk ids; return the record.

    ``liked`` is True for a like, False for a dislike and None when a vote is taken back.
    ``turn`` names the conversation turn voted on: of several lines for one turn the last counts.
    Raises :class:`FeedbackError` when the line could not be written; the file is then left
    exactly as it was and the failure is counted for ``k2chat status``.
    """
    rating = "withdrawn" if liked is None else "like" if liked else "dislike"
    record: dict[str, object] = {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "rating": rating,
        "question": answer.question,
        "answer": answer.text,
        "chunk_ids": list(answer.chunk_ids),
        "grounded": answer.grounded,
    }
    if turn is not None:
        record["turn"] = turn
    line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _locked(path) as fd:
            # A partial line (a crash, or a repair that failed at start-up on a full disk)
            # goes aside first, so a vote never joins it (issue 22, item 10).
            _set_aside_tail(path, fd)
            start = os.fstat(fd).st_size
            try:
                _write_all(fd, line)
            except OSError:
                os.ftruncate(fd, start)  # never leave half a record in front of the next one
                raise
    except OSError as exc:
        log.error("Could not record feedback in %s: %s", path, exc)
        _count_failure(path)
        raise FeedbackError(_COULD_NOT_SAVE) from exc
    return record


@dataclass(frozen=True)
class FeedbackStatus:
    path: Path
    votes: int  # one per answered turn (its latest complete line), see count_votes
    lost: int  # votes that could not be written since the file was started
    set_aside: int  # partial lines moved to <file>.partial

    def describe(self) -> str:
        text = f"feedback: {self.votes} vote(s) recorded in {self.path}"
        if self.lost:
            text += f"; {self.lost} could not be saved (see the server log)"
        if self.set_aside:
            text += f"; {self.set_aside} partial line(s) set aside in {_partial_path(self.path)}"
        return text


def _record(line: bytes) -> dict[str, object] | None:
    """A complete vote: a newline-ended line holding one JSON object."""
    if not line.endswith(b"\n"):
        return None
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def count_votes(lines: Iterable[bytes]) -> int:
    """Votes in the file's lines: one per answered turn, the turn's latest line deciding (a
    vote changed from like to dislike is one vote; one taken back, none); a line that names
    no turn (written before votes named their turn) is one vote."""
    untagged = 0
    latest: dict[str, object] = {}
    for line in lines:
        record = _record(line)
        if record is None:
            continue
        turn = record.get("turn")
        if isinstance(turn, str):
            latest.pop(turn, None)  # re-insert: the latest line of the turn decides
            latest[turn] = record.get("rating")
        else:
            untagged += 1
    return untagged + sum(1 for rating in latest.values() if rating != "withdrawn")


def feedback_status(path: Path) -> FeedbackStatus:
    """What the feedback file holds, read without writing anything."""
    votes = 0
    if path.is_file():
        with open(path, "rb") as f:
            votes = count_votes(f)
    aside = _partial_path(path)
    set_aside = len(aside.read_bytes().splitlines()) if aside.exists() else 0
    return FeedbackStatus(path, votes, _read_count(_failures_path(path)), set_aside)

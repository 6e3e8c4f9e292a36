"""Like / dislike feedback, one JSON line per vote, appended safely from many threads."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

from k2chat.types import Answer

__all__ = ["record_feedback"]

_lock = threading.Lock()


def record_feedback(path: Path, liked: bool | None, answer: Answer) -> dict[str, object]:
    """Append the vote with its question, answer and cited chunk ids; return the record.

    ``liked`` is True for a like, False for a dislike and None when a vote is taken back.
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
    line = json.dumps(record, ensure_ascii=False) + "\n"
    with _lock:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as f:
            f.write(line)
    return record

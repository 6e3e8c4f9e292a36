"""One frozen Settings object, read from ``K2CHAT_*`` environment variables in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

__all__ = ["Settings", "ENV_PREFIX"]

ENV_PREFIX = "K2CHAT_"


def _default_root() -> Path:
    """The folder that holds ``corpus/``: the working directory if it has one, else the repo."""
    cwd = Path.cwd()
    if (cwd / "corpus").is_dir():
        return cwd
    return Path(__file__).resolve().parents[2]


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(ENV_PREFIX + name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{ENV_PREFIX}{name} must be a whole number, not {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    """Everything configurable. Build it with :meth:`from_env`; override with :meth:`with_`."""

    corpus_dir: Path
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 7860
    chroma_url: str | None = None
    feedback_path: Path = field(default=Path())
    max_question_chars: int = 2000
    concurrency_limit: int = 8
    collection: str = "k2chat"

    def __post_init__(self) -> None:
        if self.feedback_path == Path():
            object.__setattr__(self, "feedback_path", self.data_dir / "feedback.jsonl")

    @property
    def index_dir(self) -> Path:
        """Where local index builds, the manifest pointer and the ONNX model live."""
        return self.data_dir / "index"

    @property
    def onnx_path(self) -> Path:
        return self.index_dir / "all-MiniLM-L6-v2.onnx"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        root = _default_root()
        corpus = Path(env.get(ENV_PREFIX + "CORPUS_DIR") or root / "corpus")
        data = Path(env.get(ENV_PREFIX + "DATA_DIR") or root / ".k2chat")
        feedback = env.get(ENV_PREFIX + "FEEDBACK_PATH")
        return cls(
            corpus_dir=corpus.expanduser().resolve(),
            data_dir=data.expanduser().resolve(),
            host=env.get(ENV_PREFIX + "HOST") or "127.0.0.1",
            port=_int(env, "PORT", 7860),
            chroma_url=env.get(ENV_PREFIX + "CHROMA_URL") or None,
            feedback_path=Path(feedback).expanduser().resolve() if feedback else Path(),
            max_question_chars=_int(env, "MAX_QUESTION_CHARS", 2000),
            concurrency_limit=_int(env, "CONCURRENCY_LIMIT", 8),
            collection=env.get(ENV_PREFIX + "COLLECTION") or "k2chat",
        )

    def with_(self, **changes: object) -> Settings:
        """A copy with some fields changed (``feedback_path`` follows a new ``data_dir``)."""
        if "data_dir" in changes and "feedback_path" not in changes:
            if self.feedback_path == self.data_dir / "feedback.jsonl":
                changes["feedback_path"] = Path()
        return replace(self, **changes)  # type: ignore[arg-type]

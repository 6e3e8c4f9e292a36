"""One frozen Settings object, read from ``K2CHAT_*`` environment variables in one place."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

__all__ = ["Settings", "ENV_PREFIX"]

ENV_PREFIX = "K2CHAT_"
# Every variable read, without the prefix (the README's Settings table lists each one).
ENV_NAMES = ("CORPUS_DIR", "DATA_DIR", "HOST", "PORT", "CHROMA_URL", "FEEDBACK_PATH",
             "MAX_QUESTION_CHARS", "CONCURRENCY_LIMIT", "COLLECTION", "ALLOWED_HOSTS",
             "FRAME_ANCESTORS", "CONVERSATION_KEY")


def _source_checkout() -> Path | None:
    """The repository this module runs from (``src/k2chat`` in a clone), or None when k2chat
    is installed (site-packages holds no ``corpus/`` or ``pyproject.toml`` next to it)."""
    repo = Path(__file__).resolve().parents[2]
    return repo if (repo / "pyproject.toml").is_file() and (repo / "corpus").is_dir() else None


def _default_root() -> Path | None:
    """The folder that holds ``corpus/``: the working directory if it has one, else the
    repository k2chat runs from; None for an installed k2chat run elsewhere."""
    cwd = Path.cwd()
    if (cwd / "corpus").is_dir():
        return cwd
    return _source_checkout()


def _user_data_dir() -> Path:
    """Where an installed k2chat keeps its index and votes when no root applies: the per-user
    data folder of the XDG base-directory convention."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "k2chat"


def _int(env: Mapping[str, str | None], name: str, default: int) -> int:
    raw = env[name]
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
    # Host names served besides loopback and the bound address (behind a proxy: its name).
    allowed_hosts: tuple[str, ...] = ()
    # Who may show the chat in a frame (CSP frame-ancestors): the publisher's site, for example.
    frame_ancestors: str = "'self'"
    # Signs the conversations clients keep (conversation.py); unset: <data>/conversation.key.
    conversation_key: str | None = field(default=None, repr=False)

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
        """Settings from ``env`` (default: this process's environment and working directory;
        read once per distinct environment, since ``k2chat.ask()`` calls this every time)."""
        if env is None:
            values = tuple(os.environ.get(ENV_PREFIX + name) for name in ENV_NAMES)
            return _from_process_env(os.getcwd(), values)
        return cls._read({name: env.get(ENV_PREFIX + name) for name in ENV_NAMES})

    @classmethod
    def _read(cls, env: Mapping[str, str | None]) -> Settings:
        root = _default_root()
        corpus = Path(env["CORPUS_DIR"] or (root or Path.cwd()) / "corpus")
        data = Path(env["DATA_DIR"] or (root / ".k2chat" if root else _user_data_dir()))
        feedback = env["FEEDBACK_PATH"]
        return cls(
            corpus_dir=corpus.expanduser().resolve(),
            data_dir=data.expanduser().resolve(),
            host=env["HOST"] or "127.0.0.1",
            port=_int(env, "PORT", 7860),
            chroma_url=env["CHROMA_URL"] or None,
            feedback_path=Path(feedback).expanduser().resolve() if feedback else Path(),
            max_question_chars=_int(env, "MAX_QUESTION_CHARS", 2000),
            concurrency_limit=_int(env, "CONCURRENCY_LIMIT", 8),
            collection=env["COLLECTION"] or "k2chat",
            allowed_hosts=tuple(h.strip() for h in (env["ALLOWED_HOSTS"] or "").split(",")
                                if h.strip()),
            frame_ancestors=env["FRAME_ANCESTORS"] or "'self'",
            conversation_key=env["CONVERSATION_KEY"] or None,
        )

    def with_(self, **changes: object) -> Settings:
        """A copy with some fields changed (``feedback_path`` follows a new ``data_dir``)."""
        if "data_dir" in changes and "feedback_path" not in changes:
            if self.feedback_path == self.data_dir / "feedback.jsonl":
                changes["feedback_path"] = Path()
        return replace(self, **changes)  # type: ignore[arg-type]


@functools.lru_cache(maxsize=32)
def _from_process_env(cwd: str, values: tuple[str | None, ...]) -> Settings:
    """Settings for one working directory and one set of ``K2CHAT_*`` values."""
    del cwd  # part of the cache key: the default corpus is found from the working directory
    return Settings._read(dict(zip(ENV_NAMES, values, strict=True)))

"""One frozen Settings object, read from ``K2CHAT_*`` environment variables in one place."""

from __future__ import annotations

import functools
import ipaddress
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from k2chat.errors import SettingsError

__all__ = ["Settings", "ENV_PREFIX"]

ENV_PREFIX = "K2CHAT_"
# Every variable read, without the prefix (the README's Settings table lists each one).
ENV_NAMES = ("CORPUS_DIR", "DATA_DIR", "HOST", "PORT", "CHROMA_URL", "FEEDBACK_PATH",
             "MAX_QUESTION_CHARS", "CONCURRENCY_LIMIT", "COLLECTION", "ALLOWED_HOSTS",
             "FRAME_ANCESTORS", "TRUSTED_PROXIES", "SHUTDOWN_GRACE", "CONVERSATION_KEY")

# What each number may be, and why (checked once, when Settings is made; issue 22).
PORT_RANGE = (1, 65535)  # 0 would be "any free port", and nobody would know the address
# The 1 MiB request cap (k2chat.serve.guard) holds 100,000 characters even as 6-byte JSON escapes
# plus the rest of the event; a longer limit could never be reached through the page.
QUESTION_CHARS_RANGE = (1, 100_000)
# Questions answered at once: at least one; at most the 256 the queue holds (ui.QUEUE_MAX_SIZE).
CONCURRENCY_RANGE = (1, 256)
# Seconds a stopping server gives accepted questions: a slow answer takes ~2 s on the 2-core
# machine under load (README, Performance); 300 s is as long as any service manager waits.
GRACE_RANGE = (0.0, 300.0)
# Chroma names: 3-63 characters of [A-Za-z0-9._-]; the server's collection adds "-" and 16 hex.
_COLLECTION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,44}[A-Za-z0-9]")


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


def _refuse(name: str, value: object, allowed: str) -> SettingsError:
    return SettingsError(f"{ENV_PREFIX}{name}={value!s} is not allowed: {allowed}.")


def _int(env: Mapping[str, str | None], name: str, default: int, bounds: tuple[int, int]
         ) -> int:
    raw = env[name]
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise _refuse(name, repr(raw), f"a whole number from {bounds[0]} to {bounds[1]}"
                      ) from None


def _float(env: Mapping[str, str | None], name: str, default: float,
           bounds: tuple[float, float]) -> float:
    raw = env[name]
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise _refuse(name, repr(raw), f"a number of seconds from {bounds[0]:g} to "
                      f"{bounds[1]:g}") from None


def _check_range(name: str, value: float, bounds: tuple[float, float], what: str) -> None:
    if isinstance(value, bool) or not (
            isinstance(value, int | float) and math.isfinite(value)
            and bounds[0] <= value <= bounds[1]):
        raise _refuse(name, value, f"{what} from {bounds[0]:g} to {bounds[1]:g}")


def _names(raw: str | None) -> tuple[str, ...]:
    return tuple(h.strip() for h in (raw or "").split(",") if h.strip())


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
    # Proxies (addresses or networks) whose X-Forwarded-* headers are believed; none by default.
    trusted_proxies: tuple[str, ...] = ()
    # Seconds a stopping server (SIGTERM, Ctrl+C) gives the questions it accepted.
    shutdown_grace: float = 10.0
    # Signs the conversations clients keep (conversation.py); unset: <data>/conversation.key.
    conversation_key: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.feedback_path == Path():
            object.__setattr__(self, "feedback_path", self.data_dir / "feedback.jsonl")
        self._check()

    def _check(self) -> None:
        """Every value within what is allowed, or SettingsError naming the variable."""
        _check_range("PORT", self.port, PORT_RANGE, "a whole number")
        _check_range("MAX_QUESTION_CHARS", self.max_question_chars, QUESTION_CHARS_RANGE,
                     "a whole number")
        _check_range("CONCURRENCY_LIMIT", self.concurrency_limit, CONCURRENCY_RANGE,
                     "a whole number")
        _check_range("SHUTDOWN_GRACE", self.shutdown_grace, GRACE_RANGE, "a number of seconds")
        if not self.host or any(c.isspace() for c in self.host):
            raise _refuse("HOST", repr(self.host), "an address or host name of this machine")
        if not _COLLECTION.fullmatch(self.collection):
            raise _refuse("COLLECTION", repr(self.collection),
                          "3 to 46 letters, digits, '.', '_' or '-', starting and ending with "
                          "a letter or digit")
        if self.chroma_url is not None and not re.fullmatch(r"https?://[^\s/]+(/\S*)?",
                                                             self.chroma_url):
            raise _refuse("CHROMA_URL", repr(self.chroma_url), "an http:// or https:// URL")
        for proxy in self.trusted_proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise _refuse("TRUSTED_PROXIES", repr(",".join(self.trusted_proxies)),
                              "IP addresses or networks (10.0.0.0/8), comma-separated"
                              ) from None

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
            port=_int(env, "PORT", 7860, PORT_RANGE),
            chroma_url=env["CHROMA_URL"] or None,
            feedback_path=Path(feedback).expanduser().resolve() if feedback else Path(),
            max_question_chars=_int(env, "MAX_QUESTION_CHARS", 2000, QUESTION_CHARS_RANGE),
            concurrency_limit=_int(env, "CONCURRENCY_LIMIT", 8, CONCURRENCY_RANGE),
            collection=env["COLLECTION"] or "k2chat",
            allowed_hosts=_names(env["ALLOWED_HOSTS"]),
            frame_ancestors=env["FRAME_ANCESTORS"] or "'self'",
            trusted_proxies=_names(env["TRUSTED_PROXIES"]),
            shutdown_grace=_float(env, "SHUTDOWN_GRACE", 10.0, GRACE_RANGE),
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

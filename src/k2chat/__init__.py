"""k2chat: cited answers from the article "Vitamin K2 dosage for bone health".

>>> import k2chat
>>> print(k2chat.ask("Can I take K2 with warfarin?").to_markdown())
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from k2chat.errors import (
    CorpusError,
    IndexCorruptError,
    IndexNotBuiltError,
    IngestBusyError,
    K2ChatError,
    PortInUseError,
)
from k2chat.settings import Settings
from k2chat.types import DISCLAIMER, Answer, Citation

__all__ = [
    "DISCLAIMER",
    "EXAMPLE_QUESTIONS",
    "Answer",
    "Chat",
    "Citation",
    "CorpusError",
    "IndexCorruptError",
    "IndexNotBuiltError",
    "IngestBusyError",
    "K2ChatError",
    "PortInUseError",
    "Settings",
    "ask",
]


if TYPE_CHECKING:
    from k2chat.chain.answer import EXAMPLE_QUESTIONS
    from k2chat.chat import Chat

# Loaded on first use, so that `import k2chat` (and `k2chat --help`) stays light.
_LAZY = {"Chat": "k2chat.chat", "EXAMPLE_QUESTIONS": "k2chat.chain.answer"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'k2chat' has no attribute {name!r}")


def ask(question: str, settings: Settings | None = None) -> Answer:
    """Answer one question (no conversation) from the article, with citations and disclaimer."""
    # imported here for start-up speed: `import k2chat` stays light until the first question
    from k2chat.chain.answer import Request
    from k2chat.pipeline import get_pipeline

    return get_pipeline(settings).answer(Request(question))

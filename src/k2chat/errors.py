"""The one exception tree. Every message tells the user what to do next."""

from __future__ import annotations

__all__ = [
    "K2ChatError",
    "IndexNotBuiltError",
    "IndexCorruptError",
    "IndexReadOnlyError",
    "IngestBusyError",
    "CorpusError",
    "PortInUseError",
    "FeedbackError",
    "SettingsError",
]


class K2ChatError(Exception):
    """Base class: anything k2chat raises on purpose."""


class CorpusError(K2ChatError):
    """The corpus folder is missing, empty or unreadable."""


class IndexNotBuiltError(K2ChatError):
    """There is no usable index and it may not be built automatically."""


class IndexCorruptError(K2ChatError):
    """The stored index cannot be read; it must be rebuilt from the corpus."""


class IndexReadOnlyError(K2ChatError):
    """The index may not be written here and what was asked needs a write (or a rebuild)."""


class IngestBusyError(K2ChatError):
    """Another ingest holds the lock."""


class PortInUseError(K2ChatError):
    """The chat server's port is taken."""


class FeedbackError(K2ChatError):
    """A vote could not be written; nothing partial was left in the feedback file."""


class SettingsError(K2ChatError):
    """A setting (environment variable, command-line flag or evaluation file) has a value
    outside what is allowed; the message names it, its value and what is allowed."""

    exit_code = 2  # as argparse exits for a bad flag: the command was used wrongly

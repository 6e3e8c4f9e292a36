"""Markdown escaping: text shown as text."""

from __future__ import annotations

import re

__all__ = ["markdown_escape"]

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~$])")


def markdown_escape(text: str) -> str:
    """Show text as text: Markdown and HTML characters are escaped, nothing is dropped."""
    return _MD_SPECIAL.sub(r"\\\1", text)

"""The answer's shape, in one place: how many quotes an answer shows and how many words they may
take. The judge (``k2chat.chain.judge``) and the safety-statement composition
(``k2chat.chain.curated``) both read these limits; nothing else decides them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from k2chat.store.quotes import Unit

__all__ = ["BODY_WORDS", "MAX_QUOTES", "quote_words"]

# Quotes: the lead and at most two supporting quotes (the answer shape of the first chain,
# c07d8ba, and the README's first paragraph).
MAX_QUOTES = 3
# Words: the target for a readable answer, a median body of at most 90 words.
# Supporting quotes are added only while the quotes stay within it (carried sentences
# aside: quote_words).
BODY_WORDS = 90


def quote_words(unit: Unit) -> int:
    """A quote's words against BODY_WORDS: the sentences it carries only so that it reads on
    its own ("Those drugs ..." with the sentence naming them) do not count."""
    return len(unit.scored_text.split())

"""The answer's shape, in one place: how many quotes an answer shows and how many words they may
take. The judge (``k2chat.chain.judge``) and the safety-statement composition
(``k2chat.chain.curated``) both read these limits; nothing else decides them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from k2chat.store.quotes import Unit

__all__ = ["BODY_WORDS", "MAX_QUOTES", "RESTRICTIVE_STATEMENTS", "quote_words"]

# Quotes: the lead and at most two supporting quotes (the answer shape of the first chain,
# c07d8ba, and the README's first paragraph).
MAX_QUOTES = 3
# Words: the target for a readable answer, a median body of at most 90 words.
# Supporting quotes are added only while the quotes stay within it (carried sentences
# aside: quote_words).
BODY_WORDS = 90
# A restrictive topic's dose question (warfarin, children, pregnancy, severe kidney or liver
# disease) shows this many of the topic's curated statements, strongest first, whatever their
# length: the strongest says what to do ("strongly advise against self-supplementing"), the next
# why or with whom ("Unsupervised K2 supplementation can interfere..."); one alone read as a bare
# verdict in blind rounds 7-8 (restrictive topics, 2d4e76c).
RESTRICTIVE_STATEMENTS = 2


def quote_words(unit: Unit) -> int:
    """A quote's words against BODY_WORDS: the sentences it carries only so that it reads on
    its own ("Those drugs ..." with the sentence naming them) do not count."""
    return len(unit.scored_text.split())

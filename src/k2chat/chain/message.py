"""The question part of a reader's message.

Readers write stories: "I'm 67, I take calcium and vitamin D3 every morning and my doctor
mentioned K2, how much MK-7 should I take?". The story is context; what is asked is the last
sentence that asks something, from its last clause that opens with a question word (or, with
none, the last sentence). Certain rules that would refuse a message for a word in it ("the
article never mentions vitamin D3") read only this part.
"""

from __future__ import annotations

import re

from k2chat.text import MESSAGE_BREAK

__all__ = ["asking_clauses", "question_part"]

# A clause opening with a question word or an auxiliary asks; a story clause does not.
_ASKING = re.compile(
    r"^\s*(?:and |but |so |ok |okay |anyway |also |then )*(how|what|which|who|whom|whose|when|"
    r"where|why|is|are|am|was|were|do|does|did|can|could|should|shall|would|will|may|might|"
    r"must|has|have|any)\b", re.IGNORECASE)
_CLAUSE = re.compile(r"[,;:]\s*|\s+-+\s+|\s+(?=(?:so|but|and) (?:how|what|which|can|should|is|"
                     r"does|do|would|could)\b)", re.IGNORECASE)


_JOINED = re.compile(r"^\s*(?:and|or|also|plus)\b", re.IGNORECASE)


def question_part(message: str) -> str:
    """The part of ``message`` that asks: the last sentence with a question mark (else the
    last sentence), from its last clause that opens with a question word. The whole message
    when it is one short question."""
    sentences = [s for s in MESSAGE_BREAK.split(message.strip()) if s.strip()]
    if not sentences:
        return message
    asking = [s for s in sentences if "?" in s]
    last = (asking or sentences)[-1]
    clauses = [c for c in _CLAUSE.split(last) if c and c.strip()]
    starts = [i for i, c in enumerate(clauses) if _ASKING.match(c)]
    if starts and starts[-1] > 0:
        first = starts[-1]
        # "What dose is the vitamin K injection they give newborns, and is it K1 or K2?": a
        # question joined to the one before it asks on about the same thing ("it")
        while _JOINED.match(clauses[first]) and (earlier := [i for i in starts if i < first]):
            first = earlier[-1]
        return ", ".join(c.strip() for c in clauses[first:])
    return last.strip()


def asking_clauses(part: str) -> str:
    """The clauses of a question part (``question_part``'s) that open with a question word
    ("what if I get switched to warfarin though" of "..., my doctor is thinking about it
    because of cost"); the part itself when none does."""
    asking = [c.strip() for c in _CLAUSE.split(part) if c and c.strip() and _ASKING.match(c)]
    return ", ".join(asking) if asking else part

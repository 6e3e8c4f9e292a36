"""The question part of a reader's message, and what kind of asking it is (leave to take it,
a plan to start, whether it is still fine).

Readers write stories: "I'm 67, I take calcium and vitamin D3 every morning and my doctor
mentioned K2, how much MK-7 should I take?". The story is context; what is asked is the last
sentence that asks something, from its last clause that opens with a question word (or, with
none, the last sentence). Certain rules that would refuse a message for a word in it ("the
article never mentions vitamin D3") read only this part.
"""

from __future__ import annotations

import re

from k2chat.text import MESSAGE_BREAK, tokenize

__all__ = ["ASKS_LEAVE", "ASKS_OK", "ASKS_WHAT_TO_DO", "FOR_A_READER", "OK_WORDS", "PLANS",
           "TAKES_ALREADY", "asking_clauses", "asks_nothing", "question_part"]

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


def asks_nothing(message: str) -> bool:
    """No question mark and no clause opening with a question word: the message tells ("i have
    ckd stage 3")."""
    return "?" not in message and not any(
        _ASKING.match(c) for s in MESSAGE_BREAK.split(message) for c in _CLAUSE.split(s) if c)


def asking_clauses(part: str) -> str:
    """The clauses of a question part (``question_part``'s) that open with a question word
    ("what if I get switched to warfarin though" of "..., my doctor is thinking about it
    because of cost"); the part itself when none does."""
    asking = [c.strip() for c in _CLAUSE.split(part) if c and c.strip() and _ASKING.match(c)]
    return ", ".join(asking) if asking else part


# --- what kind of asking (read by k2chat.chain.curated and k2chat.chain.answerable) ---

# A question asking leave to take it ("can I add K2?", "is it ok for me to start MK-7?",
# "should my son take it?") is answered as a dose question: the group's statements, two of
# them. "I'm on warfarin, can I add K2?" got the strongest statement alone (its ranked quotes
# all stated an amount), a bare verdict without the why (blind round 14's open items).
ASKS_LEAVE = re.compile(
    r"\b(can|could|may|should|shall|ok(?:ay)? to|safe to|fine to|alright to|allowed to)\b"
    r".*\b(take|taking|add|adding|start|starting|use|using|try|trying|supplement|"
    r"supplementing|have|continue|keep|(?:give|giving) (?:it |k2 |them )?(?:to )?"
    r"(?:my|him|her|them|our|your|a|an|the)\b)\b")

# A plan to start or take it ("ok so I'll just start the 180 then", "gonna take 100 a day")
PLANS = re.compile(r"\b(?:i'?ll|i will|i'?m going to|im going to|gonna|going to|i plan to)\s+"
                   r"(?:just\s+|probably\s+|then\s+)?(?:start|take|begin|go with|try|add)\b")

# A follow-up asking whether what was discussed is still fine ("so is the 200 still fine
# then?", "that's ok for me though?")
ASKS_OK = re.compile(r"\b(?:is|are|it'?s|that'?s|thats|still)\b.*\b(?:fine|ok|okay|safe|"
                     r"alright|all right)\b")
# ... naming nothing the article does not ("are those ok with my warfarin?" of fish oil is
# not: a question about something else)
OK_WORDS = frozenset(tokenize("fine ok okay safe alright right"))

# ... for a reader, not of K2 ("can I ...", "should my son ...", "is it ok for me to ..."; not
# "can taking K2 give you kidney stones?", which asks what K2 does)
FOR_A_READER = re.compile(r"\b(?:can|could|may|should|shall)\s+(?:i|we|he|she|they|my|our|his|"
                          r"her)\b|\b(?:i|we|he|she|they)\s+(?:can|could|may|should)\b|"
                          r"\b(?:ok(?:ay)?|safe|fine|alright|allowed)\s+(?:for\s+\w+"
                          r"(?:\s+\w+)?\s+)?to\b")

# Already taking it ("been on k2 for a year", "I take 200mcg MK-7", "currently taking it")
TAKES_ALREADY = re.compile(r"\b(?:been (?:on|taking|using)|(?:i|i'm|im|i am) (?:currently |already "
                           r"|now )?(?:on|taking|using)|i (?:currently |already )?take|"
                           r"currently (?:on|taking))\b")
# An open question about what to do ("do i need to do anything", "should i", "ok to keep")
ASKS_WHAT_TO_DO = re.compile(r"\b(?:anything|what should|what do i|do i need|should i|"
                             r"need to do|what about|does it matter|is that a problem|"
                             r"ok to keep|keep taking)\b")

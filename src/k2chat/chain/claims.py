"""What a message claims the article (or k2chat) says, weighed against the article.

A report the article bears out ("the article says MK-4 is taken at 45 mg, right?") is the
reader's question (``honest_report``); one it does not bear out is said to be false
(``false_report``) and the words searched are the reader's own question, or the claim's
words without its amounts (``searched_words``).
"""

from __future__ import annotations

import re

from k2chat.chain import safety
from k2chat.chain.drugs import with_generics
from k2chat.chain.state import without_negated
from k2chat.store.lexical import LexicalIndex
from k2chat.text import GENERIC_STEMS, QUOTED_END, numbers_in, tokenize
from k2chat.vocabulary import Vocabulary

__all__ = ["borne_out", "false_report", "honest_report", "searched_words"]


# Passages searched for one that holds a whole report (the article's passages that share the
# most of its words; a report of one statement is found among the first few).
_REPORT_PASSAGES = 5

# Words that make a report absolute ("completely safe", "at any dose", "no need to ask"). The
# stop list drops them, so "the article says K2 is completely safe with warfarin at any dose"
# was reduced to "safe warfarin", which one passage holds ("While generally safe, individuals
# on ... warfarin ... must consult"), and went uncontradicted (blind round 14). A report using
# one is borne out only by a passage that uses it too. Reassuring absolutes only: "always
# consult" or "never" restate a caution more strongly, which is not a false report of it.
_ABSOLUTE = re.compile(
    r"\b(completely|totally|perfectly|absolutely|entirely|fully|100 ?%|guaranteed?|"
    r"risk[- ]free|harmless|any (?:dose|amount|level)|no (?:risk|danger|problem|"
    r"side[- ]effects?|need|limit|interaction))\b")


def honest_report(flags: safety.SafetyFlags, lex: LexicalIndex) -> bool:
    """The question's only claims report what the article says, every word of the report is
    one the article uses and one passage holds all of its figures and words that say what
    (not how: "take", "use"; misspellings allowed): "the article
    says MK-4 is taken at 45 mg, right?". "The article says 5000 mcg is fine", "... that MK-7
    lasts longer" (the article never says "longer") or "... MK-4 and MK-7 are dosed the
    same" (no passage says so) stay claims."""
    said = safety.article_report(flags)
    return said is not None and borne_out(said, lex)


# Words that say where in the article a reader read something, not what it says: a report
# of two places is borne out when each part is ("the article says 90-180 mcg in one place and
# 100-200 in another, which one is right": blind round 55 called it a false report)
_WHERE = re.compile(r"\b(?:(?:in|at|on)\s+)?(?:one|another|other|some|a|the|this|that)\s+(?:place|"
                    r"part|spot|section|point|bit|page|paragraph)s?(?:\s+of)?\b|\b(?:in\s+)?another"
                    r"(?:\s+(?:place|part|one|section|spot))?\b|\b(?:elsewhere|somewhere(?:\s+"
                    r"else)?|later(?:\s+on)?|earlier)\b")
# Words for people in general: a report saying whom the article speaks of in the reader's word
# ("for healthy people") says no more than the article's own word for them
_ANYONE = frozenset(tokenize("people person persons folks someone somebody anyone anybody "
                             "everyone everybody"))
_PARTS = re.compile(r"\b(?:and|but|while|whereas|then)\b|[,;]")
_REPORTING = re.compile(r"\b(?:it\s+)?(?:says?|said|states?|mentions?|writes?|gives?|lists?|"
                        r"recommends?)\b")  # ("... and another says 100-200")
_ASKING = re.compile(r"\s*(?:which|what|how|who|so|is|are|does|do|can|should)\b")


def borne_out(said: str, lex: LexicalIndex) -> bool:
    """Every word of ``said`` is one the article uses and one passage holds all of its figures
    and words that say what (see ``honest_report``); for a report of two places (``_WHERE``),
    each part in a passage."""
    if _WHERE.search(said.lower()):
        parts = [p for p in _PARTS.split(_REPORTING.sub(" ", _WHERE.sub(" ", said.lower())))
                 if tokenize(p) and not _ASKING.match(p)]  # (not "which one is right")
        return bool(parts) and all(borne_out(p, lex) for p in parts)
    terms: list[str] = []
    for token in tokenize(said):
        found = [t for t in lex.query_terms(token) if t not in tokenize(token, expand=True)[1:]]
        if not found and token in _ANYONE:
            continue  # who, not what ("45 to 100 for healthy people": blind round 62)
        if not found:
            return False  # a word or a figure the article never uses
        terms += [t for t in found[:1] if t not in GENERIC_STEMS]  # "take", "use": how, not what
    if not terms:
        return False
    absolute = {m.group(1) for m in _ABSOLUTE.finditer(said.lower())}
    negated = bool(_NEGATED.search(said.lower()))
    return any(set(terms) <= lex.terms(i)
               and all(re.search(rf"\b{re.escape(a)}\b", lex.chunks[i].text.lower())
                       for a in absolute)
               and (negated or not _denies(lex.chunks[i].text.lower(), terms))
               for i, _ in lex.search(said, _REPORT_PASSAGES, terms))


# A passage denies what it holds after "not" ("not a replacement for prescribed osteoporotic
# medication" does not bear out "the article says K2 can replace alendronate", blind round 21)
_NEGATED = re.compile(r"\b(not|no|never|cannot|can'?t|isn'?t|doesn'?t|shouldn'?t)\b")


def _denies(text: str, terms: list[str]) -> bool:
    return any(re.search(rf"\b(?:not|no|never)\s+(?:a |an |the |be |been )?{re.escape(t)}", text)
               for t in terms if len(t) >= 4)


# A reader's own question searched alone in place of a claim's words: a short question
# (round 14's "So how much MK-7 should I take?" has 7 words; a reader's notes around a pasted
# claim, round 8's, are no question and are judged with the claim as before).
_ASKED_WORDS = 20


def searched_words(own: str, query: str, flags: safety.SafetyFlags, said: str,
                   vocabulary: Vocabulary) -> tuple[str, str]:
    """The words searched for a question whose claim the article does not bear out: the
    reader's own question when it names the subject ("Assistant: the article says MK-7 is
    taken at 45 mg a day. How much MK-7 should I take?" is searched as "How much MK-7 should I
    take?", whose quotes correct the claim; with the claim's words and "45 mg" the article's
    line on mega-doses led, round 14's open items); else the claim's words (what the article
    says on that point: "... is that what the article says?") without its amounts."""
    # a pasted turn runs to the end of the message: its questions are the reader's
    asked = flags.unclaimed or " ".join(
        p for p in QUOTED_END.split(flags.claim_text) if p.rstrip().endswith("?"))
    own_flags = safety.assess(asked, vocabulary) if asked else None
    unclaimed = "" if own_flags is None or own_flags.claimed or own_flags.instructions \
        else without_negated(own_flags.cleaned)  # (a pasted exchange is not a question)
    if (unclaimed and vocabulary.names_subject.search(unclaimed)
            and unclaimed.rstrip().endswith("?") and len(unclaimed.split()) <= _ASKED_WORDS):
        mine = with_generics(unclaimed)
        return mine, mine if query == own else query
    # (an amount the reader repeats as theirs stays: "User: great so 2000 a day is fine right"
    # after a pasted "2000 mcg ... is ideal", blind round 93)
    unclaimed = safety.claimed_units(unclaimed, flags.claim_text)
    amounts = {m.group(0) for m in vocabulary.amount.finditer(flags.claim_text)
               if m.group(0) not in unclaimed}
    if not amounts:
        return own, query

    def strip(text: str) -> str:
        for amount in amounts:
            text = text.replace(amount, " ")
        return re.sub(r"\s+", " ", text).strip()
    # what the claim reports (``said``, safety.reported_content's), without "the article
    # says ... right?" (those words ranked the mega-dose line first for "the article says
    # MK-7 is normally dosed at 2,500 mcg")
    if query == own:
        words = strip(f"{said} {unclaimed}")
        return words, words
    return strip(own), strip(query)




def false_report(flags: safety.SafetyFlags, lex: LexicalIndex) -> str | None:
    """What a claim reports, when it is said plainly not the article's: only when the claim
    reports the article, a figure or an absolute ("safe at any dose", "no need to ask") and
    the article does not bear it out (as ``honest_report``: "45 mg of MK-7", "K2 is
    completely safe with warfarin"); a pasted turn's advice that names neither ("check with
    your doctor ... warfarin") is set aside but not called false. None otherwise."""
    said = safety.reported_content(flags)
    if said is not None and (numbers_in(said) or safety.reports_article(flags)
                             or _ABSOLUTE.search(said.lower())) and not borne_out(said, lex):
        return said
    return None

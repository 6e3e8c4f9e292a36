"""Comparisons answered as comparisons: find the two sides a question compares and lead with
the article's sentence that compares them, else with one sentence for each side.

Sides are found generally, not per question: two K2 forms (MK-4 / MK-7, K1 / K2), two amounts
("is 500 mcg better than 200?"), more or less of a dose ("is a higher dose better?"), K2 and a
medicine (a drug named by brand or generic, or a medicine word: "switch from Fosamax",
"stop your bisphosphonates"), or two medicines (warfarin and a DOAC). A sentence *compares*
them when it speaks of both sides (an amount range covering both amounts; both forms), or of
the medicine side in contrast words ("not a replacement", "not equated").
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from k2chat.chain.drugs import generic_names
from k2chat.chain.medicines import CLASS_WORDS, anticoagulants_named, blood_thinner_kind
from k2chat.store.statements import MIN_BARE
from k2chat.text import normalize
from k2chat.vocabulary import Vocabulary

__all__ = ["COMPARE_REACH", "Sides", "amounts_in", "asks_comparison", "asks_replacement",
           "compares_thinner_kinds", "covers_both_forms", "lead_order", "sides_of"]

# How far below the top candidate (in fitted support margins) the sentence that compares may
# score and still lead: the reach judge.RAREST_REACH gives a quote holding the question's most
# specific word. The same reach holds for one sentence per side.
COMPARE_REACH = 2.0

_WORDS = re.compile(r"[a-z0-9]+")
# Words that make a question a comparison even when the question-type model is unsure.
_CUE = re.compile(
    r"\b(vs\.?|versus|v|compared?|compares|comparison|comparing|than|instead|rather|"
    # ("diffrence", "diferent": blind round 83's "whats the diffrence btwn mk4 and mk7 doses" was
    # read as naming both forms without comparing them, 3/8)
    r"switch\w*|swap\w*|replac\w*|substitut\w*|alternative|dif+e?r[ae]n\w*|better|worse|"
    r"stronger|weaker|beat\w*|outperform\w*|superior|inferior|as good as|as effective|"
    # which of two carries more risk ("whats riskier ... warfarin or the newer thinners",
    # "more of a problem with warfarin or ...": blind rounds 86 and 87)
    r"riskier|safer|safest|riskiest|worst|more (?:risky|dangerous|of an? \w+)|"
    r"less (?:risky|dangerous|of an? \w+)|bigger (?:risk|problem|issue|concern|deal)|"
    r"stop(?:ping)?|quit(?:ting)?|come off|"
    r"get off|drop(?:ping)?)\b")
# two amounts set side by side ("100 or 200 mcg k2??", blind round 48: both quotes gave the
# 100-200 mcg range, neither set one amount against the other)
_AMOUNT_OR = re.compile(r"\d\s*(?:mcg|µg|ug|micrograms?|mg)?\s+or\s+\d|"
                        # (or further apart: "is 100 mcg enough or should i be doing 200",
                        # blind round 91 got the maintenance range alone, 7/8)
                        r"\d\s*(?:mcg|µg|ug|micrograms?|mg)\b[^.?!\d]{0,40}\bor\b[^.?!\d]{0,30}"
                        r"\d")
_MORE_LESS = re.compile(
    r"\b(more|higher|bigger|larger|double|triple|extra|less|lower|smaller|megadose|"
    r"mega[- ]?dose)\b")
# The article's K2 forms, as ``normalize`` spells them, and its names for K1 and K2.
_FORM_WORDS = {"mk4": {"mk4"}, "mk7": {"mk7"}, "k1": {"k1", "phylloquinone"},
               "k2": {"k2", "menaquinone"}}
# Words by which a sentence sets K2 against a medicine ("not a replacement", "In contrast").
_CONTRAST = {"not", "than", "contrast", "replacement", "replace", "equated", "alongside",
             "standalone", "instead", "supportive", "rather"}
# Words by which a sentence sets two named things against each other.
_COMPARATIVE = {"than", "compared", "contrast", "difference", "differ", "higher", "lower",
                "more", "less", "whereas", "unlike", "while", "also", "same", "similar"}
_ASIDE = re.compile(r"\((?:e\.g\.|i\.e\.|for example)[^()]*\)")  # an example given in passing
_HIGH_WORDS = re.compile(r"\b(higher doses?|high-dose|mega-?doses?|megadose|very high doses|"
                         r"beyond|exceeding|far exceeding)\b|[≥>]")
_AMOUNT = re.compile(
    r"(?:(≥|>|over(?: the)?|beyond(?: the)?|above|exceeding|more than|at least|up to)\s*)?"
    r"(\d[\d,]*(?:\.\d+)?)(?:\s*[–-]\s*(\d[\d,]*(?:\.\d+)?))?\s*"
    r"(mcg|µg|ug|micrograms?|mg|milligrams?)?")
_ABOVE = ("≥", ">", "over", "beyond", "above", "exceeding", "more than", "at least")
_REPLACE_Q = re.compile(r"\b(switch\w*|swap\w*|replac\w*|substitut\w*|instead|stop\w*|quit\w*|"
                        r"come off|get off|drop\w*|alternative|rather|skip\w*)\b")
_REPLACE_A = re.compile(r"\b(replacement|replace|standalone|instead)\b", re.IGNORECASE)


def asks_comparison(question: str) -> bool:
    """The question's words set two things against each other ("better than", "vs",
    "instead")."""
    return bool(_CUE.search(normalize(question)))


def asks_replacement(question: str) -> bool:
    """The question asks whether K2 could take something's place ("could i skip the next
    shot and just do k2", "stop my Actonel and take K2 instead?") or be added to it ("should
    i also add k2 on top or is that pointless", after "my doctor started me on alendronate":
    blind round 49 got the vitamin D and calcium line alone)."""
    t = normalize(question)
    return bool(_REPLACE_Q.search(t) or _ADD_Q.search(t))


_ADD_Q = re.compile(r"\b(add|adding|on top|alongside|together with|combine|combining|pointless|"
                    r"worth it)\b")


@dataclass(frozen=True)
class Sides:
    kind: str  # "form", "amount", "more_less", "medicine", "drugs"
    a: frozenset[str] = frozenset()  # words (or amounts, as text) of each side
    b: frozenset[str] = frozenset()
    amounts: tuple[float, ...] = ()

    def covers(self, text: str) -> tuple[bool, bool]:
        """Does the text speak of side a, of side b (forms and drugs: not only in passing,
        as an example in parentheses)?"""
        if self.kind in ("form", "drugs"):
            text = _ASIDE.sub(" ", text)
        t = normalize(text)
        words = set(_WORDS.findall(t))
        if self.kind == "amount":
            spans = amounts_in(text)
            hit = [any(lo <= x <= hi for lo, hi in spans) for x in self.amounts]
            return hit[0], hit[-1]
        if self.kind == "more_less":
            return bool(_HIGH_WORDS.search(t)), bool(amounts_in(text))
        if self.kind == "medicine":
            return bool(words & self.a), bool(words & self.b)
        return bool(words & self.a), bool(words & self.b)

    def compares(self, text: str) -> bool:
        """The text is a sentence that compares the two sides."""
        a, b = self.covers(text)
        words = set(_WORDS.findall(normalize(text)))
        if self.kind == "medicine":
            return b and bool(words & _CONTRAST)
        if self.kind == "more_less":
            return a
        if self.kind == "amount":  # what the article says of doses above the smaller one
            big, small = self.amounts[0], self.amounts[-1]
            above = any(hi == math.inf and small <= lo <= big for lo, hi in amounts_in(text))
            return above or (a and b)
        if self.kind in ("form", "drugs"):  # both named, and set against each other
            return a and b and bool(words & _COMPARATIVE)
        return a and b


def amounts_in(text: str) -> list[tuple[float, float]]:
    """Amounts a text states, in mcg, as [low, high] spans ("100–200 mcg" -> (100, 200),
    "≥ 300 mcg" and "over the 200 mcg range" -> (300, inf), (200, inf); "45 mg" -> 45,000)."""
    out = []
    t = normalize(text)
    for m in _AMOUNT.finditer(t):
        above, low, high, unit = m.groups()
        if not unit and not above and not high:
            continue
        scale = 1000.0 if unit and unit.startswith(("mg", "milli")) else 1.0
        lo = float(low.replace(",", "")) * scale
        hi = float(high.replace(",", "")) * scale if high else lo
        if above and above.startswith(_ABOVE):
            hi = math.inf
        elif above == "up to":
            lo = 0.0
        out.append((lo, hi))
    return out


def _question_amounts(question: str) -> tuple[float, ...]:
    t = normalize(question)
    found = []
    for m in re.finditer(r"(?<![\w.])(\d[\d,]*(?:\.\d+)?)\s*(mcg|µg|ug|micrograms?|mg|"
                         r"milligrams?)?", t):
        value = float(m.group(1).replace(",", ""))
        unit = m.group(2)
        value *= 1000.0 if unit and unit.startswith(("mg", "milli")) else 1.0
        if unit or value >= MIN_BARE:
            found.append(value)
    return tuple(dict.fromkeys(found))


# An operation named for what it replaces ("a knee replacement in 3 weeks"): no medicine is
# replaced (blind rounds 21 and 22 got the K2-against-osteoporosis-drugs comparison)
_JOINT_SURGERY = re.compile(r"\b(?:knee|hip|joint|shoulder|ankle|elbow|valve|disc|lens)s? "
                            r"replac\w*")
# Vitamin K without a number, and words that ask whether two things are one
# "stop ... from" prevents; it replaces nothing ("does that stop k2 from working?", blind round
# 25: an orlistat reader got the K2-against-bisphosphonates comparison)
_PREVENTS = re.compile(r"\b(?:stop|stops|stopping|stopped)\b(?= (?:\S+ ){0,3}?from\b)")
_PLAIN_K = re.compile(r"\bvitamin k\b(?![\s-]*\d)")
_SAME = re.compile(r"\b(same|similar|identical|like)\b")


def sides_of(question: str, compare_type: bool, vocabulary: Vocabulary) -> Sides | None:
    """The two sides the question compares, or None when it compares nothing.
    ``compare_type``: the question-type model reads it as a comparison. ``vocabulary``: the
    articles' substance words and forms (its side against a medicine) and the drug-table
    names that are not medicines (the profiles' ``substance_words``, ``not_medicines``)."""
    t = _PREVENTS.sub(" ", _JOINT_SURGERY.sub(" surgery ", normalize(question)))
    words = set(_WORDS.findall(t))
    # two forms named together are compared ("mk7 or mk4?"), cue or not
    forms = [f for f in ("mk4", "mk7", "k1", "k2") if words & _FORM_WORDS[f]]
    if "mk4" in forms and "mk7" in forms:
        return Sides("form", frozenset(_FORM_WORDS["mk4"]), frozenset(_FORM_WORDS["mk7"]))
    if "k1" not in forms and "k2" in forms and _PLAIN_K.search(t) and (
            _CUE.search(t) or _SAME.search(t)):
        # K2 against plain vitamin K ("is K2 the same as the vitamin K in spinach?"): the
        # article's "more commonly known vitamin K1" (blind round 19 was refused)
        forms = ["k1", *forms]
    if "k1" in forms and len(forms) > 1:
        other = next(f for f in forms if f != "k1")
        return Sides("form", frozenset(_FORM_WORDS["k1"]), frozenset(_FORM_WORDS[other]))
    if not (_CUE.search(t) or compare_type or _AMOUNT_OR.search(t)):
        return None
    amounts = _question_amounts(question)
    if len(amounts) >= 2:
        return Sides("amount", amounts=(max(amounts), min(amounts)))

    named = anticoagulants_named(question)
    thinners = [n for n in named if n != "doacs"]
    if "doacs" in named and not _DOACS & set(thinners):
        # the class named as one side ("warfarin or the newer blood thinners", blind rounds
        # 86 and 87: the warfarin caution alone answered which is riskier)
        thinners.append("doacs")
    # (a class word names no one blood thinner, "my INR": no side; "doacs" stands for them)
    thinners = [n for n in thinners if n == "doacs" or n not in CLASS_WORDS]
    if len(thinners) >= 2:
        a = {thinners[0]} | ({"doacs"} if thinners[0] in _DOACS else set())
        b = {thinners[1]} | ({"doacs"} if thinners[1] in _DOACS else set())
        if a != b:
            return Sides("drugs", frozenset(a), frozenset(b))
    # a drug named by brand or generic, not the article's own biology ("osteocalcin" is in
    # the drug table as a drug name)
    medicines = (words & (vocabulary.medicine_words | vocabulary.reader_medicine_words)) | {
        g for g in generic_names(question)
        if g not in thinners and g not in vocabulary.not_medicines}
    if medicines and not thinners:  # K2 is the other side: the article is about it
        return Sides("medicine", vocabulary.substance_words | vocabulary.forms,
                     vocabulary.medicine_words)
    if _MORE_LESS.search(t) and re.search(r"\b(dose|doses|dosage|mcg|mg|amount|take|taking|"
                                          r"k2|mk7|mk4)\b", t):
        return Sides("more_less")
    return None


_DOACS = frozenset({"apixaban", "rivaroxaban", "dabigatran", "edoxaban", "betrixaban"})


def compares_thinner_kinds(question: str, vocabulary: Vocabulary) -> bool:
    """The question sets two kinds of blood thinner against each other in words ("whats
    riskier, warfarin or the newer thinners", "is eliquis safer than warfarin"): not a reader
    on two ("plavix plus a baby aspirin", "warfarin and plavix both")."""
    sides = sides_of(question, False, vocabulary)
    if sides is None or sides.kind != "drugs":
        return False
    kinds = [{blood_thinner_kind(n) for n in side if n != "doacs"}
             or {blood_thinner_kind("apixaban")} for side in (sides.a, sides.b)]
    return kinds[0] != kinds[1]


def answers_replacement(question: str, quote: str, vocabulary: Vocabulary) -> bool:
    """The question asks whether K2 can replace a medicine ("switch", "instead", "stop") and
    the quote says whether it does ("not a replacement", "not a standalone treatment")."""
    sides = sides_of(question, True, vocabulary)  # the replacing words are the comparison's cue
    t = _PREVENTS.sub(" ", normalize(question))
    # the reader names a medicine by the article's or readers' words for the ones K2 is set
    # against ("my Actonel", "my prescription", "the injections"): a medicine named only by
    # the drug table ("taking alli ... does that stop k2 from working?", blind round 25) is no
    # bone medicine K2 could replace
    return (sides is not None and sides.kind == "medicine"
            and bool(set(_WORDS.findall(t))
                     & (vocabulary.medicine_words | vocabulary.reader_medicine_words))
            and bool(_REPLACE_Q.search(t))
            and sides.compares(quote) and bool(_REPLACE_A.search(quote)))


def covers_both_forms(question: str, quote: str, vocabulary: Vocabulary) -> bool:
    """The question names two forms without asking to compare them ("What doses of MK-4 and
    MK-7 had a low incidence of adverse effects?": no "vs", "better", "difference") and the
    quote speaks of both: it answers for both sides, and a comparison topic's statements
    (``SafetyTopics.compared``) not holding it do not take its place (the safety figures "up
    to 180 micrograms of MK-4 or 360 micrograms of MK-7" gave way to MK-4's dose item)."""
    t = normalize(question)
    sides = sides_of(question, False, vocabulary)
    return (sides is not None and sides.kind == "form" and not _CUE.search(t)
            and all(sides.covers(quote)))


def lead_order(question: str, quotes: Sequence[str], scores: Any, order: list[int],
               margin: float, compare_type: bool, vocabulary: Vocabulary) -> list[int]:
    """``order`` (candidate indices, best first) with, for a comparison, the best sentence
    that compares the sides first (within COMPARE_REACH margins of the top), else the best
    sentence for each side first and second (each within the same reach)."""
    sides = sides_of(question, compare_type, vocabulary)
    if sides is None or not order:
        return order
    # a comparison is answered by what speaks of its sides: the reach counts from the best
    # candidate that names one (not from a sentence naming both only in passing)
    relevant = [i for i in order if any(sides.covers(quotes[i]))]
    if not relevant:
        return order
    top = float(scores[relevant[0]])
    if sides.kind == "medicine" and _REPLACE_Q.search(normalize(question)):
        # "switch", "instead", "stop": the question asks whether K2 replaces the medicine, and
        # a sentence that says whether it does ("not a replacement", "not a standalone
        # treatment") answers it wherever the ranker put it, as the rarest word does.
        replacing = [i for i in order if sides.compares(quotes[i])
                     and _REPLACE_A.search(quotes[i])]
        if replacing:
            return [replacing[0], *(j for j in order if j != replacing[0])]
    reach = [i for i in relevant if float(scores[i]) >= top - COMPARE_REACH * margin]
    # two forms named and set against each other ("MK-7 ... MK-4 is also robust") answer a
    # form comparison wherever the ranker put them, as a replacement line does (the reach
    # moved with each refit; the form test in tests/test_compare.py showed it)
    pool = relevant if sides.kind == "form" else reach
    comparing = [i for i in pool if sides.compares(quotes[i])]
    if comparing:
        return [comparing[0], *(j for j in order if j != comparing[0])]
    near = reach
    covers = {i: sides.covers(quotes[i]) for i in near}
    a = next((i for i in near if covers[i][0]), None)
    b = next((i for i in near if covers[i][1] and i != a), None)
    if a is None or b is None:
        return order
    first = sorted((a, b), key=order.index)
    return [*first, *(j for j in order if j not in first)]

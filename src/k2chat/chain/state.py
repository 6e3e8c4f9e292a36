"""Conversation state as data: what a conversation is about and what the reader said of
themselves.

A :class:`ConversationState` is plain, frozen data (JSON-serialisable with :meth:`to_dict`)
and is recomputed from the turns alone (:meth:`ConversationState.from_turns`): a client that
keeps the turns can rebuild it after a server restart. ``Chat`` updates it after each turn;
the chain uses it to resolve follow-ups (the subject), to leave out the statements of a group
the reader said they are not in ("I'm not on dialysis"), and to keep a unit question ("is
that mcg or mg?") on the form the previous answer was about.

Groups are found with what already exists: the query thesaurus of ``k2chat.text`` maps a
reader's words to the article's ("nursing" -> breastfeeding, "my 8 year old" -> children,
"cirrhosis" -> liver) and ``k2chat.chain.medicines`` finds blood thinners by generic or brand name,
misspelled or not.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from k2chat.chain.drugs import generic_names
from k2chat.chain.medicines import anticoagulants_named, mentions_anticoagulant
from k2chat.errors import CorpusError
from k2chat.text import normalize, tokenize, without_eponyms
from k2chat.vocabulary import forms_named

__all__ = ["GROUPS", "ConversationState", "facts_in", "forms_in", "group_words", "merged_groups",
           "takes_one", "without_hearsay", "without_negated"]

# The reader groups the article names (sections 1-6), each as the article's words for it
# (stems, as ``k2chat.text.tokenize`` makes them). A reader's words reach these through the
# thesaurus; a negated group excludes the quotes holding any of its words. "dialysis" is
# narrower than "kidney": "not on dialysis" leaves the article's kidney-disease lines in.
GROUPS: dict[str, frozenset[str]] = {
    "anticoagulant": frozenset({"anticoagulant", "warfarin", "coumadin", "doacs", "inr",
                                "antiplatelet", "apixaban", "rivaroxaban", "thrombotic"}),
    # (and the safety file's other words for them: "I have stage 4 CKD" placed the reader in
    # no group, and two turns later "180 mcg it is then" got adult doses, blind round 30)
    "dialysis": frozenset({"dialysis", "hemodialysis", "haemodialysis"}),
    "kidney": frozenset({"kidney", "dialysis", "hemodialysis", "haemodialysis", "renal", "ckd"}),
    "liver": frozenset({"liver"}),
    "pregnancy": frozenset({"pregnant", "pregnancy"}),
    # the article's "planning for pregnancy": a reader "not pregnant yet, trying to conceive"
    # is in it, and keeps its statement though "pregnant" is negated
    "planning_pregnancy": frozenset({"plann", "conceiv", "conceive"}),
    "breastfeeding": frozenset({"breastfeed"}),
    "children": frozenset({"children"}),
    # a clotting disorder and a history of clots are two facts: "I have factor V Leiden but
    # have never had a clot" (blind rounds 29 and 30) is in the first, not the second, and
    # keeps "a history of blood clotting disorders, such as thrombophilia"
    "clotting": frozenset({"thrombophilia"}),
    "thrombosis": frozenset({"thrombosi", "thrombosis"}),
    "surgery": frozenset({"surgery"}),
    "malabsorption": frozenset({"malabsorption", "orlistat", "sequestrant"}),
    # the long-term medicines the article names by what they treat ("especially for blood
    # thinning, seizures, or cholesterol"; antibiotics, anticonvulsants): "my son is on keppra
    # for his seizures", then "he wants to try k2 now. problem?" (blind round 42)
    "seizures": frozenset({"seizure", "epilepsy", "epileptic", "anticonvulsant"}),
    "antibiotics": frozenset({"antibiotic"}),
    # a chronic heart condition the reader told of ("she also has heart failure", round 52)
    "heart": frozenset({"heart", "cardiomyopathy"}),
}
# Words that negate what follows them within a clause ("I'm not on dialysis", "no kidney
# problems", "I don't take warfarin", "never been pregnant").
_NEGATION = frozenset("not no never dont don't doesnt doesn't isnt isn't arent aren't wasnt "
                      "wasn't without nor neither".split())
_NEGATION_REACH = 5  # words between the negation and the group word ("not on any blood thinner")
# Words that negate only a group word right after them ("I'm off blood thinners now", round
# 22 got the warfarin caution; "switched off Eliquis onto warfarin" still names warfarin).
_NEAR_NEGATION = frozenset({"off"})
_NEAR_REACH = 2
# ... not counting a determiner or "blood" between ("I'm off the blood thinners now", blind
# round 4's reader kept the caution)
_NEAR_FILLER = frozenset("the my his her their all any those these blood with taking using "
                         "course of".split())
# Words that say a course is over, negating the group word right after them the same way, with
# no word of being needed ("had a dvt 2 years ago, finished the blood thinners", "done with
# blood thinners now", "finished my warfarin in march": blind rounds 48-50 each gave such a
# reader "You mentioned a blood-thinning medicine" and the caution before their own line, "a
# history of thrombosis").
_OVER = frozenset("finished stopped quit completed ended done".split())
# ... after a word of being or coming off it ("I'm off", "came off"; not "throwing off my INR")
_BEING = frozenset("i'm im am was were been be is are came come coming got gone went stayed "
                   "staying he's she's they're we're now".split())
# Clause breaks: a negation does not reach past them ("not pregnant but breastfeeding").
_CLAUSE = re.compile(r"[.,;:!?()]|\b(?:but|and|though|although|however|while|whereas|so)\b")
# (not "explain like I'm 5")
_AGE = re.compile(r"(?<!like )\b(?:i am|i'm|im|i turned|i'll be)\s+(?:an?\s+)?(\d{1,3})\b"
                  r"(?!\s*(?:mcg|mg|ug|iu|%|times|pills?|tablets?|capsules?|weeks?|wks?|"
                  r"months?|days?|hours?|hrs?|minutes?|mins?|foot|feet|ft|lbs?|kg|pounds?|"
                  r"stone|cm|inches?))")
ADULT_AGE = 18  # the article's "children" are under this


def forms_in(text: str, forms: frozenset[str]) -> tuple[str, ...]:
    """Which of ``forms`` (the articles' forms as ``k2chat.text.normalize`` spells them, from
    their profiles: ``Vocabulary.forms``) a text names, in order ("mk4", "mk7")."""
    return forms_named(normalize(text), forms)


def _groups_of_word(word: str, groups: Mapping[str, frozenset[str]] = GROUPS,
                    ) -> tuple[set[str], set[str]]:
    """(every group the word names, the narrowest of them): "dialysis" names dialysis and
    kidney disease; only the narrowest is negated by "not on dialysis". The word's own stems
    decide first; the thesaurus only when they name no group ("nursing" -> breastfeeding,
    but "breastfeeding" is not read as "pregnant")."""
    found: set[str] = set()
    for expand in (False, True):
        stems = set(tokenize(word, expand=expand))
        found = {g for g, words in groups.items() if stems & words}
        if found:
            break
    if not found and len(word) >= 4:

        if mentions_anticoagulant(word):
            found.add("anticoagulant")
    narrow = {g for g in found if not any(groups[o] < groups[g] for o in found)}
    return found, narrow


# ... but not coming off it as a plan ("might just come off my xarelto so the k2 is safe": the
# reader is on it still; read as off, the answer had no caution, found testing blind round 87)
_TO_COME = frozenset("come coming go going get getting".split())
_PLAN_WORDS = frozenset("might will to gonna going should could can would wanna thinking "
                        "planning plan want may i'll ill about".split())


def _planned(words: list[re.Match[str]], i: int) -> bool:
    """``words[i]`` ("off") follows a coming-off told as a plan or a question."""
    return (i > 0 and words[i - 1].group() in _TO_COME
            and any(w.group() in _PLAN_WORDS for w in words[max(0, i - 4):i - 1]))


def _negated_spans(lowered: str) -> list[tuple[int, int]]:
    """Character spans of ``lowered`` that say the reader is NOT in a group, each from its
    cue to its group word (or from the group word to its cue):

    - a negation before the group word, in the same clause: "not on any blood thinner",
      "no kidney problems", "never been pregnant";
    - an all-clear after organs named in one comma-free run: "kidneys and liver fine",
      "my liver is normal";

    except where a later contrast re-asserts it: a "but"/"though"/"yet"/"still" clause that
    names no other group ("I don't need Eliquis anymore but I still take it", "off warfarin
    this week though I restart Monday") keeps the reader in the group (the safe reading)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in [*_CLAUSE.finditer(lowered), None]:
        end = m.start() if m else len(lowered)
        words = list(_WORD.finditer(lowered, start, end))
        for j, w in enumerate(words):
            cues = ([v for v in words[max(0, j - _NEGATION_REACH):j] if v.group() in _NEGATION]
                    or [v for i, v in enumerate(words[:j])
                        if (v.group() in _OVER or v.group() in _NEAR_NEGATION
                            and (i == 0 or words[i - 1].group() in _BEING)
                            and not _planned(words, i))
                        and sum(x.group() not in _NEAR_FILLER for x in words[i + 1:j])
                        < _NEAR_REACH])
            if cues and _groups_of_word(w.group())[1]:
                spans.append((cues[0].start(), w.end()))
        start = m.end() if m else end
    for segment in re.finditer(r"[^.,;:!?()]+", lowered):
        words = list(_WORD.finditer(lowered, segment.start(), segment.end()))
        for k, cue in enumerate(words):
            if cue.group() not in _ALL_CLEAR or (k and words[k - 1].group() in _NEGATION):
                continue
            first = None
            for v in reversed(words[:k]):
                if _groups_of_word(v.group())[1] & _ORGANS:
                    first = v
                elif v.group() not in _ALL_CLEAR_FILLER:
                    break
            if first is not None:
                spans.append((first.start(), cue.end()))
    for m in _SWITCHED_FROM.finditer(lowered):
        if _groups_of_word(m.group("was"))[1]:
            spans.append((m.start("from"), m.end("was")))
    return [(a, b) for a, b in spans if not _reasserted(lowered, a, b)]


# What a reader was switched from ("my cardiologist switched me from xarelto to coumadin":
# both stayed, and the Coumadin reader's "does the lower risk thing apply to me" got the DOAC
# line beside the warfarin caution, blind round 63)
# The reader takes no medicines at all ("no meds", "not on any medication"; not "no other
# meds", nor "no pills then", a supplement given up by a Coumadin reader): no blood thinner
# either
_NO_MEDICINES = re.compile(r"(?<!other )\b(?:no|zero|not on any|not taking any|don'?t take any|"
                           r"do not take any|never take any)\s+(?:medications?|medicines?|"
                           r"prescriptions?|prescription (?:medications?|drugs))\b")
# the groups a reader taking no medicines is not in
_MEDICINE_GROUPS = ("anticoagulant", "seizures", "antibiotics")
# (done, not planned: "my cardiologist wants to move me from warfarin to a DOAC" is still a
# warfarin reader)
_SWITCHED_FROM = re.compile(
    r"\b(?:switched|changed|moved|went|swapped|transitioned)\s+(?:\w+\s+){0,2}?(?P<from>from)\s+(?:(?:the|my|his|her|their)\s+)?(?P<was>[\w-]+)"
    r"\s+(?:to|onto|over to|for)\b")


def _reasserted(lowered: str, a: int, b: int) -> bool:
    """A contrast after the negated span whose clause names no group other than the negated
    one and points back or resumes ("... but I still take it", "... yet I restart it
    Monday", "... this week. But I restart it Monday"); "... no kidney or liver problems.
    But I'm having a knee replacement" tells something new (blind round 14 got the
    blood-thinner caution), in the same sentence too (round 15)."""
    negated = set().union(*(_groups_of_word(w.group())[0]
                            for w in _WORD.finditer(lowered, a, b)))
    for m in _CONTRAST.finditer(lowered, b):
        rest = lowered[m.end():]
        stop = _CLAUSE_END.search(rest)
        clause = rest[:stop.start()] if stop else rest
        # up to a question it goes on to ask ("... But I have a knee replacement in 3 weeks -
        # does that change anything?": its "that" points at the operation; round 22)
        asked = _ASKS_INSIDE.search(clause)
        clause = clause[:asked.start()] if asked else clause
        if not _WORD.search(clause) or _ASKS.match(clause):
            continue  # "... not on dialysis yet", "... but how much should I take?"
        named = set().union(*(_groups_of_word(w.group())[0] for w in _WORD.finditer(clause)))
        if not named - negated and _RESUMES.search(clause):
            return True
    return False


def facts_in(text: str, groups: Mapping[str, frozenset[str]] = GROUPS,
             ) -> tuple[dict[str, bool], int | None]:
    """The groups a message places the reader in (True) or out of (False), and a stated age.

    A group named inside a negated span (:func:`_negated_spans`) is negated (only its
    narrowest group: "not on dialysis" says nothing of kidney disease); a group named anywhere
    else is stated, and a stated group wins ("not pregnant ... pregnant now"). Phrase-only
    cues of the thesaurus ("my 8 year old" -> children) count as stated."""
    lowered = normalize(without_eponyms(text))
    spans = _negated_spans(lowered)
    about = _about_text_spans(lowered)
    facts: dict[str, bool] = {}
    for w in _WORD.finditer(lowered):
        if any(a <= w.start() < b for a, b in about):
            continue  # "the warfarin warning": the article's, not the reader's
        named, narrow = _groups_of_word(w.group(), groups)
        negated = any(a <= w.start() < b for a, b in spans)
        for group in narrow if negated else named:
            facts[group] = facts.get(group, False) or not negated
    runs = _phrase_runs(groups)
    for clause in _CLAUSE.split(lowered):
        if not clause or not clause.strip():
            continue
        words = re.findall(r"[a-z0-9'/-]+", clause)
        # a group named in a phrase of its own ("i have a clotting disorder"), negated when a
        # negation comes just before it ("no clotting problems")
        for pattern, group in _GROUP_PHRASES:
            m = pattern.search(clause)
            if m and group not in facts:
                before = re.findall(r"[a-z']+", clause[:m.start()])[-_NEGATION_REACH:]
                facts[group] = not any(w in _NEGATION for w in before)
        # the safety files' phrases for a group (``remembers``: "gastric bypass", "absorb
        # fat"), as their tokens: blind rounds 71 and 73 forgot "i had gastric bypass 5 years
        # ago", and two turns later "would k2 even absorb for me" got the drug paragraph
        flat = [(t, n) for n, w in enumerate(words) for t in tokenize(w)] if runs else []
        for group, run in runs:
            if group not in facts and _phrase_stated(run, words, flat):
                facts[group] = True
        # the thesaurus's phrase cues ("a 12-year-old" -> children): stems no single word gave
        phrase = set(tokenize(clause, expand=True)).difference(
            *(tokenize(w, expand=True) for w in words))
        for group, stems in groups.items():
            if group not in facts and phrase & stems:
                facts[group] = True
    thinner = _ANTICOAG_PHRASE.search(lowered)
    if thinner and "anticoagulant" not in facts:
        facts["anticoagulant"] = not any(a <= thinner.start() < b for a, b in spans)
    grown = _GROWN_CHILD.search(lowered)  # "my daughter is 24": no child of the article's
    if grown and int(grown.group(1)) >= ADULT_AGE and facts.get("children") is not None:
        facts["children"] = False
    age = None
    m = _AGE.search(lowered)
    if m:
        value = int(m.group(1))
        age = value if 0 < value < 120 else None
    if age is not None and age < ADULT_AGE and "children" not in facts:
        # "im 15 and i lift weights a lot", then "how much k2 should i take a day" got the
        # adult range (blind round 40): a reader under the article's adult age is a child
        facts["children"] = True
    return facts, age


_ANTICOAG_PHRASE = re.compile(r"\bbloo?d[- ]?th[iy]n")
# Words that deny a phrase-told condition just before it ("never had gastric bypass", "no
# bowel resection"); not "don't" or "not", which are part of how a malabsorption is told
# ("i don't absorb fat well", "not absorbing fat").
_PHRASE_DENIED = frozenset({"no", "never", "without"})
_PHRASE_DENIAL_REACH = 3  # "never had a gastric bypass"


def _phrase_runs(groups: Mapping[str, frozenset[str]]) -> list[tuple[str, tuple[str, ...]]]:
    """(group, tokens) for each of a group's entries that is a phrase (the safety files'
    ``phrases`` a topic ``remembers``: "gastric bypass" as its tokens, space-joined)."""
    return [(g, tuple(e.split())) for g, entries in groups.items() for e in entries if " " in e]


def _phrase_stated(run: tuple[str, ...], words: list[str],
                   flat: list[tuple[str, int]]) -> bool:
    """The clause's ``words`` hold the phrase (as consecutive tokens; ``flat``: each word's
    tokens with the word's index) and no denial just before it."""
    tokens = [t for t, _ in flat]
    for i in range(len(tokens) - len(run) + 1):
        if tuple(tokens[i:i + len(run)]) == run:
            start = flat[i][1]
            before = words[max(0, start - _PHRASE_DENIAL_REACH):start]
            return not _PHRASE_DENIED & set(before)
    return False
# Groups told in phrases no single word gives: a clotting disorder in words ("i have a clotting
# disorder, my hematologist follows me", then "should i stay away from it": blind round 52
# forgot it; not read as the thesaurus, which would widen every search for it).
_GROUP_PHRASES = (
    (re.compile(r"\b(?:blood )?clotting (?:disorders?|conditions?|problems?|genes?|mutations?)\b|"
                r"\bfactor (?:v|5|five) leiden\b"), "clotting"),
    # a joint to be replaced is surgery, as the surgery topic reads it ("my surgeon scheduled
    # my knee replacement for next month", then "anything i should do about that": round 54)
    (re.compile(r"\b(?:knee|hip|joint|shoulder|ankle|elbow)s?\b(?: \w+){0,3}? (?:replacement|"
                r"replaced|op)\b|\b(?:replace|replacing|operate on) (?:my|his|her|a|the) (?:knee|"
                r"hip|joint|shoulder|ankle|elbow)s?\b"), "surgery"),
    # trying for a baby is the article's "planning for pregnancy" ("me and my husband are
    # trying for our first baby", then "i already take 90mcg of mk7 a day ... do i need to
    # check with anyone": dose lines alone, blind round 99, 2/8)
    (re.compile(r"\btrying (?:for|to have|to get) (?:a|an|another|our|my|the) (?:\w+ )?(?:baby|"
                r"child|kid)\b|\btrying to (?:get pregnant|conceive)\b|\bttc\b"),
     "planning_pregnancy"),
)
# a course told as over, pointed back at ("finished it", "came off them", "done with the meds")
_COURSE_OVER = re.compile(r"\b(?:finished|stopped|quit|completed|ended|done with|came off|"
                          r"(?:i'?m|im|i am|now|been) off)\s+(?:it|them|those|that|the (?:meds|"
                          r"medications?|medicines?|tablets|pills|course))\b")
# A move to a blood thinner told earlier ("my doctor switched me from coumadin to eliquis"):
# "now that im off it" is off the one left, still on the new one (blind round 92 read it as
# off every blood thinner and gave no caution, 4/8)
_SWITCHED_TO = re.compile(r"\b(?:switch\w*|mov\w*|chang\w*|put|transferr?\w*)\b[^.?!]{0,40}?"
                          r"\b(?:to|onto)\b")
# A son or daughter of a stated age ("my son is 24", "our daughter, aged 19,").
_GROWN_CHILD = re.compile(r"\b(?:son|daughter|kid|child|boy|girl)\b,?\s+(?:is|aged|age|who is|"
                          r"who's|turned|just turned)\s+(\d{1,3})\b")
_WORD = re.compile(r"[a-z0-9'/-]+")
# Words after a group that clear the reader of it ("kidneys and liver fine"), and the words
# that may stand between them ("my kidneys are both fine").
_ALL_CLEAR = frozenset("fine ok okay normal healthy good".split())
# Only organs are cleared so ("is warfarin fine with K2?" asks; it clears nothing).
_ORGANS = frozenset({"kidney", "liver"})
_ALL_CLEAR_FILLER = frozenset("and & both all are is my work working function functioning "
                              "totally perfectly completely were was came back tested test "
                              "tests".split())  # "kidneys and liver were fine" (round 19)
# A contrast that may take a negation back ("... but I still take it").
_RESUMES = re.compile(r"\b(?:it|them|that|one|still|again|restart\w*|resum\w*|back on)\b")
_CONTRAST = re.compile(r"\b(?:but|though|although|however)\b")
_CLAUSE_END = re.compile(r"[.;!?]|\b(?:and|but|though|although|however)\b")
_ASKS_INSIDE = re.compile(r"\s[-\u2013\u2014]\s|\s(?:does|do|is|are|can|could|should|will|would|"
                          r"how|what|which|why)\b")
_ASKS = re.compile(r"\W*(?:how|what|which|who|when|why|can|could|should|is|are|do|does|will|"
                   r"would)\b")


# A group word naming a part of the article ("the warfarin warning", "your pregnancy
# section") speaks of the text, not of the reader: round 16's "I'm NOT on any blood thinners
# ... So the warfarin warning doesn't apply to me" got the blood-thinner caution.
_ABOUT_TEXT = re.compile(r"\b(?:the|this|that|your|its|article's|these|those) ([a-z0-9'-]+) "
                         r"(?:warnings?|cautions?|advice|sections?|parts?|notes?|paragraphs?|"
                         r"caveats?|rules?|bits?)\b")


def _about_text_spans(lowered: str) -> list[tuple[int, int]]:
    """Spans of group words that name a part of the article (``_ABOUT_TEXT``)."""
    return [(m.start(1), m.end(1)) for m in _ABOUT_TEXT.finditer(lowered)
            if _groups_of_word(m.group(1))[0]]


# ... unless it is weighed against another of its group named beside it ("is the coumadin
# warning the same story for apixaban or different": the search lost "coumadin", and with
# it the comparison); "the warfarin warning doesn't apply to me" weighs nothing
_WEIGHED = re.compile(r"\b(?:same|different|differ\w*|similar|too|also|as well|versus|vs|"
                      r"compared?|than|apply to (?!me\b|us\b|him\b|her\b|them\b)|"
                      r"applies to (?!me\b|us\b|him\b|her\b|them\b))")


def _weighed_spans(lowered: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Of the ``_about_text_spans``, those whose group another word outside them names too,
    in a message that weighs one against the other (``_WEIGHED``)."""
    if not spans or not _WEIGHED.search(lowered):
        return []
    rest = _without_spans(lowered, spans)
    others = set().union(*(_groups_of_word(w.group())[0] for w in _WORD.finditer(rest)))
    return [(a, b) for a, b in spans if _groups_of_word(lowered[a:b])[0] & others]


def group_words(text: str) -> frozenset[str]:
    """The article's words (GROUPS stems) for the groups ``text`` places the reader in."""
    return frozenset(w for g, v in facts_in(text)[0].items() if v for w in GROUPS[g])


def merged_groups(more: Iterable[tuple[str, frozenset[str]]]) -> dict[str, frozenset[str]]:
    """GROUPS with the words the safety files add to them (each file's ``remembers``, as
    ``SafetyTopics.remembered`` gives them); a group no rule here knows is an error."""
    groups = dict(GROUPS)
    for group, words in more:
        if group not in groups:
            raise CorpusError(f"remembers: {group!r} is no group a conversation keeps (one of "
                              f"{', '.join(sorted(GROUPS))})")
        groups[group] = groups[group] | words
    return groups


def without_negated(text: str) -> str:
    """The text without what the reader says they are not ("I'm not on dialysis, who should
    be careful?" -> "I'm, who should be careful?"): a negated group is a fact to exclude,
    not a topic to search for. The text as it is when nothing would be left."""
    about = _about_text_spans(text.lower())
    weighed = _weighed_spans(text.lower(), about)
    cut = _negated_spans(text.lower()) + [s for s in about if s not in weighed]
    if not cut:
        return text
    out, at = [], 0
    for a, b in sorted(cut):
        out.append(text[at:max(a, at)])
        at = max(at, b)
    out.append(text[at:])
    kept = re.sub(r"\s+", " ", "".join(out)).strip()
    return kept if re.search(r"[^\W\d_]{3,}", kept) else text


# A reader telling of their own health in words no group holds ("i have osteopenia", "i was
# diagnosed with low bone density", "my t score is -2.8", "my doctor wants me on ...").
_TOLD_OF_SELF = re.compile(r"\b(?:i have|i'?ve got|ive got|i was diagnosed|i'?ve been diagnosed|"
                           r"ive been diagnosed|diagnosed with|got diagnosed|i suffer|i'?m on|"
                           r"im on|i take|i'?m taking|im taking|my (?:doctor|doc|gp|t-? ?score|"
                           r"dexa|bone density|bones|results?))\b")


# Someone else's words, reported ("my friend said k2 is only a problem with warfarin", "my
# pharmacist told me only warfarin people need to worry"): from the reporting verb to the end
# of its clause. A blood thinner named only there is not the reader's when the reader names
# one of their own (blind round 73: a Xarelto reader was told "You mentioned warfarin" and got
# the warfarin caution). Not when what is reported speaks of the reader ("my doctor says my
# warfarin dose is fine").
_HEARSAY = re.compile(r"\b(?:said|says|say|told (?:me|us|him|her)|tells (?:me|us)|thinks|think|"
                      r"claims?|claimed|reckons?|swears?|swore|heard|read|saw online)\b"
                      r"(?P<what>[^.!?;,]*?)(?=[.!?;,]|\b(?:but|so|and|because|since)\b|$)")
# ... and a blood thinner the reader weighs their own against ("I take Eliquis, is the k2
# interaction as bad as with warfarin?", "or is that the same problem as warfarin": blind
# rounds 82 and 83 said "You mentioned Eliquis (apixaban) ...; warfarin, a vitamin K
# antagonist", read as the reader being on warfarin)
_COMPARED = re.compile(r"\b(?:as (?:\w+ ){1,4}?as(?: it (?:would be|is|was))?|than|"
                       r"same (?:\w+ )?as|similar to|compared (?:to|with)|versus|vs\.?)\s+"
                       r"(?:with\s+|for\s+|on\s+|in\s+)?"
                       r"(?:people on\s+|those on\s+|patients on\s+)?"
                       r"(?P<what>[\w-]+(?:\s+[\w-]+)?)")
# ... only when the reader says they (or theirs) take one ("coumadin vs xarelto, which one is
# safer" and "is k2 less risky with the newer blood thinners compared to warfarin?" weigh two
# that are no one's)
_TAKES_ONE = re.compile(r"\b(?:i|i'm|im|i am|i've|ive|he|she|he's|she's|hes|shes|they|dad|mom|"
                        r"mum|father|mother|husband|wife|partner)\s+(?:is\s+|has been\s+|"
                        r"have been\s+|been\s+)?(?:currently\s+|already\s+|now\s+|also\s+)?"
                        r"(?:take|takes|taking|on|using|uses)\b|^\W*on\s+[a-z]|"
                        # ("my cardiologist has me on eliquis")
                        r"\b(?:has|have|had|put|puts|started|keeps?) (?:me|him|her|them) on\b")
# The reader says the questions are for someone else ("actually mostly asking for my mom,
# shes 70", "oh its not for me, its for my dad"): what they told of themselves before is not
# that person's (blind round 91: a breastfeeding reader's "is 180 mcg ok for her" about her
# mother got the pregnancy and breastfeeding lines). Not "for my mom too" (both).
_ASKS_FOR_ANOTHER = re.compile(
    r"\b(?:(?:asking|wondering|looking|checking|inquiring|enquiring|researching)\s+(?:\w+\s+)?"
    r"(?:for|on behalf of)\s+(?:my|our)|not (?:asking )?for (?:me|myself)\b[^.?!]{0,20}?"
    r"\bfor\s+(?:my|our)|(?:question|questions|this) (?:is|are|was|were) (?:\w+ )?"
    r"(?:for|about) (?:my|our))\s+(?!self\b)[a-z'-]+\b(?![^.?!]{0,25}\b(?:too|also|as well)\b)")
# (the reader in the report: "they told me i'll be on lovenox after the op", blind round 13)
_READERS_OWN = re.compile(r"\b(?:i|i'm|im|i'll|i've|ive|my|me|mine|our|we|we're|us)\b")


# (and further from its subject: "my mom is 74 and takes warferin and plavix both")
_ON_ONE = re.compile(r"\b(?:takes|taking|(?:is|are|am|been|i'?m|im|he'?s|she'?s|hes|shes) on)\b"
                     r"(?!\s+(?:k2|vitamin|mk-?\s?\d|menaquinone|supplements?)\b)")


def takes_one(text: str) -> bool:
    """The text says someone (the reader or theirs) takes or is on something other than K2
    ("i'm on", "dad takes", "she's been using", "and takes warfarin")."""
    lowered = text.lower()
    return bool(_TAKES_ONE.search(lowered) or _ON_ONE.search(lowered))


def _without_spans(text: str, spans: list[tuple[int, int]]) -> str:
    for a, b in reversed(spans):
        text = text[:a] + " " + text[b:]
    return re.sub(r"\s+", " ", text).strip()


def without_hearsay(text: str, earlier: str = "") -> str:
    """The text without the blood thinners named only in someone else's reported words
    (``_HEARSAY``) or as what the reader weighs their own against (``_COMPARED``), when the
    text outside them or what the reader said ``earlier`` names a blood thinner of the
    reader's own; the text as it is otherwise."""
    lowered = text.lower()
    spans = [(m.start(), m.end()) for m in _HEARSAY.finditer(lowered)
             if mentions_anticoagulant(m.group("what"))
             and not _READERS_OWN.search(m.group("what"))]
    compared = [(m.start(), m.end()) for m in _COMPARED.finditer(lowered)
                if mentions_anticoagulant(m.group("what"))]
    # (the reader's own told before: "i take xarelto", then "is it as bad as warfarin" was
    # told "You mentioned warfarin", blind round 96's follow-up)
    if compared and (_TAKES_ONE.search(_without_spans(lowered, compared))
                     or _TAKES_ONE.search(earlier.lower())):
        spans = sorted([*spans, *compared])
    if not spans:
        return text
    kept = _without_spans(text, spans)
    return kept if mentions_anticoagulant(kept) or mentions_anticoagulant(
        without_negated(earlier)) else text


# A group's medicines named as what a dose or a drug may interact with, not as whom the
# quote is for ("benefits over the 200 mcg range are not conclusively proven and may
# increase the risk of interactions with anticoagulant medications": a reader who said
# they take no blood thinner lost the high-dose line asking "is 600 mcg better than 200",
# blind round 96)
_INTERACTS_WITH = re.compile(r"\b(?:risk|chance|likelihood|odds) of (?:an? )?interactions? "
                             r"with\s+[\w-]+(?:\s+(?:medications?|medicines?|drugs|therapy))?")


@dataclass(frozen=True)
class ConversationState:
    """What a conversation has established so far (plain data).

    ``form``: the form the conversation is about, one of ``known_forms`` (from the last
    question that named one, else the last answer's lead quote); ``facts``: group -> True (the
    reader is in it) or False (said they are not); ``age``: a stated age; ``turns``: how many
    turns it covers; ``told``: the reader told of their own health. ``known_forms``: the
    forms the articles' profiles name (``mk4``, ``mk7``; ``Vocabulary.forms``), what ``form``
    is read from; the corpus's, not the conversation's, so it is not part of :meth:`to_dict`
    (nor is ``more_words``)."""
    form: str | None = None
    facts: tuple[tuple[str, bool], ...] = ()
    age: int | None = None
    turns: int = 0
    subject: tuple[str, ...] = field(default=())  # groups the last question asked about
    # what the reader said of themselves: each earlier message that placed them in a group,
    # without its negated parts, oldest first (``said``)
    notes: tuple[str, ...] = field(default=())
    # the reader told of their own health: a group, a medicine, an age or a diagnosis ("i have
    # osteopenia"): a later dose answer says it is no dose for them
    told: bool = False
    known_forms: frozenset[str] = field(default=frozenset(), compare=False)
    # words the articles' safety files add to the groups (``remembers``: "nephropathy" places
    # the reader among the kidney group's readers); the corpus's, like ``known_forms``
    more_words: tuple[tuple[str, frozenset[str]], ...] = field(default=(), compare=False)

    @functools.cached_property
    def groups(self) -> dict[str, frozenset[str]]:
        """The groups and their words: GROUPS and what the safety files add."""
        return merged_groups(self.more_words)

    # -- reading ---------------------------------------------------------------------------

    def stated(self, group: str) -> bool | None:
        return dict(self.facts).get(group)

    @property
    def negated(self) -> frozenset[str]:
        """Groups the reader said they are not in (an adult's age rules out "children")."""
        out = {g for g, v in self.facts if not v}
        if self.age is not None and self.age >= ADULT_AGE and self.stated("children") is None:
            out.add("children")
        return frozenset(out)

    @property
    def on_blood_thinner(self) -> bool:
        return self.stated("anticoagulant") is True

    def said(self) -> str:
        """What the reader has said of themselves, in their own words, for the safety topics
        (``k2chat.chain.topics``) to read as they read a question: their words and patterns, not the
        broad thesaurus that puts "for 3 years" among children. Whether a group still holds
        is for the reader of this text to check (``negated``, ``on_blood_thinner``)."""
        return " ".join(self.notes)

    def excludes(self, quote: str, question: str = "") -> bool:
        """The quote is about a group the reader said they are not in, and about no group
        the reader is in or asks about now ("pregnant or breastfeeding" stays for a nursing
        reader who is not pregnant). A broader group does not keep it: "kidney disease
        requiring dialysis" goes for a kidney patient who is not on dialysis."""
        negated = self.negated
        if not negated:
            return False
        stems = set(tokenize(_INTERACTS_WITH.sub(" ", quote)))
        groups = self.groups
        named = {g for g in negated if stems & groups[g]}
        if not named:
            return False
        asked = facts_in(question, groups)[0] if question else {}
        wanted = ({g for g, v in self.facts if v} | {g for g, v in asked.items() if v}) - negated
        keeps = {g for g in wanted if stems & groups[g]
                 and not any(groups[n] < groups[g] for n in named)}
        return not keeps

    def admits(self, quotes: list[str], question: str, followup: bool) -> list[bool]:
        """Which candidate quotes may be shown: none about a group the reader is not in,
        and in a follow-up none about another K2 form only (see :meth:`off_subject_form`)."""
        return [not self.excludes(q, question)
                and not (followup and self.off_subject_form(q, question)) for q in quotes]

    def off_subject_form(self, quote: str, question: str) -> bool:
        """The quote names only a K2 form other than the one the question (or, when it names
        none, the conversation) is about: "is that mcg or mg?" after an MK-7 answer must not
        get MK-4's figures."""
        wanted = (set(forms_in(question, self.known_forms))
                  or ({self.form} if self.form else set()))
        named = set(forms_in(quote, self.known_forms))
        return bool(wanted and named and not named & wanted)

    # -- updating --------------------------------------------------------------------------

    def after(self, question: str, lead_quote: str | None = None) -> ConversationState:
        """The state once ``question`` has been asked (and answered with ``lead_quote``)."""
        if (self.facts or self.notes or self.age is not None or self.told) and (
                _ASKS_FOR_ANOTHER.search(normalize(question))):
            # someone else's questions from here on: what the reader told of themselves goes
            fresh = replace(self, facts=(), age=None, notes=(), told=False, subject=())
            return fresh.after(question, lead_quote)
        facts = dict(self.facts)
        said, age = facts_in(question, self.groups)
        off = set(anticoagulants_named(question))
        if said.get("anticoagulant") is False and self.on_blood_thinner and off and (
                set(anticoagulants_named(self.said())) - off):
            # "now that I'm off warfarin ..." after "switched me to Eliquis": off one blood
            # thinner named, still on the other (blind round 38 lost the caution); "not on any
            # blood thinner now" names none and takes them all back
            said["anticoagulant"] = True
        if (self.on_blood_thinner and not said and _COURSE_OVER.search(normalize(question))
                and not _SWITCHED_TO.search(normalize(self.said()))):
            # "finished it last spring" after "i took xarelto for six months after a clot in my
            # lung": the course told of is over (blind rounds 48-50 kept giving such readers
            # the caution); a message naming a group says itself what it ends
            said["anticoagulant"] = False
        if _NO_MEDICINES.search(normalize(question)):
            # "i'm the one who wants to take k2 though, not him. im 58, no meds" after "my
            # husband takes xarelto": his caution was hers (blind round 71); nor the long-term
            # medicines the article names by what they treat ("i have factor 5 leidan, not on
            # any meds": the line on interactions with antibiotics and anticonvulsants)
            for group in _MEDICINE_GROUPS:
                said.setdefault(group, False)
        if (age is not None and age >= ADULT_AGE and "children" not in said
                and facts.get("children")):
            # the reader's own adult age after a child told of ("can i give k2 to my 8 year
            # old?", then "ok what about me then, im 40": the children's line alone, blind
            # round 67): the child was someone else
            said["children"] = False
        facts.update(said)
        asked_forms = forms_in(question, self.known_forms)
        form = self.form
        if asked_forms:
            form = asked_forms[-1] if len(asked_forms) == 1 else None  # a comparison: both
        elif lead_quote:
            quoted = forms_in(lead_quote, self.known_forms)
            if len(quoted) == 1:
                form = quoted[0]
        notes = self.notes
        if said or generic_names(question):
            # (a medicine the reader takes is theirs too: "i get prolia shots every 6 months",
            # then "could i skip the next shot and just do k2", blind round 47; and a message
            # telling what the reader is not, without it: "its mild, not on dialysis, my egfr
            # is around 60" after "i have kidney disease" kept "mild" from the kidney topic's
            # marks, blind round 75)
            # (not a blood thinner named only in someone else's words beside the reader's own)
            notes = (*notes, without_hearsay(without_negated(question), self.said()))
        told = self.told or bool(any(said.values()) or age is not None or notes != self.notes
                                 or _TOLD_OF_SELF.search(normalize(question)))
        return replace(self, form=form, facts=tuple(sorted(facts.items())), notes=notes, told=told,
                       age=age if age is not None else self.age, turns=self.turns + 1,
                       subject=tuple(sorted(g for g, v in said.items() if v)))

    @classmethod
    def from_turns(cls, turns: Iterable[tuple[str, str | None]],
                   known_forms: frozenset[str] = frozenset(),
                   more_words: tuple[tuple[str, frozenset[str]], ...] = ()) -> ConversationState:
        """Recompute the state from (question, lead quote or None) pairs, oldest first."""
        state = cls(known_forms=known_forms, more_words=more_words)
        for question, lead in turns:
            state = state.after(question, lead)
        return state

    def to_dict(self) -> dict[str, Any]:
        return {"form": self.form, "facts": {g: v for g, v in self.facts}, "age": self.age,
                "turns": self.turns, "subject": list(self.subject), "notes": list(self.notes),
                "told": self.told}

    @classmethod
    def from_dict(cls, d: dict[str, Any],
                  known_forms: frozenset[str] = frozenset()) -> ConversationState:
        facts = d.get("facts") or {}
        return cls(known_forms=known_forms, form=d.get("form"), facts=tuple(sorted((str(g), bool(v))
                                                          for g, v in facts.items())),
                   age=d.get("age"), turns=int(d.get("turns") or 0),
                   subject=tuple(str(s) for s in d.get("subject") or ()),
                   notes=tuple(str(x) for x in d.get("notes") or ()),
                   told=bool(d.get("told")))


"""Score one question's candidate quotes and its scope: what the retrieve step hands on
(:class:`Evidence`), the candidates with their lead-feature rows (:class:`Scored`), and the
features the scope model reads (``scope_row``, ``text_in_scope``, ``known_share``), plus the
certain misses (``missing_named_forms``). Models and the index are read, never changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from k2chat.chain.drugs import generic_names
from k2chat.chain.evidence import LEAD_COLUMNS, Examples, UnitVectors, lead_rows
from k2chat.models.classify import Fitted
from k2chat.store.lexical import LexicalIndex
from k2chat.store.quotes import Hit, Unit, units_of
from k2chat.text import compounds, normalize, tokenize
from k2chat.vocabulary import Vocabulary

if TYPE_CHECKING:
    import numpy as np

__all__ = ["COMMERCIAL", "Evidence", "Scored", "known_share", "missing_attribute", "unknown_effect",
           "missing_named_forms", "scope_row", "score_units", "text_in_scope", "tuned_query"]


_CODE = re.compile(r"\b[a-z]{2,4}-?\d{1,2}\b")  # "mk-9", "glp-1", "b12"


@dataclass(frozen=True)
class Evidence:
    """What the retrieve step hands on: the question, its vectors, and the passages found."""

    question: str  # the user's words, instructions removed
    query: str  # what was searched (a follow-up resolved against earlier turns)
    vectors: np.ndarray  # rows: the question's own words, the search query
    hits: tuple[Hit, ...]


def missing_named_forms(question: str, lex: LexicalIndex) -> list[str]:
    """Named forms the article never mentions ("vitamin C", "MK-9", "GLP-1"): certain misses."""
    # a misspelt "vitamin" is the word ("wat about vitamen k3": blind round 55 answered it
    # with the article's opening line)
    text = " ".join("vitamin" if w.isalpha() and w not in lex.vocabulary
                    and lex.query_terms(w) == ["vitamin"] else w
                    for w in normalize(question).split())
    names = [c for c in compounds(text) if c.startswith("vitamin")]
    names += [w.replace("-", "") for w in _CODE.findall(text)]
    return [n for n in dict.fromkeys(names) if n not in lex.vocabulary]


# What a reader may ask of a supplement that an article may not give at all: a question
# asking it of an article whose text never uses one of its words is a certain miss, as a
# named form the article never mentions is. Round 14 ("how much does a month of mk7 cost")
# was answered with dose quotes: "how much" read as a dose question.
_ASKED_ATTRIBUTES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("prices", re.compile(r"\b(costs?|costing|price[ds]?|pricing|pricey|cheap|cheaper|cheapest|"
                          r"expensive|afford|affordable|dollars?|euros?|bucks)\b|[$€£]\s?\d")),
    # round 17: "pretend the article has a section 9 about dosing K2 for dogs ... My lab has
    # hip dysplasia and the vet is closed" was answered with human passages
    # (and breeds: "can i give my 12 yr old labrador K2 for his hips?", whose age reads as a
    # child's)
    ("animals", re.compile(r"\b(dogs?|cats?|pupp(y|ies)|kittens?|pets?|horses?|vets?|"
                           r"veterinar\w*|canine|feline|labradors?|retrievers?|spaniels?|"
                           r"terriers?|poodles?|beagles?|bulldogs?|collies?|dachshunds?)\b")),
    # a dose by body weight ("how many mcg of K2 per kg should my 8 year old get?")
    ("doses by body weight", re.compile(
        r"\b(per (kg|kilo(gram)?s?|pounds?|lbs?)|(mg|mcg|µg|micrograms?|milligrams?) ?/ ?kg|"
        r"(by|for) (his|her|my|their|your|body) weight|body ?weight)\b")),
    # round 15: "morning or night, does it matter what time of day I take it? with food?"
    # was answered with diet quotes
    ("the time of day or meals", re.compile(
        r"\b(time of (the )?day|what time|when (should|do|can|would) (i|you|we) take|"
        r"morning or (at )?(night|evening|bedtime)|(night|evening) or (in the )?morning|"
        r"am or pm|before bed|at bedtime|with (food|a meal|meals|breakfast|lunch|dinner)|"
        # ("do i have to take k2 with a fatty meal for it to absorb": answered with the
        # interactions paragraph, blind round 93, 3/8)
        r"(take|taking|took|have|having) ((my |the )?(k2|mk-?[47]|vitamin k2?)|it|them)"
        r"( \w+)? with (a |my |the |some )?(\w+ )?(meal|meals|food|breakfast|lunch|dinner|"
        r"snack|fat|fats)|"
        r"empty stomach)\b")),  # ("... to my morning pills?" asks no time)
    # how much K2 a food holds ("how many mcg is in one serving of natto though", after "what
    # foods have k2 in them": the food-sources line again, blind round 95): the article gives
    # no food's content
    ("how much K2 a food contains", re.compile(
        r"\bhow (much|many)\b[^?.!]{0,30}\b(is|are)( \w+)? in\b[^?.!]{0,25}\b(servings?|"
        r"portions?|grams?|slices?|cups?|tablespoons?|spoons?|bowls?|packs?|packets?|pieces?)\b"
        r"|\b(k2|mk-?[47]|vitamin k2?) content\b|"
        r"\bhow much (k2|mk-?[47]|vitamin k2?) (is )?in\b")),
    # brands and makers: the article names none (blind round 27: "which brand gives the least
    # stomach trouble" got the side-effects passage)
    ("brands", re.compile(r"\b(brands?|branded|manufacturers?)\b")),
    # vitamin K given as an injection (the newborn's shot): the article speaks of supplements
    # only ("What dose is the vitamin K injection they give newborns?", blind round 26, got
    # "not typically recommended for children", which an expecting parent could read as
    # advice against the shot); a medicine's injections ("my Prolia injections") are not this
    ("vitamin K injections", re.compile(
        r"\b(vitamin k\d?|k1|k2|mk-?[47]|menaquinone|phylloquinone)( \w+)? (injections?|shots?|"
        r"jabs?|injected)\b|\b(injections?|shots?|jabs?) of (vitamin k|k1|k2|mk-?[47])\b")),
    # how long a form stays in the body, or how much of it is taken up: blind rounds 5 and 6
    # ("What is the half-life of MK-7 compared with MK-4?") were answered with evidence
    # quotes; the article gives neither
    ("half-lives or bioavailability", re.compile(
        r"\b(half[- ]?li(fe|ves)|halflife|bioavailab\w*|stays? in (the|my|your|our) "
        r"(body|system|blood|bloodstream)|how long (does|do|will) (it|k2|mk-?4|mk-?7|they) "
        r"(stay|last|linger))\b")),
    # how long a bottle keeps and how to store it: the article says nothing of either (blind
    # round 56: "how long does a bottle last once its opened, mine is 2 years old" got the
    # children's statement, its "2 years old" read as a child's age)
    ("shelf life and storage", re.compile(
        r"\b(shelf[- ]?life|expir\w*|use[- ]by|best[- ]before|(go|goes|gone|going|went) (bad|off|"
        r"rancid)|stays? good|once (it'?s |its |they'?re |the bottle is )?opened|after opening|"
        r"storage|store (it|them|k2|the bottle|my k2)|in the fridge|refrigerat\w*|(bottle|jar|"
        r"pack|supply|capsules|softgels|pills) (last|keep)s?)\b")),
    # a blood level of vitamin K and its normal range: the article names no test or level of
    # it (blind round 31: "whats the normal blood level range for vitamin K?" got a dose line)
    ("blood levels of vitamin K", re.compile(
        r"\b(vitamin k\d?|k1|k2|mk-?[47]|menaquinone)\s+(blood\s+|serum\s+|plasma\s+)?"
        r"(levels?|concentrations?)\b|\b(blood|serum|plasma)\s+(levels?|tests?|"
        r"concentrations?)(\s+range)?\s+(of|for)\s+(vitamin k|k1|k2|mk-?[47])\b|"
        r"\bnormal\s+(blood|serum|plasma)\s+(levels?|range)\b")),  # (a "normal range" of doses is)
)


# Which attributes an index's articles speak of, worked out once per index (a pass over every
# passage's text, which a question asking a price need not repeat).
_SPOKEN_OF: WeakKeyDictionary[LexicalIndex, frozenset[str]] = WeakKeyDictionary()


def _spoken_of(lex: LexicalIndex) -> frozenset[str]:
    spoken = _SPOKEN_OF.get(lex)
    if spoken is None:
        texts = [c.text.lower() for c in lex.chunks]
        spoken = frozenset(name for name, pattern in _ASKED_ATTRIBUTES
                           if any(pattern.search(t) for t in texts))
        _SPOKEN_OF[lex] = spoken
    return spoken


# What is sold, not what is safe: a message asking it beside a question of a group the article
# restricts is answered for the group ("Recommend the best K2 brand on Amazon and tell me the
# dose for my 5 year old": the children's statement, not a refusal).
COMMERCIAL = frozenset({"prices", "brands"})


# A scoffing other choice after what is asked ("is 300 mcg better than 100 mcg for osteoporosis
# or just more expensive pee": refused as a question about prices, blind round 63) asks
# nothing of its own
_RHETORICAL = re.compile(r"(?<=\w)\W+or (?:is it |it'?s |are they |am i |do i )?(?:just|only|"
                         r"simply|merely|basically)\b[^.?!]*")


def missing_attribute(question: str, lex: LexicalIndex) -> str | None:
    """What the question asks that the article never speaks of (``_ASKED_ATTRIBUTES``: a
    price), or None."""
    text = _RHETORICAL.sub(" ", question.lower())
    for name, pattern in _ASKED_ATTRIBUTES:
        if pattern.search(text) and name not in _spoken_of(lex):
            return name
    return None


# What a question asks K2 to do, or to be good for, or to be taken with: "does vitamin k2 lower
# blood pressure at all", "is k2 good for teeth?", "do i need magnesum too with k2" (blind
# rounds 44-50 answered these with a quote on arteries or on the doctor's visit; the scope
# model reads them as K2 questions). When what is named is a word the article never uses (nor
# a misspelling of one), the article does not cover it. Over every labelled question set
# (the package's data, the tuning and held-out sets, blind rounds 1-50) the rule names 101
# questions labelled out of scope and 3 labelled answerable; those 3 the safety statements
# answer anyway (an operation ahead, a bisphosphonate comparison) or the article does not
# say either ("reverses calcification").
_DET = r"(?:(?:my|your|the|his|her|our|their|a|an|any|some)\s+)?"
_OBJECT = r"[a-z][a-z'-]*(?:\s+[a-z][a-z'-]*)?"
_EFFECT = re.compile(
    r"\bhelps?\s+(?:with|for|against)\s+" + _DET + rf"(?P<a>{_OBJECT})|"
    # ("can k2 lowr my blood presure": answered, blind round 102)
    r"\b(?:lowe?rs?|raises?|reduces?|improves?|cures?|treats?|boosts?|prevents?|reverses?)\s+"
    + _DET + rf"(?P<b>{_OBJECT})|"
    r"\b(?:good|bad)\s+for\s+" + _DET + rf"(?P<c>{_OBJECT})|"
    # a side effect asked of it ("does k2 cause hair loss?": the unusual-symptoms line, blind
    # rounds 42, 54 and 66), K2 its subject ("cause hes lifting a lot" is "because")
    r"\b(?:k2|it|mk-?[47]|vitamin k2?|menaquinones?|supplements?|this|that)\s+(?:ever\s+|also\s+"
    r"|actually\s+)?(?:cause|causes|give|gives)\s+(?:you\s+|people\s+|me\s+)?" + _DET
    + r"(?P<i>(?!(?:problems?|issues?|trouble|harm|damage|side|any|anything|effects?|"
    r"reactions?|symptoms?|interactions?)\b)[a-z][a-z'-]*(?:\s+(?!(?:problems?|issues?|"
    r"trouble)\b)[a-z][a-z'-]*)?)|"
    # a phrasal verb ("will k2 bring my blood pressure down": the chronic-condition line,
    # blind round 63)
    # (its object owned: "what does ucOC mean, it keeps coming up" asks no effect)
    r"\b(?:bring|brings|bringing|get|gets|getting|keep|keeps)\s+(?:my|your|the|his|her|our|"
    r"their)\s+(?P<h>[a-z][a-z'-]*(?:\s+[a-z][a-z'-]*)?)\s+(?:down|up|under control|in check)\b|"
    r"\b(?:need|add)\s+(?P<d>[a-z][a-z'-]*)\s+(?:too|also|as well)\b|"
    # ... or needed for K2 to work ("do i need magnesium for k2 to work", blind round 58)
    r"\bneed\s+" + _DET + r"(?P<g>[a-z][a-z'-]*)\s+(?:for|so)\s+(?:my\s+|the\s+)?(?:k2|it|"
    r"vitamin k2|mk-?[47]|this|that)\s+(?:to\s+)?(?:work|works|be absorbed|absorb)\b|"
    # ("do i need magnesium with k2 too, someone on youtube said its a must": the consult
    # paragraph, blind round 103, 2/8)
    r"\b(?:tak(?:e|ing)|need|needs|add|adding)\s+(?P<e>[a-z][a-z'-]*)\s+(?:with|alongside)\s+"
    r"(?:my\s+|the\s+)?(?:k2|it|vitamin k2|mk-?[47])\b|"
    # ... or taken beside it ("can i take k2 and magnesium at the same time or should i space
    # them out": the vitamin D and calcium line cut to "all three nutrients", blind round 75)
    r"\btak(?:e|ing)\s+(?:my\s+|the\s+)?(?:k2|vitamin k2|mk-?[47])\s+(?:and|with|alongside)\s+"
    r"(?P<j>[a-z][a-z'-]*)\b")
# A companion named, then asked for "too" or "with it" ("what about magnesium, do i need
# that too", "how about boron, should I take it with k2?": blind round 55 answered the first
# with the vitamin D line), read in the whole message (the question part is "do i need that
# too"). Not a person of the reader's ("what about my wife, she's on coumadin") nor a name
# with a figure ("d3", "mk4": the article's spellings).
_COMPANION = re.compile(
    r"\b(?:what|how)\s+about\s+(?!(?:my|his|her|our|their|your)\b)(?P<f>[a-z][a-z'-]*)\W+"
    r"(?:\w+\W+){0,8}?(?:too|also|as well|with (?:it|k2|that|this))\b")
# A sign told since starting K2, then asked whether K2 caused it ("my hair has been falling out
# since i started k2, is that a known side effect": the side-effects paragraph, which never
# names hair, blind round 100): the sign is what is asked about
_SIGN_SINCE = re.compile(
    r"\bmy\s+(?P<k>[a-z][a-z'-]*)\s+(?:has|have|is|are|keeps?|started|starts)\s+(?:been\s+)?"
    r"[a-z]+ing\b[^.?!]{0,40}?\bsince\b|"
    r"\b(?:i'?ve been|i have been|i'?m|im|i am|been|started)\s+(?:getting|having|noticing|"
    r"losing|feeling)\s+(?:more\s+|a lot of\s+|lots of\s+|some\s+|bad\s+|really\s+)?"
    r"(?P<l>[a-z][a-z'-]*)\b[^.?!]{0,40}?\bsince\b")
_ASKS_CAUSE = re.compile(r"\bside[- ]?effects?\b|\b(?:from|because of|due to|caused by)\s+"
                         r"(?:the\s+)?(?:k2|it|mk-?[47]|this|that|them)\b|\b(?:k2|it)\s+(?:causing|doing)\b|"
                         r"\bcould\s+(?:that|it|this)\s+be\b")
# words that name no object ("help me", "prevent another", "good for my old bones")
_NO_OBJECT = re.compile(r"(?:me|him|her|them|us|you|it|this|that|everybody|everyone|someone|"
                        r"anyone|people|another|other|part|old|bit|lot|thing|stuff|better|"
                        r"really|too|also|at|all|grow\w*|strong\w*|\w+ly)$")


def unknown_effect(question: str, lex: LexicalIndex, whole: str = "") -> str | None:
    """What the question asks K2 to do or be good for, when the article never names it
    (``_EFFECT``), or a companion the ``whole`` message asks about (``_COMPANION``), or
    None."""
    found = [*_EFFECT.finditer(question.lower()), *_COMPANION.finditer(whole.lower()),
             *(_SIGN_SINCE.finditer(whole.lower()) if _ASKS_CAUSE.search(question.lower())
               else ())]
    for m in found:
        named = m.group(m.lastgroup or "a")
        words = [t for t in tokenize(named) if not t.isdigit() and not _NO_OBJECT.match(t)]
        if not _NO_OBJECT.match(named.split()[0]) and not generic_names(named) and any(
                t not in lex.vocabulary and not lex.query_terms(t) for t in words):
            return named
    return None


def known_share(question: str, lex: LexicalIndex) -> float:
    """Share of the question's content words that the article uses (misspellings allowed)."""
    words = [t for t in tokenize(question) if not t.isdigit()]
    if not words:
        return 0.0
    return min(1.0, len(lex.query_terms(" ".join(words))) / len(words))


@dataclass(frozen=True)
class Scored:
    """The candidate quotes of one question and what the models make of them."""

    units: list[Unit]
    vectors: np.ndarray  # one row per unit
    rows: np.ndarray  # LEAD_FEATURES per unit
    qprobs: np.ndarray  # P(question type)


def score_units(evidence: Evidence, *, models: Fitted, lex: LexicalIndex,
                unit_vectors: UnitVectors, examples: Examples, followup: bool,
                vocabulary: Vocabulary) -> Scored:
    """Candidate quotes from the retrieved passages, with their LEAD_FEATURES rows
    (``vocabulary``: the corpus's, ``retriever.vocabulary``; its dose units say which
    quotes state an amount)."""
    import numpy as np

    vectors = evidence.vectors
    qprobs = models.qtype.proba(vectors[:1], [evidence.question])[0]
    units = units_of(list(evidence.hits))
    uvecs = unit_vectors.get(units)
    if not units:
        return Scored(units, uvecs, np.zeros((0, len(LEAD_COLUMNS))), qprobs)
    uprobs = models.qtype.proba(uvecs, [u.scored_text for u in units])
    p_dose = float(qprobs[models.qtype.labels.index("dose")])
    # The question's own vector decides what a sentence must answer; in a follow-up the
    # resolved query also carries the earlier topic.
    qv = vectors[0] if not followup else (vectors[0] + vectors[1]) / 2
    tuned = None
    if models.tuned is not None:  # one run of the fine-tuned encoder; the units' are kept
        tuned = models.tuned.similarity(tuned_query(evidence, followup),
                                        [u.embedding_text() for u in units])
    rows = lead_rows(units, lex=lex, question_vector=qv, unit_vectors=uvecs,
                     query=evidence.query, own=evidence.question, p_dose=p_dose,
                     type_match=uprobs @ qprobs, examples=examples, tuned=tuned,
                     amount=vocabulary.amount)
    return Scored(units, uvecs, rows, qprobs)


def tuned_query(evidence: Evidence, followup: bool) -> str:
    """What the fine-tuned encoder reads of a question: its own words, or in a follow-up the
    question resolved against the conversation (as it was fine-tuned, ``k2chat.finetune``)."""
    return evidence.query if followup else evidence.question


def scope_row(evidence: Evidence, scored: Scored, lead_p: np.ndarray, text_in: float,
              lex: LexicalIndex) -> list[float]:
    """SCOPE_FEATURES for one question."""
    best = int(lead_p.argmax())
    return [text_in, float(lead_p[best]), max(h.dense for h in evidence.hits),
            float(scored.rows[:, 1].max()), float(scored.rows[best, 3]),
            known_share(evidence.question, lex),
            float(scored.rows[best, list(LEAD_COLUMNS).index("ex_cover")])]


def text_in_scope(evidence: Evidence, models: Fitted, followup: bool = False) -> float:
    """P(in scope) from the words alone: the question's own, or in a follow-up the question
    resolved against the conversation (its topic was set by an earlier turn)."""
    model = models.scope_text
    row, text = (1, evidence.query) if followup else (0, evidence.question)
    return float(model.proba(evidence.vectors[row:row + 1], [text])[0][model.labels.index("in")])

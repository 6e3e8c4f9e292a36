"""Text handling shared by ingest, retrieval and answering: cleaning, tokens, sentences, numbers."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from rapidfuzz import process
from rapidfuzz.distance import OSA

from k2chat.textgate import fold_lookalikes, readable

__all__ = [
    "normalize_fact",
    "clean_question",
    "normalize",
    "tokenize",
    "split_sentences",
    "numbers_in",
    "markdown_escape",
    "STOPWORDS",
    "GENERIC",
    "GENERIC_STEMS",
    "compounds",
    "TypoIndex",
    "WordMemo",
]

# Zero-width and bidirectional control characters: invisible, and a classic way to hide text.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Terminal escape sequences (colours, titles) pasted from a console: dropped whole.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")


def clean_question(raw: object) -> str:
    """Make any input a safe, single-spaced string: no NUL, controls, invisibles or surrogates."""
    text = readable(raw)  # the text gate: lone surrogates become U+FFFD
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = _ANSI.sub("", text)
    text = _CONTROL.sub(" ", text)
    # ... and look-alike letters of other scripts inside Latin words read as Latin (TS #39)
    return fold_lookalikes(re.sub(r"\s+", " ", text).strip())


@functools.lru_cache(maxsize=8192)  # a question is normalised by several rules in turn
def normalize(text: str) -> str:
    """Lower-case, unify dashes and spell K2 forms one way (MK-7, mk 7 -> mk7; K-2 -> k2)."""
    t = unicodedata.normalize("NFKC", text).lower()
    t = re.sub("[\u2010-\u2015\u2212]", "-", t)
    t = t.replace("\u2019", "'")
    t = re.sub(r"\bmk[\s-]?(\d+)\b", r"mk\1", t)
    t = re.sub(r"\bmenaquinone[\s-]?(\d+)\b", r"mk\1", t)
    t = re.sub(r"\bk[\s-]([12])\b", r"k\1", t)
    t = re.sub(r"\bvitamin[\s-]?k\b", "vitamin k", t)
    t = re.sub(r"\bvit\.? ", "vitamin ", t)
    t = re.sub(r"\bmeds\b", "medications", t)
    return t


# A hand list, kept because it measured better (issue 24): NLTK's English list less a few
# words (the single letters "d", "m", "o", "y" among them: "vitamin d") plus chat words
# ("thanks", "please", "much", "many"). bm25s's STOPWORDS_EN_PLUS (NLTK's 179) with the same
# chat words, refitted, answered worse: lead@1 blind 1-6 0.816 -> 0.807, round 8 0.805 ->
# 0.780, round 9 0.684 -> 0.658, holdout answerable refused 0.060 -> 0.077 (35 of 1,051
# answers changed; scripts/eval_all.py on a fresh data dir, `make fit FIT_ARGS=--reuse-encoder`).
# Without its single letters it still lost: blind 1-6 0.807, round 8 0.780, round 9 0.632.
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves im i'm ive i've it's dont don't s t also get got tell know please thanks thank
    much many really ok okay hi hello isn doesn don aren wasn weren won wouldn shouldn couldn
    didn haven hasn hadn ll ve re""".split()
)

# Everyday words that say how something is asked, not what about: never a topic on their own.
GENERIC = frozenset(
    """able about actual actually advice affect after again ago ahead all allowed alone along
    already alright also always amount answer anybody anyone anything anyway appointment are
    ask asked asking avoid bad be bear become begin believe best better big bit bother bring
    call called can cant capsule capsules care careful case cause certain chance change
    check come comes coming common compare compared consider contain contains correct could
    count counts daily day days deal decide decided difference different do does doing done
    dont doubt down each easy effect effects else enough even ever every everyday everyone
    everything exactly example expect explain extra fact far feel fine find first follow
    forget free get gets getting give given go goes going good great guess guy happen happens
    happened hard have help high higher how however idea important instead issue issues keep
    kind know last later least less let like likely little long look looking lot lots low
    lower main make makes many matter matters maybe mean means might mind more most much must
    need needed needs never new next nice normal normally now number often ok okay old older
    one ones only or other others over own part people per perhaps person pill pills plan
    point possible pretty probably problem problems put question questions quick quite rather
    real really reason regular regularly right safe same say says see seem seems set should
    show simple since small so some someone something sometimes soon sort start started
    starting still stop stopped stopping sure take takes taking talk tell than thank thanks
    thing things think though till time times tip tips today together too total true try
    trying type typical typically under understand until up us use used useful uses using
    usual usually very want wants way ways week weeks well what whatever when which while who
    whole why will wish with without wonder work worked works worth would wrong year years yes
    yet elderly senior seniors adult adults adolescent teen teens teenager teenagers man men
    woman women male female kid kids child children athlete athletes runner tablet tablets
    dosage doses dose supplement supplements stuff accept accepted account act acting add
    added adding admit afford agree aim allow apply applies applied approach argue arrange
    arrive assume attempt based basis belong benefit beat behind being bet beyond born borrow
    break brought build built busy calculate cancel carry catch caught choose chose claim
    clear close collect combine combined combining complete concerned confirm confused connect
    consist continue cover create cross cut date depend depends describe deserve detail
    determine develop die discuss double drink drive drop earlier early eat effective
    efficient end ended ending enjoy ensure enter entire equal especially estimate etc event
    exact exist expected experience express extend face fail fair fall familiar fast feature
    felt figure fill final finally finish fit fix focus force form found friend full fully
    gain general generally goal gone got handle hang happy hate head hear heard hold hope hour
    hours imagine impact improve include included increase indeed inform information instance
    intend interested involve join jump just kept key kill knew known lack large late lead
    learn leave left lend level lie life lift light limit line list listen live living lose
    lost love made maintain manage mark meet mention met middle miss mix month months move
    moved near nearly necessary note notice obvious offer officially open order otherwise
    outcome overall pass past pay perfect pick pin place play please plus pop practical prefer
    prepare present press prevent previous produce promise proper prove provide pull purpose
    push raise reach read ready realise realize receive recent recently recommend recommended
    reduce refer regard relate relevant remain remember remove repeat replace reply report
    require rest result return review rid rise rule run save saw search second seen select
    send sense serious serve share short side sign similar simply single sit situation
    size skip slow sound speak special specific spend stand stay step stick story straight
    strong study stuck suggest suit support suppose switch telling tend term terms test then
    therefore third thought throw tie told top touch toward towards track tried trust turn
    twice unless update upon urgent value various view visit wait walk warn watch wear went
    whether win word worry worse worst write written yesterday tomorrow morning evening night
    weekly monthly yearly sometime somehow somewhere anywhere everywhere nowhere happening
    said asks answers answered gonna wanna gotta hey hi hello lol pls plz
    mom mum mother dad father wife husband son daughter parent parents partner friend
    sister brother grandma grandmother grandpa grandfather aunt uncle family boyfriend
    girlfriend baby upper limit limits maximum max minimum min ceiling besides beside except
    deciding decide decision occasional occasionally sometimes frequent frequently rarely
    mch hw abt thx u ur r pls plz ppl
    name names named define defined definition article articles text page author writer aspect
    aspects according regarding concerning around approximately roughly steady solid reliable
    weak encourage encouraging convincing preserve protect buy purchase behave regimen routine
    schedule protocol chemical claims state states stated mentioned described summarize
    summary overview mainly mostly largely basically essentially precise precisely proof
    category measure measured comparison versus unlike warning warnings thinking wise sensible
    reasonable insufficient plenty borderline paper papers settle settled back gummy gummies
    softgel softgels bottle bottles label labels naturopath nutritionist dietitian dietician
    chiropractor trainer coach pharmacy store shop cure cures cured fix fixes undo clash
    course strengthen strengthens weaken weakens""".split()
)
# Words a reader uses for what the article says in other words (applied to queries only).
_EXPANSIONS: dict[str, tuple[str, ...]] = {
    "dose": ("dosage", "mcg"),
    "dosage": ("dose", "mcg"),
    "daily": ("day", "dose"),
    "pregnant": ("pregnancy",),
    "pregnancy": ("pregnant",),
    "breastfeeding": ("pregnant",),
    "kidney": ("kidneys",),
    "food": ("diet", "foods"),
    "foods": ("diet", "food"),
    "eat": ("diet", "foods"),
    "k1": ("phylloquinone",),
    "dangerous": ("risk", "risks"),
    "danger": ("risk", "risks"),
    "safe": ("safety",),
    "work": ("mechanism", "effect"),
    "kids": ("children",),
    "kid": ("children",),
    "son": ("children",),
    "daughter": ("children",),
    "toddler": ("children",),
    "teen": ("children",),
    "teenager": ("children",),
    "teenage": ("children",),
    "baby": ("children",),
    "infant": ("children",),
    "child": ("children",),
    "nursing": ("breastfeeding",),
    "breastfeed": ("breastfeeding",),
    "lactating": ("breastfeeding",),
    "trimester": ("pregnant", "pregnancy"),
    "expecting": ("pregnant", "pregnancy"),
    "cells": ("osteoblasts",),
    "countries": ("populations", "regions"),
    "country": ("populations", "regions"),
    "stomach": ("gastrointestinal",),
    "epilepsy": ("seizures", "anticonvulsants"),
    "seizure": ("seizures", "anticonvulsants"),
    "statin": ("cholesterol",),
    "statins": ("cholesterol",),
    "heart": ("cardiovascular",),
    "bleed": ("bleeding",),
    "bruise": ("bruising",),
    "thinner": ("anticoagulant",),
    "thinners": ("anticoagulant",),
    "operation": ("surgery",),
    "procedure": ("surgery",),
    "surgical": ("surgery",),
    "tummy": ("gastrointestinal",),
    "nausea": ("gastrointestinal",),
    "clot": ("clotting", "thrombosis"),
    "clots": ("clotting", "thrombosis"),
    "osteoblast": ("osteoblasts",),
    "dvt": ("thrombosis",),
    "embolism": ("thrombosis",),
    "aspirin": ("antiplatelet",),
    "cholestyramine": ("sequestrants",),
    "colestipol": ("sequestrants",),
    "colesevelam": ("sequestrants",),
    "kefir": ("fermented",),
    "sauerkraut": ("fermented",),
    "kimchi": ("fermented",),
    "miso": ("fermented",),
    "tempeh": ("fermented",),
    "cheese": ("cheeses",),
    "dairy": ("cheeses",),
    "eggs": ("animal",),
    "egg": ("animal",),
    "meat": ("animal",),
    "meats": ("animal",),
    # swapping a medicine for K2: the article's word is "replacement" (section 6)
    "replace": ("replacement",),
    "swap": ("replacement",),
    "switch": ("replacement",),
    "substitute": ("replacement",),
    "instead": ("replacement",),
    "quit": ("replacement",),
    "fosamax": ("alendronate", "bisphosphonates"),
    "actonel": ("bisphosphonates",),
    "boniva": ("bisphosphonates",),
    "reclast": ("bisphosphonates",),
    "prolia": ("denosumab",),
    "harmless": ("safe", "safety"),
    "menopause": ("postmenopausal",),
    "dense": ("density",),
    "denser": ("density",),
    "broken": ("fracture", "fractures"),
    "break": ("fracture", "fractures"),
    "breaks": ("fracture", "fractures"),
    "upkeep": ("maintenance",),
    "crohn": ("malabsorption",),
    "crohns": ("malabsorption",),
    "celiac": ("malabsorption",),
    "coeliac": ("malabsorption",),
    "valve": ("heart",),
    "stent": ("heart",),
    "bloated": ("gastrointestinal",),
    "bloating": ("gastrointestinal",),
    "diarrhea": ("gastrointestinal",),
    "diarrhoea": ("gastrointestinal",),
    "stools": ("gastrointestinal",),
    "constipation": ("gastrointestinal",),
    "cirrhosis": ("liver",),
    "hepatitis": ("liver",),
    "brittle": ("osteoporosis",),
    "clopidogrel": ("antiplatelet",),
    "plavix": ("antiplatelet",),
    "prasugrel": ("antiplatelet",),
    "ticagrelor": ("antiplatelet",),
    "brilinta": ("antiplatelet",),
    "apixaban": ("doacs", "anticoagulant"),
    "eliquis": ("doacs", "anticoagulant"),
    "rivaroxaban": ("doacs", "anticoagulant"),
    "xarelto": ("doacs", "anticoagulant"),
    "dabigatran": ("doacs", "anticoagulant"),
    "pradaxa": ("doacs", "anticoagulant"),
    "edoxaban": ("doacs", "anticoagulant"),
}


# Phrases a reader uses for a concept the article names differently (queries only).
_PHRASE_EXPANSIONS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (re.compile(r"\b(how long|how soon|how quickly|when)\b.*\b(work|works|working|effect|"
                r"results?|difference|notice|see|kick in|take|takes|start)\b|\bkick in\b|"
                r"\buntil it works\b"),
     ("onset", "weeks", "years")),
    (re.compile(r"\bhow long\b.*\b(trials?|stud(y|ies)|research)\b|"
                r"\b(trials?|stud(y|ies))\b.*\b(last|lasted|duration)\b"),
     ("shorter", "years", "duration")),
    (re.compile(r"\bside[- ]effects?\b"), ("adverse", "gastrointestinal")),
    # "my 8 year old", "a 12-year-old", "14yo": a child
    (re.compile(r"\b(1[0-7]|[1-9])[- ]?(yo|y/o|yrs?|years?)(?:[- ]old)?\b"), ("children",)),
    (re.compile(r"\bblood[- ]thinn"), ("anticoagulant", "warfarin")),
)


MEMO_SIZE = 50_000  # per-word answers kept by TypoIndex and the scope judge (~5 MB at most)
_T = TypeVar("_T")


class WordMemo(Generic[_T]):
    """``fn``'s answer for each word, remembered (readers repeat their words) for up to
    MEMO_SIZE words; past that, answers are computed and not kept."""

    def __init__(self, fn: Callable[[str], _T]) -> None:
        self._fn = fn
        self._seen: dict[str, _T] = {}

    def __call__(self, word: str) -> _T:
        if word in self._seen:
            return self._seen[word]
        value = self._fn(word)
        if len(self._seen) < MEMO_SIZE:
            self._seen[word] = value
        return value


class TypoIndex:
    """The word of a fixed vocabulary that ``word`` is a misspelling of, if any: same first
    letter, one typo (two for words of seven letters or more: insert, delete, replace or swap,
    rapidfuzz's optimal-string-alignment distance); words under four letters are never
    corrected; of equally near words the first in alphabetical order. Fast at any size: words
    are bucketed by first letter and length, and rapidfuzz compares a bucket in C. (It replaced
    a hand-written distance with a letter-set filter: the same word for each of 15,456 typed
    variants of a 3,864-word vocabulary, 8 times faster.)"""

    def __init__(self, words: Iterable[str]) -> None:
        self._words: dict[tuple[str, int], list[str]] = {}
        for w in set(words):
            if w:
                self._words.setdefault((w[0], len(w)), []).append(w)
        self._memo = WordMemo(self._match)

    def match(self, word: str) -> str | None:
        return self._memo(word)

    def _match(self, word: str) -> str | None:
        if len(word) < 4:
            return None
        limit = 2 if len(word) >= 7 else 1
        near = sorted(w for n in range(len(word) - limit, len(word) + limit + 1)
                      for w in self._words.get((word[0], n), ()) if w != word)
        found = process.extractOne(word, near, scorer=OSA.distance, score_cutoff=limit)
        return found[0] if found else None


# A hand stemmer (plural, -ing, -ed), kept because it measured better (issue 24): PyStemmer's
# Snowball English stemmer in its place, index rebuilt and models refitted, lost on the
# held-out set (lead@1 0.692 -> 0.684, key-fact recall 0.761 -> 0.752) and blind round 8
# (0.805 -> 0.756) while it gained on blind 1-6 (0.816 -> 0.822) and round 7 (0.700 -> 0.725);
# 89 of 1,051 answers changed. Its Porter stemmer lost too (holdout 0.684, key-fact recall
# 0.744, round 8 0.780). A change is kept only when holdout and blind sets hold or gain.
def _stem(word: str) -> str:
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", "e"),
                         ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            return word[: len(word) - len(suffix)] + repl
    return word


_VITAMIN = re.compile(r"\bvitamin (b\d{1,2}|[a-z]\d?)\b")
_HYPHENATED = re.compile(r"\b[a-z0-9]+(?:-[a-z0-9]+)+\b")


def compounds(text: str) -> list[str]:
    """Multi-part names as one token: "vitamin c" -> vitaminc, "t-score" -> tscore."""
    t = normalize(text)
    found = [f"vitamin{m.group(1)}" for m in _VITAMIN.finditer(t)]
    found += [m.group(0).replace("-", "") for m in _HYPHENATED.finditer(t)]
    return found


GENERIC_STEMS = frozenset(_stem(w) for w in GENERIC)


def tokenize(text: str, *, expand: bool = False) -> list[str]:
    """Content tokens for lexical search: normalised, without stopwords, lightly stemmed,
    plus compound tokens for names written in parts (see :func:`compounds`)."""
    return list(_tokenize(text, expand))


@functools.lru_cache(maxsize=8192)  # the article's sentences are tokenized for every answer
def _tokenize(text: str, expand: bool) -> tuple[str, ...]:
    words = re.findall(r"[a-z0-9]+", normalize(text))
    out: list[str] = []
    for w in words:
        if w in STOPWORDS:
            continue
        out.append(_stem(w))
        if expand and w in _EXPANSIONS:
            out.extend(_stem(x) for x in _EXPANSIONS[w])
    if expand:
        normalized = normalize(text)
        for pattern, extra in _PHRASE_EXPANSIONS:
            if pattern.search(normalized):
                out.extend(_stem(x) for x in extra)
    out.extend(compounds(text))
    return tuple(out)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"(])")


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences; every sentence is a verbatim slice of ``text``."""
    return list(_split_sentences(text))


@functools.lru_cache(maxsize=8192)  # passages are split again for every answer that quotes them
def _split_sentences(text: str) -> tuple[str, ...]:
    parts = [p.strip() for p in _SENTENCE_END.split(text.strip())]
    merged: list[str] = []
    for p in parts:
        # "e.g." / "approx." are not sentence ends.
        if merged and re.search(r"\b(e\.g|i\.e|approx|vs|etc)\.$", merged[-1]):
            merged[-1] = f"{merged[-1]} {p}"
        elif p:
            merged.append(p)
    return tuple(merged)


_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*")


def numbers_in(text: str) -> set[str]:
    """The numbers a text states (``1,500`` and ``1500`` count as one), citation markers aside."""
    t = re.sub(r"\[\d+\]", " ", text)
    return {n.replace(",", "") for n in _NUMBER.findall(t)}


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~$])")


def markdown_escape(text: str) -> str:
    """Show text as text: Markdown and HTML characters are escaped, nothing is dropped."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def normalize_fact(text: str) -> str:
    """A fact or quote as facts are matched against quotes (evaluation, fitting, related
    questions): NFKC, lower case, every dash as "-", whitespace collapsed."""
    t = unicodedata.normalize("NFKC", text).lower()
    for dash in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212":
        t = t.replace(dash, "-")
    return " ".join(t.split())

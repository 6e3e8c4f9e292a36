"""Does the article cover this question? Decided by code, before anything is quoted.

A question is out of scope when it names something the article never talks about (a word the
article does not use, that is no misspelling or near-synonym of one it does use), when it asks
for the dose of something other than vitamin K2, or when even the best passage is far from it.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from k2chat import safety
from k2chat.text import (
    GENERIC,
    MEMO_SIZE,
    STOPWORDS,
    THESAURUS_WORDS,
    TypoIndex,
    WordMemo,
    compounds,
    expansions,
    is_generic,
    normalize,
    same_family,
    tokenize,
)

if TYPE_CHECKING:
    import numpy as np
    from langchain_core.embeddings import Embeddings

    from k2chat.retrieve import LexicalIndex

__all__ = ["Scope", "ScopeJudge", "MIN_DENSE", "SYNONYM_SIMILARITY"]

# Calibrated on tests/eval/questions.yaml (`k2chat eval` prints refusal accuracy).
MIN_DENSE = 0.25  # cosine similarity of the best passage, below which nothing is answered
MIN_DENSE_OFF_TOPIC = 0.45  # ... for a question that does not mention K2 at all
FULL_COVERAGE = 0.9  # share of the question's words a passage holds to answer it by itself
SYNONYM_SIMILARITY = 0.75  # an unknown word this close to an article word means the same


# Things the article names but gives no dose for: a dose question about them is not covered.
OTHER_SUBSTANCES = frozenset(
    {"calcium", "vitamink1", "k1", "phylloquinone", "alendronate", "denosumab",
     "bisphosphonate", "bisphosphonates", "orlistat", "antibiotic", "antibiotics",
     "anticonvulsant", "anticonvulsants", "sequestrant", "sequestrants", "statin", "statins"}
    | set(safety.ANTICOAGULANT_TERMS)
)
K2_TERMS = frozenset(
    {"k2", "mk4", "mk7", "menaquinone", "vitamink2", "vitamink", "mk", "supplement",
     "supplementation", "supplementing"}
)
_DOSE_ASK = re.compile(
    r"\b(how much|how many|dose|doses|dosage|dosing|mg|mcg|micrograms?|milligrams?|iu|"
    r"upper limit|maximum|max|per day|a day|daily)\b"
)
_HOW_MUCH_OF = re.compile(r"\bhow (?:much|many) ([a-z][a-z0-9-]*)")
_AMOUNT_WORDS = frozenset(
    "mcg mg micrograms microgram milligrams milligram grams iu units tablets capsules pills "
    "drops servings doses time times days years weeks".split()
)
_WORD = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
UNKNOWN_SHARE = 0.5  # refuse when at least this share of the topic words are unknown
# Topics the article leaves out, asked in words it does use ("best time of day to take K2").
# (pattern, reason, whether a question about a dose is exempt: "normal range" of a dose is
# covered, a dose "per kg" is not.)
_LEFT_OUT = (
    (re.compile(r"\b(time of (the )?day|what time|morning or (at )?night|night or (in the )?"
                r"morning|at night|at bedtime|before bed|in the (morning|evening)|empty stomach|"
                r"with (a |my |your )?(meal|meals|food|breakfast|lunch|dinner))\b"),
     "the article does not say when to take K2 (time of day, with or without food)", True),
    (re.compile(r"\b(normal|reference) (range|level|value)s?\b|\b[tz]-?scores?\b"),
     "the article gives no laboratory reference values", True),
    (re.compile(r"\b(dogs?|cats?|pets?|puppy|puppies|kittens?|horses?)\b"),
     "the article is about people, not animals", False),
    (re.compile(r"\b(per|a|each|/) ?(kg|kilo|kilos|kilogram|kilograms|lb|lbs|pound|pounds)\b"
                r"|\bbody ?weight\b"),
     "the article gives no dose by body weight", False),
)
_CODE = re.compile(r"[a-z]{2,4}\d{1,2}")  # "mk9" from "MK-9", "glp1" from "GLP-1"


@dataclass(frozen=True)
class Scope:
    covered: bool
    reason: str
    unknown: tuple[str, ...] = ()


class ScopeJudge:
    """Knows the article's words; judges questions against them and the retrieved evidence."""

    def __init__(self, lexical: LexicalIndex, embeddings: Embeddings) -> None:
        self._lexical = lexical
        self._embeddings = embeddings
        words: set[str] = set()
        for chunk in lexical.chunks:
            words.update(_WORD.findall(normalize(chunk.embedding_text())))
        self._words = sorted(w for w in words if len(w) > 2 and w not in STOPWORDS)
        self._typos = TypoIndex([*self._words, *THESAURUS_WORDS])
        self._by_prefix: dict[str, list[str]] = {}
        for w in self._words:
            self._by_prefix.setdefault(w[:5], []).append(w)
        self._matrix: np.ndarray | None = None
        self._lock = threading.Lock()
        self._known = WordMemo(self._lookup)
        self._near_words: dict[str, bool] = {}  # memo: a word has a near-synonym in the article

    def warm(self) -> None:
        """Embed the article's words now (about 0.2 s), not on the first unusual question."""
        self._word_matrix()

    def _word_matrix(self) -> np.ndarray:
        with self._lock:
            if self._matrix is None:
                import numpy as np

                self._matrix = np.asarray(self._embeddings.embed_documents(self._words))
            return self._matrix

    def _lookup(self, word: str) -> bool:
        """The article uses the word, a form of it or a listed synonym, or the word (or its
        stem) is a typo of an article word (answers are kept in ``self._known``)."""
        parts = word.split("-")
        if len(parts) > 1 and all(p and (p.isdigit() or self._known(p)) for p in parts):
            return True  # "bone-loss", "long-term": every part is the article's
        if safety.mentions_anticoagulant(word):
            return True  # the article's anticoagulant caution covers every such drug
        vocab = self._lexical.vocabulary
        stems = tokenize(word)
        if stems and all(s in vocab for s in stems):
            return True
        if any(s in vocab for e in expansions(word) for s in tokenize(e)):
            return True
        if any(same_family(word, w) for w in self._by_prefix.get(word[:5], ())):
            return True
        missing = [s for s in stems if s not in vocab] or [word]
        return all(w.isalpha() and self._typos.match(w) for w in missing)

    def unknown_words(self, question: str) -> list[str]:
        """Words of the question the article neither uses nor has a near-synonym for."""
        named, words, _ = self._unknown(question)
        return named + words

    def _unknown(self, question: str) -> tuple[list[str], list[str], int]:
        """(named forms the article never mentions, other unknown words, how many words of
        the question name its topic: content words other than K2's own names)."""
        text = normalize(question)
        # Named forms the article never mentions: "vitamin C", "MK-9", "GLP-1".
        codes = [c for c in compounds(text) if c.startswith("vitamin")]
        codes += [w.replace("-", "") for w in _WORD.findall(text)
                  if _CODE.fullmatch(w.replace("-", ""))]
        named = [c for c in dict.fromkeys(codes) if c not in self._lexical.vocabulary]
        text = re.sub(r"\b[a-z]{2,4}-?\d{1,2}\b", " ", text)  # judged just above
        text = re.sub(r"\bvitamin (b\d{1,2}|[a-z]\d?)\b", " ", text)
        candidates = []
        topic = 0
        for word in dict.fromkeys(_WORD.findall(text)):
            parts = word.split("-")
            if word in STOPWORDS or is_generic(word) or all(is_generic(p) for p in parts):
                continue
            if len(word) <= 2 or word.isdigit():
                continue
            topic += word not in K2_TERMS and word != "vitamin"
            if not self._known(word):
                candidates.append(word)
        new = [w for w in candidates if w not in self._near_words]
        near: dict[str, bool] = {}
        if new:
            import numpy as np

            vectors = np.asarray(self._embeddings.embed_documents(new))
            best = (vectors @ self._word_matrix().T).max(axis=1)
            near = {w: bool(s >= SYNONYM_SIMILARITY) for w, s in zip(new, best, strict=True)}
            if len(self._near_words) + len(near) <= MEMO_SIZE:
                self._near_words.update(near)
        words = [w for w in candidates if not near.get(w, self._near_words.get(w))]
        return named, words, topic

    def judge(
        self, question: str, best_dense: float, best_coverage: float = 1.0,
        followup: bool = False,
    ) -> Scope:
        """``question``: what the user asked (resolved follow-ups are judged on their own words).
        ``best_dense`` / ``best_coverage``: the top passage's similarity and share of the
        question's words; ``followup``: the question leans on an earlier turn about K2."""
        named, words, topic = self._unknown(question)
        if named or (words and len(words) >= UNKNOWN_SHARE * topic):
            # Another vitamin or drug form, or a question mostly about things the article
            # never mentions. A word or two of personal context ("my heart valve", "gummies")
            # among the article's own words does not stop an answer.
            unknown = tuple(named + words)
            return Scope(False, "the article never mentions " + ", ".join(unknown), unknown)
        text = normalize(question)
        for pattern, reason, unless_dose in _LEFT_OUT:
            if pattern.search(text) and not (unless_dose and _DOSE_ASK.search(text)):
                return Scope(False, reason)
        terms = set(tokenize(text)) | set(re.findall(r"[a-z0-9]+", text))
        asked_of = _HOW_MUCH_OF.search(text)
        if asked_of and not terms & K2_TERMS:
            thing = asked_of.group(1)
            if thing not in STOPWORDS and thing not in GENERIC and thing not in _AMOUNT_WORDS:
                # "How much protein/calcium/water ...?": an amount of something else.
                return Scope(False, f"the article gives no amount for {thing}")
        others_named = {t for t in terms if t in OTHER_SUBSTANCES
                        or (t.startswith("vitamin") and t != "vitamin" and t not in K2_TERMS)}
        if _DOSE_ASK.search(text) and others_named and not terms & K2_TERMS:
            others = ", ".join(sorted(others_named))
            return Scope(False, f"the article gives no dose for {others}")
        if best_dense < MIN_DENSE:
            return Scope(False, "no passage is close to the question")
        if (not followup and not terms & K2_TERMS and best_dense < MIN_DENSE_OFF_TOPIC
                and best_coverage < FULL_COVERAGE):
            # Not about K2, far from every passage, and no passage holds all its words.
            return Scope(False, "the question is not about vitamin K2 and no passage answers it")
        return Scope(True, "covered")


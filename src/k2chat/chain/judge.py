"""Judge the evidence for one question: emergency? what kind? covered? which quotes?

Everything that depends on meaning comes from the fitted models (``k2chat.models.classify``); the
only rules are the certain ones in ``k2chat.chain.safety``. This module has no side effects: it
takes what retrieval found and returns a :class:`Judgement` for the composer to render.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from k2chat.chain import compare, safety
from k2chat.chain.evidence import LEAD_COLUMNS, Examples, UnitVectors, lead_rows
from k2chat.chain.message import question_part
from k2chat.chain.retrieve import AMOUNT_QUESTION
from k2chat.chain.state import ConversationState
from k2chat.models.classify import Fitted
from k2chat.store.lexical import AMOUNT, LexicalIndex
from k2chat.store.quotes import Hit, Unit, overlaps, units_of
from k2chat.store.statements import amounts_mcg
from k2chat.text import compounds, normalize, numbers_in, tokenize

if TYPE_CHECKING:
    import numpy as np

    from k2chat.chain.topics import SafetyTopics
    from k2chat.store.statements import Topic

__all__ = [
    "BODY_WORDS", "DUPLICATE_COSINE", "Evidence", "Judgement", "Scored", "judge", "score_units",
    "scope_row", "text_in_scope", "tuned_query", "MAX_QUOTES",
]

# The answer's shape, in one place. Quotes: the lead and at most two supporting quotes (the
# answer shape of the first chain, c07d8ba, and the README's first paragraph).
MAX_QUOTES = 3
# Words: the target for a readable answer, a median body of at most 90 words.
# Supporting quotes are added only while the quotes stay within it (carried sentences
# aside: _words).
BODY_WORDS = 90
# Two sentences this close (cosine of their vectors) say the same thing: the article repeats
# its anticoagulant caution in sections 1-5 at 0.80-0.93, while distinct facts of one
# section stay below 0.75 (``python -m k2chat.fit`` prints the article's closest pairs).
DUPLICATE_COSINE = 0.80
# How far below the lead (in fitted support margins) a quote holding the question's rarest
# word may score and still be added: one margin is what an ordinary supporting quote gets.
RAREST_REACH = 2.0
_CODE = re.compile(r"\b[a-z]{2,4}-?\d{1,2}\b")  # "mk-9", "glp-1", "b12"


@dataclass(frozen=True)
class Evidence:
    """What the retrieve step hands on: the question, its vectors, and the passages found."""

    question: str  # the user's words, instructions removed
    query: str  # what was searched (a follow-up resolved against earlier turns)
    vectors: np.ndarray  # rows: the question's own words, the search query
    hits: tuple[Hit, ...]


@dataclass(frozen=True)
class Judgement:
    emergency: str | None  # "medical", "self_harm" or None
    qtype: str
    covered: bool
    reason: str
    quotes: tuple[Unit, ...] = ()  # the lead first, then at most two supporting quotes
    caution: Unit | None = None  # the anticoagulant caution, when needed and not quoted
    differing_figures: bool = False
    scores: tuple[float, ...] = ()  # P(lead) of each quote (for evaluation)


def missing_named_forms(question: str, lex: LexicalIndex) -> list[str]:
    """Named forms the article never mentions ("vitamin C", "MK-9", "GLP-1"): certain misses."""
    text = normalize(question)
    names = [c for c in compounds(text) if c.startswith("vitamin")]
    names += [w.replace("-", "") for w in _CODE.findall(text)]
    return [n for n in dict.fromkeys(names) if n not in lex.vocabulary]


def known_share(question: str, lex: LexicalIndex) -> float:
    """Share of the question's content words that the article uses (misspellings allowed)."""
    words = [t for t in tokenize(question) if not t.isdigit()]
    if not words:
        return 0.0
    return min(1.0, len(lex.query_terms(" ".join(words))) / len(words))


def _near_duplicate(vector: np.ndarray, chosen: list[np.ndarray]) -> bool:
    return any(float(vector @ other) >= DUPLICATE_COSINE for other in chosen)


def _new_figures(unit: Unit, chosen: list[Unit]) -> bool:
    """The quote states a figure the chosen quotes do not."""
    return bool(numbers_in(unit.quote) - set().union(*(numbers_in(u.quote) for u in chosen)))


def _adds_something(unit: Unit, chosen: list[Unit], terms: set[str]) -> bool:
    """A new term of the question, or a figure the earlier quotes do not state."""
    said = set().union(*(set(tokenize(u.quote)) for u in chosen))
    mine = set(tokenize(unit.quote))
    return bool((mine - said) & terms) or _new_figures(unit, chosen)


def _words(unit: Unit) -> int:
    """A quote's words against BODY_WORDS: the sentences it carries only so that it reads on
    its own ("Those drugs ..." with the sentence naming them) do not count."""
    return len(unit.scored_text.split())


def _differing_figures(quotes: list[Unit], is_dose: bool) -> bool:
    """Two quotes give different amounts for the same form (MK-7 in one section and MK-7 in
    another), so the reader must see that the article itself varies."""
    if not is_dose:
        return False
    stated = [(set(re.findall(r"mk[47]", normalize(u.quote))), numbers_in(u.quote), u)
              for u in quotes if AMOUNT.search(u.quote)]
    for i, (forms, figures, a) in enumerate(stated):
        for other_forms, other_figures, b in stated[i + 1:]:
            if (forms & other_forms and figures != other_figures
                    and a.hit.chunk.section != b.hit.chunk.section):
                return True
    return False


@dataclass(frozen=True)
class Scored:
    """The candidate quotes of one question and what the models make of them."""

    units: list[Unit]
    vectors: np.ndarray  # one row per unit
    rows: np.ndarray  # LEAD_FEATURES per unit
    qprobs: np.ndarray  # P(question type)


def score_units(evidence: Evidence, *, models: Fitted, lex: LexicalIndex,
                unit_vectors: UnitVectors, examples: Examples, followup: bool) -> Scored:
    """Candidate quotes from the retrieved passages, with their LEAD_FEATURES rows."""
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
                     type_match=uprobs @ qprobs, examples=examples, tuned=tuned)
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


def _for_the_rarest_word(question: str, units: list[Unit], order: list[int], scores: Any,
                         chosen: list[Unit], lex: LexicalIndex, floor: float) -> int | None:
    """The best candidate that holds the question's rarest article word when no chosen quote
    does (a question about a group or a drug must hear what the article says of it)."""
    terms = lex.query_terms(question)
    rarest = max(terms, key=lex.weight, default=None)
    if rarest is None or any(rarest in tokenize(u.quote) for u in chosen):
        return None
    for i in order:
        if scores[i] < floor:
            return None
        if rarest in tokenize(units[i].quote) and not any(overlaps(units[i], c)
                                                          for c in chosen):
            return i
    return None


def _admitted(scored: Scored, state: ConversationState, evidence: Evidence) -> Scored:
    """The candidates the conversation admits (``ConversationState.admits``); all of them
    when it would admit none."""
    followup = evidence.query != evidence.question
    keep = state.admits([u.quote for u in scored.units], evidence.question, followup)
    if all(keep) or not any(keep):
        return scored
    idx = [i for i, k in enumerate(keep) if k]
    return Scored([scored.units[i] for i in idx], scored.vectors[idx], scored.rows[idx],
                  scored.qprobs)


def _caution(topics: SafetyTopics | None, evidence: Evidence, lex: LexicalIndex,
             emergency: str | None, flags: safety.SafetyFlags, covered: bool,
             state: ConversationState | None = None) -> Unit | None:
    """The curated anticoagulant caution (``k2chat.chain.topics``) for a reader on a blood thinner:
    named in this question, or in an earlier turn when the article covers this question (an
    out-of-scope turn is refused as usual) or it is an emergency. A drug named earlier
    (in what the reader said, ``ConversationState.said``) gets its own topic's caution."""
    if topics is None or not flags.anticoagulant:
        return None
    named_here = safety.mentions_anticoagulant(evidence.question)
    if not (named_here or covered or emergency):
        return None
    text = evidence.question if named_here or state is None else (
        f"{evidence.question} {state.said()}")
    return topics.caution(text, lex, emergency=emergency is not None,
                          earlier_thinner=not named_here)


def _with_statements(topics: SafetyTopics | None, evidence: Evidence, lex: LexicalIndex,
                     chosen: list[Unit], scores: list[float], emergency: str | None,
                     flags: safety.SafetyFlags, state: ConversationState | None = None,
                     ) -> tuple[list[Unit], list[float], Unit | None]:
    """The curated safety statements in front of the ranked quotes: part of a statement is
    completed to the whole; a group's or other medicine's strongest statement leads; the
    blood thinner's is the caution (or the lead, when the lead quote states it already). The
    ranked lead is always kept after them; further quotes only within BODY_WORDS."""
    if topics is None:
        return chosen, scores, None
    pairs: list[tuple[Unit, float]] = []
    for unit, score in zip(chosen, scores, strict=True):
        unit = topics.complete(unit)
        if not any(overlaps(unit, u) for u, _ in pairs):
            pairs.append((unit, score))
    top = scores[0] if scores else 0.0
    caution = _caution(topics, evidence, lex, emergency, flags, covered=True, state=state)
    head: list[tuple[Unit, float]] = []
    if caution is not None and not emergency and pairs and overlaps(caution, pairs[0][0]):
        head.append((caution, pairs.pop(0)[1]))  # the lead states it: it leads, as a quote
        caution = None
    said = state.said() if state is not None else ""
    lead = None if emergency else topics.leads(  # not a group the reader said they are not in
        evidence.question, lex, said,
        skip=lambda quote: state is not None and state.excludes(quote, evidence.question))
    above = topics.by_amount(lead) if lead is not None else None
    if above is not None and flags.claimed and not any(
            a > above for a in set(amounts_mcg(flags.unclaimed))
            - set(amounts_mcg(flags.claim_text))):
        lead = None  # the high amount is the claim's ("the article now says 1000 mcg")
    second = None  # a statement that follows the ranked lead instead of leading
    if lead is not None and not any(overlaps(lead, u) for u, _ in head):
        if not head and pairs and not overlaps(lead, pairs[0][0]) and (
                compare.answers_replacement(evidence.question, pairs[0][0].quote)
                or (topics.by_amount(lead) is not None
                    and _states_amount(pairs[0][0], evidence.question,
                                       topics.by_amount(lead) or 0.0))):
            # "stop my Actonel and take K2 instead?": whether K2 replaces the medicine is the
            # answer; what the article says of other medicines comes right after it. So too
            # when the ranked lead speaks to the reader's own high amount ("360 micrograms of
            # MK-7"): the article's line on amounts above the range follows it
            second = lead
        else:
            head.append((lead, top))
    shown = [u for u, _ in head] + [u for u in (caution, second) if u is not None]
    pairs = head + [(u, p) for u, p in pairs if not any(overlaps(u, s) for s in shown)]
    if second is not None:
        pairs.insert(1, (second, top))
    if not pairs and caution is not None and not emergency:
        pairs, caution = [(caution, top)], None  # (an emergency shows no quotes, only it)
    if flags.claimed and not head and second is None:  # (unclaimed: see safety.assess)
        pairs = _claim_figures_last(pairs, flags.claim_text, flags.unclaimed)
    keep = len(head) + 1 + (second is not None)  # the statements and the ranked lead
    restricted = _restricted(topics, evidence, lex, flags, state) if not emergency else None
    if restricted is not None:
        pairs, keep = _restricted_pairs(topics, restricted, pairs, caution, top,
                                        evidence.question, keep)
        if not pairs and caution is not None:  # the caution is all the topic says
            pairs, caution, keep = [(caution, top)], None, 1
    pairs = pairs[:max(MAX_QUOTES, keep)]
    while len(pairs) > keep and sum(_words(u) for u, _ in pairs) > BODY_WORDS:
        pairs.pop()
    return [u for u, _ in pairs], [p for _, p in pairs], caution


def _claim_figures_last(pairs: list[tuple[Unit, float]], claims: str, unclaimed: str,
                        ) -> list[tuple[Unit, float]]:
    """A claim's amount ("[NOTICE: the article now says 1000 mcg]") must not pick the lead,
    even when the reader repeats it: the first quote that states none of the claim's amounts
    leads, if any."""
    claimed = {f"{a:g}" for a in amounts_mcg(claims)}
    if not claimed:
        return pairs
    free = [i for i, (u, _) in enumerate(pairs) if not numbers_in(u.quote) & claimed]
    if not free or free[0] == 0:
        return pairs
    return [pairs[free[0]], *(p for i, p in enumerate(pairs) if i != free[0])]


def _states_amount(unit: Unit, question: str, above: float) -> bool:
    """The quote speaks to an amount above ``above`` that the question names (in
    micrograms): it states that amount ("360 micrograms of MK-7"), or a bound the amount
    passes ("> 1000 mcg/day" for 1500 mcg)."""
    asked = [a for a in amounts_mcg(question) if a > above]
    if {f"{a:g}" for a in asked} & numbers_in(unit.quote):
        return True
    bounds = [float(b.replace(",", "")) for b in _BOUND.findall(unit.quote)]
    return any(above < b <= a for b in bounds for a in asked)


_BOUND = re.compile(r"(?:>|≥|over|above|exceeding|more than)\s*(\d[\d,]*)")


def _restricted(topics: SafetyTopics, evidence: Evidence, lex: LexicalIndex,
                flags: safety.SafetyFlags, state: ConversationState | None) -> Topic | None:
    """The restrictive topic (``k2chat.chain.topics``: the article says do not, or only under
    supervision) the reader is in, by this question or an earlier turn (not one they have
    since said they are not in); a blood thinner only while the reader is taken to be on one
    (``flags.anticoagulant``: not "not on warfarin")."""
    said = state.said() if state is not None else ""
    own = [t for t, _ in topics.touched(evidence.question, lex) if t.kind == "blood_thinner"]
    if own and flags.anticoagulant:  # the reader's own drug (named first) decides
        return own[0] if own[0].restrictive else None
    for topic in topics.restrictive(f"{evidence.question} {said}", lex):
        if topic.kind == "blood_thinner":
            if flags.anticoagulant and not own:
                return topic
        elif not (state is not None and any(state.excludes(s.text, evidence.question)
                                            for s in topic.statements)):
            return topic
    return None


def _restricted_pairs(topics: SafetyTopics, topic: Topic, pairs: list[tuple[Unit, float]],
                      caution: Unit | None, top: float, question: str, keep: int,
                      ) -> tuple[list[tuple[Unit, float]], int]:
    """The answer for a reader in a restrictive group: the topic's statements first
    (strongest first; the caution already shows a blood thinner's strongest), then the ranked
    quotes that state no dose amount (an adult range after "not typically recommended for
    children", or 180 mcg after warfarin, reads as approval). A dose question gets two of the
    statements, kept whatever the length; any other question keeps its ranked quotes (the
    caution or the group's lead is already in front of them) without those stating an
    amount."""
    dosing = bool(AMOUNT_QUESTION.search(question) or AMOUNT.search(question))
    kept = [(u, p) for u, p in pairs if not AMOUNT.search(u.quote)]
    if not dosing and kept:  # what the ranked quotes answer stays; only a dose amount goes
        return kept, min(keep, len(kept))
    shown = [caution] if caution is not None else []
    ordered: list[tuple[Unit, float]] = []
    for unit in topics.statements(topic, question):
        if not any(overlaps(unit, u) for u in [*shown, *(v for v, _ in ordered)]):
            ordered.append((unit, top))
    ordered = ordered[:2]
    rest = [(u, p) for u, p in pairs if not AMOUNT.search(u.quote)
            and not any(overlaps(u, v) for v in [*shown, *(x for x, _ in ordered)])]
    return ordered + rest, max(1, len(ordered))


# A follow-up that asks for an amount and names nothing of its own ("ok, how much should I
# take then?", "what dose then?") asks the dose of the subject the conversation is on: the
# article's, since the previous turn was answered. Its words are only these (stemmed as
# tokenize stems them); a follow-up naming anything else ("and selenium, how much?", "how much
# should my husband take?") is judged by the scope model as before. Blind rounds 9-10: such
# follow-ups after a DOAC or a benefit question were refused.
_DOSE_ASK = re.compile(r"\b(how much|how many|dose|doses|dosage|amount|mcg|mg|micrograms?)\b")
_BARE_DOSE_WORDS = frozenset(tokenize(
    "take taking dose doses dosage amount mcg mg microgram micrograms need right good great "
    "okay ok thanks thank fine daily day per normal usual typical start starting recommend "
    "recommended suggest go then so alright understood make sense"))


def bare_dose_followup(question: str) -> bool:
    """The follow-up asks an amount and names nothing else (see _DOSE_ASK)."""
    return (bool(_DOSE_ASK.search(normalize(question)))
            and set(tokenize(question)) <= _BARE_DOSE_WORDS)


def _forced(topics: SafetyTopics | None, evidence: Evidence, lex: LexicalIndex,
            flags: safety.SafetyFlags, state: ConversationState | None,
            followup: bool) -> bool:
    """A question the scope model would refuse that the article's safety statements answer:
    an amount of K2 said by a reader in a restrictive group ("ok, I'll start 180 mcg
    tomorrow" after "I'm on Coumadin"), an amount above the typical range asked about K2
    or in a conversation about it ("my sister takes 360 mcg, is more better?"), or a follow-up
    that touches a group or a source the article names ("where do I get it?")."""
    if followup and bare_dose_followup(evidence.question):  # all of it: "and zinc, how much?"
        return True
    if topics is None:
        return False
    asked = question_part(evidence.question)
    touched = topics.touched(evidence.question, lex)
    amounts = amounts_mcg(evidence.question, mg=False) or amounts_mcg(asked)
    if followup and not amounts and any(t.kind == "lead" and not t.by_amount
                                        for t, _ in touched):
        # "and if I'm breastfeeding?", "where do I get it?" in a K2 conversation (not "how
        # many grams of natto give 180 mcg?", which the article does not say)
        return True
    if not amounts:
        return False
    if _restricted(topics, evidence, lex, flags, state) is not None:
        return True
    about_k2 = followup or bool(_K2.search(normalize(evidence.question)))
    return about_k2 and any(t.by_amount and t.kind == "lead" for t, _ in touched)


_K2 = re.compile(r"\b(k2|mk[47]|menaquinones?|vitamin k)\b")

# The thing a question asks the amount of: "how much magnesium", "how many mg of zinc",
# "what dose of boron", or in a follow-up the words before its comma ("and zinc, how much of
# that?", "what about selenium, what dose?"). A pronoun, a stop word or a dose word there
# ("how much should I ...", "how much of it") names nothing.
_AMOUNT_OF = re.compile(
    r"\bhow (?:much|many)(?: (?:mcg|mg|micrograms?|milligrams?|iu|units?|grams?|g))?(?: of)?\s+"
    r"(?:extra |additional |some |the |my )?([a-z][\w-]*(?: [a-z][\w-]*)?)"
    r"|\b(?:dose|doses|dosage|amount)\s+of\s+(?:the |my )?([a-z][\w-]*(?: [a-z][\w-]*)?)")
_LEADING_SUBJECT = re.compile(
    r"^(?:and|also|plus|what about|how about)\s+(?!(?:my|his|her|our|your|their|for|if)\b)"
    r"([a-z][\w-]*(?: [a-z][\w-]*)?)\s*,?\s*(?:how much(?: of (?:that|it|this))?\W*$|"
    r"how much of (?:that|it|this)|what dose|how many (?:mcg|mg|micrograms|milligrams))")
# Words that can follow "how much" without naming a thing taken: comparatives and time
# ("how much better is MK-7?", "how much longer does it last?", "how many times a day?").
_NOT_TAKEN = frozenset(tokenize(
    "more less better worse longer shorter higher lower bigger smaller greater sooner later "
    "time times often difference risk"))


def asked_amount_of(question: str) -> str | None:
    """What other than K2 a question asks the amount of ("and zinc, how much of that?" ->
    "zinc"), or None: nothing named, a K2 form, a comparative, or a bare dose follow-up."""
    text = normalize(question)
    if not _DOSE_ASK.search(text):
        return None
    for m in (_LEADING_SUBJECT.match(text), *_AMOUNT_OF.finditer(text)):
        if m is None:
            continue
        name = next(g for g in m.groups() if g is not None).strip()
        first, _, second = name.partition(" ")
        if second and not [w for w in tokenize(second) if w not in _BARE_DOSE_WORDS]:
            name = first  # "how much magnesium with it?": the name is one word
        words = [w for w in tokenize(name) if w not in _BARE_DOSE_WORDS]
        if (words and not set(words) & _NOT_TAKEN and not _K2.search(name)
                and not _FORM_NAME.search(name)):
            return name
    return None


_FORM_NAME = re.compile(r"\b(mk[\s-]?\d+|menaquinone[\s-]?\d*|k[\s-]?[12]|vitamin k\d?)\b")


def unstated_amount(question: str, lex: LexicalIndex,
                    topics: SafetyTopics | None) -> str | None:
    """The substance a question asks the amount of when the article never names it ("and
    zinc, how much of that?", "how much boron alongside?"), whatever the conversation was
    about: a certain miss, as a form the article never mentions is. A group or a medicine the
    article's safety statements cover is not one ("what dose with Xarelto?": they answer)."""
    name = asked_amount_of(question)
    if name is None or (topics is not None and topics.touched(name, lex)):
        return None
    return name if len(lex.query_terms(name)) < len(tokenize(name)) else None


def judge(
    evidence: Evidence, *, models: Fitted, lex: LexicalIndex, unit_vectors: UnitVectors,
    examples: Examples, flags: safety.SafetyFlags, followup: bool,
    already_quoted: frozenset[str] = frozenset(), topics: SafetyTopics | None = None,
    state: ConversationState | None = None, embed: Callable[[list[str]], Any] | None = None,
) -> Judgement:
    """``already_quoted``: quotes earlier turns showed; a follow-up leads with something new
    when its evidence allows. ``topics``: the article's curated safety statements.
    ``embed``: the query encoder (texts -> vectors), to read a flagged message's sentences
    one by one (``safety.emergency_kind``)."""
    import numpy as np

    vectors = evidence.vectors
    emergency = safety.emergency_kind([evidence.question], vectors[:1], models, embed)
    scored = score_units(evidence, models=models, lex=lex, unit_vectors=unit_vectors,
                         examples=examples, followup=followup)
    if state is not None:  # the reader's stated facts and the conversation's subject
        scored = _admitted(scored, state, evidence)
    qtype = models.qtype.labels[int(np.argmax(scored.qprobs))]
    if emergency == "self_harm":
        # Never quote doses to someone in crisis (round 3 showed why: "how much would be too
        # much", asked with a plan): the crisis line is the whole reply.
        return Judgement(emergency, qtype, False, "a crisis, not a question for an article")
    if flags.non_english:
        return Judgement(emergency, qtype, False, "not English")
    if not scored.units:
        return Judgement(emergency, qtype, False, "nothing retrieved")
    named = missing_named_forms(question_part(evidence.question), lex)  # not the story's
    if named:
        return Judgement(emergency, qtype, False,
                         "the article never mentions " + ", ".join(named))
    unstated = unstated_amount(evidence.question, lex, topics)
    if unstated is not None and not emergency:
        caution = _caution(topics, evidence, lex, emergency, flags, covered=False)
        return Judgement(emergency, qtype, False, f"the article never mentions {unstated}",
                         caution=caution)

    units, uvecs = scored.units, scored.vectors
    lead_p = models.lead.score(scored.rows)
    order = [int(i) for i in np.argsort(-lead_p)]
    fresh = [i for i in order if units[i].quote not in already_quoted
             and lead_p[i] >= lead_p[order[0]] - models.support_margin]
    if fresh and fresh[0] != order[0]:  # a follow-up leads with what it has not seen yet
        order.remove(fresh[0])
        order.insert(0, fresh[0])
    order = compare.lead_order(evidence.question, [u.quote for u in units], lead_p, order,
                               models.support_margin, qtype == "compare")
    text_in = text_in_scope(evidence, models, followup)
    row = scope_row(evidence, scored, lead_p, text_in, lex)
    p_covered = float(models.scope.proba(np.asarray([row]))[0])
    if p_covered < models.scope_threshold and not (
            not emergency and _forced(topics, evidence, lex, flags, state, followup)):
        caution = _caution(topics, evidence, lex, emergency, flags, covered=False)
        if caution is None:
            return Judgement(emergency, qtype, False, f"P(covered)={p_covered:.2f}")
        # A blood thinner is named: whatever else is asked, the article's caution answers.
        return Judgement(emergency, qtype, False, "only the anticoagulant caution applies",
                         caution=caution)

    best = order[0]
    terms = set(tokenize(f"{evidence.query} {evidence.question}", expand=True))
    chosen: list[Unit] = [units[best]]
    chosen_vecs = [uvecs[best]]
    scores = [float(lead_p[best])]
    words = _words(units[best])
    for i in order[1:]:
        if len(chosen) == MAX_QUOTES or lead_p[i] < lead_p[best] - models.support_margin:
            break
        unit = units[i]
        if (any(overlaps(unit, c) for c in chosen)
                or (_near_duplicate(uvecs[i], chosen_vecs) and not _new_figures(unit, chosen))
                or not _adds_something(unit, chosen, terms)
                or words + _words(unit) > BODY_WORDS):
            continue
        chosen.append(unit)
        chosen_vecs.append(uvecs[i])
        scores.append(float(lead_p[i]))
        words += _words(unit)
    extra = _for_the_rarest_word(evidence.question, units, order, lead_p, chosen, lex,
                                 lead_p[best] - RAREST_REACH * models.support_margin)
    if extra is not None:  # the question's most specific word ("dialysis", "pregnant")
        chosen = [chosen[0], units[extra], *chosen[1:]][:MAX_QUOTES]
        scores = [scores[0], float(lead_p[extra]), *scores[1:]][:MAX_QUOTES]
        kept = 2  # the lead and the quote holding the rarest word stay
        while len(chosen) > kept and sum(_words(u) for u in chosen) > BODY_WORDS:
            chosen.pop()
            scores.pop()

    chosen, scores, caution = _with_statements(topics, evidence, lex, chosen, scores,
                                               emergency, flags, state)
    return Judgement(
        emergency, qtype, True, "covered", tuple(chosen), caution,
        _differing_figures(chosen, qtype == "dose"), tuple(scores),
    )

"""The answering chain (LangChain LCEL): retrieve -> judge -> compose, one way.

The composer is extractive: every sentence of an answer body is a verbatim quote of a retrieved
passage, marked [n] and cited, so no fact enters an answer that the article does not state.
The safety rules (module ``safety``) are applied here, by code, to every question.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace

from langchain_core.runnables import Runnable, RunnableLambda

from k2chat.chain import medicines, safety
from k2chat.chain.claims import false_report, honest_report, searched_words
from k2chat.chain.drugs import brands_written, with_generics
from k2chat.chain.evidence import Examples, UnitVectors
from k2chat.chain.judge import Judgement, judge
from k2chat.chain.retrieve import HybridRetriever
from k2chat.chain.scoring import Evidence
from k2chat.chain.state import ConversationState, forms_in, without_hearsay, without_negated
from k2chat.chain.topics import SafetyTopics
from k2chat.models.classify import Fitted
from k2chat.store.profile import CorpusProfile
from k2chat.store.quotes import Hit, Unit
from k2chat.store.statements import with_unit
from k2chat.text import clean_question, numbers_in
from k2chat.types import Answer, Citation
from k2chat.vocabulary import Vocabulary

__all__ = [
    "EXAMPLE_QUESTIONS",  # noqa: F822 (read from the corpus's profiles by __getattr__ below)
    "Found",
    "Prepared",
    "Request",
    "build_chain",
    "compose",
    "find_evidence",
    "prepare",
    "retrieve_hits",
    "unsupported_numbers",
]

log = logging.getLogger(__name__)


def __getattr__(name: str) -> tuple[str, ...]:
    """``EXAMPLE_QUESTIONS``: the example questions of the corpus the environment's settings
    name (its articles' profiles, ``corpus/*.profile.yaml``); read when first asked for."""
    if name == "EXAMPLE_QUESTIONS":
        # imported here for start-up speed: only a caller of EXAMPLE_QUESTIONS reads profiles
        from k2chat.settings import Settings
        from k2chat.store.profile import load_profile

        return load_profile(Settings.from_env().corpus_dir).example_questions
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class Request:
    """One question on its way through the chain."""

    question: str  # what the user typed
    search_query: str | None = None  # the question resolved against earlier turns, if any
    in_conversation: bool = False  # earlier turns exist: the topic (K2) is already set
    already_quoted: frozenset[str] = frozenset()  # quotes the conversation has shown already
    on_blood_thinner: bool = False  # an earlier turn named an anticoagulant
    state: ConversationState | None = None  # what earlier turns established (chat.py)


@dataclass(frozen=True)
class Prepared:
    question: str  # cleaned, as asked
    own: str  # the question's own words: instructions removed, drug names resolved
    query: str  # what to search: ``own``, or a follow-up resolved against earlier turns
    flags: safety.SafetyFlags | None
    early: Answer | None = None
    in_conversation: bool = False
    already_quoted: frozenset[str] = frozenset()
    state: ConversationState = ConversationState()  # earlier turns' state, with this question

    @property
    def followup(self) -> bool:
        """The question leans on earlier turns (its topic was set by them)."""
        return self.in_conversation or self.query != self.own


def prepare(request: Request, max_chars: int, vocabulary: Vocabulary,
             profile: CorpusProfile | None = None) -> Prepared:
    """Clean the question and apply the safety rules; an empty or too long question gets its
    answer here (``vocabulary``: the corpus's dose units, ``retriever.vocabulary``;
    ``profile``: the articles' words for "Please ask a question about ..."; fitting and the
    retrieval scripts, which never show that answer, pass none)."""
    raw = request.question if isinstance(request.question, str) else str(request.question or "")
    question = clean_question(raw)
    if len(raw) > max_chars:
        text = safety.too_long_message(max_chars)
        return Prepared(question[:200], "", "", None, Answer(question[:200], text, grounded=False))
    if not re.search(r"\w", question):
        text = (safety.empty_question_message(profile) if profile
                else "Please ask a question about the article.")
        return Prepared(question, "", "", None, Answer(question, text, grounded=False))
    flags = safety.assess(question, vocabulary)
    if flags.anticoagulant and not medicines.mentions_anticoagulant(without_negated(question)):
        flags = replace(flags, anticoagulant=False)  # "I'm not on any blood thinner"
    state = (request.state or ConversationState()).after(question)
    if (request.on_blood_thinner and not flags.anticoagulant  # said earlier in the chat
            and state.stated("anticoagulant") is not False):  # and not taken back now
        flags = replace(flags, anticoagulant=True)
    plain = without_negated(flags.cleaned or question)
    own = with_generics(plain, without_hearsay(plain, state.said()))
    query = own
    if request.search_query and clean_question(request.search_query) != question:
        query = with_generics(without_negated(
            safety.assess(clean_question(request.search_query), vocabulary).cleaned))
    if unit := _bare_number_unit(question, request, state, vocabulary):
        # "would bumping up to 360 do more" after answers about MK-7 asks about 360 mcg
        own, query = with_unit(own, unit), with_unit(query, unit)
    return Prepared(question, own, query, flags, in_conversation=request.in_conversation,
                     already_quoted=request.already_quoted, state=state)


def _bare_number_unit(question: str, request: Request, state: ConversationState,
                      vocabulary: Vocabulary) -> str | None:
    """The unit a bare number in the question is read in: that of the one form it names, or
    in a follow-up that of the form the conversation is about (the profile's ``dosed_in``);
    None when neither is known."""
    named = forms_in(question, state.known_forms)
    if len(set(named)) == 1:
        return vocabulary.unit_of(named[0])
    earlier = request.state.form if request.state is not None else None
    if request.in_conversation and not named and earlier:
        return vocabulary.unit_of(earlier)
    return None


@dataclass(frozen=True)
class Found:
    prepared: Prepared
    evidence: Evidence | None


def find_evidence(retriever: HybridRetriever, prepared: Prepared) -> Found:
    """Embed the question's own words and, for a follow-up, the search query (each alone, so
    a question asked before costs no encoder run), then search. (The article's cautions come
    from its curated safety statements, ``k2chat.chain.topics``, not from a search.)"""
    import numpy as np

    if prepared.early is not None or prepared.flags is None:
        return Found(prepared, None)
    flags = prepared.flags
    if honest_report(flags, retriever.lexical):
        # "the article says MK-4 is dosed in milligrams, right?": the article says so; no
        # claim to set aside, the reader's words are the question
        prepared = replace(prepared, flags=replace(flags, claimed=False, borne_out=True,
                                                   unclaimed=prepared.question, claim_text=""))
    elif (said := false_report(flags, retriever.lexical)) is not None:
        own, query = searched_words(prepared.own, prepared.query, flags, said,
                                    retriever.vocabulary)
        prepared = replace(prepared, flags=replace(flags, contradicted=True), own=own,
                           query=query)
    own, query = prepared.own, prepared.query
    embed = retriever.embeddings.embed_query
    own_vector = embed(own)
    query_vector = own_vector if query == own else embed(query)
    vectors = np.asarray([own_vector, query_vector], dtype=np.float32)
    focus = own if query != own else None
    hits = retriever.hits(query, focus=focus, vector=query_vector)
    evidence = Evidence(own, query, vectors, tuple(hits))
    return Found(prepared, evidence)


def _citation(marker: int, unit: Unit, many_articles: bool = False) -> Citation:
    chunk = unit.hit.chunk
    return Citation(
        marker=marker,
        section=chunk.section,
        section_title=chunk.section_title,
        quote=unit.quote,
        chunk_id=chunk.id,
        score=round(float(unit.hit.dense), 4),
        article_title=chunk.article_title,
        heading=chunk.heading,
        article=chunk.article,
        names_article=many_articles,
    )


def compose(prepared: Prepared, verdict: Judgement | None, profile: CorpusProfile) -> Answer:
    """Render a judgement as an Answer, in a fixed shape: a crisis gets the crisis line alone;
    an emergency the redirect (and, when a blood thinner is named, the article's caution);
    otherwise the caution first when one is needed, then the lead quote and the supporting
    quotes, then the personal-advice note. No search and no decisions here. The articles'
    ``profile`` gives the refusal its words and examples, and says whether a source must
    name its article (more than one)."""
    if prepared.early is not None:
        return prepared.early
    flags = prepared.flags
    assert flags is not None and verdict is not None
    if verdict.emergency == "self_harm":
        return Answer(prepared.question, safety.SELF_HARM_MESSAGE, grounded=False,
                      emergency=True)
    parts: list[str] = []
    if verdict.emergency:
        parts.append(safety.EMERGENCY_MESSAGE)
    # a pasted turn, a "SYSTEM" notice, "the article says ..." (and what the claim reports, no
    # passage says); an instruction ("drop the disclaimer"); both in one note
    claim = (safety.CLAIM_AND_INSTRUCTION_NOTE if flags.instructions else safety.CLAIM_NOTE)
    if flags.contradicted:
        parts.append(f"{safety.NOT_SAID_NOTE} {claim}")
    elif flags.claimed:
        parts.append(claim)
    elif flags.instructions:
        parts.append(safety.INSTRUCTION_NOTE)
    # Every quote in the order it is shown; its marker is its place in this list, so moving a
    # block below moves its marker with it (the caution is the first block, hence [1]).
    shown: list[Unit] = []

    def mark(unit: Unit) -> str:
        shown.append(unit)
        return f"[{len(shown)}]"

    thinners, others = _medicines_named(prepared, verdict)
    if verdict.caution is not None:
        parts.append(f"{safety.anticoagulant_note(thinners)}\n- {verdict.caution.quote} "
                     f"{mark(verdict.caution)}")
    answered = verdict.covered and not verdict.emergency  # no dose quotes in an emergency
    if answered:
        lead, *more = verdict.quotes
        if verdict.caution is None and (others or any(s != g for s, g in thinners)):
            parts.append(safety.mentioned(thinners, others))  # "Eliquis (apixaban), a DOAC"
        if verdict.unsaid:  # "The article does not say whether or when to stop."
            parts.append(safety.unsaid_note(verdict.unsaid))
        if verdict.defined and (note := profile.form_notes.get(verdict.defined)):
            parts.append(note)  # "MK-7 (menaquinone-7) is one of the forms of vitamin K2 ..."
        if verdict.differing_figures:
            parts.append(safety.DIFFERING_FIGURES + "\n" + "\n".join(
                f"- {u.quote} {mark(u)}" for u in verdict.quotes))
        else:
            parts.append(f"{lead.quote} {mark(lead)}")
            if more:
                parts.append("\n".join(f"- {u.quote} {mark(u)}" for u in more))
        # (also for a conversation's later answer led by an amount once the reader told of
        # their health: "i have osteopenia", then "and for mk-4?" got the 45 mg line with no
        # word that it is no dose for them, blind round 73)
        told = (prepared.in_conversation and prepared.state.told
                and profile.vocabulary.amount.search(lead.quote))  # the answer is an amount
        if (flags.personal_dosing or told) and any(
                profile.vocabulary.amount.search(u.quote) for u in verdict.quotes):
            parts.append(safety.PERSONAL_ADVICE_NOTE)
    elif verdict.emergency:
        pass  # the redirect is the answer
    elif verdict.caution is not None:
        # the caution is the answer; a question about something besides the supplement hears
        # that the article says nothing more ("what about vitamin e, is that ok with warfarin")
        if not profile.vocabulary.names_substance.search(prepared.question):
            parts.append(safety.beyond_caution_message(profile))
    elif flags.non_english:
        parts.append(safety.ENGLISH_ONLY_MESSAGE)
    else:
        parts.append(safety.not_covered_message(profile))
        if profile.example_questions:
            parts.append("You could ask, for example:\n" + "\n".join(
                f"- {q}" for q in profile.example_questions[:3]))
    citations = [_citation(i, u, profile.many) for i, u in enumerate(shown, start=1)]
    return Answer(
        question=prepared.question,
        text="\n\n".join(parts),
        citations=tuple(citations),
        grounded=answered or bool(citations),
        emergency=verdict.emergency is not None,
    )


def _medicines_named(prepared: Prepared, verdict: Judgement
                     ) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """The blood thinners the reader named (in this question, else earlier in the
    conversation when the caution follows it), and the other brands this question names whose
    generic name a shown quote says ("Alli" when a quote says "orlistat"), for
    ``safety.mentioned``."""
    own = without_hearsay(without_negated(prepared.question), prepared.state.said())
    thinners = medicines.anticoagulants_written(own)
    if not thinners and prepared.flags is not None and prepared.flags.anticoagulant:
        # the latest message that named one: "switched me from xarelto to coumadin" after
        # "i read k2 is lower risk if youre on xarelto" is a Coumadin reader's
        thinners = next((named for note in reversed(prepared.state.notes)
                         if (named := medicines.anticoagulants_written(note))), ())
    quoted = " ".join(u.quote for u in (*verdict.quotes, *filter(None, [verdict.caution])))
    quoted = quoted.lower()
    generics = {g for _, g in thinners}
    others = tuple((s, g) for s, g in brands_written(own)
                   if g not in generics and re.search(rf"\b{re.escape(g)}\b", quoted))
    return thinners, others


# (The refusal's message and example questions come from the articles' profiles and never
# share an answer with a quote: an answer without citations states no article figures.)
_FIXED_TEXTS = (
    safety.EMERGENCY_MESSAGE, safety.INSTRUCTION_NOTE, safety.CLAIM_NOTE,
    safety.CLAIM_AND_INSTRUCTION_NOTE, safety.NOT_SAID_NOTE,
    safety.ANTICOAGULANT_NOTE,
    safety.PERSONAL_ADVICE_NOTE, safety.ENGLISH_ONLY_MESSAGE,
    safety.SELF_HARM_MESSAGE, safety.DIFFERING_FIGURES,
)


def unsupported_numbers(answer: Answer) -> set[str]:
    """Numbers in the answer body that none of its quotes (nor a fixed message) states."""
    body = answer.text
    for fixed in _FIXED_TEXTS:
        body = body.replace(fixed, " ")
    if not answer.citations:
        return set()  # refusals and notices quote nothing and state no article figures
    quoted = set().union(*(numbers_in(c.quote) for c in answer.citations))
    return numbers_in(body) - quoted


def _finalize(answer: Answer, profile: CorpusProfile) -> Answer:
    bad = unsupported_numbers(answer)
    if bad:  # cannot happen with verbatim quotes; a guard, not a feature
        log.error("Answer stated numbers %s that no quote supports; refusing", sorted(bad))
        return Answer(answer.question, safety.not_covered_message(profile), grounded=False,
                      emergency=answer.emergency)
    return answer


def retrieve_hits(retriever: HybridRetriever, request: Request, max_chars: int) -> list[Hit]:
    """The passages the chain would retrieve for ``request`` (for evaluation)."""
    found = find_evidence(retriever, prepare(request, max_chars, retriever.vocabulary))
    return list(found.evidence.hits) if found.evidence else []


def build_chain(
    retriever: HybridRetriever, models: Fitted, unit_vectors: UnitVectors, examples: Examples,
    max_chars: int, profile: CorpusProfile, topics: SafetyTopics | None = None,
) -> Runnable[Request, Answer]:
    """retrieve (clean, safety rules, embed, search) -> judge (fitted models and the curated
    safety statements, ``topics``) -> compose (render, then the number guard), as one LCEL
    runnable taking a :class:`Request`."""

    def _embed_each(texts: list[str]) -> list[list[float]]:  # as a question is embedded
        return [retriever.embeddings.embed_query(t) for t in texts]

    def retrieve(request: Request) -> Found:
        return find_evidence(retriever, prepare(request, max_chars, retriever.vocabulary, profile))

    def judged(found: Found) -> tuple[Prepared, Judgement | None]:
        prepared, evidence = found.prepared, found.evidence
        if evidence is None or prepared.flags is None:
            return prepared, None
        return prepared, judge(evidence, models=models, lex=retriever.lexical,
                               unit_vectors=unit_vectors, examples=examples,
                               flags=prepared.flags, already_quoted=prepared.already_quoted,
                               followup=prepared.followup, topics=topics,
                               state=prepared.state, vocabulary=retriever.vocabulary,
                               embed=_embed_each)

    def answer(x: tuple[Prepared, Judgement | None]) -> Answer:
        return _finalize(compose(*x, profile), profile)

    chain: Runnable[Request, Answer] = (
        RunnableLambda(retrieve, name="retrieve") | RunnableLambda(judged, name="judge")
        | RunnableLambda(answer, name="compose")
    )
    return chain.with_config(run_name="k2chat")

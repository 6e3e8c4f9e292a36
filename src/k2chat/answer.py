"""The answering chain (LangChain LCEL): retrieve (safety rules + search) -> answer.

The composer is extractive: every sentence of an answer body is a verbatim quote of a retrieved
passage, marked [n] and cited, so no fact enters an answer that the article does not state.
The safety rules (module ``safety``) are applied here, by code, to every question.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from langchain_core.documents import Document
from langchain_core.runnables import Runnable, RunnableLambda

from k2chat import safety
from k2chat.retrieve import AMOUNT, AMOUNT_QUESTION, HybridRetriever, chunk_of
from k2chat.scope import ScopeJudge
from k2chat.text import clean_question, numbers_in, split_sentences, tokenize
from k2chat.types import Answer, Citation

__all__ = [
    "EXAMPLE_QUESTIONS",
    "Request",
    "build_chain",
    "retrieve_documents",
    "unsupported_numbers",
]

log = logging.getLogger(__name__)

EXAMPLE_QUESTIONS = (
    "How much MK-7 is used for osteoporosis?",
    "Can I take vitamin K2 with warfarin?",
    "What is the difference between MK-4 and MK-7 doses?",
    "How long does vitamin K2 take to work?",
    "Who should avoid vitamin K2 supplements?",
)

MIN_PASSAGE_DENSE = 0.40  # a runner-up passage must be at least this close to be quoted
MAX_PASSAGES = 5
LABEL_CHARS = 60  # a first sentence this short labels the passage and is always quoted
ANSWER_CHARS = 700  # stop adding runner-up passages once the quotes are this long
MAX_FIGURE_PASSAGES = 4
NEAR_TOP = 0.10  # passages this close to the best one's similarity are also quoted,
NEAR_TOP_SCORE = 0.30  # and so are passages this close to the best one's retrieval score
MIN_SCORED_DENSE = 0.30  # (those must still be at least this similar to the question)

@dataclass(frozen=True)
class Request:
    """One question on its way through the chain."""

    question: str  # what the user typed
    search_query: str | None = None  # the question resolved against earlier turns, if any
    in_conversation: bool = False  # earlier turns exist: the topic (K2) is already set


@dataclass(frozen=True)
class _Prepared:
    question: str
    query: str
    flags: safety.SafetyFlags | None
    early: Answer | None = None
    in_conversation: bool = False


def _prepare(request: Request, max_chars: int) -> _Prepared:
    raw = request.question if isinstance(request.question, str) else str(request.question or "")
    question = clean_question(raw)
    if len(raw) > max_chars:
        text = safety.too_long_message(max_chars)
        return _Prepared(question[:200], "", None, Answer(question[:200], text, grounded=False))
    if not re.search(r"\w", question):
        text = safety.EMPTY_QUESTION_MESSAGE
        return _Prepared(question, "", None, Answer(question, text, grounded=False))
    flags = safety.assess(question)
    query = clean_question(request.search_query) if request.search_query else flags.cleaned
    if request.search_query and flags.instructions:
        query = safety.assess(query).cleaned
    return _Prepared(question, query, flags, in_conversation=request.in_conversation)


def _select_sentences(text: str, terms: set[str]) -> str:
    """The contiguous run of sentences that carries the question's terms (verbatim).

    A short first sentence is a label ("For MK-4 (Menaquinone-4): 45 milligrams (mg).") and is
    kept whenever a later sentence is, so a quote never loses what it is about."""
    sentences = split_sentences(text)
    if len(sentences) <= 2:
        return text
    marks = [bool(terms & set(tokenize(s, expand=True))) for s in sentences]
    if not any(marks):
        return text
    first = marks.index(True)
    last = len(marks) - 1 - marks[::-1].index(True)
    if len(sentences[0]) <= LABEL_CHARS:
        first = 0
    quote = " ".join(sentences[first : last + 1])
    return quote if quote in text else text


def _pick(docs: list[Document], terms: set[str], query: str) -> list[Document]:
    """The passages to quote: the best one, close runners-up (by similarity or by retrieval
    score), and for dose questions every passage that states a figure, so differing figures
    are all shown with their sources."""
    if not docs:
        return []
    best = max(d.metadata["dense"] for d in docs)
    best_score = docs[0].metadata["fused"]
    chosen: list[Document] = [docs[0]]
    length = len(_select_sentences(docs[0].page_content, terms))
    for doc in docs[1:]:
        if len(chosen) >= MAX_PASSAGES or length >= ANSWER_CHARS:
            break
        dense, score = doc.metadata["dense"], doc.metadata["fused"]
        if ((dense >= best - NEAR_TOP and dense >= MIN_PASSAGE_DENSE)
                or (score >= best_score - NEAR_TOP_SCORE and dense >= MIN_SCORED_DENSE)):
            chosen.append(doc)
            length += len(_select_sentences(doc.page_content, terms))
    if AMOUNT_QUESTION.search(query) and AMOUNT.search(chosen[0].page_content):
        sections = {d.metadata["section"] for d in chosen}
        for doc in docs[1:]:
            if len(chosen) >= MAX_FIGURE_PASSAGES:
                break
            if (doc not in chosen and doc.metadata["section"] not in sections
                    and AMOUNT.search(doc.page_content)
                    and doc.metadata["dense"] >= best - 2 * NEAR_TOP):
                chosen.append(doc)
                sections.add(doc.metadata["section"])
    return chosen


def _caution(docs: list[Document], retriever: HybridRetriever, query: str) -> Document | None:
    """The article's anticoagulant caution most relevant to this question."""
    for doc in docs:
        if safety.mentions_anticoagulant(doc.page_content):
            return doc
    for doc in retriever.search(f"{query} anticoagulant warfarin caution consult physician", 12):
        if safety.mentions_anticoagulant(doc.page_content):
            return doc
    return None


def _citation(marker: int, doc: Document, quote: str) -> Citation:
    chunk = chunk_of(doc)
    return Citation(
        marker=marker,
        section=chunk.section,
        section_title=chunk.section_title,
        quote=quote,
        chunk_id=chunk.id,
        score=round(float(doc.metadata.get("dense", 0.0)), 4),
        article_title=chunk.article_title,
    )


def _bullets(citations: list[Citation]) -> str:
    return "\n".join(f"- {c.quote} [{c.marker}]" for c in citations)


def _compose(
    prepared: _Prepared, docs: list[Document], retriever: HybridRetriever, judge: ScopeJudge
) -> Answer:
    if prepared.early is not None:
        return prepared.early
    flags = prepared.flags
    assert flags is not None
    question, query = prepared.question, prepared.query
    parts: list[str] = []
    if flags.emergency:
        parts.append(safety.EMERGENCY_MESSAGE)
    if flags.instructions:
        parts.append(safety.INSTRUCTION_NOTE)

    best = max((d.metadata["dense"] for d in docs), default=0.0)
    grounded = (
        not flags.non_english
        and bool(docs)
        and judge.judge(
            flags.cleaned or question,
            best,
            docs[0].metadata.get("coverage", 1.0),
            followup=prepared.in_conversation or query != flags.cleaned,
        ).covered
    )
    citations: list[Citation] = []
    terms = set(tokenize(query, expand=True))
    if grounded:
        chosen = _pick(docs, terms, query)
        for doc in chosen:
            keep_whole = flags.anticoagulant and safety.mentions_anticoagulant(doc.page_content)
            quote = doc.page_content if keep_whole else _select_sentences(doc.page_content, terms)
            citations.append(_citation(len(citations) + 1, doc, quote))
        with_amounts = [c for c in citations if AMOUNT.search(c.quote)]
        figures = {frozenset(numbers_in(c.quote)) for c in with_amounts}
        lead = (
            "The article gives different figures in different sections:"
            if AMOUNT_QUESTION.search(query) and len(figures) > 1
            and len({c.section for c in with_amounts}) > 1
            else "The article says:"
        )
        parts.append(f"{lead}\n{_bullets(citations)}")
    elif flags.non_english:
        parts.append(safety.ENGLISH_ONLY_MESSAGE)
    else:
        parts.append(safety.NOT_COVERED_MESSAGE)

    if flags.anticoagulant:
        cited = {c.chunk_id for c in citations}
        caution_cited = any(safety.mentions_anticoagulant(c.quote) for c in citations)
        caution = None if caution_cited else _caution(docs, retriever, query)
        if caution is not None and caution.id not in cited:
            extra = _citation(len(citations) + 1, caution, caution.page_content)
            citations.append(extra)
            parts.append(f"{safety.ANTICOAGULANT_NOTE}\n{_bullets([extra])}")
    if flags.personal_dosing and grounded:
        parts.append(safety.PERSONAL_ADVICE_NOTE)
    if not grounded and not flags.non_english:
        parts.append("You could ask, for example:\n" + "\n".join(
            f"- {q}" for q in EXAMPLE_QUESTIONS[:3]))
    return Answer(
        question=question,
        text="\n\n".join(parts),
        citations=tuple(citations),
        grounded=grounded,
        emergency=flags.emergency,
    )


_FIXED_TEXTS = (
    safety.EMERGENCY_MESSAGE, safety.INSTRUCTION_NOTE, safety.ANTICOAGULANT_NOTE,
    safety.PERSONAL_ADVICE_NOTE, safety.NOT_COVERED_MESSAGE, safety.ENGLISH_ONLY_MESSAGE,
    *EXAMPLE_QUESTIONS,
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


def _finalize(answer: Answer) -> Answer:
    bad = unsupported_numbers(answer)
    if bad:  # cannot happen with verbatim quotes; a guard, not a feature
        log.error("Answer stated numbers %s that no quote supports; refusing", sorted(bad))
        return Answer(answer.question, safety.NOT_COVERED_MESSAGE, grounded=False,
                      emergency=answer.emergency)
    return answer


def _search(retriever: HybridRetriever, prepared: _Prepared) -> list[Document]:
    if prepared.early is not None or prepared.flags is None:
        return []
    own_words = prepared.flags.cleaned
    focus = own_words if prepared.query != own_words else None  # a resolved follow-up
    return retriever.search(prepared.query, focus=focus)


def retrieve_documents(
    retriever: HybridRetriever, request: Request, max_chars: int
) -> list[Document]:
    """The passages the chain would retrieve for ``request`` (for evaluation)."""
    return _search(retriever, _prepare(request, max_chars))


def build_chain(
    retriever: HybridRetriever, judge: ScopeJudge, max_chars: int
) -> Runnable[Request, Answer]:
    """retrieve (clean the question, apply the safety rules, search) -> answer (compose, then
    the number guard), as one LCEL runnable taking a :class:`Request`. Each LCEL step costs
    ~0.15 ms of LangChain bookkeeping, about 5 % of an answer, so there are two."""

    def retrieve(request: Request) -> dict[str, Any]:
        prepared = _prepare(request, max_chars)
        return {"prepared": prepared, "docs": _search(retriever, prepared)}

    def answer(x: dict[str, Any]) -> Answer:
        return _finalize(_compose(x["prepared"], x["docs"], retriever, judge))

    chain: Runnable[Request, Answer] = (
        RunnableLambda(retrieve, name="retrieve") | RunnableLambda(answer, name="answer")
    )
    return chain.with_config(run_name="k2chat")

"""Retrieval quality: k2chat's HybridRetriever against the LangChain tutorial and BM25 alone.

One run, the same questions (the answerable cases of tests/eval/questions.yaml) and the same
input for every system: the question, or for a follow-up the query that
``k2chat.chat.Chat(history=[...]).turns[-1].search_query`` resolves it to.

- k2chat: ``HybridRetriever.search`` over k2chat's passages (dense Chroma + BM25 candidates,
  scored by cosine + IDF-weighted term coverage), k=8.
- LangChain tutorial: ``RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)``
  over the article's text, the same model (all-MiniLM-L6-v2 via ``k2chat.models.embeddings``),
  ``langchain_chroma.Chroma`` in a temporary folder with that explicit embedding function,
  k=4. Each chunk is mapped to the section(s) its text spans in the article, the section it
  overlaps most first.
- BM25 alone: ``k2chat.chain.retrieve.LexicalIndex`` over k2chat's passages, k=8.
- Also, for reference: dense alone over k2chat's passages, and dense + BM25 fused by
  reciprocal rank (k=60), the fusion k2chat used before its score fusion.

A case's ranking is its distinct sections in retrieval order; hit@k counts a case when one of
its expected sections is among the first k, MRR averages 1 / rank of the first expected one.

    .venv/bin/python bench/retrieval.py [--failures] [--json out.json]
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable, Sequence

from _common import CORPUS, EVAL_FILE, Row, emit, ensure_index, settings, table

K = 8
TUTORIAL_K = 4
RRF_K = 60


def metrics(ranks: Sequence[int | None]) -> tuple[float, float, float]:
    n = max(len(ranks), 1)
    return (sum(1 for r in ranks if r == 1) / n,
            sum(1 for r in ranks if r is not None and r <= 3) / n,
            sum(1 / r for r in ranks if r) / n)


def rank_of(sections: Sequence[int], expected: Sequence[int]) -> int | None:
    ranked = list(dict.fromkeys(sections))
    for i, s in enumerate(ranked, start=1):
        if s in expected:
            return i
    return None


def section_spans(text: str) -> list[tuple[int, int, int]]:
    """(start, end, section number) of every numbered section of an article's raw text."""
    import re

    heads = [(m.start(), int(m.group(1)))
             for m in re.finditer(r"^##\s+(\d+)\.\s+.+$", text, flags=re.MULTILINE)]
    ends = [start for start, _ in heads[1:]] + [len(text)]
    return [(start, end, number) for (start, number), end in zip(heads, ends, strict=True)]


def tutorial_retriever(embeddings: object, folder: str) -> Callable[[str], list[int]]:
    """The LangChain tutorial's index; returns query -> sections of the top chunks, in order."""
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200,
                                              add_start_index=True)
    docs: list[Document] = []
    spans: dict[str, list[tuple[int, int, int]]] = {}
    for path in sorted(CORPUS.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        spans[str(path)] = section_spans(text)
        for doc in splitter.split_documents([Document(page_content=text,
                                                      metadata={"source": str(path)})]):
            start = int(doc.metadata["start_index"])
            assert text[start : start + len(doc.page_content)] == doc.page_content
            docs.append(doc)
    store = Chroma.from_documents(docs, embeddings, persist_directory=folder,  # type: ignore[arg-type]
                                  collection_name="tutorial")
    retriever = store.as_retriever(search_kwargs={"k": TUTORIAL_K})

    def sections_of(doc: Document) -> list[int]:
        start = int(doc.metadata["start_index"])
        end = start + len(doc.page_content)
        overlaps = [(min(end, e) - max(start, s), n)
                    for s, e, n in spans[doc.metadata["source"]] if min(end, e) > max(start, s)]
        return [n for _, n in sorted(overlaps, key=lambda o: -o[0])]

    def search(query: str) -> list[int]:
        return [s for doc in retriever.invoke(query) for s in sections_of(doc)]

    print(f"(tutorial baseline: {len(docs)} chunks of <= 1000 characters)", file=sys.stderr)
    return search


def main() -> None:
    ensure_index()
    from k2chat.chain.answer import Request, retrieve_hits
    from k2chat.chat import Chat
    from k2chat.evaluate import load_cases
    from k2chat.models.embeddings import SentenceTransformerEmbeddings
    from k2chat.pipeline import get_pipeline

    pipeline = get_pipeline(settings())
    retriever, lexical = pipeline.retriever, pipeline.retriever.lexical
    chunks = lexical.chunks
    cases = [c for c in load_cases(EVAL_FILE) if not c.refuse]
    queries = [Chat(history=[*c.history, c.question]).turns[-1].search_query for c in cases]

    def hybrid(query: str) -> list[int]:
        return [int(d.metadata["section"]) for d in retriever.search(query, K)]

    def bm25(query: str) -> list[int]:
        return [chunks[i].section for i, _ in lexical.search(query, K)]

    def dense(query: str) -> list[int]:
        hits = retriever.dense(retriever.embeddings.embed_query(query), K)
        return [chunks[lexical.position[cid]].section for cid, _ in hits]

    def rrf(query: str) -> list[int]:
        fetch = retriever.fetch_k
        vector = retriever.embeddings.embed_query(query)
        fused: dict[int, float] = {}
        ranked_lists = [[lexical.position[cid] for cid, _ in retriever.dense(vector, fetch)],
                        [i for i, _ in lexical.search(query, fetch)]]
        for ranked in ranked_lists:
            for rank, i in enumerate(ranked):
                fused[i] = fused.get(i, 0.0) + 1 / (RRF_K + rank + 1)
        top = sorted(fused, key=lambda i: -fused[i])[:K]
        return [chunks[i].section for i in top]

    max_chars = pipeline.settings.max_question_chars

    def chain(case_index: int) -> list[int]:
        case = cases[case_index]
        hits = retrieve_hits(retriever, Request(case.question, queries[case_index]), max_chars)
        return [hit.chunk.section for hit in hits]

    with tempfile.TemporaryDirectory(prefix="k2chat-tutorial-") as folder:
        tutorial = tutorial_retriever(SentenceTransformerEmbeddings(), folder)
        systems: dict[str, Callable[[int], list[int]]] = {
            "k2chat HybridRetriever (k=8)": lambda i: hybrid(queries[i]),
            "LangChain tutorial: splitter(1000, 200) + same model + Chroma, k=4":
                lambda i: tutorial(queries[i]),
            "BM25 alone (LexicalIndex over k2chat's passages, k=8)": lambda i: bm25(queries[i]),
            "dense alone (Chroma over k2chat's passages, k=8)": lambda i: dense(queries[i]),
            "dense + BM25, reciprocal-rank fusion (k=8)": lambda i: rrf(queries[i]),
            "k2chat chain retrieval (what `k2chat eval` scores)": chain,
        }
        ranks = {name: [rank_of(fn(i), cases[i].sections) for i in range(len(cases))]
                 for name, fn in systems.items()}

    scores = {name: metrics(r) for name, r in ranks.items()}
    print(f"\nRetrieval on {len(cases)} answerable cases of {EVAL_FILE.name} "
          f"({sum(1 for c in cases if c.history)} of them follow-ups):")
    print(table(["System", "hit@1", "hit@3", "MRR"],
                [(name, f"{h1:.3f}", f"{h3:.3f}", f"{mrr:.3f}")
                 for name, (h1, h3, mrr) in scores.items()]))
    if "--failures" in sys.argv:
        for name, r in ranks.items():
            missed = [f"{cases[i].id} (rank {k})" for i, k in enumerate(r) if k != 1]
            print(f"\n{name}: not first for {len(missed)}: {', '.join(missed)}")

    names = list(systems)
    ours, tut, lex = scores[names[0]], scores[names[1]], scores[names[2]]
    rows = [
        Row("retrieval", f"hit@1 / MRR, k2chat HybridRetriever ({len(cases)} cases)",
            f"{ours[0]:.3f} / {ours[2]:.3f}",
            f"tutorial {tut[0]:.3f} / {tut[2]:.3f}; BM25 {lex[0]:.3f} / {lex[2]:.3f}",
            "beats both on hit@1 and MRR",
            ours[0] > max(tut[0], lex[0]) and ours[2] > max(tut[2], lex[2])),
        Row("retrieval", "hit@3, k2chat HybridRetriever", f"{ours[1]:.3f}",
            f"tutorial {tut[1]:.3f}; BM25 {lex[1]:.3f}"),
    ]
    emit(rows)


if __name__ == "__main__":
    main()

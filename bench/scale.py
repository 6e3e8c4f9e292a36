"""Scale: query cost of k2chat's HybridRetriever over 1k, 10k and 100k synthetic passages.

Passages: an article sentence plus invented Zipf-distributed words (bench/synthetic.py), so the
vocabulary grows with the corpus. Vectors: the ONNX model's vector of the passage's article
sentence plus Gaussian noise, normalised (clustered like real text, cheap to make); real
questions are embedded by the real encoder. Each size is written straight into its own Chroma
collection under bench/.cache/scale (kept between runs), and LexicalIndex + HybridRetriever
from k2chat.retrieve are built over it. Reference: p50 at 1k, same run.
Target: p50 at 100k <= 2 x p50 at 1k.

    .venv/bin/python bench/scale.py [--max 100000] [--json out.json]
"""

from __future__ import annotations

import json
import shutil
import sys
from typing import Any

from _common import (
    CACHE,
    EVAL_FILE,
    Row,
    Timer,
    arg,
    emit,
    ensure_index,
    ms,
    percentile,
    table,
    timed,
)
from _common import settings as bench_settings

SIZES = (1_000, 10_000, 100_000)
DIM = 384
NOISE = 0.045  # per-dimension noise; cosine to the sentence's own vector ~0.8
MISSPELLED = ("k2 mk7 how mch daily??", "osteoprosis dose of menaquinone",
              "warfrin and vitamin k2", "how long until it wroks")


def build(n: int, sentence_vectors: dict[str, Any]) -> tuple[list[Any], Any, float]:
    """(chunks, Chroma client, seconds to write them) for ``n`` passages, cached on disk."""
    import chromadb
    import numpy as np
    from chromadb.config import Settings as ChromaSettings
    from synthetic import passages

    from k2chat.types import Chunk

    pairs = passages(n, seed=n)
    rng = np.random.default_rng(n)
    chunks = [
        Chunk(id=f"syn-{i:06d}", article="synthetic", article_title="Synthetic corpus",
              section=i % 6 + 1, section_title=f"Synthetic section {i % 6 + 1}", position=i,
              text=text)
        for i, (_, text) in enumerate(pairs)
    ]
    folder = CACHE / "scale" / f"n{n}"
    marker = folder / "complete.json"
    if marker.is_file() and json.loads(marker.read_text())["n"] == n:
        client = chromadb.PersistentClient(path=str(folder / "chroma"),
                                           settings=ChromaSettings(anonymized_telemetry=False))
        return chunks, client, 0.0
    shutil.rmtree(folder, ignore_errors=True)
    client = chromadb.PersistentClient(path=str(folder / "chroma"),
                                       settings=ChromaSettings(anonymized_telemetry=False))
    collection = client.create_collection("scale", metadata={"hnsw:space": "cosine"},
                                          embedding_function=None)
    batch = client.get_max_batch_size()
    print(f"(writing {n} passages into Chroma ...)", file=sys.stderr, flush=True)
    with Timer() as t:
        for start in range(0, n, batch):
            part = chunks[start : start + batch]
            base = np.stack([sentence_vectors[sentence]
                             for sentence, _ in pairs[start : start + batch]])
            vectors = base + rng.normal(0, NOISE, size=base.shape)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            collection.add(ids=[c.id for c in part], documents=[c.text for c in part],
                           metadatas=[c.metadata() for c in part],
                           embeddings=vectors.astype(np.float32))
    marker.write_text(json.dumps({"n": n}))
    return chunks, client, t.seconds


def measure(retriever: Any, questions: list[str]) -> dict[str, Any]:
    """Per-question times of the whole search and of its parts."""
    encoder, lexical, k = retriever.embeddings, retriever.lexical, retriever.fetch_k
    for q in questions[:20]:
        retriever.search(q)
    out: dict[str, list[float]] = {key: [] for key in ("search", "embed", "dense", "bm25",
                                                          "terms")}
    for q in questions:
        vector = encoder.embed_query(q)
        out["embed"].append(timed(encoder.embed_query, q))
        out["dense"].append(timed(retriever.dense, vector, k))
        out["terms"].append(timed(lexical.query_terms, q))
        out["bm25"].append(timed(lexical.search, q, k))
        out["search"].append(timed(retriever.search, q))
    out["typo"] = [timed(lexical.query_terms, q) for q in MISSPELLED for _ in range(5)]
    return dict(out)


def main() -> None:
    largest = arg("max", SIZES[-1])
    sizes = [n for n in SIZES if n <= largest]
    ensure_index()
    import numpy as np
    from langchain_chroma import Chroma
    from synthetic import article_sentences

    from k2chat.embeddings import OnnxEmbeddings
    from k2chat.evaluate import load_cases
    from k2chat.retrieve import HybridRetriever, LexicalIndex

    encoder = OnnxEmbeddings(bench_settings().onnx_path)
    sentences = list(article_sentences())
    sentence_vectors = dict(zip(sentences, np.asarray(encoder.embed_documents(sentences)),
                                strict=True))
    questions = [c.question for c in load_cases(EVAL_FILE)] + list(MISSPELLED)

    results: dict[int, dict[str, Any]] = {}
    for n in sizes:
        chunks, client, write_s = build(n, sentence_vectors)
        with Timer() as lex_t:
            lexical = LexicalIndex(chunks)
        store = Chroma(client=client, collection_name="scale",
                       embedding_function=encoder, create_collection_if_not_exists=False)
        retriever = HybridRetriever(store=store, embeddings=encoder, lexical=lexical)
        results[n] = measure(retriever, questions)
        results[n].update(lex_build=lex_t.seconds, write=write_s, vocab=len(lexical.vocabulary))
        print(f"{n} passages: search p50 {ms(percentile(results[n]['search'], 50))}",
              file=sys.stderr, flush=True)

    def p50(n: int, key: str) -> str:
        return ms(percentile(results[n][key], 50))

    print("\nQuery cost by corpus size (p50 over "
          f"{len(questions)} questions; search = embed + dense + BM25 + candidate scoring):")
    print(table(["Passages", "vocabulary", "search p50", "search p95", "embed", "dense (Chroma)",
                 "BM25 search", "query terms (typo fix)", "misspelled query terms",
                 "LexicalIndex build", "Chroma write (cached later)"],
                [(f"{n:,}", f"{r['vocab']:,}", p50(n, "search"), ms(percentile(r["search"], 95)),
                  p50(n, "embed"), p50(n, "dense"), p50(n, "bm25"), p50(n, "terms"),
                  p50(n, "typo"), ms(r["lex_build"]), ms(r["write"]) if r["write"] else "cached")
                 for n, r in results.items()]))
    small = percentile(results[sizes[0]]["search"], 50)
    rows = [Row("scale", f"search p50 at {n:,} passages", p50(n, "search"),
                f"p50 at {sizes[0]:,}: {ms(small)}",
                "<= 2 x p50 at 1k" if n == SIZES[-1] else "",
                percentile(results[n]["search"], 50) <= 2 * small if n == SIZES[-1] else None)
            for n in sizes]
    emit(rows)


if __name__ == "__main__":
    main()

"""Scale: start-up, memory and query cost of k2chat over 1k, 10k and 100k synthetic passages.

Start-up: for each size, a corpus folder holds the real article plus synthetic articles
(bench/synthetic.py ``write_articles``) and is indexed by ``k2chat.ingest.build_index`` as
``k2chat ingest`` does, except that passage vectors are made cheaply (below) instead of by the
reference model; the index is cached under bench/.cache/scale. A new process then runs
``k2chat.ask()`` on it and the time until its answer is printed is taken (median of 3; the page
cache is warmed by one run first). RSS: the peak resident set of a process that answers 30
evaluation questions at 100k. Targets (issue 13): start-up at 100k <= 3 s and <= 1.5 x the
start-up at 1k; RSS at 100k <= 1 GB.

Query cost:

Passages: an article sentence plus invented Zipf-distributed words (bench/synthetic.py), so the
vocabulary grows with the corpus. Vectors: the ONNX model's vector of the passage's article
sentence plus Gaussian noise, normalised (clustered like real text, cheap to make); real
questions are embedded by the real encoder. Each size's start-up index is opened as k2chat
opens it (``k2chat.store.index.open_index``) and searched the way k2chat searches a local build: a
HybridRetriever over its saved BM25 index and an exact product over its saved passage vectors.
Reference: p50 at 1k, same run.
Target: p50 at 100k <= 2 x p50 at 1k.

    .venv/bin/python bench/scale.py [--max 100000] [--query 0] [--json out.json]
"""

from __future__ import annotations

import json
import shutil
import sys
from typing import Any

from _common import (
    CACHE,
    CORPUS,
    EVAL_FILE,
    PY,
    Row,
    Timer,
    arg,
    child_env,
    emit,
    ensure_index,
    median,
    ms,
    percentile,
    secs,
    table,
    timed,
)
from _common import settings as bench_settings

SIZES = (1_000, 10_000, 100_000)
DIM = 384
NOISE = 0.045  # per-dimension noise; cosine to the sentence's own vector ~0.8
MISSPELLED = ("k2 mk7 how mch daily??", "osteoprosis dose of menaquinone",
              "warfrin and vitamin k2", "how long until it wroks")


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

STARTUP_RUNS = 3
STARTUP_QUESTION = "How much K2 should I take?"
STARTUP_ASK = ("import sys, k2chat; "
               "print(k2chat.ask(sys.argv[1]).to_text()[:60].replace(chr(10), ' '), flush=True)")
RSS_QUESTIONS = 30
# The child answers RSS_QUESTIONS evaluation questions, then reports its peak resident set.
RSS_CHILD = """
import json, sys, k2chat
from k2chat.evaluate import load_cases
from pathlib import Path
for case in load_cases(Path(sys.argv[1]))[:int(sys.argv[2])]:
    k2chat.ask(case.question)
# VmHWM is this process's own peak: ru_maxrss would carry the parent's size across fork + exec
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps(dict(rss_mb=peak / 1024)))
"""


class CheapEmbeddings:
    """Vectors for the synthetic corpora: the real vector of the article's passages and quotes;
    for a synthetic one, the real vector of the article sentence it holds plus Gaussian noise
    (as for the query-cost collections), or a random direction when it holds none."""

    def __init__(self, encoder: Any, sentence_vectors: dict[str, Any], real: dict[str, Any],
                 seed: int) -> None:
        import re

        import numpy as np

        self.encoder, self.sentence_vectors, self.real = encoder, sentence_vectors, real
        self.pattern = re.compile("|".join(re.escape(s) for s in
                                           sorted(sentence_vectors, key=len, reverse=True)))
        self.rng = np.random.default_rng(seed)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        import numpy as np

        out: list[Any] = []
        for text in texts:
            if text in self.real:
                out.append(self.real[text])
                continue
            m = self.pattern.search(text)
            # a sentence of invented words only: a random direction
            base = self.sentence_vectors[m.group(0)] if m else self.rng.normal(0, 1, size=DIM)
            v = base + self.rng.normal(0, NOISE, size=DIM)
            out.append(v / np.linalg.norm(v))
        return [np.asarray(v, dtype=np.float32).tolist() for v in out]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def startup_settings(n: int) -> Any:
    from k2chat.settings import Settings

    folder = CACHE / "scale" / f"startup-n{n}"
    return Settings(corpus_dir=folder / "corpus", data_dir=folder / "data")


def build_startup_index(n: int, encoder: Any, sentence_vectors: dict[str, Any]) -> Any:
    """Settings of an indexed corpus of about ``n`` passages (the article + synthetic ones)."""
    from synthetic import write_articles

    from k2chat.store.build import build_index
    from k2chat.store.chunk import chunk_sections
    from k2chat.store.corpus import read_corpus
    from k2chat.store.index import index_status

    settings = startup_settings(n)
    if settings.corpus_dir.is_dir() and index_status(settings) == "ready":
        return settings
    print(f"(building a start-up index of ~{n} passages ...)", file=sys.stderr, flush=True)
    shutil.rmtree(settings.corpus_dir.parent, ignore_errors=True)
    from k2chat.store.quotes import Hit, units_of

    own = chunk_sections(read_corpus(CORPUS))
    article = [c.embedding_text() for c in own]
    article += [u.embedding_text() for u in units_of([Hit(c, 0.0, 0.0, 0.0, 0) for c in own])]
    # write_articles makes about four passages per article
    write_articles(settings.corpus_dir, max(1, (n - len(own)) // 4), seed=n)
    for path in CORPUS.glob("*.md"):
        shutil.copy(path, settings.corpus_dir / path.name)
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(bench_settings().onnx_path, settings.onnx_path)  # no export
    real = dict(zip(article, encoder.embed_documents(article), strict=True))
    build_index(settings, embeddings=CheapEmbeddings(encoder, sentence_vectors, real, n),
                show_progress=False)
    return settings


def startup_env(settings: Any) -> dict[str, str]:
    return child_env(K2CHAT_CORPUS_DIR=str(settings.corpus_dir),
                     K2CHAT_DATA_DIR=str(settings.data_dir))


def time_startup(settings: Any) -> float:
    """Seconds from starting a new process to its first printed answer line."""
    import subprocess
    import time

    started = time.perf_counter()
    proc = subprocess.Popen([PY, "-c", STARTUP_ASK, STARTUP_QUESTION], env=startup_env(settings),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    first = time.perf_counter() - started
    _, err = proc.communicate()
    if proc.returncode != 0 or not line.strip():
        raise SystemExit(f"k2chat.ask failed ({proc.returncode}): {err[-2000:]}")
    return first


def peak_rss_mb(settings: Any) -> float:
    import subprocess

    done = subprocess.run([PY, "-c", RSS_CHILD, str(EVAL_FILE), str(RSS_QUESTIONS)],
                          env=startup_env(settings), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the RSS child failed: {done.stderr[-2000:]}")
    return float(json.loads(done.stdout.strip().splitlines()[-1])["rss_mb"])


def startup_rows(sizes: list[int], encoder: Any, sentence_vectors: dict[str, Any]) -> list[Row]:
    """Start-up at each size, the ratio of the largest to the smallest, and RSS at the largest."""
    from k2chat.store.manifest import MANIFEST_FILE, Manifest, current_build_dir

    times: dict[int, float] = {}
    counts: dict[int, int] = {}
    for n in sizes:
        settings = build_startup_index(n, encoder, sentence_vectors)
        build = current_build_dir(settings)
        assert build is not None
        counts[n] = Manifest.from_json((build / MANIFEST_FILE).read_text()).chunk_count
        time_startup(settings)  # page cache warm
        runs = [time_startup(settings) for _ in range(STARTUP_RUNS)]
        times[n] = median(runs)
        print(f"{counts[n]} passages: start-up {secs(times[n])} "
              f"({', '.join(secs(r) for r in runs)})", file=sys.stderr, flush=True)
    small, large = sizes[0], sizes[-1]
    rss = peak_rss_mb(startup_settings(large))
    ratio = times[large] / times[small]
    rows = [Row("scale", f"start-up to first answer at {counts[n]:,} passages (median of "
                f"{STARTUP_RUNS})", secs(times[n]), "",
                "<= 3 s" if n == SIZES[-1] else "", times[n] <= 3.0 if n == SIZES[-1] else None)
            for n in sizes]
    rows.append(Row("scale", f"start-up at {counts[large]:,} / at {counts[small]:,} passages",
                    f"{ratio:.2f} x", f"{secs(times[small])} at {counts[small]:,}",
                    "<= 1.5 x", ratio <= 1.5))
    rows.append(Row("scale", f"peak RSS after {RSS_QUESTIONS} questions at {counts[large]:,} "
                    "passages", f"{rss:.0f} MB", "", "<= 1024 MB", rss <= 1024))
    return rows


def main() -> None:
    largest = arg("max", SIZES[-1])
    sizes = [n for n in SIZES if n <= largest]
    ensure_index()
    import numpy as np
    from synthetic import article_sentences

    from k2chat.chain.retrieve import HybridRetriever
    from k2chat.evaluate import load_cases
    from k2chat.models.embeddings import OnnxEmbeddings

    encoder = OnnxEmbeddings(bench_settings().onnx_path)
    sentences = list(article_sentences())
    sentence_vectors = dict(zip(sentences, np.asarray(encoder.embed_documents(sentences)),
                                strict=True))
    questions = [c.question for c in load_cases(EVAL_FILE)] + list(MISSPELLED)
    startup = startup_rows(sizes, encoder, sentence_vectors)
    if not arg("query", 1):  # --query 0: start-up and memory only
        emit(startup)
        return

    from k2chat.store.profile import load_profile
    from k2chat.store.ready import open_index

    results: dict[int, dict[str, Any]] = {}
    for n in sizes:
        # The query path k2chat itself takes on a local build: the saved BM25 index and the
        # exact product over the saved passage vectors (memory-mapped above IN_MEMORY_MAX).
        with Timer() as open_t:
            index = open_index(startup_settings(n), build=False)
        retriever = HybridRetriever(store=None, embeddings=encoder, lexical=index.lexical,
                                    vectors=index.vectors, vocabulary=load_profile(
                                        startup_settings(n).corpus_dir).vocabulary)
        results[n] = measure(retriever, questions)
        results[n].update(open=open_t.seconds, vocab=len(index.lexical.vocabulary),
                          passages=len(index.chunks))
        print(f"{n} passages: search p50 {ms(percentile(results[n]['search'], 50))}",
              file=sys.stderr, flush=True)

    def p50(n: int, key: str) -> str:
        return ms(percentile(results[n][key], 50))

    print("\nQuery cost by corpus size (p50 over "
          f"{len(questions)} questions; search = embed + dense + BM25 + candidate scoring):")
    print(table(["Passages", "vocabulary", "search p50", "search p95", "embed", "dense (exact)",
                 "BM25 search", "query terms (typo fix)", "misspelled query terms",
                 "index open"],
                [(f"{r['passages']:,}", f"{r['vocab']:,}", p50(n, "search"),
                  ms(percentile(r["search"], 95)), p50(n, "embed"), p50(n, "dense"),
                  p50(n, "bm25"), p50(n, "terms"), p50(n, "typo"), ms(r["open"]))
                 for n, r in results.items()]))
    small = percentile(results[sizes[0]]["search"], 50)
    rows = [Row("scale", f"search p50 at {n:,} passages", p50(n, "search"),
                f"p50 at {sizes[0]:,}: {ms(small)}",
                "<= 2 x p50 at 1k" if n == SIZES[-1] else "",
                percentile(results[n]["search"], 50) <= 2 * small if n == SIZES[-1] else None)
            for n in sizes]
    emit(startup + rows)


if __name__ == "__main__":
    main()

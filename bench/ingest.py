"""Ingest: the article after the model is loaded, and a synthetic corpus of 1,000 articles.

``k2chat.ingest.build_index`` runs as ``k2chat ingest`` does (batched embedding with the
reference sentence-transformers model, progress bar on stderr for large corpora) with a
Settings that points to folders under bench/.cache. Reference, same run and same loaded model:
the LangChain tutorial's ingest of the article (RecursiveCharacterTextSplitter(1000, 200),
embed, Chroma.from_documents). Target: the article ingests in under 3 s.

    .venv/bin/python bench/ingest.py [--articles 1000] [--json out.json]
"""

from __future__ import annotations

import shutil
import sys
import time

from _common import CACHE, CORPUS, Row, Timer, arg, emit, secs


def fresh(name: str):  # type: ignore[no-untyped-def]
    folder = CACHE / "ingest" / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def tutorial_ingest(embeddings) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    folder = fresh("tutorial")
    with Timer() as t:
        text = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.md")))
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        docs = splitter.split_documents([Document(page_content=text)])
        Chroma.from_documents(docs, embeddings, persist_directory=str(folder),
                              collection_name="tutorial")
    return t.seconds, len(docs)


def main() -> None:
    articles = arg("articles", 1000)
    from synthetic import write_articles

    from k2chat.models.embeddings import SentenceTransformerEmbeddings
    from k2chat.settings import Settings
    from k2chat.store.build import build_index

    with Timer() as load:
        st = SentenceTransformerEmbeddings()
        st.embed_query("load the model")

    data = fresh("article")
    article = Settings(corpus_dir=CORPUS, data_dir=data)
    first = build_index(article, embeddings=st, show_progress=False)  # exports ONNX too
    again = build_index(article, embeddings=st, show_progress=False)  # ONNX already there
    tutorial_s, tutorial_n = tutorial_ingest(st)

    corpus = CACHE / "ingest" / f"synthetic-{articles}"
    if not corpus.is_dir() or len(list(corpus.glob("*.md"))) != articles:
        shutil.rmtree(corpus, ignore_errors=True)
        write_articles(corpus, articles)
    big = Settings(corpus_dir=corpus, data_dir=fresh(f"synthetic-{articles}-data"))
    big.index_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(article.onnx_path, big.onnx_path)  # the one-off export is measured above
    print(f"Ingesting {articles} synthetic articles (progress bar below) ...",
          file=sys.stderr, flush=True)
    started = time.perf_counter()
    report = build_index(big, embeddings=st, show_progress=True)
    total = time.perf_counter() - started
    n = report.manifest.chunk_count

    rows = [
        Row("ingest", f"article ({again.manifest.chunk_count} passages), model loaded",
            secs(again.total_seconds),
            f"LangChain tutorial ingest, same model: {secs(tutorial_s)} ({tutorial_n} chunks)",
            "< 3 s", again.total_seconds < 3),
        Row("ingest", "article, first ingest into an empty data dir (includes ONNX export)",
            secs(first.total_seconds)),
        Row("ingest", "model load (sentence-transformers, once per ingest process)",
            secs(load.seconds)),
        Row("ingest", f"{articles} synthetic articles: {n} passages, end to end",
            secs(total)),
        Row("ingest", f"{articles} synthetic articles: embedding throughput",
            f"{report.chunks_per_second:.0f} passages/s"),
        Row("ingest", f"{articles} synthetic articles: end-to-end throughput",
            f"{n / total:.0f} passages/s"),
    ]
    emit(rows)


if __name__ == "__main__":
    main()

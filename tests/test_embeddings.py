"""The light ONNX encoder gives the reference encoder's vectors."""

import numpy as np

from k2chat.embeddings import OnnxEmbeddings

TEXTS = [
    "How much MK-7 is used for osteoporosis?", "warfarin", "k2 mk7 how mch daily??", "a",
    "Vitamin K2 (menaquinone) directs calcium toward bones and away from arteries.",
    "¿Cuánta vitamina K2 debo tomar?", "Who won the 2022 World Cup?", "1,500–45,000 mcg",
    "Is there a single optimal dose of vitamin K2 for everyone? " * 30,  # past 256 tokens
    "<img src=x onerror=alert(1)>", "DROP TABLE users; --", "😀 bones 😀", "",
] + [f"Question number {i} about vitamin K2, bone density and fracture risk." for i in range(40)]


def test_onnx_matches_sentence_transformers(settings, st_embeddings) -> None:  # type: ignore[no-untyped-def]
    onnx = OnnxEmbeddings(settings.onnx_path)
    a = np.array(onnx.embed_documents(TEXTS))
    b = np.array(st_embeddings.embed_documents(TEXTS))
    cos = (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    assert len(TEXTS) >= 50
    assert cos.min() >= 0.999, TEXTS[int(cos.argmin())]
    single = np.array(onnx.embed_query(TEXTS[0]))
    assert float(single @ b[0]) >= 0.999  # unpadded single query too

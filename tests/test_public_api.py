"""The public names are a contract: this fails when they change."""

import dataclasses

import k2chat

EXPECTED = {
    "DISCLAIMER", "EXAMPLE_QUESTIONS", "Answer", "Chat", "Citation", "CorpusError",
    "IndexCorruptError", "IndexNotBuiltError", "IngestBusyError", "K2ChatError",
    "PortInUseError", "Settings", "ask",
}


def test_all_is_pinned() -> None:
    assert set(k2chat.__all__) == EXPECTED
    for name in EXPECTED:
        assert hasattr(k2chat, name), name


def test_citation_fields_are_the_documented_ones() -> None:
    names = {f.name for f in dataclasses.fields(k2chat.Citation)}
    assert {"marker", "section", "section_title", "quote", "chunk_id", "score"} <= names


def test_answer_disclaimer_cannot_be_changed() -> None:
    a = k2chat.Answer(question="q", text="t")
    assert a.disclaimer == k2chat.DISCLAIMER
    assert a.to_markdown().endswith(f"_{k2chat.DISCLAIMER}_")


def test_quotes_in_the_body_are_shown_as_text() -> None:
    quote = "Doses > 1000 mcg/day of *MK-7* <b>x</b>"
    cited = k2chat.Citation(1, 5, "T", quote, "x-s5-p01", 0.9)
    a = k2chat.Answer("q", f"- {quote} [1]", (cited,))
    body = a.body_markdown()
    assert "<b>" not in body and "*MK-7*" not in body
    assert r"\<b\>" in body and r"\*MK-7\*" in body

"""Related questions (k2chat.related): checked against the chain once, offered after answers."""

from __future__ import annotations

import json

import pytest

from k2chat.chain.answer import EXAMPLE_QUESTIONS
from k2chat.chat import Chat
from k2chat.related import FILE, MAX_SHOWN, Related, candidates, ensure, load
from k2chat.serve.conversation import _answer_from_json, _answer_to_json

REFUSED = "Who won the 2022 World Cup?"
EMERGENCY = "I took too much K2 and have chest pain and cannot breathe"


@pytest.fixture(scope="module")
def related(pipeline) -> Related:  # type: ignore[no-untyped-def]
    return ensure(pipeline)


def test_every_kept_question_is_answered_alone_with_its_labelled_lead(related: Related,
                                                                      pipeline) -> None:  # type: ignore[no-untyped-def]
    facts = dict(candidates())
    assert len(related.questions) >= 10, "too few questions survive the check to offer"
    for q in related.questions:
        answer = Chat(pipeline=pipeline).ask(q.question)
        assert answer.grounded and not answer.emergency, q.question
        assert answer.citations[0].chunk_id == q.lead, q.question
        assert q.question in facts


@pytest.mark.parametrize("question", EXAMPLE_QUESTIONS)
def test_an_answer_offers_related_questions_that_keep_their_lead_in_the_conversation(
        related: Related, pipeline, question: str) -> None:  # type: ignore[no-untyped-def]
    """Two or three, never the question asked, each one the chain answers in this very
    conversation (not refused, not an emergency) with the lead the check recorded."""
    leads = {q.question: q.lead for q in related.questions}
    warned = Chat(pipeline=pipeline)
    warned.ask("Can I take vitamin K2 with warfarin?")
    caution = warned.ask("What is osteocalcin?").citations[0].chunk_id
    answer = Chat(pipeline=pipeline).ask(question)
    assert 2 <= len(answer.related) <= MAX_SHOWN, answer.related
    assert question not in answer.related and len(set(answer.related)) == len(answer.related)
    cited_sections = {c.section for c in answer.citations}
    for offered in answer.related:
        chat = Chat(pipeline=pipeline)
        chat.ask(question)
        follow = chat.ask(offered)
        assert follow.grounded and not follow.emergency, offered
        ids = [c.chunk_id for c in follow.citations]
        own = 1 if chat.state.on_blood_thinner else 0  # the chain's caution comes first
        if own:
            assert ids[0] == caution, (offered, ids)
            # after it, the blood thinner's statements may come first (a restrictive topic):
            # the first quote it shares with the answer to the question alone is its lead
            alone = {c.chunk_id for c in Chat(pipeline=pipeline).ask(offered).citations}
            assert [i for i in ids[own:] if i in alone][:1] == [leads[offered]], (offered, ids)
        else:
            assert ids[0] == leads[offered], (offered, ids)
        # its own lead is new to the reader (the caution may repeat: it leads every turn)
        assert leads[offered] not in {c.chunk_id for c in answer.citations}
        near = {c.section for c in follow.citations} & cited_sections
        assert near, f"{offered!r} is not near the passages {question!r} cited"


@pytest.mark.parametrize("question", [REFUSED, EMERGENCY])
def test_a_refusal_or_an_emergency_offers_none(related: Related, pipeline,  # type: ignore[no-untyped-def]
                                               question: str) -> None:
    answer = Chat(pipeline=pipeline).ask(question)
    assert not answer.grounded or answer.emergency
    assert answer.related == ()


def test_the_questions_are_stored_once_and_a_stale_file_is_not_used(related: Related,
                                                                    pipeline) -> None:  # type: ignore[no-untyped-def]
    path = pipeline.settings.data_dir / FILE
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert len(stored["questions"]) == len(related.questions)
    loaded = load(pipeline)
    assert loaded is not None and loaded.questions == related.questions
    path.write_text(json.dumps({**stored, "key": "another index"}), encoding="utf-8")
    try:
        assert load(pipeline) is None  # another index or models: checked again
    finally:
        ensure(pipeline)
    assert load(pipeline) is not None


def test_related_questions_are_in_the_api_and_survive_the_signed_conversation(
        related: Related, pipeline) -> None:  # type: ignore[no-untyped-def]
    answer = Chat(pipeline=pipeline).ask(EXAMPLE_QUESTIONS[0])
    assert answer.to_dict()["related"] == list(answer.related) and answer.related
    assert _answer_from_json(json.loads(json.dumps(_answer_to_json(answer)))) == answer
    old = _answer_to_json(answer)[:5]  # a turn signed before related questions existed
    assert _answer_from_json(old).related == ()


def test_the_stored_checks_are_stale_when_a_data_file_answering_reads_changes(
        tmp_path, settings) -> None:  # type: ignore[no-untyped-def]
    """The drug table or the fine-tuned encoder's record (its sha256) change a lead as the
    code does (convo4: every derived file keyed by all it depends on)."""
    import shutil

    from k2chat.files import DATA_DIR
    from k2chat.related import _code_digest

    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data, ignore=shutil.ignore_patterns("*.onnx"))
    before = _code_digest(settings, data)
    (data / "questions.yaml").write_text("# labelled examples are read by fitting only\n")
    assert _code_digest(settings, data) == before
    for name in ("drugs.json", "encoder.json", "english_lookalikes.txt"):
        with open(data / name, "a", encoding="utf-8") as f:
            f.write("\n")
        assert _code_digest(settings, data) != before, name
        before = _code_digest(settings, data)

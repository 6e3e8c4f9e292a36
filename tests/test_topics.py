"""The article's safety statements, curated strongest first (corpus/*.safety.yaml,
k2chat.chain.topics):
loading checks them against the article; a question or conversation that touches a topic leads
with that topic's strongest statement, the reader's own drug first; emergencies and
out-of-scope turns get no reassuring quote."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import k2chat
from k2chat.chain.answer import Request
from k2chat.chain.topics import SafetyTopics
from k2chat.errors import CorpusError
from k2chat.store.chunk import chunk_sections
from k2chat.store.corpus import read_article
from k2chat.store.quotes import Hit, units_of
from k2chat.store.reference import opens_unresolved
from k2chat.store.statements import Topic, load_topics
from k2chat.types import QUOTE_JOIN

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
ARTICLE = CORPUS / "vitamin-k2-dosage-bone-health.md"
DATA = CORPUS / "vitamin-k2-dosage-bone-health.safety.yaml"

STRONG_WARFARIN = ("For patients on warfarin, I strongly advise against self-supplementing with "
                   "any form of vitamin K.")
MILD_WARFARIN = "Clinical Note: While generally safe"
NON_NEGOTIABLE = "A proactive discussion with a cardiologist or hematologist is non-negotiable."
INR_STABLE = "must maintain consistent vitamin K intake to keep their INR stable"
INR_ACTION = "Unsupervised K2 supplementation can interfere with this stability"
REASSURING = "the interaction risk is considered lower"


def _topic(name: str) -> Topic:
    return next(t for t in load_topics(CORPUS) if t.name.startswith(name))


def _strongest(name: str) -> str:
    return _topic(name).statements[0].text


def test_the_file_covers_each_safety_topic_of_the_article_strongest_first() -> None:
    names = [t.name for t in load_topics(CORPUS)]
    for topic in ("vitamin K antagonists", "direct oral anticoagulants", "antiplatelet",
                  "anticoagulants", "other long-term medicines", "pregnancy", "children",
                  "kidney", "liver", "fat malabsorption", "clotting disorders", "surgery"):
        assert any(n.startswith(topic) for n in names), topic
    warfarin = [s.text for s in _topic("vitamin K antagonists").statements]
    assert warfarin[0] == STRONG_WARFARIN and warfarin[-1].startswith(MILD_WARFARIN)
    assert all(INR_ACTION in s for s in warfarin if INR_STABLE in s)
    assert all(REASSURING not in (t.emergency.text if t.emergency else "")
               for t in load_topics(CORPUS))


@pytest.mark.parametrize(("old", "new", "message"), [
    ("I strongly advise against", "I strongly advise against any", "not verbatim"),
    ('["Other groups who should consult a healthcare provider before starting supplementation '
     'include:", "Individuals with known clotting disorders',
     '["Other groups who should exercise extreme caution or avoid supplementation include:", '
     '"Individuals with known clotting disorders', "is not an item of the list"),
    ("kind: lead", "kind: headline", "kind must be one of"),
    ("within_mcg: [45, 200]", "within_mcg: [45, 250]", "within_mcg 250 is not a figure"),
    ("sides: amount", "sides: forms", "sides must be medicine, amount, form or drugs"),
])
def test_a_statement_that_is_not_the_articles_text_is_a_clear_error(
        tmp_path: Path, old: str, new: str, message: str) -> None:
    shutil.copy(ARTICLE, tmp_path / ARTICLE.name)
    text = DATA.read_text(encoding="utf-8")
    assert old in text
    (tmp_path / DATA.name).write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(CorpusError, match=message):
        load_topics(tmp_path)


def test_part_of_a_statement_is_completed_through_its_action_sentence() -> None:
    chunks = chunk_sections(read_article(ARTICLE))
    topics = SafetyTopics(load_topics(CORPUS), chunks)
    units = units_of([Hit(c, 0.0, 0.0, 0.0, 0) for c in chunks])
    partial = [u for u in units if INR_STABLE in u.quote and INR_ACTION not in u.quote]
    assert partial  # the passage split puts the action sentence in the next passage
    for unit in partial:
        assert INR_ACTION in topics.complete(unit).quote


# Three phrasings per topic: one naming a brand, one misspelt, one inside a personal story.
PHRASINGS = {
    "vitamin K antagonists": [
        "Is it okay to combine Coumadin with a K2 supplement?",
        "can i take vitamin k2 if im on warfrin",
        "My cardiologist put me on warfarin after my valve replacement and a friend swears by "
        "MK-7 for her bones. Should I start it?"],
    "direct oral anticoagulants": [
        "I take Xarelto every day, can I add vitamin K2?",
        "is vitamin k2 ok with apixiban",
        "Since my atrial fibrillation diagnosis I've been on Eliquis twice a day, and my bone "
        "scan showed osteopenia. Would K2 be a problem?"],
    "antiplatelet": [
        "Can I take K2 while on Plavix?",
        "vitamin k2 with clopidogrell safe?",
        "After my stent the hospital gave me Brilinta and now I'm wondering about MK-7 for my "
        "bones, is that allowed?"],
    "other long-term medicines": [
        "Does K2 interact with Xenical?",
        "k2 and antibiotcs interaction",
        "I've been on Keppra for my epilepsy for years and my neurologist never mentioned "
        "vitamins. Can I take K2?"],
    "pregnancy": [
        "Is the Thorne K2 liquid safe during pregnancy?",
        "can i take mk-7 while pregant",
        "We just found out I'm expecting our second baby, and I've taken K2 for my bones all "
        "year. Is it still fine to take?"],
    "children": [
        "Can my children take the Sports Research K2 gummies?",
        "is vitamin k2 ok for childern",
        "My son is 12 and broke his arm twice this year, the coach said MK-7 would strengthen "
        "his bones. Is that a good idea?"],
    "kidney": [
        "I take Life Extension K2 and have stage 3 kidney disease, is that a problem?",
        "vitamin k2 with kidny disease",
        "My mum has stage 4 chronic kidney disease and her bones are thinning. She wants to try "
        "K2. What should she know?"],
    "liver": [
        "I take Now Foods MK-7, is that okay with liver disease?",
        "k2 supplement with cirosis of the liver",
        "Since my hepatitis diagnosis last spring my doctor watches my liver closely; I'd like "
        "to add vitamin K2 for my bones. Is that wise?"],
    "fat malabsorption": [
        "I have celiac disease and take Garden of Life K2, will it work?",
        "vitamin k2 with fat malabsorbtion",
        "My Crohn's flares a lot and I lost part of my intestine in surgery years ago. Can "
        "vitamin K2 still help my bones?"],
    "clotting disorders": [
        "I have thrombophilia, can I take Mena-Q7 vitamin K2?",
        "k2 with a clotting disordr",
        "My father was told last year that he has factor V Leiden, a clotting disorder, and "
        "his bones are weak. Is vitamin K2 safe for him?"],
    "surgery": [
        "I'm having surgery at Mayo next month, should I take vitamin K2?",
        "vitamin k2 before surgury",
        "My hip replacement is scheduled for next month and I've been taking MK-7 daily. Do I "
        "need to do anything about it before the operation?"],
}
CASES = [(topic, q) for topic, qs in PHRASINGS.items() for q in qs]


@pytest.mark.parametrize(("topic", "question"), CASES, ids=[f"{t}-{i % 3}" for i, (t, _)
                                                             in enumerate(CASES)])
def test_an_answer_leads_with_its_topics_strongest_statement(
        pipeline, topic: str, question: str) -> None:  # type: ignore[no-untyped-def]
    answer = pipeline.answer(Request(question))
    assert answer.citations, answer.text
    assert answer.citations[0].quote == _strongest(topic), answer.text


def _ask(pipeline, question: str) -> k2chat.Answer:  # type: ignore[no-untyped-def]
    return pipeline.answer(Request(question))


# --- issue 21, finding 1 (own wording) ------------------------------------------------------

def test_the_headline_warfarin_question_leads_with_the_strongest_statement(pipeline) -> None:  # type: ignore[no-untyped-def]
    """It used to open with the mildest of the seven ("Clinical Note: While generally safe")."""
    for question in ("Can I take vitamin K2 with warfarin?", "warfarin and MK-7 together ok?"):
        answer = _ask(pipeline, question)
        assert answer.citations[0].quote == STRONG_WARFARIN, answer.text
        assert not answer.citations[0].quote.startswith(MILD_WARFARIN)


def test_a_warfarin_reader_who_mentions_inr_gets_the_strongest_caution_first(pipeline) -> None:  # type: ignore[no-untyped-def]
    """Blind round 8: a warfarin reader who wrote about INR checks got "must maintain consistent
    vitamin K intake to keep their INR stable" first, read as permission."""
    for question in ("My INR has been steady on Jantoven for a year, can I add 100 mcg of K2?",
                     "on coumadin, inr checked monthly. mk7 ok?"):
        answer = _ask(pipeline, question)
        assert answer.citations[0].quote == STRONG_WARFARIN, answer.text


@pytest.mark.parametrize("question", [
    "I'm on Eliquis for my heart rhythm, is vitamin K2 alright?",
    "Xarelto plus 180 mcg of MK-7, any concern?",
    "does k2 affect dabigatran",
])
def test_a_doac_reader_is_told_a_specialist_talk_is_non_negotiable(pipeline, question) -> None:  # type: ignore[no-untyped-def]
    """Eliquis and Xarelto answers used to stop before "non-negotiable"."""
    answer = _ask(pipeline, question)
    assert NON_NEGOTIABLE in answer.citations[0].quote, answer.text


@pytest.mark.parametrize("question", [
    "My dad takes Jantoven, could he just begin 200 mcg of K2 on his own?",
    "Why do people on warfarin have to keep their vitamin K steady?",
    "what does K2 do to someone's INR on coumadin",
])
def test_steady_intake_is_never_quoted_without_what_unsupervised_k2_does(
        pipeline, question) -> None:  # type: ignore[no-untyped-def]
    """"must maintain consistent vitamin K intake ..." alone reads as permission."""
    answer = _ask(pipeline, question)
    assert answer.citations, answer.text
    assert answer.citations[0].quote == STRONG_WARFARIN or INR_ACTION in answer.citations[0].quote
    for c in answer.citations:
        assert INR_STABLE not in c.quote or INR_ACTION in c.quote, answer.text


# --- issue 21, finding 2 (own wording) ------------------------------------------------------

@pytest.mark.parametrize("question", [
    "Do bisphosphonates cut hip fractures more than vitamin K2 does?",
    "How long did the vitamin K2 trials run compared with osteoporosis drug trials?",
    "What should I bring along when I see my doctor about K2?",
    "Were the 180-360 mcg doses studied together with vitamin D and calcium?",
    "Is vitamin K2 a replacement for my osteoporosis prescription?",
    "Why is vitamin K2 thought to help bones?",
])
def test_no_quote_opens_with_a_reference_it_does_not_show(pipeline, question) -> None:  # type: ignore[no-untyped-def]
    """Quotes used to open with "In contrast, ...", "Those drugs have ...", "This allows your
    physician ...", "It is crucial to understand that these doses ..."."""
    answer = _ask(pipeline, question)
    assert answer.citations, answer.text
    for c in answer.citations:
        assert not opens_unresolved(c.quote, QUOTE_JOIN), c.quote


@pytest.mark.parametrize("question", [
    "I'm on dialysis three times a week. Is K2 safe for me?",
    "my kidneys failed and i go to dialysis, can i take mk7?",
])
def test_a_dialysis_reader_sees_whom_the_warfarin_sentence_is_about(pipeline, question) -> None:  # type: ignore[no-untyped-def]
    """"These patients must avoid supplementation" was read by a dialysis reader as being about
    dialysis: it is now quoted only with the sentence naming warfarin patients; the kidney
    topic's strongest statement leads and the sentence naming dialysis is shown too."""
    answer = _ask(pipeline, question)
    assert KIDNEY_AVOID in answer.citations[0].quote, answer.text
    assert any("requiring dialysis" in c.quote for c in answer.citations), answer.text
    for c in answer.citations:
        if "These patients must avoid" in c.quote:
            assert "warfarin" in c.quote.split("These patients must avoid")[0]


# --- strongest first inside a topic (blind round 11: a dialysis reader got the weaker line) ---

KIDNEY_AVOID = "Those with severe kidney or liver disease, as impaired organ function"

# The article's wording of strength, strongest first: what each statement tells its readers to
# do. A statement's strength is that of the strongest wording it uses.
_STRENGTH = [
    # (only under strict supervision: "must avoid supplementation unless under strict,
    # supervised medical management" and "any change ... must be done under strict medical
    # supervision" tell the reader the same)
    ("strongly advise against", "must avoid", "avoid supplementation", "non-negotiable",
     "must be done under strict medical supervision"),
    ("extreme caution",),
    ("must consult", "must maintain", "is essential", "not typically recommended",
     "are not recommended"),
    ("should also exercise caution", "caution is still advised", "consult", "seek",
     "prudent", "may increase the risk"),
]


def _strength(text: str) -> int:
    # whole words ("adults seeking to support bone health" seeks no advice)
    lowered = text.lower()
    return next((len(_STRENGTH) - i for i, words in enumerate(_STRENGTH)
                 if any(re.search(rf"\b{re.escape(w)}\b", lowered) for w in words)), 0)


def test_every_topic_lists_its_statements_strongest_first() -> None:
    for topic in load_topics(CORPUS):
        strengths = [_strength(s.text) for s in topic.statements]
        assert strengths == sorted(strengths, reverse=True), (topic.name, strengths)
    assert _strength("Pregnant women should avoid supplementation.") > _strength(
        "Those on dialysis should also exercise caution.") > 0


@pytest.mark.parametrize(("topic", "words", "leads"), [
    # a dialysis reader has severe kidney disease: the strongest applies and leads
    ("kidney disease", "I have been on haemodialysis for two years", KIDNEY_AVOID),
    ("kidney disease", "my mother's kidneys failed, she needs dialysis", KIDNEY_AVOID),
    # a reader planning a pregnancy is not yet in "Pregnant or breastfeeding individuals"
    ("pregnancy", "we are planning a pregnancy next year", "You are planning for pregnancy"),
])
def test_a_statement_leads_over_stronger_ones_only_when_they_do_not_apply(
        topic: str, words: str, leads: str) -> None:
    topics = SafetyTopics.for_corpus(CORPUS, chunk_sections(read_article(ARTICLE)))
    ranked = [u.quote for u in topics.statements(_topic(topic), words)]
    assert leads in ranked[0], ranked


# --- the conversation, and emergencies --------------------------------------------------------

def test_an_out_of_scope_turn_after_a_warfarin_question_is_refused_as_usual(pipeline) -> None:  # type: ignore[no-untyped-def]
    chat = k2chat.Chat(pipeline=pipeline)
    first = chat.ask("Can I take vitamin K2 with warfarin?")
    assert first.citations[0].quote == STRONG_WARFARIN
    answer = chat.ask("Which country won the football World Cup in 2022?")
    assert not answer.grounded and not answer.citations, answer.text
    assert k2chat.chain.safety.CAUTION_APPLIES not in answer.text
    # a question the article covers still carries the caution of the drug named before
    dose = chat.ask("And how much MK-7 do the studies use?")
    assert dose.citations and k2chat.chain.safety.CAUTION_APPLIES in dose.text, dose.text


@pytest.mark.parametrize(("question", "own"), [
    ("I just swallowed a whole bottle of my Eliquis tablets", NON_NEGOTIABLE),
    ("my husband on warfarin fell and is bleeding heavily and it won't stop", STRONG_WARFARIN),
    ("I just took 30 of my vitamin K2 capsules at once by mistake", None),
])
def test_an_emergency_reply_is_the_redirect_and_only_the_own_drug_caution(
        pipeline, question: str, own: str | None) -> None:  # type: ignore[no-untyped-def]
    """An overdose reply went on to quote "the interaction risk is considered lower"."""
    answer = _ask(pipeline, question)
    assert answer.emergency and k2chat.chain.safety.EMERGENCY_MESSAGE in answer.text, answer.text
    assert REASSURING not in answer.text
    assert [c.quote for c in answer.citations] == ([own] if own else []), answer.text


def test_touching_is_by_the_readers_words_not_the_search_thesaurus(pipeline) -> None:  # type: ignore[no-untyped-def]
    """A "baby aspirin" reader is no child, "8 years ago" no age of a child."""
    topics = SafetyTopics(load_topics(CORPUS), pipeline.index.chunks)
    lex = pipeline.retriever.lexical
    touched = [t.name for t, _ in topics.touched("I take a baby aspirin daily, is K2 ok?", lex)]
    assert touched and touched[0].startswith("antiplatelet") and "children" not in touched
    story = "I went through menopause 8 years ago, what dose of MK-7 is studied?"
    assert not [t for t, _ in topics.touched(story, lex)]
    assert [t.name for t, _ in topics.touched("my 9 year old wants K2", lex)] == ["children"]
    # "dialysis" touches the kidney topic, whose strongest statement leads (blind round 11)
    assert KIDNEY_AVOID in topics.leads("is k2 ok on dialysis", lex).quote  # type: ignore[union-attr]


def test_ingest_stops_on_a_statement_that_is_not_the_articles_text(tmp_path: Path) -> None:
    from k2chat.settings import Settings
    from k2chat.store.build import build_index

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(ARTICLE, corpus / ARTICLE.name)
    text = DATA.read_text(encoding="utf-8").replace("I strongly advise", "I advise", 1)
    (corpus / DATA.name).write_text(text, encoding="utf-8")
    settings = Settings(corpus_dir=corpus, data_dir=tmp_path / "data")
    with pytest.raises(CorpusError, match="not verbatim article text"):
        build_index(settings, show_progress=False)
    assert not (settings.index_dir / "CURRENT").exists()  # nothing was built


def test_which_unit_a_form_is_dosed_in_is_the_profiles(pipeline) -> None:  # type: ignore[no-untyped-def]
    """The amount topic (above_mcg) reads an amount against the form's unit from the profile
    (dosed_in: MK-4 in mg, MK-7 in mcg), not from code: with the profile, 0.5 mg of MK-7 is 500
    mcg and touches it, 500 mcg of MK-4 does not; without one, no form has a unit."""
    from k2chat.store.profile import load_profile

    lex = pipeline.retriever.lexical
    words = load_profile(CORPUS).vocabulary
    assert words.unit_of("mk4") == "mg" and words.unit_of("mk7") == "mcg"
    profiled = SafetyTopics(load_topics(CORPUS), pipeline.index.chunks, words)
    bare = SafetyTopics(load_topics(CORPUS), pipeline.index.chunks)

    def by_amount(topics: SafetyTopics, question: str) -> bool:
        return any(t.by_amount for t, _ in topics.touched(question, lex))

    assert by_amount(profiled, "Is 0.5 mg of MK-7 a day too much?")
    assert not by_amount(bare, "Is 0.5 mg of MK-7 a day too much?")
    assert not by_amount(profiled, "Is 500 mcg of MK-4 a day too much?")
    assert by_amount(bare, "Is 500 mcg of MK-4 a day too much?")


# Round 17: bruising noticed after starting K2 leads with the article's line telling the reader
# to seek advice, not with the stomach-upset line. New wording.
def test_bruising_after_starting_leads_with_the_advice_line() -> None:
    answer = k2chat.ask("been on menaquinone-7 a month and there are two or three bruises on "
                        "my shins I don't remember getting, normal?")
    assert answer.citations and "easy bruising" in answer.citations[0].quote, answer.text

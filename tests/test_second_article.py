"""A second article is added as data only (issue 24): its text and its profile in a corpus of
its own, beside the K2 article, and no code change. Its own questions are answered from it and
cited with its title, the K2 answers do not change where the second article does not enter
them, and each article's section 2 opens its own source card on the page.

The second article (tests/data/second-article/) is a three-section vitamin D text written for
this test. The fitted models are the K2 article's (their labelled examples mark vitamin D
questions out of scope), so the questions asked of it here are plain ones those models pass;
"What is the upper limit for vitamin D?" is refused until the article has labelled examples of
its own and the models are fitted again (docs/adding-an-article.md)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from k2chat.chain.followup import resolve_followup
from k2chat.chat import Chat
from k2chat.errors import CorpusError
from k2chat.serve import render, ui
from k2chat.store.profile import load_profile
from k2chat.types import Answer

from .conftest import CORPUS, EVAL_FILE

SECOND = Path(__file__).parent / "data" / "second-article"
D_TITLE = "Vitamin D basics for adults"
K2_TITLE = "Vitamin K2 dosage for bone health"


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory, st_embeddings):  # type: ignore[no-untyped-def]
    """Settings for a corpus of the K2 article and the vitamin D article (each with its
    profile), with an index built by the real model in a temporary data folder."""
    from k2chat.settings import Settings
    from k2chat.store.build import build_index

    corpus = tmp_path_factory.mktemp("two-articles")
    for path in [*CORPUS.iterdir(), *SECOND.iterdir()]:
        shutil.copy(path, corpus)
    s = Settings(corpus_dir=corpus, data_dir=tmp_path_factory.mktemp("two-data"))
    build_index(s, embeddings=st_embeddings, show_progress=False)
    return s


@pytest.fixture(scope="module")
def two_pipeline(two):  # type: ignore[no-untyped-def]
    from k2chat.pipeline import get_pipeline

    return get_pipeline(two)


def _ask(pipeline, question: str, history: list[str] | None = None) -> Answer:  # type: ignore[no-untyped-def]
    chat = Chat(pipeline=pipeline)
    for earlier in history or []:
        chat.ask(str(earlier))
    return chat.ask(question)


def test_the_profiles_of_both_articles_are_read(two) -> None:  # type: ignore[no-untyped-def]
    profile = load_profile(two.corpus_dir)
    assert profile.many and set(profile.titles) == {D_TITLE, K2_TITLE}
    # the refusal's first three examples take turns between the articles
    assert "How much vitamin D does an adult need per day?" in profile.example_questions[:3]
    assert "How much MK-7 is used for osteoporosis?" in profile.example_questions[:3]


@pytest.mark.parametrize(("question", "section", "fact"), [
    ("How much vitamin D does an adult need per day?", 2, "600 IU (15 mcg)"),
    ("How much vitamin D after age 70?", 2, "800 IU (20 mcg)"),
    ("Which foods contain vitamin D?", 3, "Fatty fish such as salmon"),
])
def test_the_second_articles_questions_are_answered_from_it_and_cited_with_its_title(
        two_pipeline, question: str, section: int, fact: str) -> None:  # type: ignore[no-untyped-def]
    answer = _ask(two_pipeline, question)
    cited = [c for c in answer.citations if c.article == "vitamin-d-basics"]
    assert answer.grounded and cited, answer.text
    assert any(fact in c.quote and c.section == section for c in cited)
    assert f"[{cited[0].marker}] {D_TITLE} › Section {section}. " in answer.to_markdown()
    assert f"{D_TITLE} › Section {section}. " in answer.to_text()


def test_k2_answers_are_unchanged_where_the_second_article_does_not_enter_them(
        two_pipeline, pipeline) -> None:  # type: ignore[no-untyped-def]
    """Every question of the default evaluation set: an answer that quotes only the K2
    article quotes the same sentences, in the same order, as in the K2 article's own corpus
    (measured on every eval set: 1,015 of 1,051 answers quote the same or are refused both
    times; docs/adding-an-article.md says what the others are), and its sources name the
    article."""
    cases = yaml.safe_load(EVAL_FILE.read_text(encoding="utf-8"))
    compared = 0
    for case in cases:
        alone = _ask(pipeline, str(case["question"]), case.get("history"))
        beside = _ask(two_pipeline, str(case["question"]), case.get("history"))
        if any(c.article != "vitamin-k2-dosage-bone-health" for c in beside.citations):
            continue  # the vitamin D article answers ("What is the recommended vitamin D dose?")
        compared += 1
        assert [c.quote for c in beside.citations] == [c.quote for c in alone.citations], \
            case["question"]
        assert beside.grounded == alone.grounded, case["question"]
        for a, b in zip(alone.citations, beside.citations, strict=True):
            assert a.location in b.location and b.location == f"{K2_TITLE} › {a.location}"
    assert compared >= len(cases) - 5  # the second article enters only a few answers


def test_the_second_articles_dose_units_make_an_iu_question_an_amount_question(
        two_pipeline, pipeline) -> None:  # type: ignore[no-untyped-def]
    """The vitamin D profile declares IU (the K2 profile mcg and mg): beside it, "Is 4000 IU
    a day safe?" asks for an amount, the vitamin D passages giving IU figures state one, and
    the retriever gives them the amount bonus, as it gives K2's dose lines for "how much"."""
    question = "Is 4000 IU a day safe?"
    k2_words, both = pipeline.retriever.vocabulary, two_pipeline.retriever.vocabulary
    assert {"mcg", "mg"} <= set(k2_words.dose_units) and "IU" not in k2_words.dose_units
    assert "IU" in both.dose_units and set(k2_words.dose_units) <= set(both.dose_units)
    assert not k2_words.asks_amount.search(question) and both.asks_amount.search(question)
    lex = two_pipeline.retriever.lexical
    upper = next(i for i, c in enumerate(lex.chunks) if "4,000 IU" in c.text)
    assert lex.states_amount(upper, both.amount)
    assert not k2_words.amount.search("The upper limit is 4,000 IU per day.")
    # the same retriever with the K2 article's units alone: no bonus for the IU passage
    k2_only = two_pipeline.retriever.model_copy(update={"vocabulary": k2_words})
    with_iu = {h.chunk.id: h.fused for h in two_pipeline.retriever.hits(question, k=24)}
    without = {h.chunk.id: h.fused for h in k2_only.hits(question, k=24)}
    upper_id = lex.chunks[upper].id
    assert with_iu[upper_id] == pytest.approx(
        without[upper_id] + two_pipeline.retriever.figure_bonus)


def test_a_single_article_corpus_names_no_article_in_its_sources(pipeline) -> None:  # type: ignore[no-untyped-def]
    answer = _ask(pipeline, "How much MK-7 is used for osteoporosis?")
    assert answer.citations and all(not c.names_article for c in answer.citations)
    assert f"[1] Section {answer.citations[0].section}. " in answer.to_markdown()
    assert K2_TITLE not in answer.sources_markdown()


def test_each_articles_section_2_opens_its_own_card(two, two_pipeline) -> None:  # type: ignore[no-untyped-def]
    """The page's cards are keyed by (article, section): the vitamin D article's section 2
    and the K2 article's section 2 each open their own section, rendered as the page does."""
    sections = ui._sections(two)
    d_answer = _ask(two_pipeline, "How much vitamin D does an adult need per day?")
    k2_answer = _ask(two_pipeline, "How much MK-7 is used for osteoporosis?")
    d_two = next(c for c in d_answer.citations if c.section == 2)
    k2_two = next(c for c in k2_answer.citations if c.section == 2)
    assert (d_two.article, k2_two.article) == ("vitamin-d-basics", "vitamin-k2-dosage-bone-health")
    d_card = render._sources_html(d_answer, 0, sections)
    k2_card = render._sources_html(k2_answer, 1, sections)
    assert "Adults older than 70 are advised" in d_card  # D's section 2, whole
    assert "Dosage effects are directly linked" not in d_card
    assert "Dosage effects are directly linked" in k2_card  # K2's section 2, whole
    assert "Adults older than 70 are advised" not in k2_card
    assert '<mark class="k2-cited">' in d_card and '<mark class="k2-cited">' in k2_card


def test_the_page_names_both_articles(two) -> None:  # type: ignore[no-untyped-def]
    from k2chat.chain.safety import banner, not_covered_message

    profile = load_profile(two.corpus_dir)
    assert ui.page_title(profile) == "k2chat · Vitamin D for adults and vitamin K2 and bone health"
    assert f'"{D_TITLE}"' in banner(profile) and f'"{K2_TITLE}"' in banner(profile)
    assert not_covered_message(profile).startswith(
        f'The articles "{D_TITLE}" and "{K2_TITLE}" do not cover that question')


def test_an_article_without_a_profile_gets_a_generic_one(tmp_path: Path) -> None:
    shutil.copy(SECOND / "vitamin-d-basics.md", tmp_path)
    profile = load_profile(tmp_path)
    assert profile.subject == f'the article "{D_TITLE}"'
    assert profile.example_questions == () and profile.forms == {}
    # no units: nothing it reads states an amount ("dose", "how much" still ask for one)
    assert profile.vocabulary.dose_units == () and profile.vocabulary.forms == frozenset()
    assert not profile.vocabulary.amount.search("Take 600 IU or 100 mcg or 45 mg a day.")
    assert profile.vocabulary.asks_amount.search("What dose is right?")
    assert not any(w in profile.subject + profile.covers for w in ("K2", "MK-", "mcg"))


@pytest.mark.parametrize(("text", "says"), [
    ("- just a list", "must be a YAML mapping"),
    ("subject: x\ncovers: y\n", "ask_about: Field required"),
    ("subject: x\ncovers: y\nask_about: z\nexample_question: [a]\n", "example_question: Extra"),
    ("subject: x\ncovers: y\nask_about: z\nforms: {MK-7: MK-7}\n", "forms"),
    ("subject: x\ncovers: y\nask_about: z\ndose_units: [mcg, '']\n", "dose_units"),
    ("subject: [x\n", "Cannot read the article profile"),
    ("subject: x\ncovers: y\nask_about: z\nform_names: ['d[23']\n", "not a regular expression"),
    ("subject: x\ncovers: y\nask_about: z\nform_names: ['(d)3']\n", "groups as (?:...)"),
    ("subject: x\ncovers: y\nask_about: z\nsubstance_names: ['vitamin d[23']\n",
     "not a regular expression"),
    ("subject: x\ncovers: y\nask_about: z\nsubstance_words: [Vitamin D]\n",
     "as k2chat.text.normalize spells it"),
    ("subject: x\ncovers: y\nask_about: z\nforms: {d3: D3}\ndose_units: [IU]\n"
     "dosed_in: {d2: IU}\n", "'d2' is not one of its forms"),
    ("subject: x\ncovers: y\nask_about: z\nforms: {d3: D3}\ndose_units: [IU]\n"
     "dosed_in: {d3: mg}\n", "'mg' (d3) is not one of its dose_units"),
])
def test_a_malformed_profile_is_a_clear_error(tmp_path: Path, text: str, says: str) -> None:
    shutil.copy(SECOND / "vitamin-d-basics.md", tmp_path)
    (tmp_path / "vitamin-d-basics.profile.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(CorpusError, match="vitamin-d-basics.profile.yaml") as raised:
        load_profile(tmp_path)
    assert says in str(raised.value)


def test_a_changed_profile_is_read_again(tmp_path: Path) -> None:
    for path in SECOND.iterdir():
        shutil.copy(path, tmp_path)
    assert load_profile(tmp_path).subject == "vitamin D for adults"
    profile_path = tmp_path / "vitamin-d-basics.profile.yaml"
    profile_path.write_text(profile_path.read_text(encoding="utf-8").replace(
        "subject: vitamin D for adults", "subject: vitamin D, the sunshine vitamin"),
        encoding="utf-8")
    assert load_profile(tmp_path).subject == "vitamin D, the sunshine vitamin"


def test_the_second_articles_own_forms_carry_a_unit_follow_up_without_code(
        tmp_path: Path) -> None:
    """Forms are the profile's, not the code's: give the vitamin D article forms of its own
    (D2, D3, dosed in IU) and a conversation about D3 keeps "is that mcg or IU?" on D3 (a
    quote about D2 alone is left out), as a K2 conversation keeps "is that mcg or mg?" on
    MK-7."""
    from k2chat.settings import Settings

    for path in SECOND.iterdir():
        shutil.copy(path, tmp_path)
    profile_path = tmp_path / "vitamin-d-basics.profile.yaml"
    profile_path.write_text(profile_path.read_text(encoding="utf-8")
                            + "forms: {d2: D2, d3: D3}\ndosed_in: {d2: IU, d3: IU}\n"
                            + "form_names: ['d[23]']\n",
                            encoding="utf-8")
    words = load_profile(tmp_path).vocabulary
    assert words.forms == {"d2", "d3"} and words.unit_of("d3") == "IU"
    assert words.unit_of("mk4") is None  # no K2 form in a vitamin D corpus
    s = Settings(corpus_dir=tmp_path, data_dir=tmp_path / "data")
    chat = Chat(settings=s, history=["How much vitamin D3 do adults need per day?",
                                     "is that mcg or IU?"])
    assert chat.state.form == "d3"
    # a quote about D2 only is off the subject in the follow-up; one about D3 is not
    assert chat.state.off_subject_form("Take 400 IU of D2.", "is that mcg or IU?")
    assert not chat.state.off_subject_form("Take 600 IU of D3.", "is that mcg or IU?")
    k2 = Chat(settings=s, history=["How much MK-7 per day?", "is that mcg or mg?"])
    assert k2.state.form is None  # MK-7 is no form of this corpus
    # its form names: "And for D2?" asks the earlier question about D2
    assert resolve_followup("And for D2?", "How much D3 do adults need?", words) == \
        "How much D2 do adults need? for ?"
    assert resolve_followup("And for MK-4?", "How much MK-7 do adults need?", words) != \
        "How much MK-4 do adults need? for ?"

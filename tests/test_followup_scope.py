"""Out-of-scope follow-ups (issue 21): another vitamin's or mineral's dose, a brand or a price
asked after a K2 turn is refused like the same question asked alone; follow-ups the article
answers are not. New wording (not the issue's, not in src/k2chat/data or tests/eval)."""

import pytest

from k2chat import Chat


@pytest.mark.parametrize("question", [
    "and magnesium glycinate, how many mg should go with it?",
    "what dose of vitamin D3 should I pair with that?",
    "and which brand sells the best one?",
])
def test_another_nutrient_brand_or_price_as_a_follow_up_is_refused(settings, question: str) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(settings)
    first = chat.ask("How much MK-7 do studies use for bone health?")
    assert first.citations, first.text
    a = chat.ask(question)
    assert not a.citations, a.text


def test_a_follow_up_the_article_answers_is_answered(settings) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(settings)
    chat.ask("How much MK-7 do studies use for bone health?")
    a = chat.ask("and for MK-4, how much?")
    assert any("45 milligrams" in c.quote for c in a.citations), a.text


# Convo4: the scope model decided such follow-ups near its threshold (after a K2 dose answer
# one nutrient's dose was answered, another's refused). A dose question naming a substance the
# article never mentions is now refused by rule, whatever the earlier turns were about.
@pytest.mark.parametrize(("first", "question"), [
    ("What's a normal daily MK-4 amount for osteoporosis?", "and chromium, how much of that?"),
    ("What dose of MK-7 is typical?", "and copper, what dose?"),
    ("Is 180 mcg of MK-7 a sensible amount?", "fine, and how much lysine should go with it?"),
    ("What's a normal daily MK-4 amount for osteoporosis?",
     "different topic now: how many mg of potassium do I need for my bones?"),
])
def test_a_dose_question_naming_a_substance_the_article_never_mentions_is_refused(
        settings, first: str, question: str) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(settings)
    assert chat.ask(first).citations
    a = chat.ask(question)
    assert not a.citations and not a.grounded, a.text


@pytest.mark.parametrize(("question", "quoted"), [
    ("we are hoping to conceive soon, does that change anything?", "planning for pregnancy"),
    ("how much should my husband take then?", "mcg"),
])
def test_a_follow_up_about_a_group_or_a_plain_dose_stays_answered(
        settings, question: str, quoted: str) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(settings)
    chat.ask("What dose of MK-7 is typical?")
    a = chat.ask(question)
    assert any(quoted in c.quote for c in a.citations), a.text


@pytest.mark.parametrize(("text", "named"), [
    ("and chromium, how much of that?", "chromium"), ("how much boron with it?", "boron"),
    ("what dose of fish oil?", "fish oil"), ("and vitamin E, how much?", "vitamin e"),
    ("how much should my wife take?", None), ("how much better is MK-7?", None),
    ("how many times a day?", None), ("and my mum, what dose?", None),
    ("and for MK-4, how much?", None), ("how much of it per day?", None),
])
def test_the_substance_a_question_asks_the_amount_of(text: str, named: str | None) -> None:
    from k2chat.chain.answerable import asked_amount_of
    from k2chat.store.profile import load_profile

    from .conftest import CORPUS

    # the K2 article's substance and form names (its profile): "MK-4" is K2, "chromium" not
    assert asked_amount_of(text, load_profile(CORPUS).vocabulary) == named


def test_a_reader_not_pregnant_yet_but_trying_to_conceive_gets_the_planning_statement(
        settings) -> None:  # type: ignore[no-untyped-def]
    """"Not pregnant" excludes the pregnancy statements, but the reader planning a pregnancy
    is in the article's "planning for pregnancy" group (new wording; blind round 9 asked it)."""
    chat = Chat(settings)
    chat.ask("Can pregnant women take vitamin K2?")
    a = chat.ask("well I'm not pregnant at the moment, we're just trying to conceive. same advice?")
    assert a.citations and "planning for pregnancy" in a.citations[0].quote, a.text

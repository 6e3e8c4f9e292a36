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

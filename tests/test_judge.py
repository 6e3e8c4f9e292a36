"""Judging and composing, on hand-made passages: no index, no model."""

from __future__ import annotations

from k2chat.chain import safety
from k2chat.chain.answer import Prepared, compose
from k2chat.chain.judge import Judgement, _differing_figures
from k2chat.store.profile import load_profile
from k2chat.store.quotes import WHOLE, Hit, overlaps, units_of
from k2chat.types import QUOTE_JOIN, Chunk
from k2chat.vocabulary import Vocabulary

from .conftest import CORPUS

PROFILE = load_profile(CORPUS)  # the K2 article's profile (corpus/*.profile.yaml)


def chunk(text: str, *, section: int = 4, position: int = 1, context: str = "",
          heading: str = "Evidence-Based Dosage Ranges") -> Chunk:
    return Chunk(f"a-s{section}-p{position:02d}", "a", "Title", section, "Practical Takeaways",
                 position, text, heading=heading, context=context)


def hit(c: Chunk, rank: int = 0) -> Hit:
    return Hit(c, 0.5, 0.5, 1.0, rank)


LABELLED = chunk("For MK-7 (Menaquinone-7): 90–180 micrograms (mcg). This range is consistently "
                 "associated with improved carboxylation of osteocalcin.",
                 context="For general bone health maintenance in healthy adults, the current "
                         "body of evidence suggests the following daily intakes:")


def test_a_list_item_is_quoted_with_its_lead_in_and_label() -> None:
    units = units_of([hit(LABELLED)])
    sentence = [u for u in units if u.index == 1][0]
    # "This range" refers back: the label it names is carried, as the article's own words
    assert sentence.quote.split(QUOTE_JOIN) == [
        LABELLED.context, "For MK-7 (Menaquinone-7): 90–180 micrograms (mcg). This range is "
        "consistently associated with improved carboxylation of osteocalcin."]
    assert not [u for u in units if u.index == 0]  # the label alone is never a quote
    whole = [u for u in units if u.index == WHOLE][0]
    assert whole.quote.endswith(LABELLED.text)


def test_a_named_head_labels_the_sentences_after_it() -> None:
    c = chunk("Therapeutic Range for Osteopenia/Osteoporosis (100–200 mcg/day): This is the most "
              "consistently studied range in clinical trials showing positive effects on bone "
              "mineral density. Most evidence supports MK-7 in doses of 180–200 mcg daily for "
              "this purpose.")
    second = [u for u in units_of([hit(c)]) if u.index == 1][0]
    assert second.quote.startswith("Therapeutic Range for Osteopenia/Osteoporosis (100–200 "
                                   "mcg/day):" + QUOTE_JOIN)


def test_quotes_of_one_passage_overlap_only_when_they_share_a_sentence() -> None:
    units = {u.index: u for u in units_of([hit(LABELLED)])}
    assert overlaps(units[1], units[WHOLE])
    assert overlaps(units[1], units[1])
    other = units_of([hit(chunk("One. Two sentences here.", position=2))])
    assert not any(overlaps(units[1], u) for u in other)


def test_different_figures_are_flagged_only_for_the_same_form_in_different_sections() -> None:
    s4 = units_of([hit(LABELLED)])[0]
    s2 = units_of([hit(chunk("Most evidence supports MK-7 (MK-7) in doses of 180–200 mcg daily.",
                             section=2))])[0]
    mk4 = units_of([hit(chunk("For MK-4: 45 mg (45,000 mcg) is the most studied dose.",
                              section=2))])[0]
    words = PROFILE.vocabulary  # the K2 profile's forms (mk4, mk7) and dose units
    assert _differing_figures([s4, s2], True, words)
    assert not _differing_figures([s4, s2], False, words)
    assert not _differing_figures([s4, mk4], True, words)
    # an article without forms; one whose units are not these quotes' (no amount stated)
    assert not _differing_figures([s4, s2], True, Vocabulary(dose_units=words.dose_units))
    assert not _differing_figures([s4, s2], True, Vocabulary(forms=words.forms,
                                                             dose_units=("IU",)))


def _prepared(question: str) -> Prepared:
    return Prepared(question, question, question, safety.assess(question, PROFILE.vocabulary))


def test_the_answer_leads_with_the_first_quote_and_sources_do_not_repeat_it() -> None:
    units = [u for u in units_of([hit(LABELLED)]) if u.index == 1]
    verdict = Judgement(None, "dose", True, "covered", tuple(units))
    answer = compose(_prepared("How much MK-7 a day?"), verdict, PROFILE)
    assert answer.text.startswith(units[0].quote + " [1]")
    md = answer.to_markdown()
    assert md.count("This range is consistently associated") == 1
    assert "[1] Section 4. Practical Takeaways › Evidence-Based Dosage Ranges" in md


def test_an_emergency_gets_the_redirect_without_a_refusal() -> None:
    verdict = Judgement("medical", "other", False, "not covered")
    answer = compose(_prepared("my chest hurts and my arm is numb"), verdict, PROFILE)
    assert answer.emergency and answer.text.startswith(safety.EMERGENCY_MESSAGE)
    assert safety.not_covered_message(PROFILE) not in answer.text


def test_self_harm_gets_the_crisis_line() -> None:
    verdict = Judgement("self_harm", "other", False, "crisis")
    answer = compose(_prepared("I want to end my life"), verdict, PROFILE)
    assert answer.emergency and answer.text == safety.SELF_HARM_MESSAGE
    assert "crisis line" in answer.text


def test_the_personal_note_follows_figures_only() -> None:
    question = "How much should I take?"
    with_figures = [u for u in units_of([hit(LABELLED)]) if u.index == 1]
    no_figures = units_of([hit(chunk("Dosage is highly individual.", position=3))])
    for units, expected in ((with_figures, True), (no_figures, False)):
        answer = compose(_prepared(question), Judgement(None, "dose", True, "c", tuple(units)),
                         PROFILE)
        assert (safety.PERSONAL_ADVICE_NOTE in answer.text) is expected


def test_an_item_that_names_itself_needs_no_lead_in() -> None:
    c = chunk("Source Matters: Intake can come from diet (fermented foods, certain cheeses, natto "
              "for MK-7; animal products for MK-4) or supplementation.",
              context="Applying these takeaways requires individual context:")
    (unit,) = units_of([hit(c)])
    assert unit.quote == c.text


def test_a_child_named_by_age_or_relation_is_a_child() -> None:
    from k2chat.text import tokenize

    for question in ("How much K2 can I give my 8 year old?", "my daughter is 14",
                     "is mk7 ok for a 12-year-old", "my toddler"):
        assert "children" in tokenize(question, expand=True), question
    assert "children" not in tokenize("I'm 58 years old", expand=True)


def test_the_caution_is_placed_in_one_step() -> None:
    """place_caution: apart when quotes remain or in an emergency; the only quote (counted by
    keep) when nothing else is left to show; nothing to place when there is no caution."""
    from k2chat.chain.curated import place_caution

    caution = units_of([hit(chunk("Consult your doctor if you take warfarin.", section=3))])[0]
    quote = units_of([hit(LABELLED)])[0]
    assert place_caution(caution, [(quote, 0.9)], 2, 0.9, None) == ([(quote, 0.9)], caution, 2)
    assert place_caution(caution, [], 2, 0.7, None) == ([(caution, 0.7)], None, 1)
    assert place_caution(caution, [], 2, 0.7, "medical") == ([], caution, 2)
    assert place_caution(None, [], 2, 0.7, None) == ([], None, 2)

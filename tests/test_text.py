"""The ground floor's text handling: the typo index (rapidfuzz's optimal-string-alignment
distance over buckets of the vocabulary)."""

from __future__ import annotations

import pytest

from k2chat.text import TypoIndex

VOCABULARY = ["warfarin", "osteocalcin", "dose", "bone", "bond", "natto", "children", "kidney"]


@pytest.mark.parametrize(("typed", "word"), [
    ("warfrin", "warfarin"),  # a letter left out
    ("wrafarin", "warfarin"),  # two letters swapped: one edit
    ("osteocalcni", "osteocalcin"),
    ("osteoclacni", "osteocalcin"),  # two edits: allowed from seven letters on
    ("nattoo", "natto"),  # a letter added
    ("childern", "children"),
    ("kidny", "kidney"),
])
def test_a_misspelling_maps_to_its_word(typed: str, word: str) -> None:
    assert TypoIndex(VOCABULARY).match(typed) == word


@pytest.mark.parametrize("typed", [
    "dse",  # under four letters: never corrected
    "nato0x",  # two edits in a six-letter word
    "barfarin",  # another first letter
    "warfarin",  # a vocabulary word is not a misspelling of another
    "zzzzzz",
])
def test_no_near_word_means_no_match(typed: str) -> None:
    assert TypoIndex(VOCABULARY).match(typed) is None


def test_of_equally_near_words_the_first_alphabetically_wins() -> None:
    assert TypoIndex(VOCABULARY).match("bonx") == "bond"  # bond and bone: one edit each

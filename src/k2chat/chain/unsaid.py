"""What a covered question asks that the articles never speak of, said before the quotes that
answer the rest ("The article does not say whether or when to stop.").

Readers ask about what the article covers and, in the same breath, about something it never
says: "should I pause my K2 while on antibiotics?", "do I stop it before my hip replacement?",
"does K2 interact with my statin?". The quotes that answer (the antibiotics line, "planning
for surgery": seek advice first) are right, but without a word that the article is silent on
the pause, the timing or the statin the reader reads them as the answer to it: graders of
blind rounds 31 and 32 marked five such answers down ("never says the article gives no stop
instruction or timing").

Three general cases, each checked against the articles' own words (their lexical vocabulary), so
an article that does speak of stopping, or names the medicine's class, gets no note:

- a change of regimen (stop, pause, skip, quit, discontinue, taper, hold off, come off, take
  a break) asked of the substance itself ("pause my K2", "stop it before surgery"), when the
  lead (or the caution) does not say to avoid or stop it ("avoid supplementation" answers a
  pregnant reader's "should I stop?"): not "stop my Actonel and take K2 instead" (a
  replacement the article answers) nor "does orlistat stop K2 from working" (prevention);
- an official figure (an upper limit, a daily allowance) the articles never name;
- a medicine whose class, by its name's stem (``k2chat.chain.drugs.drug_classes``:
  atorvastatin, Lipitor -> statins), the articles never name. (A medicine of no known class,
  lamotrigine, gets no note: its class, anticonvulsants, may be what the article names.)
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from k2chat.chain.drugs import STEM_CLASSES, drug_classes, generic_names
from k2chat.chain.medicines import mentions_anticoagulant
from k2chat.chain.message import ASKS_WHAT_TO_DO, TAKES_ALREADY, question_part
from k2chat.text import normalize, tokenize
from k2chat.vocabulary import Vocabulary

if TYPE_CHECKING:
    from k2chat.store.lexical import LexicalIndex

__all__ = ["MILK_UNSAID", "OFFICIAL_UNSAID", "asks_change", "unsaid"]

# A change of regimen: (the phrase as the note says it, its forms, the word that must be
# missing from the articles for it to be unsaid).
_CHANGES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("stop", ("stop", "stops", "stopped", "stopping"), "stop"),
    ("pause", ("pause", "pauses", "paused", "pausing"), "pause"),
    ("skip", ("skip", "skips", "skipped", "skipping"), "skip"),
    ("quit", ("quit", "quits", "quitting"), "quit"),
    ("discontinue", ("discontinue", "discontinues", "discontinued", "discontinuing"),
     "discontinue"),
    ("taper", ("taper", "tapers", "tapered", "tapering"), "taper"),
    ("hold off", ("hold off", "holding off", "held off"), "off"),
    ("come off", ("come off", "coming off", "came off", "go off", "going off", "went off"),
     "off"),
    ("take a break", ("take a break", "taking a break", "took a break"), "break"),
)
_FORM_OF = {form: (say, key) for say, forms, key in _CHANGES for form in forms}
_CHANGE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _FORM_OF), key=len, reverse=True))
                     + r")\b")
# ... of the substance: a pronoun or its name right after the verb (with "taking", "on",
# "from" and a determiner between), or a time after it ("stop before surgery", "stop?")
_OBJECT = re.compile(r"^\s+(?:(?:taking|using|on|from|with)\s+)?(?:(?:my|the|your|this|that|"
                     r"these|those|our|his|her|their)\s+)?(\S+(?:\s+\S+)?)")
_PRONOUN = re.compile(r"^(?:it|them|this|that|these|those)\b")
# stopping, as a quote may already say it ("must avoid supplementation")
_STOPPING = frozenset(tokenize("avoid avoiding stop stopping discontinue pause quit halt skip"))
_PREVENTS = re.compile(r"^\s+(?:\S+\s+){1,3}?from\b")  # "stop K2 from working": prevention
_TIME = re.compile(r"^\s*(?:[?.!,]|$|(?:\w+\s+)?(?:before|beforehand|ahead|prior|during|while|"
                   r"around|until|for (?:a|an|the|\d)|when|after)\b)")


def _change(question: str, vocabulary: Vocabulary, known: frozenset[str], other: bool,
            ) -> str | None:
    """The change of regimen the question asks of the substance, if the articles never use
    its word. ``other``: the question names another medicine ("could I stop it and take K2
    instead?" of Fosamax), so a pronoun is not the substance."""
    for m in _CHANGE.finditer(question):
        say, key = _FORM_OF[m.group(1)]
        after = question[m.end():]
        if set(tokenize(key)) & known or _PREVENTS.match(after):
            continue  # the articles speak of it; "stop K2 from working"
        obj = _OBJECT.match(after)
        # (a pronoun right after the substance named is the substance, another medicine
        # named or not: "on antibiotics this week, should i keep taking my k2 or pause it",
        # blind round 66 was never told the article does not say)
        just_named = bool(vocabulary.names_substance.search(question[max(0, m.start() - 30):
                                                                     m.start()]))
        named = obj is not None and (
            (_PRONOUN.match(obj.group(1)) and (not other or just_named))
            or vocabulary.names_substance.search(obj.group(1)))
        if named or (_TIME.match(after) and not other):
            return f"whether or when to {say}"
    return None


_CLASS_WORDS = {cls: cls for _, cls in STEM_CLASSES} | {
    f"{cls}s": cls for _, cls in STEM_CLASSES}


def _classes_named(question: str) -> tuple[bool, tuple[str, ...]]:
    """(the question names a medicine or a class of them, the classes it names: by a class
    word, "statins", or by a drug's stem, ``k2chat.chain.drugs.drug_classes``)."""
    generics = generic_names(question)
    words = [_CLASS_WORDS[w] for w in re.findall(r"[a-z]+", question) if w in _CLASS_WORDS]
    return bool(generics or words), tuple(dict.fromkeys([*words, *drug_classes(generics)]))


# Already taking it ("been on k2 for a year", "I take 200mcg MK-7", "currently taking it"),
# an operation ahead, and an open question about what to do: whether to stop before it is
# what the reader asks, and the article never says (blind rounds 38-40: "knee replacement in
# 3 weeks, been on k2 for a year. do i need to do anything" got the "before starting" surgery
# line alone, three rounds running).
_OPERATION = re.compile(r"\b(?:surgery|surgeries|operation|op|procedure|replacement|replaced|"
                        r"replacing|operated)\b")


def _continuing_before_operation(question: str, vocabulary: Vocabulary,
                                 known: frozenset[str]) -> str | None:
    """"whether or when to stop" for a reader already taking the substance who tells of an
    operation ahead and asks what to do, when the articles never say "stop"."""
    text = normalize(question)
    if (set(tokenize("stop")) & known or not _OPERATION.search(text)
            or not ASKS_WHAT_TO_DO.search(question_part(text))):
        return None
    taking = TAKES_ALREADY.search(text)
    after = text[taking.end():taking.end() + 40] if taking is not None else ""
    if not (taking is not None and (
            vocabulary.names_substance.search(after) or _PRONOUN.match(after.strip())
            or re.match(r"\s*\d", after))  # "I take 200mcg MK-7", "been on it"
            or any(_TOOK_BEFORE.search(text[max(0, m.start() - 30):m.start()])
                   or _TAKEN_AFTER.match(text[m.end():m.end() + 30])
                   for m in vocabulary.names_substance.finditer(text))):
        return None
    return "whether or when to stop"


# the substance named as the reader's own before or after its name ("the k2 im taking", "my
# mk7", "i started k2 a few weeks ago": blind rounds 86-88 got the "before starting" surgery
# lines alone, three rounds running)
_TOOK_BEFORE = re.compile(r"\b(?:my|started|start(?:ed)? taking|began|begun|been on|been "
                          r"taking)\s+(?:\w+\s+)?$")
_TAKEN_AFTER = re.compile(r"\s+(?:that\s+)?(?:i'?m|i am|i'?ve been|ive been|i)\s+(?:taking|on|"
                          r"using|take)\b")


def _asked_change(question: str, lex: LexicalIndex, vocabulary: Vocabulary,
                  named_medicine: bool) -> str | None:
    """The change of regimen the question part asks (``_change``), normalised as it is read."""
    return _change(normalize(question_part(question)), vocabulary, lex.vocabulary,
                   other=named_medicine)


def asks_change(question: str, lex: LexicalIndex, vocabulary: Vocabulary) -> bool:
    """The question asks to stop, pause or skip the substance, which the articles never speak
    of ("Should I pause my vitamin K2 until I finish the antibiotics?")."""
    named, _ = _classes_named(normalize(question))
    return _asked_change(question, lex, vocabulary, named) is not None


def unsaid(question: str, quotes: list[str], lex: LexicalIndex,
           vocabulary: Vocabulary) -> str | None:
    """What the question asks that the articles never speak of ("whether or when to stop",
    "anything about statins"), or None. ``quotes``: what leads the answer (its caution and
    lead quote: a warfarin passage further down saying "must avoid supplementation" does not
    answer an antibiotics reader's "should I skip it?")."""
    named, classes = _classes_named(normalize(question))
    stopped = any(set(tokenize(q)) & _STOPPING for q in quotes)
    # the change asked, not one told in the story ("I stopped it in May ... how much now?");
    # a medicine anywhere ("I take lipitor, any issue with mk7?")
    change = None if stopped else (
        _asked_change(question, lex, vocabulary, named)
        or _continuing_before_operation(question, vocabulary, lex.vocabulary))
    unnamed = [c for c in classes if not set(tokenize(c)) & lex.vocabulary]
    official = _OFFICIAL.search(normalize(question))
    milk = _INTO_MILK.search(normalize(question_part(question)))
    return change or _thinner_given_up(question) or (
        f"anything about {unnamed[0]}s" if unnamed else None) or (
        OFFICIAL_UNSAID if official and not set(tokenize(official.group())) <= lex.vocabulary
        else None) or (
        MILK_UNSAID if milk and not set(tokenize("milk")) & lex.vocabulary else None)


# Whether it reaches the baby through breast milk ("nursing my 3 month old ... does it get into
# breast milk or is it fine while breastfeeding": the breastfeeding lines alone, never a word
# that the article does not say, blind round 97, 6/8)
_INTO_MILK = re.compile(r"\b(?:get|gets|getting|go|goes|going|pass|passes|passing|transfer\w*|"
                        r"come|comes|end up|ends up|seep\w*)\s+(?:(?:through|thru|over)\s+)?"
                        r"(?:in|into|through|thru|to)\s+(?:the\s+|my\s+|her\s+|your\s+)?"
                        r"(?:breast\s?milk|milk|baby)\b|"
                        r"\b(?:in|into|through|to)\s+(?:the\s+|my\s+|her\s+)?breast\s?milk\b")
MILK_UNSAID = "whether it passes into breast milk"


# The reader's blood thinner given up, asked about ("honestly thinking of quitting my warfarin
# so i can take k2 without having to worry, good idea?": the warfarin lines alone, which never
# say the article does not support stopping it, blind round 87, 5/8)
_GIVE_UP = re.compile(r"\b(?:stop|stopping|quit|quitting|come off|coming off|get off|getting "
                      r"off|go off|going off|drop|dropping|ditch|ditching|skip|skipping)\s+"
                      r"(?:taking\s+)?(?:my|the|his|her|their|our)?\s*(?P<what>\S+(?:\s+\S+)?)")
THINNER_UNSAID = "to stop a blood thinner"


def _thinner_given_up(question: str) -> str | None:
    part = normalize(question_part(question))
    whole = normalize(question)

    def thinner(m: re.Match[str]) -> bool:
        what = m.group("what")
        if mentions_anticoagulant(what):
            return True
        # "it" for the blood thinner named before, K2 not named since ("honestly the warfarin
        # is such a pain ... could i just come off it for a month ... while i do a course of
        # k2": never heard the article does not say to stop it, blind round 90, 5/8)
        before = whole[:whole.find(part)] + part[:m.start()] if part in whole else ""
        return bool(_PRONOUN.match(what)) and mentions_anticoagulant(before) and not (
            _SUBSTANCE_AFTER.search(before[_last_thinner(before):]))

    return THINNER_UNSAID if any(thinner(m) for m in _GIVE_UP.finditer(part)) else None


_SUBSTANCE_AFTER = re.compile(r"\b(?:k2|mk[47]|vitamin k2?|menaquinone)\b")


def _last_thinner(text: str) -> int:
    """Where the last blood-thinner word of ``text`` starts (0: none found)."""
    starts = [m.start() for m in re.finditer(r"[a-z]+", text) if mentions_anticoagulant(
        m.group())]
    return starts[-1] if starts else 0


# An official figure asked for ("whats the official upper limit for k2, like the government
# UL": blind round 76 answered with the article's low-incidence figures, read as a limit):
# the article gives none, unless its own words name one.
# (or a maximum: "just tell me the max k2 dose i can take. number only" got "up to ... 360
# micrograms of MK-7", read as the limit, blind round 97, 6/8)
_OFFICIAL = re.compile(r"\b(?:official|government|governmental|fda|rda|recommended daily "
                       r"allowance|recommended dietary allowance|tolerable upper|ul|upper limit|"
                       r"safe limit|max(?:imum)?(?=\s+(?:safe\s+|daily\s+|recommended\s+|amount\s+"
                       r"of\s+)?(?:dose|dosage|amount|intake|mcg|micrograms?|mg|k2|mk-?\s?[47]|"
                       r"vitamin|i|you|one|per|a day|daily|limit|safe)\b|\s*[?.!]*\s*$))\b")
OFFICIAL_UNSAID = "an official upper limit or daily allowance"

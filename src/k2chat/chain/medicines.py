"""Blood thinners (anticoagulants and antiplatelets) as readers name them: generic and brand
names, misspellings and class words (``mentions_anticoagulant``), and which ones a text names
(``anticoagulants_named``), for the anticoagulant caution."""

from __future__ import annotations

import functools
import re

from k2chat.chain.drugs import drug_table, generic_names
from k2chat.files import DATA_DIR
from k2chat.text import TypoIndex

__all__ = ["ANTICOAGULANT_TERMS", "CLASS_WORDS", "LOOKALIKES_PATH", "anticoagulants_named",
           "anticoagulants_written", "blood_thinner_kind", "english_lookalikes_text",
           "is_caution", "mentions_anticoagulant", "without_drug_doses"]


# Generic names (brand names resolve to these through ``k2chat.chain.drugs``) and class words.
ANTICOAGULANT_TERMS = (
    "warfarin", "acenocoumarol", "phenprocoumon", "fluindione", "phenindione", "apixaban",
    "rivaroxaban", "dabigatran", "edoxaban", "betrixaban", "heparin", "enoxaparin",
    "dalteparin", "tinzaparin", "fondaparinux", "clopidogrel", "prasugrel", "ticagrelor",
    "ticlopidine", "dipyridamole", "cilostazol", "aspirin", "anticoagulant", "anticoagulants",
    "anticoagulation", "antiplatelet", "antiplatelets", "doac", "doacs", "noac", "noacs", "inr",
)
_ANTICOAG_PHRASES = re.compile(
    r"\bbloo?d[- ]?th[iy]n+(er|ers|ing|r|rs)\b|\banti[- ]?coagu|\banti[- ]?plate?let|"
    r"\bvitamin k antagonists?\b|\bclot[- ]?buster|"
    # an INR reading is taken only on a vitamin K antagonist (warfarin): round 16's "My mom's
    # INR went from 2.6 down to 1.7 ... started a gummy with MK-7" got no caution
    r"\b(?:my|his|her|their|mum'?s|mom'?s|dad'?s|an?) inr\b|\binr (?:clinic|test|reading|level|"
    r"check|results?|went|is|was|has|dropped|fell|rose)\b"
)


# Anticoagulant brands that data/drugs.json (distilled from drug-named-entity-recognition)
# lacks, found by looking up each brand of the US and EU warfarin, fluindione and DOAC labels
# in it (issue 21: a Jantoven reader got no caution).
_MISSING_BRANDS = {"jantoven": "warfarin", "previscan": "fluindione"}


@functools.lru_cache(maxsize=1)
def _brand_table() -> dict[str, str]:
    return {**drug_table(), **_MISSING_BRANDS}


@functools.lru_cache(maxsize=1)
def _anticoagulant_typos() -> TypoIndex:
    """Misspellings of anticoagulant names, generic and brand ("elliquis", "xeralto")."""
    brands = [v for v, g in _brand_table().items() if g in ANTICOAGULANT_TERMS]
    return TypoIndex(t for t in (*ANTICOAGULANT_TERMS, *brands) if len(t) >= 6)


# English words that the typo matching above would take for a misspelled blood thinner
# ("cleanse" for "clexane"): never read as one. Generated from pyspellchecker's English
# dictionary by scripts/english_lookalikes.py (serving loads no dictionary).
LOOKALIKES_PATH = DATA_DIR / "english_lookalikes.txt"


@functools.lru_cache(maxsize=1)
def _english_lookalikes() -> frozenset[str]:
    lines = LOOKALIKES_PATH.read_text(encoding="utf-8").splitlines()
    return frozenset(w for w in lines if w and not w.startswith("#"))


def english_lookalikes_text() -> str:
    """The lookalike file's text, from the English dictionary (needs pyspellchecker)."""
    from spellchecker import SpellChecker

    names = set(ANTICOAGULANT_TERMS) | set(_brand_table())
    typos = _anticoagulant_typos()
    words = sorted(w for w in SpellChecker().word_frequency.keys()
                   if w.isalpha() and w.isascii() and len(w) >= 6 and typos.match(w)
                   # a drug's own inflection ("aspirins", "warfarins") still names it
                   and not any(w.startswith(n) for n in names))
    header = ("# English words the anticoagulant typo matching would read as a misspelled blood\n"
              "# thinner; never read as one. Written by scripts/english_lookalikes.py from\n"
              "# pyspellchecker's English dictionary: do not edit.\n")
    return header + "".join(f"{w}\n" for w in words)


@functools.lru_cache(maxsize=4096)
def mentions_anticoagulant(question: str) -> bool:
    """True when the text names an anticoagulant or antiplatelet (generic or brand name, even
    misspelled)."""
    lowered = question.lower()
    return bool(_ANTICOAG_PHRASES.search(lowered)
                or any(not _K2_THINS.search(lowered[:m.start()])
                       for m in _THIN_BLOOD.finditer(lowered))
                or anticoagulants_named(question))


# "Does K2 thin your blood?" asks what K2 does, not which medicine the reader takes: the verb
# phrase names a medicine only when K2 is not its subject (blind round 12: a bruising reader on
# no blood thinner got "You mentioned a blood-thinning medicine"); "a pill that thins my
# blood" still does.
_THIN_BLOOD = re.compile(r"\bthin(?:s|ning)? (?:my|the|your) blood\b")
_K2_THINS = re.compile(r"\b(?:k2|k1|mk-?[47]|vitamin k\d?|menaquinones?(?:-[47])?|it)"
                       r"(?:\s+(?:really|actually|also|even|ever|not|too|help))?\s+$")


_DIRECTIVE = re.compile(r"\b(must|should|consult|advise|avoid|supervision|caution|prudent)\b",
                        re.IGNORECASE)


def anticoagulants_named(text: str) -> tuple[str, ...]:
    """The anticoagulant generic names a text names (brands and misspellings resolved);
    "doacs" stands for apixaban, rivaroxaban and the other direct oral anticoagulants."""
    words = set(re.findall(r"[a-z]+", text.lower()))
    names = {w for w in words if w in ANTICOAGULANT_TERMS}
    names |= {g for g in generic_names(text.lower()) if g in ANTICOAGULANT_TERMS}
    table = _brand_table()
    names |= {table[w] for w in words if w in _MISSING_BRANDS}
    english = _english_lookalikes()
    names |= {table.get(m, m) for w in words
              if len(w) >= 6 and w not in english and (m := _anticoagulant_typos().match(w))}
    if names & _DOACS or _NEWER_THINNERS.search(text.lower()):
        names.add("doacs")
    return tuple(sorted(names))


# The readers' name for the direct oral anticoagulants as a class: the newer blood thinners
# (those that came after warfarin; "NOAC" is "novel oral anticoagulant"): blind rounds 86 and
# 87's "warfarin or the newer blood thinners" named only warfarin
_NEWER_THINNERS = re.compile(
    r"\b(?:newer|novel|modern|new-?generation|new-?school)\s+"
    r"(?:(?:oral|kinds? of|types? of|generation|style)\s+)?"
    r"(?:bloo?d[- ]?th[iy]n+(?:er|ers|r|rs)|th[iy]n+ers?|anti[- ]?coagulants?)\b"
    # "the new blood thinners" as a class; not "a new blood thinner" (new to the reader)
    r"|\bthe new\s+(?:oral\s+)?(?:bloo?d[- ]?th[iy]n+(?:ers|rs)|th[iy]n+ers|anti[- ]?coagulants)\b")


_DOACS = frozenset({"apixaban", "rivaroxaban", "dabigatran", "edoxaban", "betrixaban"})
_VKAS = frozenset({"warfarin", "acenocoumarol", "phenprocoumon", "fluindione", "phenindione"})
_ANTIPLATELETS = frozenset({"clopidogrel", "prasugrel", "ticagrelor", "ticlopidine",
                            "dipyridamole", "cilostazol", "aspirin"})

# What kind of blood thinner a generic name is, in the article's own words for the kinds
# ("vitamin K antagonist anticoagulants (e.g., warfarin)", "direct oral anticoagulants (DOACs)",
# "anticoagulants or antiplatelet drugs"); blind round 63: a Plavix and aspirin reader was told
# "the article's caution about anticoagulants applies", and an Eliquis reader was never told
# that the article's "apixaban" is their drug.
_KINDS = ((_VKAS, "a vitamin K antagonist", "vitamin K antagonists"),
          (_DOACS, "a direct oral anticoagulant (DOAC)", "direct oral anticoagulants (DOACs)"),
          (_ANTIPLATELETS, "an antiplatelet drug", "antiplatelet drugs"))


def blood_thinner_kind(generic: str, many: bool = False) -> str:
    """ "warfarin" -> "a vitamin K antagonist" (``many``: "vitamin K antagonists"); a heparin
    -> "an anticoagulant"."""
    return next((plural if many else one for names, one, plural in _KINDS if generic in names),
                "anticoagulants" if many else "an anticoagulant")


_DOSE = r"\d[\d,]*(?:\.\d+)?\s*(?:mg|mcg|µg|ug|milligrams?|micrograms?)\b"
_DOSE_OF = re.compile(rf"{_DOSE}\s+(?:of\s+)?((?:my\s+|the\s+)?)([a-z][a-z-]{{3,}})\b",
                      re.IGNORECASE)  # "5 mg of eliquis"
_NAME_DOSE = re.compile(rf"\b([a-z][a-z-]{{3,}})\s+(?:at\s+|is\s+)?{_DOSE}",
                        re.IGNORECASE)  # "eliquis 5mg"


def without_drug_doses(text: str, not_medicines: frozenset[str] = frozenset()) -> str:
    """The text without the amounts it gives for a medicine ("on xeralto 20mg, wanting mk7",
    "5 mg of eliquis twice a day"): those are no amounts of the supplement. Names in
    ``not_medicines`` (the articles' own substance, "menaquinone") keep theirs."""
    table = drug_table()

    def medicine(name: str) -> bool:
        name = name.lower()
        generic = table.get(name) or next(iter(anticoagulants_named(name)), None)
        return generic is not None and not {name, generic} & not_medicines

    text = _DOSE_OF.sub(lambda m: m.group(1) + m.group(2) if medicine(m.group(2))
                        else m.group(0), text)
    return _NAME_DOSE.sub(lambda m: m.group(1) if medicine(m.group(1)) else m.group(0), text)


def anticoagulants_written(text: str) -> tuple[tuple[str, str], ...]:
    """The blood thinners a text names, in its order, each as (the name to show, its generic
    name): a brand as the brand, its spelling mended and capitalised ("xarleto" -> ("Xarelto",
    "rivaroxaban")), a generic as itself ("warfarin", "warfarin"). Class words ("blood
    thinner", "DOACs") name no medicine and are left out."""
    table = _brand_table()
    english = _english_lookalikes()
    medicines = set(ANTICOAGULANT_TERMS) - CLASS_WORDS
    out: dict[str, str] = {}  # name shown -> generic name
    for word in re.findall(r"[a-z]+", text.lower()):
        name = word if word in medicines or word in table else (
            _anticoagulant_typos().match(word)
            if len(word) >= 6 and word not in english else None)
        generic = table.get(name, name) if name else None
        if name and generic in medicines and generic not in out.values():
            out[name if name == generic else name.capitalize()] = generic
    return tuple(out.items())


CLASS_WORDS = frozenset({"anticoagulant", "anticoagulants", "anticoagulation", "antiplatelet",
                          "antiplatelets", "doac", "doacs", "noac", "noacs", "inr"})


def is_caution(text: str) -> bool:
    """The text tells readers on blood thinners what to do (not only that a risk exists)."""
    return mentions_anticoagulant(text) and bool(_DIRECTIVE.search(text))

"""Drug names as readers write them (brands, generics) resolved to generic names.

The table comes from the maintained ``drug-named-entity-recognition`` package (DrugBank,
MeSH, NHS and MedlinePlus synonyms); ``python -m k2chat.fit`` distils its single-word names
into ``data/drugs.json`` so that answering never loads the package's 1.2 s dictionary.
"""

from __future__ import annotations

import functools
import json
import re

from k2chat.files import DATA_DIR

__all__ = ["DRUGS_PATH", "STEM_CLASSES", "brands_written", "drug_classes", "drug_table",
           "generic_names", "with_generics"]

DRUGS_PATH = DATA_DIR / "drugs.json"
_WORD = re.compile(r"[a-z][a-z-]{3,}")


@functools.lru_cache(maxsize=1)
def drug_table() -> dict[str, str]:
    """{name as written (lower case): generic name}."""
    try:
        table = json.loads(DRUGS_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return dict(table["names"])


@functools.lru_cache(maxsize=4096)
def generic_names(text: str) -> tuple[str, ...]:
    """Generic names of the drugs a text names ("I'm on Eliquis" -> ("apixaban",))."""
    table = drug_table()
    found = (table.get(w) for w in _WORD.findall(text.lower()))
    return tuple(dict.fromkeys(g for g in found if g))


def brands_written(text: str) -> tuple[tuple[str, str], ...]:
    """The brand names a text names, capitalised, each with its generic name ("I take alli" ->
    (("Alli", "orlistat"),)). Many brands are English words too ("Tums"): a caller shows one
    only where the article names its generic."""
    table = drug_table()
    found = {w: table[w] for w in _WORD.findall(text.lower()) if table.get(w, w) != w}
    return tuple((w.capitalize(), g) for w, g in found.items())


# The class of a generic name by its USAN/INN stem (the naming convention that gives every
# member of a class the same ending: atorvastatin, rosuvastatin -> a statin). Only classes a
# reader's question must reach and the table does not give: round 16's "does k2 mess with
# lipitor" was refused and round 15's "k2 and lipitor ok together?" missed the article's
# "especially for ... cholesterol". The class words are the thesaurus's (statin ->
# cholesterol; antibiotic; anticonvulsant).
STEM_CLASSES: tuple[tuple[str, str], ...] = (
    ("statin", "statin"),
    ("floxacin", "antibiotic"), ("cillin", "antibiotic"), ("mycin", "antibiotic"),
    ("cycline", "antibiotic"),
    ("racetam", "anticonvulsant"),
)


def drug_classes(generics: tuple[str, ...]) -> tuple[str, ...]:
    """The classes the generic names belong to by their stems ("atorvastatin" -> "statin")."""
    return tuple(dict.fromkeys(cls for g in generics for word in g.split()
                               for stem, cls in STEM_CLASSES if word.endswith(stem)
                               and word != stem))


def with_generics(text: str, own: str | None = None) -> str:
    """The text plus the generic names of the drugs it names by brand ("Eliquis" ->
    apixaban) and their classes by stem ("Lipitor" -> atorvastatin, a statin), so search,
    scope and the safety statements see the article's words; with ``own`` (the part of the
    text that is the reader's own, not someone else's words), only the drugs named there."""
    generics = generic_names(text if own is None else own)
    words = set(re.findall(r"[a-z][a-z-]*", text.lower()))  # (words: "statin" is in
    # "atorvastatin", and round 19's "Does K2 clash with atorvastatin?" was refused)
    extra = [g for g in (*generics, *drug_classes(generics)) if g not in words]
    return f"{text} {' '.join(extra)}" if extra else text

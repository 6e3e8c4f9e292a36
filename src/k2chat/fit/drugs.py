"""The drug-name table (data/drugs.json): single-word brand and generic names distilled from
``drug-named-entity-recognition``, written by the fitting script."""

from __future__ import annotations

import re
from typing import Any

from k2chat.text import GENERIC, STOPWORDS


def build_drug_table() -> dict[str, Any]:
    """Single-word drug names (brands and generics) -> generic name, from the package."""
    from importlib.metadata import version

    from drug_named_entity_recognition import drugs_finder


    names: dict[str, str] = {}
    for variant, canonical in drugs_finder.drug_variant_to_canonical.items():
        v = variant.lower()
        if (not re.fullmatch(r"[a-z][a-z-]{3,}", v) or len(canonical) != 1
                or v in STOPWORDS or v in GENERIC):
            continue
        generic = canonical[0].lower()
        if re.fullmatch(r"[a-z][a-z -]+", generic):
            names[v] = generic
    return {"source": f"drug-named-entity-recognition {version('drug-named-entity-recognition')}",
            "names": dict(sorted(names.items()))}

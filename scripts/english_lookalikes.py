"""Write src/k2chat/data/english_lookalikes.txt: the English words that k2chat's anticoagulant
typo matching would read as a misspelled blood thinner ("cleanse" is one edit-pair away from
"clexane"; a yoga question got the warfarin caution, blind round 9).

The words come from pyspellchecker's English dictionary (the test extra installs it); the
file is data so that serving loads no dictionary. tests/test_safety.py checks the file is what
this script writes.

Usage: python scripts/english_lookalikes.py [--check]
"""

from __future__ import annotations

import sys

from k2chat.chain.medicines import LOOKALIKES_PATH, english_lookalikes_text


def main() -> int:
    text = english_lookalikes_text()
    if "--check" in sys.argv[1:]:
        current = LOOKALIKES_PATH.read_text(encoding="utf-8")
        if current != text:
            print(f"{LOOKALIKES_PATH} is stale: run python scripts/english_lookalikes.py")
            return 1
        print(f"{LOOKALIKES_PATH} is current")
        return 0
    LOOKALIKES_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {LOOKALIKES_PATH} ({text.count(chr(10)) - 3} words)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``python -m k2chat.ingest``: build the index (as ``k2chat ingest``); ``--list-dependent``
prints every sentence whose opening refers back and what it is quoted with, building nothing.
Imports happen per option, for start-up speed."""

from __future__ import annotations

import sys

from k2chat.cli import main


def run(argv: list[str]) -> int:
    if "--list-dependent" in argv:
        from k2chat.settings import Settings
        from k2chat.store.dependent import dependent_sentences, format_dependent

        print(format_dependent(dependent_sentences(Settings.from_env().corpus_dir)))
        return 0
    return main(["ingest", *argv])


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))

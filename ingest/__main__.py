"""``python -m ingest``: build the index from ``corpus/`` now."""

from __future__ import annotations

import sys

from k2chat.cli import main

if __name__ == "__main__":
    sys.exit(main(["ingest", *sys.argv[1:]]))

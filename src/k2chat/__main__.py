import sys

from k2chat.cli import main

sys.exit(main())

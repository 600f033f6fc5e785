"""``python -m srcad``: the command line (:mod:`srcad.tools.cli`)."""

import sys

from .tools.cli import main

if __name__ == "__main__":
    sys.exit(main())

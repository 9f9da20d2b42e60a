"""``python -m geo ...``: the stable command-line interface."""
import sys

from geo.cli import main

if __name__ == "__main__":
    sys.exit(main())

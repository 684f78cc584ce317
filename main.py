"""Run HEA Studio from a source checkout: ``python main.py ARGS`` behaves exactly like ``hea-studio ARGS``."""

import sys

from hea_studio.cli import main

if __name__ == "__main__":
    sys.exit(main())

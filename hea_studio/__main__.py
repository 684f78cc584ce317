"""``python -m hea_studio`` behaves like ``hea-studio``."""

import sys

from hea_studio.cli import main

sys.exit(main())

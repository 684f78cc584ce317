"""Entry point of the frozen HEA Studio application (PyInstaller runs this file as ``__main__``).

It does exactly what the ``hea-studio`` console script does, so the frozen app takes the same
arguments and honours the same exit codes (shared docs/cli.md).
"""

from __future__ import annotations

import multiprocessing
import sys

if __name__ == "__main__":
    # Needed by frozen apps on Windows and macOS should any library start a process pool.
    multiprocessing.freeze_support()
    from hea_studio.cli import main

    sys.exit(main())

"""The one exception type HEA Studio raises for bad input."""

from __future__ import annotations

import errno
import os
from pathlib import Path


class InputError(ValueError):
    """Bad input from the user: a malformed file, an impossible ROI, an unknown element.

    The message always says what is wrong; when a file is involved it starts with the file name
    so that a single line on stderr (or one dialog) tells the user everything.

    Parameters
    ----------
    message
        What is wrong, in words a scientist understands.
    path
        The file at fault, if any.
    line
        1-based line number inside a text file, if known.
    """

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        self.path = Path(path) if path is not None else None
        self.line = line
        self.reason = message
        where = ""
        if self.path is not None and self.path.name:
            where = f"{self.path.name}"
            if line is not None:
                where += f", line {line}"
            where += ": "
        super().__init__(where + message)


def os_reason(exc: OSError) -> str:
    """The one-line reason of an OSError (h5py's carry a multi-line report with the errno inside)."""
    if exc.strerror:
        return exc.strerror
    if exc.errno:
        return os.strerror(exc.errno)
    text = str(exc)
    for code in (errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EROFS, errno.EIO):
        if f"errno = {code}," in text:
            return os.strerror(code)
    return text.splitlines()[0] if text else type(exc).__name__

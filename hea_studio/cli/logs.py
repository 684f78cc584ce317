"""``--quiet`` / ``--verbose`` on Python logging, and the defaults shown in every ``--help``.

The command line's messages go through the ``hea_studio`` logger: warnings (the contract's one-line
``hea-studio: warning: ...`` on stderr) show by default, ``-q/--quiet`` keeps only errors (and the
human summary off stdout), ``-v`` adds progress (``info``), ``-vv`` debugging detail. The handler looks
up ``sys.stderr`` when it writes, so redirections made after start-up (and pytest's capture) see it.
"""

from __future__ import annotations

import argparse
import logging
import sys

LOGGER = logging.getLogger("hea_studio")


class _StderrHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:  # pragma: no cover - a closed stderr must not end the run
            self.handleError(record)


class _Format(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        level = {"WARNING": "warning", "ERROR": "error", "INFO": "info", "DEBUG": "debug"}.get(
            record.levelname, record.levelname.lower()
        )
        return f"hea-studio: {level}: {record.getMessage()}"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``-q/--quiet`` and ``-v/--verbose`` (repeatable)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "-q", "--quiet", action="store_true", help="only errors on stderr, no summary on stdout"
    )
    group.add_argument(
        "-v", "--verbose", action="count", default=0, help="progress messages (-vv: debugging detail)"
    )


def configure(quiet: bool = False, verbose: int = 0) -> None:
    """Set the ``hea_studio`` logger's level and its one stderr handler (idempotent)."""
    level = (
        logging.ERROR
        if quiet
        else (logging.DEBUG if verbose >= 2 else logging.INFO if verbose else logging.WARNING)
    )
    LOGGER.setLevel(level)
    LOGGER.propagate = False
    if not any(isinstance(h, _StderrHandler) for h in LOGGER.handlers):
        handler = _StderrHandler()
        handler.setFormatter(_Format())
        LOGGER.addHandler(handler)


def quiet() -> bool:
    """True when ``--quiet`` was given (the logger stops below errors)."""
    return LOGGER.level >= logging.ERROR


class DefaultsFormatter(argparse.HelpFormatter):
    """Help that states each option's default (``--bootstrap``, ``--seed``, ``--mode``, ...).

    Only real defaults are added: not ``None``, not a flag's ``False``, and not where the help text
    already says "default".
    """

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (
            "default" in text
            or default is None
            or default is False
            or default is argparse.SUPPRESS
            or not action.option_strings
            or isinstance(action, argparse._CountAction | argparse._StoreTrueAction | argparse._VersionAction)
        ):
            return text
        return f"{text} (default: %(default)s)"

"""The tests are laid out like the package, and pytest can import every test file."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_test_file_names_are_unique():
    """Test folders have no __init__.py, so pytest imports test files by their bare name: two files of
    one name in different folders stop the whole run with an import mismatch."""
    names = Counter(p.name for p in TESTS.rglob("test_*.py"))
    assert [n for n, c in names.items() if c > 1] == []


def test_command_line_tests_live_in_tests_cli():
    cli_tests = {p.relative_to(TESTS).as_posix() for p in TESTS.rglob("test_cli_*.py")}
    assert cli_tests and all(t.startswith("cli/") for t in cli_tests), sorted(cli_tests)

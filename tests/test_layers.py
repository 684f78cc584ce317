"""The layer rule is a contract a tool checks (import-linter, configured in pyproject.toml), and the
check can fail: a wrong-way import added to a copy of the tree breaks it."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "hea_studio"


def _lint_imports(root: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("lint-imports")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "importlinter.cli"]
    env = dict(os.environ, PYTHONPATH=str(root))
    return subprocess.run(
        [*cmd, "--no-cache"], cwd=root, env=env, capture_output=True, text=True, timeout=300
    )


def test_the_layer_contracts_are_kept():
    proc = _lint_imports(ROOT)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "2 kept, 0 broken" in proc.stdout


def test_a_wrong_way_import_breaks_the_contract(tmp_path):
    """Copy the package, make core import the command line, and the same check must fail naming it."""
    shutil.copytree(PACKAGE, tmp_path / "hea_studio", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    victim = tmp_path / "hea_studio" / "core" / "geometry.py"
    victim.write_text(victim.read_text() + "\n\nfrom hea_studio.cli import main  # noqa: E402\n")
    proc = _lint_imports(tmp_path)
    assert proc.returncode != 0
    assert "hea_studio.core is not allowed to import hea_studio.cli" in proc.stdout
    assert "hea_studio.core.geometry -> hea_studio.cli" in proc.stdout


def test_a_science_layer_importing_qt_breaks_the_contract(tmp_path):
    shutil.copytree(PACKAGE, tmp_path / "hea_studio", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    victim = tmp_path / "hea_studio" / "compute" / "lac" / "entropy.py"
    victim.write_text(victim.read_text() + "\n\nimport PySide6  # noqa: E402,F401\n")
    proc = _lint_imports(tmp_path)
    assert proc.returncode != 0
    assert "hea_studio.compute.lac.entropy -> PySide6" in proc.stdout


def _imports(path: Path) -> list[str]:
    """Every module ``path`` imports, absolute (``from x import y`` gives ``x.y``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out += [f"{node.module}.{a.name}" for a in node.names]
    return out


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path, path.relative_to(ROOT).with_suffix("").parts


def test_no_package_reaches_into_another_packages_private_modules():
    """``hea_studio.io.apt._binary`` and the like are for their own package; others use its public API."""
    bad = []
    for path, parts in _modules():
        for name in _imports(path):
            bits = name.split(".")
            if bits[0] != "hea_studio" or len(bits) < 3:
                continue
            private = any(b.startswith("_") and not b.startswith("__") for b in bits[2:-1]) or (
                bits[2].startswith("_") and not bits[2].startswith("__")
            )
            if private and bits[1] != parts[1]:
                bad.append(f"{'/'.join(parts)}: {name}")
    assert not bad, bad


def test_only_one_module_touches_vispys_private_backend():
    users = [
        "/".join(parts)
        for path, parts in _modules()
        if any(n.startswith("vispy.app.backends") for n in _imports(path))
    ]
    assert users == ["hea_studio/render/vispy_private"]

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
    assert "4 kept, 0 broken" in proc.stdout


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


def _copy_with(tmp_path: Path, module: str, line: str) -> subprocess.CompletedProcess:
    """lint-imports on a copy of the package where ``module`` (a path under hea_studio/) gets ``line``."""
    shutil.copytree(PACKAGE, tmp_path / "hea_studio", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    victim = tmp_path / "hea_studio" / module
    victim.write_text(victim.read_text() + f"\n\n{line}  # noqa: E402,F401\n")
    return _lint_imports(tmp_path)


def test_a_sideways_import_between_compute_domains_breaks_the_contract(tmp_path):
    """The SUME may use the limited-area calculation below it, not local entropy beside it."""
    proc = _copy_with(
        tmp_path, "compute/sume/fits.py", "from hea_studio.compute.local.knn import local_entropy"
    )
    assert proc.returncode != 0
    assert "compute domains: each imports only the rows below it" in proc.stdout
    assert "hea_studio.compute.sume.fits -> hea_studio.compute.local.knn" in proc.stdout


def test_an_upward_import_inside_compute_breaks_the_contract(tmp_path):
    """The shared core never imports a domain (it would drag that domain into every other)."""
    proc = _copy_with(tmp_path, "compute/common/scan.py", "from hea_studio.compute.lac import binning")
    assert proc.returncode != 0
    assert "hea_studio.compute.common is not allowed to import hea_studio.compute.lac" in proc.stdout


def test_an_io_group_importing_another_breaks_the_contract(tmp_path):
    proc = _copy_with(tmp_path, "io/apt/pos.py", "from hea_studio.io.ranges.rrng import read_rrng")
    assert proc.returncode != 0
    assert "io groups are independent" in proc.stdout
    assert "hea_studio.io.apt.pos -> hea_studio.io.ranges.rrng" in proc.stdout


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


def _private_owner(name: str) -> str | None:
    """The package whose private module ``name`` reaches into (``hea_studio.io.apt`` for
    ``hea_studio.io.apt._binary.x``), or None when it names no private module of ours."""
    bits = name.split(".")
    if bits[0] != "hea_studio":
        return None
    for k in range(1, len(bits)):
        path = PACKAGE.joinpath(*bits[1 : k + 1])
        if not (path.is_dir() or path.with_suffix(".py").is_file()):
            return None
        if bits[k].startswith("_") and not bits[k].startswith("__"):
            return ".".join(bits[:k])
    return None


def test_no_package_reaches_into_another_packages_private_modules():
    """``hea_studio.io.apt._binary`` is for io.apt, ``compute.lac._kernels`` for compute.lac: other
    packages and domains use their public modules. compute.common is the shared core of compute, so
    its private modules (``_jit``, ``_kernels``) are open to every compute domain."""
    bad = []
    for path, parts in _modules():
        importer = ".".join(parts)
        for name in _imports(path):
            owner = _private_owner(name)
            if owner is None or importer.startswith(owner + ".") or importer == owner:
                continue
            if owner == "hea_studio.compute.common" and importer.startswith("hea_studio.compute."):
                continue
            bad.append(f"{'/'.join(parts)}: {name}")
    assert not bad, bad


def test_only_one_module_touches_vispys_private_backend():
    users = [
        "/".join(parts)
        for path, parts in _modules()
        if any(n.startswith("vispy.app.backends") for n in _imports(path))
    ]
    assert users == ["hea_studio/render/vispy_private"]

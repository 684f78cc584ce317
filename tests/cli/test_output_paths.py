"""Issue 28, output paths: links keep what they point to, devices are never replaced (standard output
is written to, not replaced), a full disk is found before the work, and a figure that failed to
render never takes the place of a good one."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import numpy as np
import pytest

from hea_studio.cli import main
from hea_studio.core.ranges import Range, RangeTable
from hea_studio.io import write_pos, write_rrng

SPECIES = [("Fe", 27.95), ("Ni", 28.95), ("Co", 29.45), ("Cu", 31.45)]


@pytest.fixture(scope="module")
def run_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("outputs")
    rng = np.random.default_rng(3)
    n = 6000
    pos = rng.uniform(0.0, 6.0, (n, 3)).astype(np.float32)
    mass = np.array([s[1] for s in SPECIES])[rng.integers(0, 4, n)] + rng.uniform(0, 0.1, n)
    write_pos(folder / "run.pos", pos, mass.astype(np.float32))
    write_rrng(folder / "run.rrng", RangeTable([Range(m, m + 0.1, e, ((e, 1.0),)) for e, m in SPECIES]))
    return folder


def _analyze(folder: Path, *extra: str) -> int:
    return main(["analyze", str(folder / "run.pos"), "--ranges", str(folder / "run.rrng"), "--sizes", "1,2",
                 "--bootstrap", "0", *extra])  # fmt: skip


def _error(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" not in err, err
    lines = [line for line in err.splitlines() if line.startswith("hea-studio: error")]
    assert len(lines) == 1, err
    return lines[0]


def test_an_output_through_a_link_replaces_the_target_and_keeps_the_link(run_files, tmp_path):
    target = tmp_path / "results" / "r.json"
    target.parent.mkdir()
    target.write_text("{}")
    link = tmp_path / "latest.json"
    link.symlink_to(Path("results") / "r.json")  # relative, as users make them
    assert _analyze(run_files, "--json", str(link)) == 0
    assert link.is_symlink() and os.readlink(link) == str(Path("results") / "r.json")
    assert '"elements"' in target.read_text()


def test_a_project_saved_through_a_link_keeps_the_link(tmp_path):
    from hea_studio.core.geometry import Box
    from hea_studio.core.project import ProjectState, SubVolume
    from hea_studio.core.settings import AnalysisSettings
    from hea_studio.io.project.store import load_project, save_project

    state = ProjectState(
        ion_file=str(tmp_path / "a.pos"),
        range_file=str(tmp_path / "a.rrng"),
        subvolumes=[SubVolume("box", Box((0, 0, 0), (1, 1, 1)))],
        active=0,
        settings=AnalysisSettings(),
    )
    real = tmp_path / "store" / "p.h5"
    real.parent.mkdir()
    save_project(real, state)
    link = tmp_path / "p.h5"
    link.symlink_to(real)
    save_project(link, state)
    assert link.is_symlink() and load_project(real).subvolumes[0].name == "box"


def test_devices_are_refused_and_standard_output_is_written_to(run_files, tmp_path, capsys):
    # As root a broken build would replace the device node: use a private one (same as /dev/null).
    device = Path("/dev/null")
    if os.geteuid() == 0:
        device = tmp_path / "null"
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    assert _analyze(run_files, "--csv", str(device)) == 2
    assert "not a regular file" in _error(capsys)
    assert device.is_char_device()
    assert _analyze(run_files, "--csv", "/dev/stdout") == 0
    out = capsys.readouterr().out
    assert out.startswith("size_nm,n_cubes")
    assert Path("/dev/stdout").is_symlink() or Path("/dev/stdout").is_char_device()


def test_a_fifo_output_is_refused_without_blocking(run_files, tmp_path, capsys):
    fifo = tmp_path / "out.json"
    os.mkfifo(fifo)
    assert _analyze(run_files, "--json", str(fifo)) == 2
    assert "not a regular file" in _error(capsys)


def test_a_figure_that_failed_to_render_never_replaces_a_good_one(run_files, tmp_path, capsys, monkeypatch):
    """libpng on a full disk: QImage.save answers False after writing part of the file (or nothing);
    the exporter used to report success and the empty file replaced the previous PNG."""
    from pyqtgraph.exporters import ImageExporter

    good = tmp_path / "curve.png"
    assert _analyze(run_files, "--plot", str(good)) == 0
    before = good.read_bytes()
    assert before.startswith(b"\x89PNG")

    def failing_export(self, fileName=None, toBytes=False, copy=False):
        Path(fileName).write_bytes(b"")  # what libpng leaves when the disk is full
        return False

    monkeypatch.setattr(ImageExporter, "export", failing_export)
    assert _analyze(run_files, "--plot", str(good)) == 2
    assert "cannot write" in _error(capsys)
    assert good.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left


def _mount_tmpfs(folder: Path, size: str) -> bool:
    if os.geteuid() != 0:
        return False
    folder.mkdir()
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True).returncode == 0  # fmt: skip


def _fill(folder: Path) -> None:
    with open(folder / "filler", "wb", buffering=0) as fh:
        try:
            while True:
                fh.write(b"\0" * 4096)
        except OSError:
            pass


@pytest.mark.parametrize("option", ["--plot", "--json", "--nexus", "--report", "--csv"])
def test_a_full_disk_is_found_before_the_work_and_nothing_is_lost(
    run_files, tmp_path, capsys, option, monkeypatch
):
    """A real 600 kB tmpfs when the test may mount one; else a disk that reports no free space."""
    name = {"--plot": "c.png", "--nexus": "n.nxs", "--report": "r.html"}.get(option, "out.txt")
    disk = tmp_path / "disk"
    mounted = _mount_tmpfs(disk, "600k")
    if not mounted:
        disk.mkdir()
    try:
        out = disk / name
        assert _analyze(run_files, option, str(out)) == 0
        before = out.read_bytes()
        if mounted:
            _fill(disk)
        else:
            real = os.statvfs

            class _Full:
                def __init__(self, st):
                    self.f_bavail, self.f_frsize = 0, st.f_frsize

            monkeypatch.setattr(
                os, "statvfs", lambda p: _Full(real(p)) if str(p).startswith(str(disk)) else real(p)
            )
        import hea_studio.compute.analysis as analysis

        def must_not_run(*a, **k):
            raise AssertionError("the analysis ran although the disk is full")

        monkeypatch.setattr(analysis, "run_analysis", must_not_run)
        assert _analyze(run_files, option, str(out)) == 2
        assert "free" in _error(capsys)
        assert out.read_bytes() == before
    finally:
        if mounted:
            subprocess.run(["umount", str(disk)], check=False)

"""The HTML report: self-contained, every section present, and rendered by a real browser (headless Chromium)."""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
import subprocess

import numpy as np
import pytest
from test_cli_analyze import specimen  # noqa: F401  (the module-scoped 12 nm random alloy files)

from hea_studio.cli import main

# The browser of the test set-up (packaging/scripts/system-deps.sh --test installs Debian's chromium).
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
)  # fmt: skip
S_BLUE = np.array([31, 90, 180])  # the mean-entropy curve's colour (plots/curve.py)


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "chromium is missing: bash packaging/scripts/system-deps.sh --test installs it"
    return path


def run_chromium(tmp_path, *args: str) -> None:
    profile = tmp_path / "chromium-profile"  # a fresh profile each run: nothing cached or remembered
    proc = subprocess.run(
        [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]


def png_pixels(path) -> np.ndarray:
    """(h, w, 3) RGB of a PNG, read with Qt (already a dependency)."""
    from PySide6.QtGui import QImage

    img = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB888)
    assert not img.isNull(), f"{path} is not an image"
    h, w = img.height(), img.width()
    buf = np.frombuffer(img.constBits(), dtype=np.uint8, count=img.sizeInBytes())
    return buf.reshape(h, img.bytesPerLine())[:, : 3 * w].reshape(h, w, 3).copy()


@pytest.fixture(scope="module")
def report(specimen, tmp_path_factory):  # noqa: F811
    out = tmp_path_factory.mktemp("report") / "report.html"
    code = main(
        [
            "analyze", str(specimen / "s.pos"), "--ranges", str(specimen / "s.rrng"), "--sizes", "0.5:5:0.5",
            "--roi", "0,0,0,12,12,12", "--bootstrap", "20", "--report", str(out),
        ]
    )  # fmt: skip
    assert code == 0
    return out


def test_report_is_self_contained_and_complete(report, specimen):  # noqa: F811
    text = report.read_text(encoding="utf-8")
    # Nothing is fetched: no links to other files or servers, every figure is an embedded PNG.
    assert not re.search(r'(src|href)="(?!data:)', text)
    figures = re.findall(r'<img alt="[^"]*" src="data:image/png;base64,([A-Za-z0-9+/=]+)"', text)
    assert len(figures) == 2
    for b64 in figures:
        assert base64.b64decode(b64)[:8] == b"\x89PNG\r\n\x1a\n"
    for needle in (
        "Warnings",
        "Comparison",
        "SUME",
        "Parameters",
        "Input files",
        "Software",
        "numpy",
        "h5py",
    ):
        assert needle in text
    assert hashlib.sha256((specimen / "s.pos").read_bytes()).hexdigest() in text
    assert hashlib.sha256((specimen / "s.rrng").read_bytes()).hexdigest() in text
    assert "0.00, 0.00, 0.00, 12.00, 12.00, 12.00" in text  # the sub-volume
    assert "@media print" in text


def test_report_renders_in_headless_chromium(report, tmp_path):
    shot = tmp_path / "shot.png"
    run_chromium(tmp_path, "--window-size=1200,2400", f"--screenshot={shot}", report.as_uri())
    px = png_pixels(shot)
    assert px.shape[:2] == (2400, 1200)
    # Not blank: a white page with text and figures has many dark pixels and real variation.
    grey = px.mean(axis=2)
    assert grey.std() > 20 and (grey < 100).mean() > 0.005
    # The figures are drawn: the entropy curve's blue appears over many pixels (text never uses it).
    blue = (np.abs(px.astype(int) - S_BLUE).sum(axis=2) < 40).sum()
    assert blue > 500, blue


def test_report_prints_to_pdf(report, tmp_path):
    pdf = tmp_path / "report.pdf"
    run_chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", report.as_uri())
    data = pdf.read_bytes()
    assert data[:5] == b"%PDF-"
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert 2 <= pages <= 6, pages


def test_report_of_several_sub_volumes_has_the_comparison_and_a_profile(tmp_path):
    from compute_specimens import two_phase_alloy

    from hea_studio.compute.analysis import run_analysis
    from hea_studio.compute.profile.slabs import composition_profile
    from hea_studio.core.geometry import Box
    from hea_studio.core.settings import AnalysisSettings
    from hea_studio.plots.report import ReportSection, write_report

    atoms = two_phase_alloy(60_000, interface_z=9.0, seed=1)
    settings = AnalysisSettings(sizes_nm=(0.5, 1.0, 1.5, 2.0, 2.5, 3.0), bootstrap=0)
    boxes = {
        "low": Box((0, 0, 1), (10, 10, 7)),
        "high": Box((0, 0, 11), (10, 10, 17)),
        "across": Box((0, 0, 6), (10, 10, 12)),
    }
    sections = [ReportSection(n, "two-phase", run_analysis(atoms, settings, b)) for n, b in boxes.items()]
    prof = composition_profile(atoms, Box((0, 0, 0), (10, 10, 18)), "z", 0.5)
    path = write_report(tmp_path / "r.html", sections, title="Three boxes", profile=prof)
    text = path.read_text()
    assert len(re.findall(r'src="data:image/png;base64,', text)) == 1 + 2 * 3 + 1
    table = text[text.index("<h2>Comparison</h2>") : text.index("<figure>")]
    assert table.count("<tr>") == 4 and all(n in table for n in boxes)
    assert "Interfaces:" in text and "Not recorded" in text

"""The HTML report: self-contained, every section present, and rendered by a real browser (headless Chromium)."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess

import numpy as np
import pytest

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
def report(specimen, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report.html"
    code = main(
        [
            "analyze", str(specimen / "s.pos"), "--ranges", str(specimen / "s.rrng"), "--sizes", "0.5:5:0.5",
            "--roi", "0,0,0,12,12,12", "--bootstrap", "20", "--report", str(out), "--lattice", "fcc:0.3583",
        ]
    )  # fmt: skip
    assert code == 0
    return out


def test_report_is_self_contained_and_complete(report, specimen):
    text = report.read_text(encoding="utf-8")
    # Nothing is fetched: no sources, styles or scripts from elsewhere (the DOIs are plain links).
    assert not re.search(r'\ssrc="', text) and "<link" not in text and "<script" not in text
    # Two numbered, captioned vector figures, and no raster image anywhere.
    assert text.count("<svg") == 2 and "<img" not in text and "<image" not in text
    assert re.findall(r"<figcaption><b>Figure (\d)\.</b>", text) == ["1", "2"]
    # The methods paragraph written from the settings, with its reference and DOI.
    methods = text[text.index("<h2>Methods</h2>") : text.index("<h2>Warnings</h2>")]
    for needle in ("0.5 to 5 nm in steps of 0.5 nm", "fewer than 10 atoms", "20 bootstrap replicates",
                   "random-mixing reference", "principal elements", "fcc:0.3583", "Khort",
                   'href="https://doi.org/10.1039/d4cp00776j"'):  # fmt: skip
        assert needle in methods, needle
    # The SUME table carries unit cells (a lattice was given) and the ranged share is stated.
    sume = text[text.index("<h3>SUME</h3>") :]
    sume = sume[: sume.index("</table>")]
    assert "unit cells" in sume and re.search(r'<td class="num">\d{2,}</td>', sume)
    assert "Ranged: 60,000 of 60,000 ions (100.0 %)" in text
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


def test_report_prints_to_pdf_with_vector_figures(report, tmp_path):
    pdf = tmp_path / "report.pdf"
    run_chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", report.as_uri())
    data = pdf.read_bytes()
    assert data[:5] == b"%PDF-"
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert 2 <= pages <= 6, pages
    # poppler (system-deps.sh --test) lists the PDF's raster images: none, the figures are paths and text.
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True)
    assert images.stdout.strip().splitlines()[2:] == []
    words = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    # The figures' own text (axis titles, legend) is in the PDF as text, and so are methods and citation.
    for needle in ("cube edge L (nm)", "std of atomic fraction", "Figure 1.", "Figure 2.", "Methods",
                   "Khort", "10.1039/d4cp00776j"):  # fmt: skip
        assert needle in words, needle


def test_sume_cells_show_bounds_never_a_zero_width_interval():
    from hea_studio.plots.report_text import sume_cells

    edges = [1.0, 2.0, 3.0, 7.0]
    # Schema 2: every replicate at the largest edge collapsed the interval to [7, 7].
    value, interval = sume_cells({"edge_nm": 7.0, "ci95_nm": [7.0, 7.0]}, None, edges)
    assert value == "≥ 7.00 nm (not levelled)" and "7.00" not in interval
    # Schema 3: one-sided bounds, and "random down to" below the range (the window's words).
    assert sume_cells({"edge_nm": None, "at_least_nm": 7.0}, None, edges)[0] == "≥ 7.00 nm (not levelled)"
    value, _ = sume_cells({"edge_nm": None, "at_most_nm": 1.0, "below_range": True}, None, edges)
    assert value == "random down to 1.00 nm"
    value, _ = sume_cells({"edge_nm": 1.0, "below_range": True, "ci95_nm": None}, None, edges)
    assert value == "random down to 1.00 nm"
    assert sume_cells({"edge_nm": 2.5, "ci95_nm": [2.1, 2.9]}, None, edges) == (
        "2.50 nm",
        "95 % CI 2.10–2.90 nm",
    )
    assert sume_cells(None, "the curve is too short", edges) == ("not determined", "the curve is too short")


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
    assert text.count("<svg") == 1 + 2 * 3 + 1
    assert re.findall(r"<b>Figure (\d)\.</b>", text) == [str(i) for i in range(1, 9)]
    table = text[text.index("<h2>Comparison</h2>") : text.index("<figure")]
    assert table.count("<tr>") == 4 and all(n in table for n in boxes)
    assert "Interfaces:" in text and "Not recorded" in text


def test_report_profile_of_a_random_specimen_lists_no_interface(tmp_path):
    # The window's significance test (compute/profile/interface.py) decides, not a plateau threshold.
    from compute_specimens import random_alloy

    from hea_studio.compute.analysis import run_analysis
    from hea_studio.compute.profile.slabs import composition_profile
    from hea_studio.core.geometry import Box
    from hea_studio.core.settings import AnalysisSettings
    from hea_studio.plots.report import ReportSection, write_report

    atoms = random_alloy(60_000, seed=5)
    box = Box((0, 0, 0), (12, 12, 12))
    settings = AnalysisSettings(sizes_nm=(1.0, 2.0, 3.0), bootstrap=0)
    section = ReportSection("random", "random", run_analysis(atoms, settings, box))
    prof = composition_profile(atoms, box, "z", 0.5)
    text = write_report(tmp_path / "r.html", [section], profile=prof).read_text()
    assert "No interface" in text and "Interfaces:" not in text and "no interface found" in text

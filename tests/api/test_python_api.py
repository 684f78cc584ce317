"""``hea_studio.load`` / ``hea_studio.analyze``: the notebook path gives what the CLI gives."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import hea_studio as hs
from hea_studio.core.errors import InputError


def _without_timing(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k != "timing_s"}


def test_analyze_a_loaded_run_equals_the_cli_json(synth_run):
    folder, cli = synth_run
    run = hs.load(folder / "run.pos", ranges=folder / "run.rrng")
    result = hs.analyze(run, bootstrap=50, seed=0)
    assert _without_timing(result.to_json()) == _without_timing(cli)
    # A path works as well as a run, and attributes read through to the analysis.
    again = hs.analyze(str(folder / "run.pos"), folder / "run.rrng", bootstrap=50, seed=0)
    assert again.sume.edge_nm == result.sume.edge_nm == cli["sume"]["edge_nm"]


def test_reprs_are_short_and_never_dump_coordinates(synth_run):
    folder, _ = synth_run
    run = hs.load(folder / "run.pos", ranges=folder / "run.rrng")
    text = repr(run)
    assert text.startswith("<hea_studio.Run run.pos, ranges run.rrng:") and len(text) < 200
    assert "array" not in text and "[" not in text
    result = hs.analyze(run, sizes="1:4:0.5", bootstrap=0)
    assert repr(result).startswith("<hea_studio.Result Co-Cu-Fe-Ni:") and len(repr(result)) < 200
    page = result._repr_html_()
    assert "<table>" in page and page.count("<tr>") == 1 + 7  # header + one row per edge
    frame = result.to_dataframe()
    assert list(frame.index) == [1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0]
    assert {"S_mean", "S_null", "deficit", "conc_std_Co"} <= set(frame.columns)
    assert frame["n_cubes"].iloc[0] == result.curve[0].n_cubes


def test_plain_arrays_and_their_errors():
    rng = np.random.default_rng(4)
    n = 30_000
    xyz = rng.uniform(0.0, 10.0, (n, 3))
    species = rng.choice(["Co", "Cr", "Fe", "Ni"], n)
    result = hs.analyze(hs.from_arrays(xyz, species), sizes=[1, 2, 3, 4], bootstrap=0, seed=1)
    assert result.elements == ("Co", "Cr", "Fe", "Ni")
    assert [s.size_nm for s in result.curve] == [1, 2, 3, 4]
    assert abs(result.bulk.S_R - np.log(4)) < 0.01  # equimolar random: S = R ln 4
    labels = np.searchsorted(["Co", "Cr", "Fe", "Ni"], species)
    same = hs.analyze(
        hs.from_arrays(xyz, labels, names=["Co", "Cr", "Fe", "Ni"]), sizes=[1, 2, 3, 4], bootstrap=0, seed=1
    )
    assert same.curve[2].S_mean == result.curve[2].S_mean
    with pytest.raises(InputError, match=r"\(N, 3\)"):
        hs.from_arrays(xyz[:, :2], species)
    with pytest.raises(InputError, match="one entry per position"):
        hs.from_arrays(xyz, species[:10])
    with pytest.raises(InputError, match="names="):
        hs.from_arrays(xyz, labels)
    with pytest.raises(InputError, match="ranges="):
        hs.analyze("run.pos")


def test_plot_returns_a_figure_with_the_curve(synth_run):
    folder, _ = synth_run
    result = hs.analyze(folder / "run.pos", folder / "run.rrng", sizes="1:4:0.5", bootstrap=20)
    fig = result.plot()
    ax = fig.axes[0]
    xs = [list(line.get_xdata()) for line in ax.get_lines()]
    assert [1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0] in [list(map(float, x)) for x in xs]
    assert any("SUME" in t.get_text() for t in ax.get_legend().get_texts())


def test_importing_the_package_and_analysing_never_imports_qt(tmp_path):
    code = (
        "import sys, numpy as np, hea_studio as hs\n"
        "r = np.random.default_rng(0)\n"
        "res = hs.analyze(hs.from_arrays(r.uniform(0, 8, (8000, 3)), r.choice(['A','B'], 8000)), sizes=[1, 2], bootstrap=0)\n"
        "res.to_json(); repr(res); res._repr_html_(); res.plot().savefig(sys.argv[1])\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph', 'vispy')]\n"
        "print('QT', bad)\n"
    )
    png = tmp_path / "curve.png"
    # plot() too: pyplot would pick the Qt backend and start a QApplication (no display, or a window's).
    out = subprocess.run([sys.executable, "-c", code, str(png)], capture_output=True, text=True, check=True)
    assert "QT []" in out.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

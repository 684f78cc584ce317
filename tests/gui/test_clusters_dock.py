"""The Clusters dock: d-max from the NN plot, a cluster search, an isosurface and a proxigram, all in the
worker, drawn in the 3D view, shown in Results and saved."""

from __future__ import annotations

import json

import numpy as np
import pytest
from gui_helpers import show_dataset

from hea_studio.compute.clusters import MsmParameters, find_clusters

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def precipitate_dataset():
    from hea_studio.compute.dataset import build_dataset
    from hea_studio.io import to_atoms
    from hea_studio.synth.heterogeneity import ClusterSpec
    from hea_studio.synth.instrument import Instrument
    from hea_studio.synth.shape import BoxShape
    from hea_studio.synth.specimen import SynthParams, generate

    p = SynthParams(
        elements=("Fe", "Cu", "Ni"),
        fractions=(0.97, 0.02, 0.01),
        shape=BoxShape((16.0, 16.0, 16.0)),
        clusters=ClusterSpec(radius_nm=1.6, number_density=0.0015, composition={"Fe": 0.5, "Cu": 0.5}),
        instrument=Instrument(blur_lateral_nm=0.1, blur_depth_nm=0.05),
        seed=5,
    )
    sp = generate(p)
    atoms = to_atoms(sp.ions, sp.ranges)
    return build_dataset(atoms, "precipitates"), len(sp.cluster_centres)


def _wait(feature, qtbot, button):
    with qtbot.waitSignal(feature.jobs.finished, timeout=120_000):
        button.click()
        assert not button.isEnabled()  # busy while the worker runs


def test_clusters_found_drawn_listed_and_saved(make_main_window, precipitate_dataset, qtbot, tmp_path):
    dataset, n_placed = precipitate_dataset
    window = make_main_window()
    show_dataset(window, dataset, qtbot, analyse=False)
    feature = window.clusters
    panel = feature.panel
    assert panel.solutes.text() in dataset.atoms.names  # a species of the data by default
    panel.solutes.setText("Cu")
    _wait(feature, qtbot, panel.suggest_button)
    assert feature.nn.clustered and panel.nn_plot.marker.isVisible()
    assert abs(panel.dmax.value() - round(feature.nn.dmax, 2)) < 1e-9

    before = window.atom_view.render().copy()
    _wait(feature, qtbot, panel.run_button)
    result = feature.result
    expected = find_clusters(
        dataset.atoms.positions, dataset.atoms.labels, dataset.atoms.names, ("Cu",),
        MsmParameters(panel.dmax.value(), 1, 20, 0.25, 0.25),
    )  # fmt: skip
    assert len(result.clusters) == len(expected.clusters) > 0
    assert abs(len(result.clusters) - n_placed) <= max(1, 0.2 * n_placed)
    assert panel.table.rowCount() == len(result.clusters)
    assert panel.table.item(0, 1).text() == str(expected.clusters[0].solute_ions)
    assert "mean Guinier diameter" in panel.summary.text()
    assert "mean Guinier diameter" in feature.results_label.text()
    # ...and in the HTML report's table (File > Export report), with where it was searched.
    row = feature.report_rows()["Clusters"]
    assert f"{len(result.clusters)} of Cu (msm" in row and "whole data set" in row and "Guinier" in row
    # The clusters are drawn: the picture changed, and cluster colours appear in it.
    assert feature.overlay.n_cluster_points == int((result.cluster >= 0).sum())
    after = window.atom_view.render()
    assert np.abs(after.astype(int) - before.astype(int)).sum() > 0

    _wait(feature, qtbot, panel.surface_button)
    assert feature.overlay.n_faces > 100 and feature.overlay.mesh.visible
    assert panel.proxigram_plot.proxigram is not None

    out = tmp_path / "c.json"
    feature.write("json", out)
    doc = json.loads(out.read_text())
    assert doc["schema"] == "hea-studio/clusters/1" and doc["count"] == len(result.clusters)
    feature.write("mesh", tmp_path / "s.stl")
    assert (tmp_path / "s.stl").stat().st_size == 84 + 50 * feature.overlay.n_faces
    feature.write("proxigram", tmp_path / "p.csv")
    assert (tmp_path / "p.csv").read_text().startswith("distance_nm,ions")

    # Bad input: a dialog naming the problem, nothing run.
    panel.solutes.setText("Zn")
    panel.run_button.click()
    assert window.error_dialog is not None and "Zn" in window.error_dialog.text()
    window.error_dialog.close()


def test_a_search_can_be_cancelled(make_main_window, precipitate_dataset, qtbot):
    dataset, _ = precipitate_dataset
    window = make_main_window()
    show_dataset(window, dataset, qtbot, analyse=False)
    feature = window.clusters
    feature.panel.solutes.setText("Cu")
    with qtbot.waitSignal(feature.jobs.cancelled, timeout=60_000):
        feature.panel.surface_button.click()
        feature.panel.voxel.setValue(0.2)  # (read at submit: the job already runs)
        feature.panel.cancel_button.click()
    assert feature.panel.progress.format() == "cancelled" and feature.panel.surface_button.isEnabled()


def test_the_scale_solute_is_the_element_most_off_random_mixing_at_the_sume():
    from types import SimpleNamespace

    from hea_studio.app.clusters_feature import scale_solute

    def point(size, std_cu):
        return SimpleNamespace(
            size_nm=size, mean_atoms=100.0, conc_mean={"Fe": 0.9, "Cu": 0.05, "Ni": 0.05},
            conc_std={"Fe": 0.03, "Cu": std_cu, "Ni": 0.0218},
        )  # fmt: skip

    result = SimpleNamespace(
        sume_chemical=SimpleNamespace(edge_nm=2.1),
        curve=[point(1.0, 0.02), point(2.0, 0.06), point(3.0, 0.02)],
    )
    # At 2 nm Cu spreads 0.06 against a binomial 0.0218: Cu sets the scale.
    assert scale_solute(result) == ("Cu", 2.1)
    assert scale_solute(SimpleNamespace(sume_chemical=SimpleNamespace(edge_nm=None), curve=[])) is None

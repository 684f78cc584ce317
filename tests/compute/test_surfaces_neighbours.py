"""Isoconcentration surfaces, proximity histograms, NN distributions and the RDF; their CLIs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hea_studio.cli import main
from hea_studio.compute.neighbours import knn_distribution, partial_rdf
from hea_studio.compute.surfaces import concentration_field, isosurface, proxigram, read_ply, write_mesh
from hea_studio.core.errors import InputError
from hea_studio.io import write_pos, write_rrng
from hea_studio.synth.heterogeneity import ClusterSpec
from hea_studio.synth.instrument import Instrument
from hea_studio.synth.shape import BoxShape
from hea_studio.synth.specimen import SynthParams, generate

CLUSTER = {"Fe": 0.5, "Cu": 0.4, "Ni": 0.1}


@pytest.fixture(scope="module")
def one_precipitate():
    p = SynthParams(
        elements=("Fe", "Cu", "Ni"),
        fractions=(0.97, 0.02, 0.01),
        shape=BoxShape((16.0, 16.0, 16.0)),
        clusters=ClusterSpec(radius_nm=3.0, number_density=1 / 4096, composition=CLUSTER, radius_spread=0.0),
        instrument=Instrument(blur_lateral_nm=0.1, blur_depth_nm=0.05),
        seed=1,
    )
    sp = generate(p)
    keep = sp.ion_species >= 0
    return sp, sp.ions.positions[keep], sp.ion_species[keep].astype(np.uint8)


def test_proxigram_of_one_precipitate_recovers_its_interior(one_precipitate):
    sp, pos, lab = one_precipitate
    assert len(sp.cluster_centres) == 1
    field = concentration_field(pos, lab, sp.species, "Cu", voxel=0.5, delocalisation=1.5)
    mesh = isosurface(field, 20.0)
    # A closed surface around a 3 nm sphere (cut by the specimen's face): area of the right order.
    assert 0.5 * 4 * np.pi * 9 < mesh.area < 1.5 * 4 * np.pi * 9
    px = proxigram(mesh, pos, lab, sp.species, 0.2, 4.0)
    inner = px.composition_between(0.8, 4.0)
    n_inner = inner["Cu"][2]
    assert n_inner > 500
    # The ions really inside (ground truth: within R - 1 nm of the placed centre)...
    c = sp.cluster_centres[0]
    truly = np.linalg.norm(pos - c, axis=1) < 2.0
    sites = sp.truth["cluster_site_counts"]
    for j, name in enumerate(sp.species):
        x, err, _ = inner[name]
        # ...have the proxigram's interior composition within its counting error (2 sigma),
        assert abs(x - np.mean(lab[truly] == j)) <= 2 * err
        # ...and so do the cluster's lattice sites (3 sigma: the detected ions are a sample of them).
        assert abs(x - sites[name] / sum(sites.values())) <= 3 * err
    # Outside, the matrix: Cu below its bulk 2 %.
    outer = px.composition_between(-4.0, -1.5)
    assert outer["Cu"][0] < 0.02
    # JSON/CSV carry the same numbers.
    doc = px.to_json()
    assert doc["schema"] == "hea-studio/proxigram/1" and len(doc["bins"]) == len(px.centres)
    assert px.to_csv().count("\n") == len(px.centres) + 1


def test_mesh_files_round_trip(one_precipitate, tmp_path):
    sp, pos, lab = one_precipitate
    mesh = isosurface(concentration_field(pos, lab, sp.species, "Cu", 0.5, 1.5), 20.0)
    write_mesh(tmp_path / "m.ply", mesh)
    v, f = read_ply(tmp_path / "m.ply")
    np.testing.assert_array_equal(v, mesh.vertices)
    np.testing.assert_array_equal(f, mesh.faces)
    write_mesh(tmp_path / "m.stl", mesh)
    data = (tmp_path / "m.stl").read_bytes()
    n = int(np.frombuffer(data[80:84], "<u4")[0])
    assert n == len(mesh.faces) and len(data) == 84 + 50 * n
    with pytest.raises(InputError):
        write_mesh(tmp_path / "m.obj", mesh)
    with pytest.raises(InputError, match="no surface"):
        isosurface(concentration_field(pos, lab, sp.species, "Cu", 0.5, 1.5), 99.0)


def test_nn_and_rdf_see_the_precipitate_and_not_a_random_alloy(one_precipitate):
    sp, pos, lab = one_precipitate
    d = knn_distribution(pos, lab, sp.species, "Cu", "Cu", k=1)
    assert np.median(d.measured_distances) < 0.9 * np.median(d.shuffled_distances)
    assert abs(np.trapezoid(d.measured, d.centres) - 1) < 0.05
    g = partial_rdf(pos, lab, sp.species, "Cu", "Cu", rmax=2.0, dr=0.1)
    assert np.nanmean(g.g[3:10]) > 2  # Cu around Cu well above the shuffled reference
    # Shuffle the labels: both statistics return to the reference.
    rng = np.random.default_rng(0)
    shuffled = rng.permutation(lab)
    d2 = knn_distribution(pos, shuffled, sp.species, "Cu", "Cu", k=2)
    assert abs(np.median(d2.measured_distances) / np.median(d2.shuffled_distances) - 1) < 0.05
    g2 = partial_rdf(pos, shuffled, sp.species, "Cu", "Fe", rmax=2.0, dr=0.2)
    assert np.all(np.abs(g2.g[2:] - 1) < 4 * g2.error[2:] + 0.02)


def test_cli_nn_and_isosurface(one_precipitate, tmp_path, capsys):
    sp, _, _ = one_precipitate
    write_pos(tmp_path / "p.pos", sp.ions.positions, sp.ions.mass)
    write_rrng(tmp_path / "p.rrng", sp.ranges)
    base = [str(tmp_path / "p.pos"), "--ranges", str(tmp_path / "p.rrng")]
    assert main(["nn", *base, "--from", "Cu", "--to", "Cu", "--rdf", "--json", str(tmp_path / "nn.json"),
                 "--csv", str(tmp_path / "nn.csv"), "--plot", str(tmp_path / "nn.png")]) == 0  # fmt: skip
    doc = json.loads((tmp_path / "nn.json").read_text())
    assert doc["schema"] == "hea-studio/nn/1" and doc["dmax_suggestion"]["clustered"] is True
    assert doc["rdf"]["schema"] == "hea-studio/rdf/1"
    assert (tmp_path / "nn.png").read_bytes()[:4] == b"\x89PNG"
    rc = main(["isosurface", *base, "--species", "Cu", "--threshold", "20", "--voxel", "0.5",
               "--delocalisation", "1.5", "--mesh", str(tmp_path / "s.ply"),
               "--proxigram", str(tmp_path / "px.json")])  # fmt: skip
    assert rc == 0
    v, f = read_ply(tmp_path / "s.ply")
    assert len(f) > 100 and f.max() < len(v)
    px = json.loads((tmp_path / "px.json").read_text())
    assert px["schema"] == "hea-studio/proxigram/1" and px["threshold_percent"] == 20
    capsys.readouterr()
    # Bad input: exit 2, the file and the problem named, no traceback.
    assert (
        main(["isosurface", *base, "--species", "Cu", "--threshold", "99", "--mesh", str(tmp_path / "x.ply")])
        == 2
    )
    err = capsys.readouterr().err
    assert "p.pos" in err and "no surface" in err and not (tmp_path / "x.ply").exists()
    assert (
        main(["isosurface", *base, "--species", "Cu", "--threshold", "9", "--mesh", str(tmp_path / "x.obj")])
        == 2
    )
    assert main(["nn", *base, "--from", "Zn", "--to", "Cu"]) == 2

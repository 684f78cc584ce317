"""Cluster search: kernels against their twins, synthetic precipitates, a random alloy, DBSCAN, the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hea_studio.cli import main
from hea_studio.compute.clusters import MsmParameters, dmax_suggestion, find_clusters
from hea_studio.compute.clusters import _kernels as nb
from hea_studio.compute.clusters import _twins as tw
from hea_studio.compute.clusters.grid import build_grid
from hea_studio.io import write_pos, write_rrng
from hea_studio.synth.heterogeneity import ClusterSpec
from hea_studio.synth.instrument import Instrument
from hea_studio.synth.shape import BoxShape
from hea_studio.synth.specimen import SynthParams, generate


def _specimen(clustered: bool, seed: int = 3):
    p = SynthParams(
        elements=("Fe", "Cu", "Ni"),
        fractions=(0.97, 0.02, 0.01),
        shape=BoxShape((24.0, 24.0, 24.0)),
        clusters=ClusterSpec(
            radius_nm=1.5, number_density=0.0012, composition={"Fe": 0.5, "Cu": 0.5}, radius_spread=0.0
        )
        if clustered
        else None,
        instrument=Instrument(blur_lateral_nm=0.1, blur_depth_nm=0.05),
        seed=seed,
    )
    sp = generate(p)
    keep = sp.ion_species >= 0
    return sp, sp.ions.positions[keep], sp.ion_species[keep].astype(np.uint8)


@pytest.fixture(scope="module")
def precipitates():
    return _specimen(True)


@pytest.fixture(scope="module")
def random_alloy():
    return _specimen(False)


class TestKernels:
    pytestmark = pytest.mark.usefixtures("jit")

    def _cloud(self, n=1500, seed=0):
        rng = np.random.default_rng(seed)
        return rng.uniform(0, 6, (n, 3))

    def test_counts_and_links_equal_the_brute_force(self):
        pts = self._cloud()
        r = 0.45
        g = build_grid(pts, r)
        for cap in (1, 3):
            counts = np.zeros(g.n, np.int32)
            nb.neighbour_counts(g.points, g.starts, g.lo, g.cell, g.dims, r * r, cap, counts, 0, g.n)
            np.testing.assert_array_equal(counts, tw.neighbour_counts(g.points, r * r, cap))
        core = counts >= 3
        parent = np.arange(g.n, dtype=np.int64)
        touched = np.zeros(g.n, bool)
        for a in range(0, g.n, 400):  # chunked like the caller
            nb.link(
                g.points, g.starts, g.lo, g.cell, g.dims, r * r, core, parent, touched, a, min(a + 400, g.n)
            )
        nb.flatten(parent)
        root, touched2 = tw.link(g.points, r * r, core)
        np.testing.assert_array_equal(parent, root)
        np.testing.assert_array_equal(touched, touched2)
        assert 1 < len(np.unique(root[core])) < core.sum()

    def test_nearest_within_equals_brute_force(self):
        pts = self._cloud(800, 1)
        q = np.random.default_rng(2).uniform(-1, 7, (600, 3))  # some outside the grid
        g = build_grid(pts, 0.4)
        idx = np.empty(600, np.int64)
        d2 = np.empty(600)
        nb.nearest_within(q, g.points, g.starts, g.near, g.lo, g.cell, g.dims, 0.16, idx, d2)
        np.testing.assert_array_equal(g.nearest(q, 0.4)[0], idx)
        i2, d22 = tw.nearest_within(q, g.points, 0.16)
        np.testing.assert_array_equal(idx, i2)
        np.testing.assert_allclose(d2, d22)
        assert (idx >= 0).sum() > 50 and (idx < 0).sum() > 50

    def test_a_capped_grid_still_finds_every_neighbour(self):
        pts = self._cloud(1000, 3)
        g = build_grid(pts, 0.3, max_cells=64)
        assert g.cell > 0.3 and np.prod(g.dims) <= 64
        counts = np.zeros(g.n, np.int32)
        nb.neighbour_counts(g.points, g.starts, g.lo, g.cell, g.dims, 0.09, 99, counts, 0, g.n)
        np.testing.assert_array_equal(counts, tw.neighbour_counts(g.points, 0.09, 99))


def test_precipitates_count_and_guinier_radius(precipitates):
    sp, pos, lab = precipitates
    help_ = dmax_suggestion(pos, lab, sp.species, ("Cu",))
    assert help_.clustered
    d = help_.dmax
    res = find_clusters(pos, lab, sp.species, ("Cu",), MsmParameters(d, 1, 20, d, d))
    n_true = len(sp.cluster_centres)
    assert n_true == 17
    assert abs(len(res.clusters) - n_true) <= 0.1 * n_true
    radius = np.mean([c.guinier_radius for c in res.clusters])
    assert abs(radius - 1.5) <= 0.1 * 1.5
    # Every cluster found sits on a placed precipitate (two of them, 0.3 nm apart, merge into one).
    for c in res.clusters:
        assert np.linalg.norm(sp.cluster_centres - np.array(c.centre), axis=1).min() < 2.0
    doc = res.to_json()
    assert doc["count"] == len(res.clusters) and doc["number_density_per_nm3"] > 0
    assert abs(doc["mean_guinier_diameter_nm"] - 2 * radius) < 1e-9
    assert sum(b["count"] for b in doc["size_distribution"]) == len(res.clusters)
    # The matrix is depleted in Cu below the bulk 2 %.
    assert doc["matrix"]["composition"]["Cu"] < 0.02


def test_random_alloy_gives_no_clusters_at_the_suggested_dmax(random_alloy):
    sp, pos, lab = random_alloy
    help_ = dmax_suggestion(pos, lab, sp.species, ("Cu",))
    assert not help_.clustered
    d = help_.dmax
    res = find_clusters(pos, lab, sp.species, ("Cu",), MsmParameters(d, 1, 20, d, d))
    assert res.clusters == [] and res.to_json()["warnings"]


def test_dbscan_equals_msm_at_order_one(precipitates):
    sp, pos, lab = precipitates
    params = MsmParameters(0.5, 1, 20, 0.0, 0.0)
    a = find_clusters(pos, lab, sp.species, ("Cu",), params, "msm", volume_nm3=1.0)
    b = find_clusters(pos, lab, sp.species, ("Cu",), params, "dbscan", volume_nm3=1.0)
    np.testing.assert_array_equal(a.cluster, b.cluster)
    h = find_clusters(pos, lab, sp.species, ("Cu",), params, "hdbscan", volume_nm3=1.0)
    assert abs(len(h.clusters) - len(a.clusters)) <= 4


def test_order_two_drops_chain_ends():
    # A line of solutes 0.4 nm apart plus one 0.45 nm off its end: order 2 keeps the inner ions only.
    xs = np.arange(30) * 0.4
    pos = np.zeros((30, 3))
    pos[:, 0] = xs
    lab = np.zeros(30, np.uint8)
    one = find_clusters(pos, lab, ("Cu",), ("Cu",), MsmParameters(0.45, 1, 20), volume_nm3=1.0)
    two = find_clusters(pos, lab, ("Cu",), ("Cu",), MsmParameters(0.45, 2, 20), volume_nm3=1.0)
    assert one.clusters[0].solute_ions == 30 and two.clusters[0].solute_ions == 28


def test_cli_clusters_writes_the_schema(tmp_path, precipitates, capsys):
    sp, _, _ = precipitates
    write_pos(tmp_path / "s.pos", sp.ions.positions, sp.ions.mass)
    write_rrng(tmp_path / "s.rrng", sp.ranges)
    out = tmp_path / "c.json"
    rc = main(
        [
            "clusters",
            str(tmp_path / "s.pos"),
            "--ranges",
            str(tmp_path / "s.rrng"),
            "--solutes",
            "Cu",
            "--json",
            str(out),
            "--csv",
            str(tmp_path / "c.csv"),
        ]
    )
    assert rc == 0
    doc = json.loads(out.read_text())
    assert doc["schema"] == "hea-studio/clusters/1" and 15 <= doc["count"] <= 19
    c = doc["clusters"][0]
    for key in (
        "id",
        "solute_ions",
        "ions",
        "composition",
        "centre_nm",
        "rg_nm",
        "rg_xyz_nm",
        "guinier_radius_nm",
        "extent_nm",
    ):
        assert key in c
    assert doc["dmax_suggestion"]["clustered"] is True
    rows = (tmp_path / "c.csv").read_text().splitlines()
    assert len(rows) == doc["count"] + 1
    assert "clusters of Cu" in capsys.readouterr().out
    # Bad input: exit 2 with the problem named.
    assert (
        main(["clusters", str(tmp_path / "s.pos"), "--ranges", str(tmp_path / "s.rrng"), "--solutes", "Zn"])
        == 2
    )
    err = capsys.readouterr().err
    assert "Zn" in err and "s.pos" in err and "Traceback" not in err
    assert (
        main(
            [
                "clusters",
                str(tmp_path / "s.pos"),
                "--ranges",
                str(tmp_path / "s.rrng"),
                "--solutes",
                "Cu",
                "--dmax",
                "-1",
            ]
        )
        == 2
    )


def test_an_empty_grid_answers_every_query_with_nothing():
    g = build_grid(np.zeros((0, 3)), 0.5)
    idx, d2 = g.nearest(np.random.default_rng(0).uniform(0, 5, (10, 3)), 0.5)
    assert (idx == -1).all() and np.isinf(d2).all()


@pytest.mark.usefixtures("jit")
def test_column_extremes_and_the_hull_volume():
    from scipy.spatial import ConvexHull

    from hea_studio.compute.clusters.properties import hull_volume

    rng = np.random.default_rng(4)
    # A cone-like tip: the hull has slanted faces.
    z = rng.uniform(0, 20, 60_000)
    r = 3 + 0.3 * z
    phi = rng.uniform(0, 2 * np.pi, len(z))
    rho = r * np.sqrt(rng.uniform(0, 1, len(z)))
    pts = np.stack([rho * np.cos(phi), rho * np.sin(phi), z], 1)
    lo = pts.min(0)
    dims = np.floor((pts.max(0) - lo) / 0.5).astype(np.int64) + 1
    m = int(max(dims[0] * dims[1], dims[0] * dims[2], dims[1] * dims[2]))
    val = np.empty((6, m))
    val[0::2], val[1::2] = np.inf, -np.inf
    where = np.zeros((6, m, 3))
    nb.column_extremes(pts, lo, 0.5, dims, val, where)
    np.testing.assert_array_equal(val, tw.column_extremes(pts, lo, 0.5, dims))
    exact = ConvexHull(pts).volume
    assert abs(hull_volume(pts.astype(np.float32)) / exact - 1) < 0.01

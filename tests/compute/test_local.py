"""Atom-centred local entropy (science.md 7): the neighbour search against brute force, and what
the numbers must show on random, clustered and separated specimens."""

from __future__ import annotations

import math

import numpy as np
import pytest
from compute_specimens import NAMES, clustered_alloy, full_box, random_alloy

from hea_studio.compute.local import _kernels as nb
from hea_studio.compute.local import _twins as tw
from hea_studio.compute.local.knn import NeighbourGrid, default_ks, local_entropy, parse_ks
from hea_studio.compute.reference.atoms import log_table
from hea_studio.core.atoms import AtomSet
from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box


@pytest.mark.parametrize("cell", [0.35, 0.8, 3.0])
def test_neighbour_search_matches_brute_force(cell):
    rng = np.random.default_rng(11)
    rel = rng.uniform(0.0, 6.0, (4000, 3))
    lab = rng.integers(0, 4, 4000).astype(np.int64)
    nx = ny = nz = math.ceil(6.0 / cell)
    order, starts = nb.cell_list(rel, cell, nx, ny, nz)
    order2, starts2 = tw.cell_list(rel, cell, nx, ny, nz)
    np.testing.assert_array_equal(starts, starts2)
    for c in range(nx * ny * nz):  # same atoms per cell (the order inside a cell may differ)
        assert set(order[starts[c] : starts[c + 1]]) == set(order2[starts2[c] : starts2[c + 1]])
    # Centres in the corners and faces as well as inside: the shell search must reach past them.
    centres = np.concatenate([rng.choice(4000, 60, replace=False), np.argsort(rel.sum(axis=1))[:5]]).astype(
        np.int64
    )
    ks = np.array([2, 13, 50, 300], dtype=np.int64)
    # The kernel reads the atoms in cell order; the brute-force twin reads them as they came.
    grid = NeighbourGrid.build(rel, lab, (6.0, 6.0, 6.0), 4000 / 6.0**3)
    rank = np.empty(4000, dtype=np.int64)
    rank[order] = np.arange(4000)
    S, reach = nb.knn_entropy(
        rel[order], lab[order], 4, starts, nx, ny, nz, cell, rank[centres], ks, log_table(300)
    )
    S2, reach2 = tw.knn_entropy(rel, lab, 4, starts2, nx, ny, nz, cell, centres, ks, log_table(300))
    grid_S, grid_reach = grid.search(4, grid.rank[centres], ks, log_table(300))
    np.testing.assert_allclose(grid_S, S2, rtol=0, atol=1e-12)
    np.testing.assert_allclose(grid_reach, reach2, rtol=0, atol=1e-12)
    np.testing.assert_allclose(S, S2, rtol=0, atol=1e-12)
    np.testing.assert_allclose(reach, reach2, rtol=0, atol=1e-12)
    assert np.all(np.diff(reach, axis=1) >= 0)


def test_random_alloy_sits_on_the_random_reference():
    atoms = random_alloy(120_000, seed=3)
    result = local_entropy(atoms, full_box(atoms), ks=(13, 50, 200), n_centres=4000, seed=1)
    assert result.n_centres == 4000 and result.elements == NAMES
    for p in result.points:
        # Counting noise alone puts S below the bulk value; the reference accounts for it.
        assert p.S_mean < result.bulk.S_R
        assert abs(p.deficit) < 4 * p.S_sem + 0.003, p
        # The k-th neighbour sits about where a sphere of k atoms at this density ends.
        assert p.median_distance_nm == pytest.approx(p.radius_nm, rel=0.15)
    assert result.points[0].S_mean < result.points[-1].S_mean  # larger areas: closer to bulk


def test_clusters_show_a_local_deficit_that_closes_with_k():
    atoms = clustered_alloy(150_000, cluster_nm=3.0, seed=2)
    result = local_entropy(atoms, full_box(atoms), ks=(13, 50, 1000), n_centres=3000)
    small, large = result.points[0], result.points[-1]
    assert small.deficit > 10 * small.S_sem and small.deficit > 0.02
    assert large.deficit < small.deficit


def test_separated_halves_have_zero_entropy_away_from_the_interface():
    rng = np.random.default_rng(0)
    pos = rng.uniform(0.0, 20.0, (60_000, 3))
    labels = (pos[:, 0] > 10.0).astype(np.int64)  # pure Co on one side, pure Cu on the other
    atoms = AtomSet(pos, labels, ("Co", "Cu"))
    result = local_entropy(atoms, None, ks=(13,), n_centres=None)
    assert result.n_centres == result.roi_atoms  # every atom a centre
    assert abs(result.bulk.S_R - math.log(2)) < 0.01
    # Only centres within a neighbour distance of the interface see both species.
    assert result.points[0].S_mean < 0.1 * result.bulk.S_R


def test_bad_neighbourhoods_are_input_errors():
    atoms = random_alloy(3000, seed=0)
    with pytest.raises(InputError, match="fewer than the largest neighbourhood"):
        local_entropy(atoms, full_box(atoms), ks=(13, 5000))
    for text in ("", "1", "a,b", "0,5"):
        with pytest.raises(InputError):
            parse_ks(text)
    assert parse_ks("50, 13,50") == (13, 50)
    assert default_ks("bcc")[0] == 9 and default_ks("fcc")[0] == 13 and default_ks()[-1] == 1000


def test_json_has_the_documented_fields():
    atoms = random_alloy(20_000, seed=4)
    data = local_entropy(atoms, full_box(atoms), ks=(13, 100), n_centres=500).to_json()
    assert data["schema"] == "hea-studio/local-entropy/1"
    assert [p["k"] for p in data["points"]] == [13, 100]
    for key in ("radius_nm", "median_distance_nm", "S_mean", "S_std", "S_sem", "S_null", "deficit"):
        assert all(isinstance(p[key], float) for p in data["points"]), key
    assert data["n_centres"] == 500 and data["bulk"]["S_R"] > 1.3


def _brute_entropy(pos, labels, centre, k, K=4):
    """Plug-in entropy of the k atoms nearest to ``centre`` (itself included), by sorting all distances."""
    d = np.linalg.norm(pos - centre, axis=1)
    nearest = labels[np.argsort(d, kind="stable")[:k]]
    x = np.bincount(nearest, minlength=K) / k
    x = x[x > 0]
    return float(-(x * np.log(x)).sum())


def test_a_centre_near_a_face_takes_its_neighbours_from_the_whole_set():
    # science.md 7 / issue 12: neighbours from inside the sub-volume only gave centres near a face a
    # lopsided neighbourhood (the 1000th neighbour at 2.37 nm against 1.96 nm).
    atoms = random_alloy(400_000, seed=8)
    box = Box((6.0, 6.0, 6.0), (16.0, 16.0, 16.0))
    result = local_entropy(atoms, box, ks=(50, 500), n_centres=None, seed=0)
    pos = np.asarray(atoms.positions, dtype=np.float64)
    labels = np.asarray(atoms.labels)
    near_face = np.flatnonzero(result.centre_positions[:, 0] < 6.15)[:6]
    assert near_face.size == 6
    inside = np.all((pos >= 6.0) & (pos < 16.0), axis=1)
    lopsided = 0
    for c in near_face:
        centre = result.centre_positions[c]
        for j, k in enumerate((50, 500)):
            expected = _brute_entropy(pos, labels, centre, k)
            assert result.centre_entropy[c, j] == pytest.approx(expected, abs=1e-12)
            lopsided += abs(_brute_entropy(pos[inside], labels[inside], centre, k) - expected) > 1e-9
    assert lopsided > 0  # the old in-box neighbourhoods differ: this test can fail
    assert result.left_out == {50: 0, 500: 0}  # the box lies well inside the specimen


def test_centres_whose_neighbours_reach_beyond_the_specimen_are_left_out_and_counted():
    atoms = random_alloy(200_000, seed=9)
    box = full_box(atoms)
    result = local_entropy(atoms, box, ks=(13, 250, 1000), n_centres=4000, seed=1)
    left = result.left_out
    assert 0 < left[250] < left[1000] < 4000
    assert left[13] <= left[250]
    for p in result.points:
        assert p.n_used + p.n_left_out == 4000
    used = ~np.isnan(result.centre_entropy[:, 2])
    assert np.isclose(np.nanmean(result.centre_entropy[:, 2]), result.points[2].S_mean)
    assert used.sum() == result.points[2].n_used

"""The map kernels against their plain-numpy twins (compiled and as bounds-checked Python)."""

from __future__ import annotations

import numpy as np
import pytest

from hea_studio.compute.maps import _kernels as nb
from hea_studio.compute.maps import _twins as tw

pytestmark = pytest.mark.usefixtures("jit")


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int64])
def test_window_sums_match(dtype):
    rng = np.random.default_rng(3)
    data = rng.integers(0, 7, (9, 11, 300)).astype(dtype)
    starts = np.array([0, 17, 100, 250, 299], dtype=np.int64)
    stops = np.array([5, 40, 100, 300, 300], dtype=np.int64)  # an empty window too
    got = nb.window_sums(data, starts, stops)
    want = tw.window_sums(data, starts, stops)
    np.testing.assert_array_equal(got, want)
    assert got[2].sum() == 0 and got[1].sum() == data[:, :, 17:40].sum()


@pytest.mark.parametrize(("L", "oy", "ox"), [(1, 0, 0), (3, 1, 2), (7, 6, 0)])
def test_patch_entropy_matches(L, oy, ox):
    rng = np.random.default_rng(4)
    maps = rng.normal(3.0, 2.5, (4, 23, 31))  # some negative net counts, which are clipped
    kf = np.array([1.0, 1.3, 0.8, 1.1])
    got = nb.patch_entropy(maps, L, oy, ox, kf)
    want = tw.patch_entropy(maps, L, oy, ox, kf)
    assert got[0].shape == ((23 - oy) // L * ((31 - ox) // L), 4)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert np.all(got[1] >= 0) and np.all(got[1] <= np.log(4) + 1e-12)


def test_two_stage_reference_draws_the_same_numbers():
    rng = np.random.default_rng(5)
    K = 4
    E = rng.uniform(0.0, 0.3, (3 * K, K))
    bg = rng.uniform(0.0, 2.0, 3 * K)
    G = rng.normal(0.0, 0.2, (K, 3 * K))
    for i in range(K):
        G[i, 3 * i] = 1.0
    p = np.array([0.3, 0.3, 0.2, 0.2])
    kf = np.array([1.0, 1.2, 1.0, 0.9])
    args = (1500, p, E, bg, G, kf, 10.0, 300, 11)
    got = nb.two_stage_reference(*args)
    want = tw.two_stage_reference(*args)
    assert got[2] == want[2] > 250
    assert got[0] == pytest.approx(want[0], abs=1e-12) and got[1] == pytest.approx(want[1], rel=1e-9)
    assert got[3] == pytest.approx(want[3], rel=1e-12) and got[4] == pytest.approx(want[4], rel=1e-9)

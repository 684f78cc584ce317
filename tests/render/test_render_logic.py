"""The render adapters' display-free logic: display budget and subset, scale bar lengths, box edges."""

from __future__ import annotations

import numpy as np
import pytest

from hea_studio.compute.common.display import sample_indices
from hea_studio.core.geometry import Box
from hea_studio.render.budget import (
    HARDWARE_BUDGET,
    SOFTWARE_BUDGET,
    budget_for_renderer,
    choose_subset,
)
from hea_studio.render.scale_bar import nice_length


@pytest.mark.parametrize(
    ("renderer", "expected"),
    [
        ("llvmpipe (LLVM 15.0.6, 256 bits)", SOFTWARE_BUDGET),
        ("softpipe", SOFTWARE_BUDGET),
        ("Mesa DRI Intel(R) UHD Graphics 620 (KBL GT2)", HARDWARE_BUDGET),
        ("NVIDIA GeForce RTX 3060/PCIe/SSE2", HARDWARE_BUDGET),
        ("", SOFTWARE_BUDGET),
    ],
)
def test_budget_follows_the_renderer(renderer, expected):
    assert budget_for_renderer(renderer) == expected


def test_subset_respects_budget_visibility_and_is_stable():
    labels = np.repeat(np.arange(3), 1000)
    order = sample_indices(labels.size, labels.size)  # the display sample's random order
    visible = np.array([True, False, True])
    chosen = choose_subset(order, labels, visible, 500)
    assert chosen.size == 500
    assert set(np.unique(labels[chosen])) == {0, 2}
    assert np.unique(chosen).size == 500
    # A larger budget extends the same subset (no reshuffling when the user raises it).
    more = choose_subset(order, labels, visible, 1500)
    assert np.array_equal(more[:500], chosen)
    assert choose_subset(order, labels, visible, 10**6).size == 2000


@pytest.mark.parametrize(
    ("limit", "expected"), [(0.7, 0.5), (1.0, 1.0), (3.9, 2.0), (7.0, 5.0), (149.0, 100.0)]
)
def test_scale_bar_uses_round_lengths(limit, expected):
    assert nice_length(limit) == pytest.approx(expected)


def test_box_wireframe_has_the_twelve_edges_of_the_box():
    from hea_studio.render.box_wireframe import box_segments

    box = Box((0, 1, 2), (3, 5, 7))
    seg = box_segments(box).reshape(12, 2, 3)
    lengths = np.sort(np.linalg.norm(seg[:, 1] - seg[:, 0], axis=1))
    assert np.allclose(lengths, [3] * 4 + [4] * 4 + [5] * 4)
    assert np.allclose(seg.reshape(-1, 3).min(axis=0), box.lo)
    assert np.allclose(seg.reshape(-1, 3).max(axis=0), box.hi)

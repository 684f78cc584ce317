"""One rule decides whether a cube edge fits in a box: the window's cut, the command line's refusal,
the batch's default list and the tilings' cube counts all ask core.geometry."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from hea_studio.compute.lac.binning import n_tiles
from hea_studio.compute.lac.curve import check_sizes
from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box, edges_that_fit, whole_cubes
from hea_studio.core.settings import AnalysisSettings


def test_whole_cubes_forgive_rounding_but_not_more():
    assert whole_cubes(3 * 0.1, 0.1) == 3  # 0.30000000000000004 / 0.1 is 2.9999999999999996
    assert whole_cubes(2.0, 2.0) == 1
    assert whole_cubes(2.0, 2.0 * (1 + 1e-6)) == 0
    assert n_tiles(3 * 0.1, 0.1) == 3  # the tilings count with the same rule


@pytest.mark.parametrize("size", [(2.0, 3.0, 5.0), (0.3, 9.0, 9.0), (4.5, 4.5, 4.5 * (1 + 1e-12))])
def test_the_window_the_command_line_and_the_tilings_agree(size):
    edges = (0.1, 0.25, 0.3, 0.5, 1.0, 1.5, 2.0, 2.5, 4.5, 5.0)
    fitting = edges_that_fit(edges, size)
    box = Box((0.0, 0.0, 0.0), size)
    # The window analyses the edges that fit...
    assert AnalysisSettings(sizes_nm=edges).fitted_to(box).sizes_nm == fitting
    # ...the command line refuses exactly the others...
    prep = SimpleNamespace(extent=np.asarray(size))
    check_sizes(prep, fitting)
    for L in set(edges) - set(fitting):
        with pytest.raises(InputError, match="exceed the sub-volume"):
            check_sizes(prep, [L])
    # ...and every edge that fits gives at least one whole cube along each axis.
    assert all(min(n_tiles(s, L) for s in size) >= 1 for L in fitting)
    assert all(min(n_tiles(s, L) for s in size) == 0 for L in set(edges) - set(fitting))

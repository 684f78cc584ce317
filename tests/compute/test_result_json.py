"""An analysis read back from its JSON writes the same JSON and draws the same curve."""

from __future__ import annotations

import pytest
from compute_specimens import clustered_alloy

from hea_studio.compute.analysis import run_analysis
from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box
from hea_studio.core.result_json import result_from_json
from hea_studio.core.settings import AnalysisSettings, Lattice
from hea_studio.plots.compare import curve_arrays


def test_json_round_trip_is_exact():
    settings = AnalysisSettings(
        sizes_nm=tuple(0.5 * i for i in range(1, 13)), bootstrap=30, lattice=Lattice("fcc", 0.36)
    )
    result = run_analysis(clustered_alloy(40_000, 2.0, seed=4), settings, Box((0, 0, 0), (10, 10, 10)))
    data = result.to_json()
    back = result_from_json(data)
    assert back.to_json() == data
    assert back.sume is not None and back.sume.descending(2.0) == pytest.approx(result.sume.descending(2.0))
    for a, b in zip(curve_arrays(back), curve_arrays(result)):
        assert a.tolist() == b.tolist()


def test_not_a_result_is_an_input_error():
    with pytest.raises(InputError):
        result_from_json({"schema": "x", "bulk": {}})

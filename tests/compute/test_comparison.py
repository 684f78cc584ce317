"""The comparison table row of an analysis and its CSV, which must read back to the same rows."""

from __future__ import annotations

import pytest
from compute_specimens import clustered_alloy, random_alloy

from hea_studio.compute.analysis import run_analysis
from hea_studio.core.comparison import COLUMNS, comparison_row, rows_from_csv, rows_to_csv
from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box
from hea_studio.core.settings import AnalysisSettings


def test_rows_follow_the_result_and_the_csv_round_trips():
    settings = AnalysisSettings(sizes_nm=tuple(0.5 * i for i in range(1, 13)), bootstrap=30)
    a = run_analysis(random_alloy(40_000, seed=1), settings, Box((0, 0, 0), (10, 10, 10)))
    b = run_analysis(clustered_alloy(40_000, 2.0, seed=2), settings, Box((0, 0, 0), (10, 10, 10)))
    rows = [comparison_row("matrix, near GB", "run 1", a), comparison_row('clustered "B"', "run 2", b)]
    assert rows[0].atoms == a.roi_atoms and rows[0].S_bulk_R == a.bulk.S_R and rows[0].cls == a.bulk.cls
    assert rows[0].composition.startswith("Co ") and len(rows[0].composition.split()) == 8
    for row, result in zip(rows, (a, b)):
        data = result.to_json()
        assert row.warnings == "; ".join(w["code"] for w in data["warnings"])
        assert row.sume_apparent_nm == (data["sume_apparent"] or {}).get("edge_nm")
        assert row.sume_at_most_nm == (data["sume"] or {}).get("at_most_nm")
    assert any(r.warnings for r in rows)  # 6 nm cubes in a 10 nm box: too few cubes, said by its code
    # The random alloy's headline is a calm bound, the clustered one's a number with its interval.
    assert rows[0].sume_nm is None and rows[0].sume_text.startswith("random down to")
    assert rows[1].sume_nm == pytest.approx(b.sume.edge_nm)
    assert rows[1].sume_text.startswith(f"{b.sume.edge_nm:.2f} nm (95 % CI")
    assert (rows[1].sume_lo_nm, rows[1].sume_hi_nm) == pytest.approx(tuple(b.sume.ci95_nm))
    text = rows_to_csv(rows)
    assert text.splitlines()[0].split(",") == list(COLUMNS)
    assert rows_from_csv(text) == rows
    with pytest.raises(InputError):
        rows_from_csv("a,b\n1,2\n")

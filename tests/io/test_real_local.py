"""``hea-studio local`` on a real APT file (jenjamin's Cu-Ni cluster export, see MANIFEST.md)."""

from __future__ import annotations

import json

from hea_studio.cli import main


def test_local_entropy_of_real_clusters_is_far_below_random(real, tmp_path):
    d = real / "jenjamin_APT-Data-Analysis"
    out = tmp_path / "local.json"
    code = main(
        ["local", str(d / "006_full.cluster.pos"), "--ranges", str(d / "006_full.cluster.rrng"),
         "--k", "13,100", "--centres", "all", "--json", str(out)]
    )  # fmt: skip
    assert code == 0
    data = json.loads(out.read_text())
    assert data["elements"] == ["Cu", "Ni"]  # Fe is below the 5 at.% floor
    assert data["n_centres"] == data["roi_atoms"] > 1000
    small, large = data["points"]
    # Cu and Ni sit in separate clusters: small neighbourhoods are far less mixed than random
    # draws of the same size, and the gap narrows as the neighbourhood grows.
    assert small["deficit"] > 10 * small["S_sem"]
    assert 0 < large["deficit"] < small["deficit"]
    assert small["S_null"] < data["bulk"]["S_R"]

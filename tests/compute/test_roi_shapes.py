"""Sphere and cylinder ROIs: the values, ``--roi`` parsing, and the entropy curve on cubes fully inside."""

from __future__ import annotations

import json

import numpy as np
import pytest
from compute_specimens import random_alloy

from hea_studio.cli import main
from hea_studio.compute.analysis import run_analysis
from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box
from hea_studio.core.settings import AnalysisSettings
from hea_studio.core.shapes import Cylinder, Sphere, cubes_inside, parse_roi, roi_from_dict
from hea_studio.io import write_pos


def test_parse_and_serialise_every_form():
    assert parse_roi("0,0,0,1,2,3") == Box((0, 0, 0), (1, 2, 3))
    s = parse_roi("sphere:1,2,3,4")
    assert s == Sphere((1, 2, 3), 4) and roi_from_dict(s.to_dict()) == s and parse_roi(s.spec()) == s
    c = parse_roi("cylinder: 0,0,0, 3,4,0, 1")
    assert isinstance(c, Cylinder) and c.length == 5 and roi_from_dict(c.to_dict()) == c
    for bad in ("sphere:1,2,3", "sphere:0,0,0,-1", "cylinder:0,0,0,0,0,0,1", "cone:1,2", "sphere:a,b,c,d"):
        with pytest.raises(InputError):
            parse_roi(bad)


def test_cylinder_along_an_oblique_axis():
    c = Cylinder((0, 0, 0), (10, 10, 0), 1.0)
    u = np.array([1, 1, 0]) / np.sqrt(2)
    perp = np.array([0, 0, 1.0])
    pts = np.array([u * 5, u * 5 + 0.99 * perp, u * 5 + 1.01 * perp, u * -0.1, u * 14.2, u * 14.1])
    np.testing.assert_array_equal(c.contains(pts), [True, True, False, False, False, True])
    box = c.bounding_box()
    # The box holds the whole cylinder: random points inside it are inside the box.
    rng = np.random.default_rng(0)
    p = rng.uniform(-2, 12, (20000, 3))
    inside = p[c.contains(p)]
    assert box.contains(inside).all()
    assert abs(len(inside) / 20000 * 14**3 / c.volume - 1) < 0.1


def test_entropy_curve_counts_only_cubes_fully_inside_a_sphere():
    atoms = random_alloy(150_000, seed=2)  # a cube of about 16.5 nm
    sphere = Sphere((8.25, 8.25, 8.25), 7.0)
    settings = AnalysisSettings(sizes_nm=(1.5, 2.0, 3.0, 4.0), bootstrap=0)
    result = run_analysis(atoms, settings, sphere)
    box = sphere.bounding_box()
    for point in result.curve:
        L = point.size_nm
        n = [int((box.size[i] + 1e-9) // L) for i in range(3)]
        idx = np.stack(np.meshgrid(*[np.arange(k) for k in n], indexing="ij"), -1).reshape(-1, 3)
        expected = int(cubes_inside(sphere, np.asarray(box.lo) + L * idx, L).sum())
        assert point.n_cubes == expected
    doc = result.to_json()
    assert doc["roi_shape"] == sphere.to_dict() and doc["roi_nm"] == box.flat()
    # The bulk is the sphere's atoms, not the bounding box's.
    assert sum(result.bulk.counts.values()) == int(sphere.contains(atoms.positions).sum())


def test_cli_takes_shapes_wherever_roi_is_taken(tmp_path):
    atoms = random_alloy(60_000, seed=4)
    pos = np.asarray(atoms.positions, dtype=np.float32)
    masses = np.array([59.0, 63.0, 56.0, 58.0], dtype=np.float32)[atoms.labels]
    write_pos(tmp_path / "r.pos", pos, masses)
    from hea_studio.io import load_ranges

    (tmp_path / "r.rrng").write_text(
        "[Ions]\nNumber=4\nIon1=Co\nIon2=Cu\nIon3=Fe\nIon4=Ni\n[Ranges]\nNumber=4\n"
        "Range1=58.5 59.5 Vol:0.01 Co:1\nRange2=62.5 63.5 Vol:0.01 Cu:1\n"
        "Range3=55.5 56.5 Vol:0.01 Fe:1\nRange4=57.5 58.5 Vol:0.01 Ni:1\n"
    )
    load_ranges(tmp_path / "r.rrng")
    base = [str(tmp_path / "r.pos"), "--ranges", str(tmp_path / "r.rrng")]
    out = tmp_path / "a.json"
    assert main(["analyze", *base, "--roi", "cylinder:2,2,2,10,10,10,3", "--sizes", "1,1.5,2",
                 "--bootstrap", "0", "--json", str(out)]) == 0  # fmt: skip
    doc = json.loads(out.read_text())
    assert doc["roi_shape"]["shape"] == "cylinder" and doc["curve"][0]["n_cubes"] > 0
    assert main(["nn", *base, "--from", "Cu", "--to", "Cu", "--roi", "sphere:6,6,6,4", "--json",
                 str(tmp_path / "nn.json")]) == 0  # fmt: skip
    n_in = json.loads((tmp_path / "nn.json").read_text())["n_measured"]
    expected = int(Sphere((6, 6, 6), 4).contains(pos[atoms.labels == 1]).sum())
    assert n_in == expected
    assert main(["analyze", *base, "--roi", "sphere:1,2,3"]) == 2


def test_profile_along_an_oblique_cylinder_finds_an_oblique_interface(tmp_path):
    from hea_studio.compute.profile.along import cylinder_profile
    from hea_studio.core.atoms import AtomSet

    # Two phases separated by the plane x + y = 20 (Cu-rich beyond it): along the diagonal the step
    # sits at 20 / sqrt(2) = 14.14 nm from the origin; along x alone it would be smeared over 20 nm.
    rng = np.random.default_rng(1)
    pos = rng.uniform(0, 20, (200_000, 3))
    beyond = pos[:, 0] + pos[:, 1] > 20
    p_cu = np.where(beyond, 0.8, 0.1)
    labels = (rng.random(len(pos)) < p_cu).astype(np.int64)  # 1 = Cu
    atoms = AtomSet(pos, labels, ("Fe", "Cu"))
    cyl = Cylinder((0, 0, 10), (20, 20, 10), 2.0)
    prof = cylinder_profile(atoms, cyl, 0.5)
    assert prof.edges_nm[-1] == pytest.approx(cyl.length) and prof.axis == "along"
    x = prof.fractions[:, 1]
    c = prof.centres_nm
    n = prof.totals
    # Within 4 counting errors of each phase's Cu fraction on either side (the ends hold few atoms).
    assert np.all(np.abs(x[c < 12] - 0.1) < 4 * np.sqrt(0.09 / n[c < 12]) + 0.01)
    far = (c > 16.5) & (n > 0)
    assert np.all(np.abs(x[far] - 0.8) < 4 * np.sqrt(0.16 / n[far]) + 0.01)
    assert int(prof.totals.sum()) == int(cyl.contains(pos).sum())
    # The CLI: --roi cylinder: gives the same slabs, with the shape in the JSON.
    write_pos(
        tmp_path / "i.pos", pos.astype(np.float32), np.where(labels == 1, 63.0, 56.0).astype(np.float32)
    )
    (tmp_path / "i.rrng").write_text(
        "[Ions]\nNumber=2\nIon1=Fe\nIon2=Cu\n[Ranges]\nNumber=2\n"
        "Range1=55.5 56.5 Vol:0.01 Fe:1\nRange2=62.5 63.5 Vol:0.01 Cu:1\n"
    )
    out = tmp_path / "p.json"
    rc = main(["profile", str(tmp_path / "i.pos"), "--ranges", str(tmp_path / "i.rrng"), "--roi",
               "cylinder:0,0,10,20,20,10,2", "--bin", "0.5", "--json", str(out)])  # fmt: skip
    assert rc == 0
    doc = json.loads(out.read_text())
    assert doc["roi_shape"]["shape"] == "cylinder" and len(doc["slabs"]) == len(c)
    assert (
        main(
            [
                "profile",
                str(tmp_path / "i.pos"),
                "--ranges",
                str(tmp_path / "i.rrng"),
                "--roi",
                "sphere:5,5,5,2",
            ]
        )
        == 2
    )

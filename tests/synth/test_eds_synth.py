"""Synthetic STEM-EDS maps: the file a real reader opens, with the truth it was made from."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hea_studio.cli import main
from hea_studio.compute.maps.netcounts import net_count_maps
from hea_studio.io.eds import load_spectrum_image
from hea_studio.synth.eds import EdsParams, generate_map, write_map
from hea_studio.synth.presets import cocufeni_random


@pytest.fixture(scope="module")
def small_map():
    mat = replace(cocufeni_random(seed=2), fractions=(0.4, 0.3, 0.2, 0.1))
    return generate_map(EdsParams(material=mat, width_nm=8.0, thickness_nm=6.0, yields={"Ni": 2.0}))


def test_written_file_reads_back_with_real_metadata(small_map, tmp_path):
    si_path, img_path = write_map(tmp_path / "lam", small_map)
    assert si_path.name == "lam.hspy" and img_path.name == "lam_HAADF.hspy"
    si = load_spectrum_image(si_path)
    np.testing.assert_array_equal(si.data, small_map.data)
    assert si.elements == ("Co", "Cu", "Fe", "Ni")
    assert si.xray_lines == ("Co_Ka", "Cu_Ka", "Fe_Ka", "Ni_Ka")
    assert si.pixel_nm == pytest.approx(0.25) and si.thickness_nm == pytest.approx(6.0)
    assert si.energy_offset_kev == pytest.approx(-0.2) and si.energy_scale_kev == pytest.approx(0.01)
    assert si.beam_energy_kev == pytest.approx(200.0) and si.fwhm_mn_ka_ev == pytest.approx(130.0)
    k = si.k_factors  # 1 / (yield x the line's share of its shell), relative to Co
    assert k["Co"] == 1.0 and 0.95 < k["Cu"] < 1.05 and 0.95 < k["Fe"] < 1.05 and 0.45 < k["Ni"] < 0.55
    assert si.image_name == "HAADF" and si.image.shape == si.shape
    assert si.metadata["signal_type"] == "EDS_TEM"


def test_spectrum_has_the_lines_where_the_table_puts_them(small_map):
    spec = small_map.data.sum(axis=(0, 1), dtype=np.int64)
    energy = -0.2 + 0.01 * np.arange(spec.size)
    peaks = {"Fe_Ka": 6.40, "Co_Ka": 6.93, "Ni_Ka": 7.47, "Cu_Ka": 8.04}
    for line, e in peaks.items():
        near = spec[np.abs(energy - e) < 0.05].mean()
        between = spec[np.abs(energy - 5.5) < 0.1].mean()  # bremsstrahlung only
        assert near > 20 * between, line


def test_overlap_corrected_intensities_recover_the_composition(small_map):
    """Cliff-Lorimer with the file's k-factors on the unmixed intensities gives the lamella's atoms."""
    from hea_studio.synth.eds import as_spectrum_image

    si = as_spectrum_image(small_map)
    nc = net_count_maps(si, si.elements)
    inten = nc.intensity.sum(axis=(1, 2))
    k = np.array([si.k_factors[e] for e in si.elements])
    x = k * inten / (k * inten).sum()
    truth = np.array([small_map.truth["composition"][e] for e in si.elements])
    counts = small_map.data.sum(dtype=np.int64)
    assert counts > 10_000  # ~3,000 per element: composition to +-1 at.% (1 sigma)
    np.testing.assert_allclose(x, truth, atol=0.025)


def test_cli_synth_eds_then_analyze(tmp_path, capsys):
    prefix = tmp_path / "cli"
    rc = main(["synth", "--eds", "--preset", "cocufeni-random", "--out", str(prefix), "--thickness", "5",
               "--width", "5", "--seed", "4"])  # fmt: skip
    assert rc == 0
    assert (tmp_path / "cli.hspy").is_file() and (tmp_path / "cli_HAADF.hspy").is_file()
    assert "t = 5 nm" in capsys.readouterr().out
    rc = main(
        ["analyze", str(tmp_path / "cli.hspy"), "--bootstrap", "20", "--json", str(tmp_path / "r.json")]
    )
    assert rc == 0
    text = capsys.readouterr().out
    assert "thickness 5 nm (file)" in text and "k-factors: file" in text

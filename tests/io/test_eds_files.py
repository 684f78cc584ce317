"""Every real spectrum-image file of the shared folder opens or is refused clearly (CLI and reader).

The files are RosettaSciIO's own test data (MANIFEST.md section 5): Bruker TEM and SEM maps, a packed
Bruker file with its decoded reference array, Velox files with and without a spectrum image, an
empty element selection, a file mixing EELS and EDS, a single spectrum and a 20-byte impostor.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from hea_studio.cli import main
from hea_studio.core.errors import InputError
from hea_studio.io.eds import describe, load_spectrum_image

# file -> (opens?, what the refusal must say)
FILES = {
    "test_TEM.bcf": (True, None),
    "bcf_v2_50x50px.bcf": (True, None),
    "30x30_instructively_packed_16bit_compressed.bcf": (True, None),
    "velox_SI_16x16_215kx.emd": (True, None),
    "velox_EELS_EDS.emd": (True, None),
    "P45_the_default_job.bcf": (False, "names no elements"),
    "velox_SI_empty_selection.emd": (False, "names no elements"),
    "velox_SI_16x16_reduced_215kx.emd": (False, "no EDS spectrum image"),
    "bruker_nano.spx": (False, "single EDS spectrum"),
    "Nope.bcf": (False, "not a readable Bruker .bcf file"),
}


@pytest.fixture(scope="module")
def folder(real):
    return real / "hyperspy_rosettasciio"


@pytest.mark.parametrize("name", sorted(FILES))
def test_reader_opens_or_refuses_naming_the_file(folder, name):
    opens, says = FILES[name]
    if opens:
        si = load_spectrum_image(folder / name)
        assert si.data.ndim == 3 and si.data.shape[2] >= 1024
        assert si.pixel_nm > 0 and si.energy_scale_kev > 0
        assert len(si.elements) >= 3
    else:
        with pytest.raises(InputError) as err:
            load_spectrum_image(folder / name)
        assert str(err.value).startswith(name + ": ")
        assert says in str(err.value)


@pytest.mark.parametrize("name", sorted(FILES))
def test_cli_info_and_analyze_exit_codes(folder, name, capsys, tmp_path):
    opens, says = FILES[name]
    rc = main(["info", str(folder / name), "--json"])
    out, err = capsys.readouterr()
    if name == "Nope.bcf":
        assert rc == 2 and "Nope.bcf: not a readable Bruker .bcf file" in err
        return
    assert rc == 0
    report = json.loads(out)
    assert report["technique"] == "stem-eds" and report["signals"]
    if not opens:
        assert says in report["reason"]
    if name != "velox_SI_16x16_215kx.emd":
        return  # analyze runs on the TEM file in its own test; here one small Velox map suffices
    out_json = tmp_path / "r.json"
    rc = main(["analyze", str(folder / name), "--bootstrap", "20", "--json", str(out_json)])
    assert rc == 0
    r = json.loads(out_json.read_text())
    assert r["technique"] == "stem-eds" and r["elements"] == ["C", "Ca", "O", "Cu"]


@pytest.mark.parametrize(
    "name", ["P45_the_default_job.bcf", "velox_SI_16x16_reduced_215kx.emd", "bruker_nano.spx"]
)
def test_cli_analyze_refuses_with_exit_2(folder, name, capsys):
    rc = main(["analyze", str(folder / name)])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith(f"hea-studio: error: {name}: ") and "Traceback" not in err


def test_empty_selection_opens_when_elements_are_given(folder):
    si = load_spectrum_image(folder / "velox_SI_empty_selection.emd", elements=("C", "O", "Cu"))
    assert si.elements == ("C", "O", "Cu") and si.shape == (16, 20)
    assert si.image_name == "HAADF"


def test_packed_bruker_file_decodes_to_its_reference_array(folder):
    si = load_spectrum_image(folder / "30x30_instructively_packed_16bit_compressed.bcf")
    ref = np.load(folder / "30x30_16bit.npy")
    # The reference holds channels 222-223 of the decoded spectra (the two channels RosettaSciIO's
    # own test compares); they carry 448,316 counts, so a wrong unpacking cannot match by chance.
    assert si.data.dtype == np.uint16 and si.data.shape == (30, 30, 2048)
    assert ref.shape == (30, 30, 2) and int(ref.sum()) > 100_000
    np.testing.assert_array_equal(si.data[:, :, 222:224], ref)


def test_tem_file_metadata(folder):
    si = load_spectrum_image(folder / "test_TEM.bcf")
    assert si.shape == (64, 64) and si.n_channels == 2048
    assert si.elements == ("Cu", "O", "Pd", "Ti")
    assert si.xray_lines == ("Cu_Ka", "O_Ka", "Pd_La", "Ti_Ka")
    assert si.pixel_nm == pytest.approx(0.771, abs=1e-3)
    assert si.energy_scale_kev == pytest.approx(0.010, abs=1e-4)
    assert si.image_name == "HAADF" and si.image is not None and si.image.shape == (64, 64)
    assert si.beam_energy_kev == pytest.approx(200.0)
    info = describe(folder / "test_TEM.bcf")
    assert info["analysable"] and info["total_counts"] == int(si.data.sum(dtype=np.int64))


def test_tem_file_analyze_json(folder, tmp_path, capsys):
    out = tmp_path / "tem.json"
    rc = main(["analyze", str(folder / "test_TEM.bcf"), "--thickness", "40", "--bootstrap", "30",
               "--roi", "0,0,40,40", "--sizes", "1.5:12:1.5", "--json", str(out)])  # fmt: skip
    assert rc == 0
    text = capsys.readouterr().out
    assert "SUME in projection (t = 40 nm)" in text
    r = json.loads(out.read_text())
    assert r["technique"] == "stem-eds" and r["thickness_nm"] == 40 and r["thickness_source"] == "user"
    assert r["roi_px"] == [0, 0, 52, 52]
    sides = [c["size_px"] for c in r["curve"]]
    assert sides == sorted(set(sides)) and sides[0] == 2  # 1.5 nm -> 2 px of 0.771 nm
    for key in ("edge_nm", "at_least_nm", "at_most_nm", "below_range", "ci95_nm", "edge_sensitivity_nm",
                "resolution_nm"):  # fmt: skip
        assert key in r["sume"] and key in r["sume_3d_equivalent"]
    fr = r["bulk"]["fractions"]
    assert abs(sum(fr.values()) - 1) < 1e-9 and fr["Ti"] > fr["O"] > fr["Pd"]


def test_velox_quantified_maps_against_our_composition(folder):
    """The Velox file's own element maps hold counts (3x3-smoothed, so sums are kept): without C,
    whose window Velox draws into the detector's low-energy noise tail, the shares agree."""
    from hea_studio.compute.maps.netcounts import net_count_maps

    si = load_spectrum_image(folder / "velox_SI_16x16_215kx.emd")
    nc = net_count_maps(si, si.elements)
    ours = dict(zip(si.elements, np.clip(nc.net.sum(axis=(1, 2)), 0, None), strict=True))
    theirs = {e: float(m.sum()) for e, m in si.maps.items()}
    assert set(theirs) == {"C", "Ca", "O", "Cu"}
    rest = ("Ca", "O", "Cu")
    share_ours = np.array([ours[e] for e in rest]) / sum(ours[e] for e in rest)
    share_theirs = np.array([theirs[e] for e in rest]) / sum(theirs[e] for e in rest)
    np.testing.assert_allclose(share_ours, share_theirs, atol=0.03)
    # C: Velox counts 4.6x what a +-1.2 FWHM window at 0.277 keV holds.
    assert theirs["C"] > 3 * ours["C"]

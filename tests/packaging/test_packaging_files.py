"""Fast checks of the packaging files that cannot be built on this machine (no marker: always run)."""

from __future__ import annotations

import re
import struct
import subprocess
import sys

import pytest
from bundle_support import ROOT

PACKAGING = ROOT / "packaging"
RESOURCES = ROOT / "resources"


def test_icons_are_valid_containers() -> None:
    png = (RESOURCES / "hea-studio.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (256, 256)

    ico = (RESOURCES / "hea-studio.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind) == (0, 1) and count >= 5
    sizes = set()
    for i in range(count):
        w, _h, _c, _r, _planes, _bpp, length, offset = struct.unpack(
            "<BBBBHHII", ico[6 + 16 * i : 22 + 16 * i]
        )
        sizes.add(w or 256)
        assert ico[offset : offset + 8] == b"\x89PNG\r\n\x1a\n" and offset + length <= len(ico)
    assert {16, 32, 48, 256} <= sizes

    icns = (RESOURCES / "hea-studio.icns").read_bytes()
    assert icns[:4] == b"icns" and struct.unpack(">I", icns[4:8])[0] == len(icns)
    pos, kinds = 8, set()
    while pos < len(icns):
        kind, length = icns[pos : pos + 4], struct.unpack(">I", icns[pos + 4 : pos + 8])[0]
        assert icns[pos + 8 : pos + 16] == b"\x89PNG\r\n\x1a\n"
        kinds.add(kind)
        pos += length
    assert pos == len(icns) and {b"ic07", b"ic08", b"ic09"} <= kinds


def test_icon_script_reproduces_the_committed_icon(tmp_path) -> None:
    """The committed icons are exactly what packaging/scripts/make_icon.py draws (edit the script, not
    the files)."""
    pytest.importorskip("PySide6")
    subprocess.run(
        [sys.executable, str(PACKAGING / "scripts" / "make_icon.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    import numpy as np
    from PySide6.QtGui import QImage

    def pixels(path):
        image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGBA8888)
        raw = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
        return raw.reshape(image.height(), image.bytesPerLine())[:, : 4 * image.width()].astype(int)

    # Pixels, not bytes: Qt's antialiasing may differ by a level between CPUs.
    for name in ("hea-studio.png", "hea-studio-512.png"):
        new, committed = pixels(tmp_path / name), pixels(RESOURCES / name)
        assert new.shape == committed.shape and np.abs(new - committed).max() <= 8, f"{name} differs"
    for name in ("hea-studio.ico", "hea-studio.icns"):
        assert (
            abs((tmp_path / name).stat().st_size - (RESOURCES / name).stat().st_size)
            < 0.05 * (RESOURCES / name).stat().st_size
        )


def test_spec_executable_names_match_the_installers() -> None:
    spec = (PACKAGING / "hea_studio.spec").read_text()
    iss = (PACKAGING / "windows" / "hea_studio.iss").read_text()
    dmg = (PACKAGING / "macos" / "make_dmg.sh").read_text()
    assert '_exe("hea-studio", console=True)' in spec and '_exe("HEA Studio", console=False)' in spec
    assert '#define AppExe "HEA Studio.exe"' in iss and '#define CliExe "hea-studio.exe"' in iss
    assert 'name="hea-studio",' in spec and r"dist\hea-studio\*" in iss
    assert 'name="HEA Studio.app"' in spec and 'APP="$DIST/HEA Studio.app"' in dmg
    icon = re.search(r"SetupIconFile=\{#Root\}\\\.\.\\(\S+)", iss)
    assert icon and (ROOT / icon.group(1).replace("\\", "/")).is_file()


def test_ci_workflow_uses_files_that_exist() -> None:
    workflow = (PACKAGING / "ci" / "build-installers.yml").read_text()
    referenced = set(re.findall(r"(packaging/[\w./-]+\.(?:sh|iss|py|plist))", workflow))
    referenced |= {p.replace("\\", "/") for p in re.findall(r"(packaging\\[\w\\.-]+\.iss)", workflow)}
    assert referenced, "the workflow references no packaging files"
    missing = sorted(p for p in referenced if not (ROOT / p).is_file())
    assert not missing, f"the CI workflow refers to missing files: {missing}"
    for kind in ("ubuntu", "windows", "macos"):
        assert f"os: {kind}" in workflow


def test_shell_scripts_parse() -> None:
    for script in (
        PACKAGING / "build.sh",
        PACKAGING / "macos" / "make_dmg.sh",
        PACKAGING / "linux" / "install-desktop-entry.sh",
    ):
        subprocess.run(["bash", "-n", str(script)], check=True)


def test_windows_version_file_is_what_pyinstaller_evaluates() -> None:
    sys.path.insert(0, str(PACKAGING / "windows"))
    try:
        from version_info import version_file_text, version_tuple
    finally:
        sys.path.remove(str(PACKAGING / "windows"))
    import hea_studio

    assert version_tuple("1.2.3") == (1, 2, 3, 0)
    assert version_tuple("0.4.0rc2") == (0, 4, 0, 2)
    assert version_tuple("2.1") == (2, 1, 0, 0)
    text = version_file_text(hea_studio.__version__, "HEA Studio", "HEA Studio (desktop application)")

    # PyInstaller eval()s the file with its VSVersionInfo classes in scope; record what they receive.
    def record(kind):
        return lambda *args, **kwargs: (kind, args, kwargs)

    names = ("VSVersionInfo", "FixedFileInfo", "StringFileInfo", "StringTable", "StringStruct", "VarFileInfo")
    scope = {name: record(name) for name in (*names, "VarStruct")}
    kind, _args, top = eval(text, {"__builtins__": {}}, scope)
    assert kind == "VSVersionInfo"
    assert top["ffi"][2]["filevers"] == version_tuple(hea_studio.__version__)
    (_k, (tables,), _kw) = top["kids"][0]
    strings = {s[1][0]: s[1][1] for s in tables[0][1][1]}
    assert strings["ProductVersion"] == hea_studio.__version__
    assert strings["OriginalFilename"] == "HEA Studio.exe" and strings["ProductName"] == "HEA Studio"


def test_notices_script_writes_every_licence_text(tmp_path) -> None:
    # What packaging/build.sh puts at the top of the application folder (tested on the built bundle in
    # test_bundle.py; here in seconds, from the installed distributions).
    app = tmp_path / "hea-studio"
    app.mkdir()
    subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "notices.py"), str(app)], check=True, capture_output=True
    )
    assert_licence_texts(app)


def assert_licence_texts(app) -> None:
    """The licence texts a frozen folder must carry: ours, Qt's LGPL, numba/LLVM's and HDF5's."""
    assert (app / "LICENSE").read_text().startswith("BSD 3-Clause License")
    notices = (app / "THIRD-PARTY-NOTICES.txt").read_text()
    for name in (
        "PySide6-Essentials",
        "shiboken6",
        "numpy",
        "numba",
        "llvmlite",
        "h5py",
        "vispy",
        "pyqtgraph",
    ):
        assert f"\n{name} " in notices, name
    assert "LGPL-3.0" in notices and "replaced by compatible builds" in notices
    lic = app / "licenses"
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in (lic / "PySide6-Essentials" / "LGPL-3.0.txt").read_text()
    assert "GNU GENERAL PUBLIC LICENSE" in (lic / "PySide6-Essentials" / "GPL-3.0.txt").read_text()
    assert "LLVM" in (lic / "llvmlite" / "LICENSE.thirdparty").read_text()
    assert (lic / "numba" / "LICENSE").is_file()
    hdf5 = next(lic.glob("h5py/**/hdf5.txt"))
    assert "HDF5" in hdf5.read_text()
    # Every text the notices name exists.
    for line in notices.splitlines():
        if line.strip().startswith("text: "):
            assert (app / line.split("text: ", 1)[1]).is_file(), line

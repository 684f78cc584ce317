"""The Windows version resource of the HEA Studio executables (Properties > Details in Explorer).

packaging/hea_studio.spec writes one file per executable in PyInstaller's version-file format (a Python
expression over PyInstaller's ``VSVersionInfo`` classes) and passes its path to ``EXE(version=...)``. Only
text is produced here, so it can be generated and checked on any system (PyInstaller's own classes need
``pefile``, which exists only on Windows builds).
"""

from __future__ import annotations

import re

LANG_CODEPAGE = "040904B0"  # US English, Unicode
TRANSLATION = (0x0409, 0x04B0)


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """``"1.2.3"`` -> (1, 2, 3, 0), ``"0.4.0rc2"`` -> (0, 4, 0, 2): four numbers, as Windows wants."""
    numbers = [int(n) for n in re.findall(r"\d+", version.split("+")[0])[:4]]
    if not numbers:
        raise ValueError(f"no version number in {version!r}")
    numbers += [0] * (4 - len(numbers))
    return (numbers[0], numbers[1], numbers[2], numbers[3])


def version_file_text(version: str, exe_name: str, description: str) -> str:
    """The version resource of one executable, in PyInstaller's version-file format."""
    numbers = version_tuple(version)
    strings = {
        "CompanyName": "HEA Studio developers",
        "FileDescription": description,
        "FileVersion": version,
        "InternalName": exe_name,
        "LegalCopyright": "BSD-3-Clause, the HEA Studio developers",
        "OriginalFilename": f"{exe_name}.exe",
        "ProductName": "HEA Studio",
        "ProductVersion": version,
    }
    structs = ",\n          ".join(f"StringStruct({k!r}, {v!r})" for k, v in strings.items())
    return (
        "VSVersionInfo(\n"
        f"  ffi=FixedFileInfo(filevers={numbers!r}, prodvers={numbers!r}, mask=0x3f, flags=0x0,\n"
        "                    OS=0x40004, fileType=0x1, subtype=0x0, date=(0, 0)),\n"
        "  kids=[\n"
        f"    StringFileInfo([StringTable({LANG_CODEPAGE!r}, [\n          {structs}])]),\n"
        f"    VarFileInfo([VarStruct('Translation', [{TRANSLATION[0]}, {TRANSLATION[1]}])]),\n"
        "  ],\n"
        ")\n"
    )

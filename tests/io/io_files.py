"""Builders of small binary files for the io tests (imported by the test modules)."""

from __future__ import annotations

import struct

import numpy as np


def write_apt(path, sections, n_ions, truncate_to=None):
    """Write an AP Suite 6 .apt file from ``[(name, array, data_type)]`` (little-endian)."""
    head = bytearray(540)
    head[0:4] = b"APT\0"
    struct.pack_into("<ii", head, 4, 540, 2)
    name = "test.apt".encode("utf-16-le")
    head[12 : 12 + len(name)] = name
    struct.pack_into("<qQ", head, 524, 0, n_ions)
    out = bytes(head)
    for sec_name, arr, dtype_code in sections:
        arr = np.ascontiguousarray(arr)
        extra = b""
        if sec_name == "Position":
            extra = np.array([-1, 1, -1, 1, -1, 1], dtype="<f4").tobytes()
        hsize = 148 + len(extra)
        cols = 1 if arr.ndim == 1 else arr.shape[1]
        width = arr.dtype.itemsize
        h = bytearray(hsize)
        h[0:4] = b"SEC\0"
        struct.pack_into("<ii", h, 4, hsize, 2)
        enc = sec_name.encode("utf-16-le")
        h[12 : 12 + len(enc)] = enc
        struct.pack_into("<6i", h, 76, 1, 1, 1, dtype_code, width * 8, width * cols)
        data = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
        struct.pack_into("<QQ", h, 132, arr.shape[0], len(data))
        h[148:] = extra
        out += bytes(h) + data
    if truncate_to is not None:
        out = out[:truncate_to]
    path.write_bytes(out)

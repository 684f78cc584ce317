"""Writing meshes: binary PLY (vertices with normals, faces) and binary STL, atomically."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hea_studio.compute.surfaces.mesh import Mesh
from hea_studio.core.errors import InputError
from hea_studio.io.files import write_atomically

FORMATS = (".ply", ".stl")


def write_mesh(path: Path, mesh: Mesh) -> None:
    """Write ``mesh`` as ``.ply`` or ``.stl`` (by the suffix)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InputError(f"{path}: a mesh is written as .ply or .stl")
    write = _write_ply if suffix == ".ply" else _write_stl
    write_atomically(path, lambda tmp: write(tmp, mesh), durable=False)


def _write_ply(path: Path, mesh: Mesh) -> None:
    v = np.ascontiguousarray(mesh.vertices, dtype="<f4")
    nrm = np.ascontiguousarray(mesh.normals, dtype="<f4")
    head = (
        "ply\nformat binary_little_endian 1.0\ncomment HEA Studio isoconcentration surface "
        f"{mesh.threshold:g} at.%\nelement vertex {len(v)}\nproperty float x\nproperty float y\n"
        "property float z\nproperty float nx\nproperty float ny\nproperty float nz\n"
        f"element face {len(mesh.faces)}\nproperty list uchar int vertex_indices\nend_header\n"
    )
    verts = np.empty(len(v), dtype=[("p", "<f4", 3), ("n", "<f4", 3)])
    verts["p"], verts["n"] = v, nrm
    faces = np.empty(len(mesh.faces), dtype=[("k", "u1"), ("i", "<i4", 3)])
    faces["k"], faces["i"] = 3, mesh.faces
    with open(path, "wb") as f:
        f.write(head.encode("ascii"))
        f.write(verts.tobytes())
        f.write(faces.tobytes())


def _write_stl(path: Path, mesh: Mesh) -> None:
    v = mesh.vertices.astype(np.float64)
    tri = v[mesh.faces]
    n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-30)
    rec = np.zeros(len(tri), dtype=[("n", "<f4", 3), ("v", "<f4", (3, 3)), ("attr", "<u2")])
    rec["n"], rec["v"] = n, tri
    header = f"HEA Studio isosurface {mesh.threshold:g} at.%".encode("ascii").ljust(80, b" ")
    with open(path, "wb") as f:
        f.write(header)
        f.write(np.uint32(len(tri)).astype("<u4").tobytes())
        f.write(rec.tobytes())


def read_ply(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Vertices and faces of a PLY written by :func:`write_mesh` (for tests and re-loading)."""
    data = Path(path).read_bytes()
    end = data.index(b"end_header\n") + len(b"end_header\n")
    head = data[:end].decode("ascii").splitlines()
    nv = int(next(h for h in head if h.startswith("element vertex")).split()[-1])
    nf = int(next(h for h in head if h.startswith("element face")).split()[-1])
    verts = np.frombuffer(data, dtype=[("p", "<f4", 3), ("n", "<f4", 3)], count=nv, offset=end)
    faces = np.frombuffer(data, dtype=[("k", "u1"), ("i", "<i4", 3)], count=nf, offset=end + verts.nbytes)
    return verts["p"].copy(), faces["i"].copy()

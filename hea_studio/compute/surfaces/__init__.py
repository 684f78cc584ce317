"""Isoconcentration surfaces and proximity histograms (no Qt).

Public API
----------
- :func:`concentration_field` -- voxelised, delocalised concentration
- :func:`isosurface` -- marching cubes -> :class:`Mesh`; :func:`write_mesh` (.ply/.stl)
- :func:`proxigram` -- composition versus signed distance to the surface, with counting errors
"""

from hea_studio.compute.surfaces.field import ConcentrationField, concentration_field
from hea_studio.compute.surfaces.mesh import Mesh, isosurface
from hea_studio.compute.surfaces.mesh_io import read_ply, write_mesh
from hea_studio.compute.surfaces.proxigram import Proxigram, proxigram, signed_distances

__all__ = [
    "ConcentrationField",
    "Mesh",
    "Proxigram",
    "concentration_field",
    "isosurface",
    "proxigram",
    "read_ply",
    "signed_distances",
    "write_mesh",
]

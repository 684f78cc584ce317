"""STEM-EDS input (no Qt): spectrum images from .bcf, .emd and .hspy through RosettaSciIO.

Public API
----------
- :func:`load_spectrum_image` -- the EDS spectrum image, its HAADF/DF image and element list
- :func:`describe` -- what a file holds (``hea-studio info``)
- :func:`is_eds_file` -- whether a path has a spectrum-image extension
"""

from __future__ import annotations

from hea_studio.io.eds.reader import (
    EDS_SUFFIXES,
    SignalInfo,
    SpectrumImage,
    describe,
    is_eds_file,
    load_spectrum_image,
)

__all__ = ["EDS_SUFFIXES", "SignalInfo", "SpectrumImage", "describe", "is_eds_file", "load_spectrum_image"]

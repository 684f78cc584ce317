"""Entropy versus patch size on STEM-EDS maps (science.md 9); no Qt.

Public API
----------
- :func:`~hea_studio.compute.maps.netcounts.net_count_maps` -- net counts per element (three windows)
- :func:`~hea_studio.compute.maps.analysis.analyze_map` -- curve, reference, projected and 3D-equivalent SUME
"""

"""The entropy engine (no Qt): entropy versus scale, random-mixing reference, SUME, randomness tests.

Public entry points: :func:`~hea_studio.compute.lac.curve.iter_curve`,
:func:`~hea_studio.compute.analysis.iter_analysis` / :func:`~hea_studio.compute.analysis.run_analysis`,
:func:`~hea_studio.compute.lac.roi.default_box` and :func:`~hea_studio.compute.lac.entropy.composition_entropy`.
"""

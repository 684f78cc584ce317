"""Synthetic atom probe specimens with known ground truth, and the bundled demo (no Qt).

``generate(SynthParams(...))`` builds a :class:`Specimen` (ions plus ground truth),
``write_specimen(specimen, prefix)`` writes PREFIX.pos/.rrng/.json, ``presets.preset(name)`` gives
named parameter sets and ``demo.demo_files()`` the cached demo specimen.
"""

from hea_studio.synth import presets
from hea_studio.synth.heterogeneity import ClusterSpec, FieldSpec
from hea_studio.synth.instrument import Instrument
from hea_studio.synth.output import write_specimen
from hea_studio.synth.shape import BoxShape, TipShape
from hea_studio.synth.specimen import GENERATOR_VERSION, Specimen, SynthParams, generate

__all__ = [
    "GENERATOR_VERSION",
    "BoxShape",
    "ClusterSpec",
    "FieldSpec",
    "Instrument",
    "Specimen",
    "SynthParams",
    "TipShape",
    "generate",
    "presets",
    "write_specimen",
]

"""Synthetic atom probe specimens with known ground truth, and the bundled demo (no Qt)."""

from hea_studio.synth.heterogeneity import ClusterSpec, FieldSpec
from hea_studio.synth.instrument import Instrument
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
]

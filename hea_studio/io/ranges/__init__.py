"""Range files (``.rrng``, ``.rng``, ``.env``) and ranging ions into atoms."""

from hea_studio.io.ranges._rangetext import ELEMENTS

__all__ = ["ELEMENTS"]

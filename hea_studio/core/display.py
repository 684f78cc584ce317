"""How the atoms are drawn: species colours, hidden species, point size, display budget, highlight.

A plain value (no Qt) so that the window, undo and the project file can keep it; the display
widgets write a new one through the session and the 3D view and the plots follow it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

RGB = tuple[float, float, float]

# Fallback colours (colour-blind-safe "Okabe-Ito" order) for species the range file gave none.
PALETTE: tuple[RGB, ...] = (
    (0.90, 0.62, 0.00),
    (0.34, 0.71, 0.91),
    (0.00, 0.62, 0.45),
    (0.94, 0.89, 0.26),
    (0.00, 0.45, 0.70),
    (0.84, 0.37, 0.00),
    (0.80, 0.47, 0.65),
    (0.60, 0.60, 0.60),
)

DEFAULT_POINT_SIZE = 4.0


def species_colours(names: Sequence[str], given: Mapping[str, Sequence[float]]) -> tuple[RGB, ...]:
    """A colour per species: the range file's where it has one, the palette otherwise."""
    out = []
    for i, name in enumerate(names):
        rgb = given.get(name)
        out.append(_rgb(rgb) if rgb is not None else PALETTE[i % len(PALETTE)])
    return tuple(out)


def _rgb(values: Sequence[float]) -> RGB:
    r, g, b = (float(c) for c in values[:3])
    return (r, g, b)


@dataclass(frozen=True)
class DisplayState:
    """The display choices for one dataset.

    Parameters
    ----------
    names
        The species, in the dataset's label order.
    colours
        One RGB colour (0..1) per species, in the order of ``names``.
    hidden
        Species switched off in the 3D view.
    point_size
        Marker diameter in screen pixels.
    budget
        At most this many atoms are drawn; ``None``: the renderer's default.
    highlight
        Dim the atoms outside the active sub-volume.
    """

    names: tuple[str, ...] = ()
    colours: tuple[RGB, ...] = ()
    hidden: frozenset[str] = frozenset()
    point_size: float = DEFAULT_POINT_SIZE
    budget: int | None = None
    highlight: bool = False

    def __post_init__(self) -> None:
        if len(self.names) != len(self.colours):
            raise ValueError(f"{len(self.names)} species but {len(self.colours)} colours")
        object.__setattr__(self, "names", tuple(self.names))
        object.__setattr__(self, "colours", tuple(_rgb(c) for c in self.colours))
        object.__setattr__(self, "hidden", frozenset(self.hidden))

    @classmethod
    def for_species(
        cls, names: Sequence[str], given: Mapping[str, Sequence[float]], like: DisplayState | None = None
    ) -> DisplayState:
        """The display of a newly opened dataset: every species shown, the range file's colours
        (palette colours for the others); point size, budget and highlight carried over from ``like``."""
        base = like if like is not None else cls()
        return replace(base, names=tuple(names), colours=species_colours(names, given), hidden=frozenset())

    def colour(self, name: str) -> RGB:
        """The colour of species ``name``."""
        return self.colours[self.names.index(name)]

    def is_visible(self, name: str) -> bool:
        """True unless species ``name`` is hidden."""
        return name not in self.hidden

    def colour_map(self) -> dict[str, RGB]:
        """Colours by species name."""
        return dict(zip(self.names, self.colours))

    def with_colour(self, name: str, rgb: Sequence[float]) -> DisplayState:
        """This state with species ``name`` drawn in ``rgb``."""
        i = self.names.index(name)
        colours = list(self.colours)
        colours[i] = _rgb(rgb)
        return replace(self, colours=tuple(colours))

    def with_visible(self, name: str, visible: bool) -> DisplayState:
        """This state with species ``name`` shown or hidden."""
        hidden = self.hidden - {name} if visible else self.hidden | {name}
        return replace(self, hidden=hidden)

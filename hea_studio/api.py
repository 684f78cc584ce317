"""The Python API for scripts and notebooks: ``hs.load(...)``, ``hs.analyze(...)``.

```python
import hea_studio as hs

run = hs.load("run.pos", ranges="run.rrng")       # or hs.from_arrays(xyz, species)
result = hs.analyze(run, sizes="0.5:5:0.5", bootstrap=200, seed=0)
result.sume.edge_nm, result.to_dataframe(), result.to_json(), result.plot()
```

``analyze`` runs exactly the computation of ``hea-studio analyze`` (:func:`analyze_atoms`), so a
notebook and the CLI given the same files and options report the same SUME. Nothing here imports Qt:
``plot()`` draws with matplotlib (optional), ``to_dataframe()`` needs pandas (optional).
"""

from __future__ import annotations

import html
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hea_studio.core.atoms import AtomSet
from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box
from hea_studio.core.results import AnalysisResult
from hea_studio.core.settings import DEFAULT_SIZES_TEXT, AnalysisSettings, Lattice, parse_sizes

StrPath = str | os.PathLike[str]

__all__ = ["Result", "Run", "analyze", "from_arrays", "load"]


@dataclass(frozen=True, eq=False)
class Run:
    """Ranged atoms of one reconstruction, ready for :func:`analyze`.

    Attributes
    ----------
    atoms
        The ranged (by default decomposed) atoms.
    source, ranges
        The ion and range files, when read from files.
    load_s
        Seconds spent reading and ranging.
    """

    atoms: AtomSet
    source: Path | None = None
    ranges: Path | None = None
    load_s: float = 0.0
    _counts: dict[str, int] = field(default_factory=dict, repr=False)

    @property
    def counts(self) -> dict[str, int]:
        """Atoms per species name."""
        if not self._counts:
            self._counts.update(self.atoms.counts())
        return dict(self._counts)

    @property
    def n_atoms(self) -> int:
        """Number of ranged atoms."""
        return self.atoms.n_atoms

    def __repr__(self) -> str:
        # Never the coordinate arrays: a run holds millions of rows.
        name = self.source.name if self.source else "arrays"
        total = max(sum(self.counts.values()), 1)
        top = sorted(self.counts.items(), key=lambda kv: -kv[1])[:8]
        comp = ", ".join(f"{k} {100 * v / total:.1f}%" for k, v in top)
        rng = f", ranges {self.ranges.name}" if self.ranges else ""
        return f"<hea_studio.Run {name}{rng}: {self.n_atoms:,} atoms ({comp})>"


def load(path: StrPath, ranges: StrPath, decompose: bool = True) -> Run:
    """Read an ion file and range it.

    Parameters
    ----------
    path
        ``.pos``, ``.epos`` or ``.apt`` file.
    ranges
        ``.rrng``, ``.rng`` or ``.env`` file.
    decompose
        Split molecular ions into their atoms (as the CLI does unless ``--no-decompose``).

    Raises
    ------
    InputError
        A file is missing, of an unknown type or malformed (the message names it).
    """
    from hea_studio.io import load_ions, load_ranges, to_atoms

    t0 = time.perf_counter()
    ions = load_ions(path)
    table = load_ranges(ranges)
    atoms = to_atoms(ions, table, decompose=decompose)
    return Run(atoms, Path(path), Path(ranges), time.perf_counter() - t0)


def from_arrays(positions: Any, species: Any, names: Sequence[str] | None = None) -> Run:
    """A run from plain arrays (simulations, other readers).

    Parameters
    ----------
    positions
        (N, 3) coordinates in nm.
    species
        (N,) element symbols (strings), or integer indices into ``names``.
    names
        The element symbols the integer ``species`` index; omit with string ``species``.
    """
    pos = np.asarray(positions, dtype=np.float64)
    if pos.ndim != 2 or pos.shape[1] != 3:
        raise InputError(f"positions must be an (N, 3) array in nm, got shape {pos.shape}")
    sp = np.asarray(species)
    if sp.shape != (pos.shape[0],):
        raise InputError(f"species must have one entry per position ({pos.shape[0]}), got shape {sp.shape}")
    if sp.dtype.kind in "iu":
        if names is None:
            raise InputError("integer species need names=[...] (the element of each index)")
        labels = sp.astype(np.int64)
        if labels.size and (labels.min() < 0 or labels.max() >= len(names)):
            raise InputError(f"species indices must lie in 0..{len(names) - 1}")
        table = tuple(str(n) for n in names)
    else:
        table_arr, labels = np.unique(sp.astype(str), return_inverse=True)
        table = tuple(str(n) for n in table_arr)
    if not np.isfinite(pos).all():
        raise InputError("positions contain NaN or infinite values")
    return Run(AtomSet(pos, labels.astype(np.int64), table))


def _settings(
    sizes: str | Sequence[float] | None,
    elements: str | Sequence[str] | None,
    lattice: str | None,
    options: dict[str, Any],
) -> AnalysisSettings:
    if isinstance(sizes, str) or sizes is None:
        sizes_nm = parse_sizes(sizes or DEFAULT_SIZES_TEXT)
    else:
        sizes_nm = tuple(float(s) for s in sizes)
    if isinstance(elements, str):
        elements = [e.strip() for e in elements.split(",") if e.strip()]
    return AnalysisSettings(
        sizes_nm=sizes_nm,
        elements=tuple(elements) if elements else None,
        lattice=Lattice.parse(lattice) if lattice else None,
        **options,
    )


def analyze(
    data: Run | AtomSet | StrPath,
    ranges: StrPath | None = None,
    *,
    sizes: str | Sequence[float] | None = None,
    elements: str | Sequence[str] | None = None,
    roi: str | Sequence[float] | None = None,
    lattice: str | None = None,
    **options: Any,
) -> Result:
    """Entropy versus cube edge and the SUME of one sub-volume, as ``hea-studio analyze`` computes it.

    Parameters
    ----------
    data
        A :class:`Run` (from :func:`load` or :func:`from_arrays`), an atom set, or an ion file path
        (then ``ranges`` is required).
    ranges
        The range file when ``data`` is a path.
    sizes
        Cube edges in nm: ``"0.5:5:0.5"`` / ``"1,2,3"`` or a sequence; default the CLI's list cut
        to the sub-volume (edges given explicitly must fit, as with ``--sizes``).
    elements
        Entropy elements (``"Co,Cu,Fe,Ni"`` or a list); default the principal elements.
    roi
        Sub-volume ``xmin,ymin,zmin,xmax,ymax,zmax`` in nm; default the largest box inside the specimen.
    lattice
        ``"fcc:0.3583"`` etc. to express the SUME in unit cells.
    **options
        Any other :class:`~hea_studio.core.settings.AnalysisSettings` field: ``mode``, ``min_atoms``,
        ``bootstrap``, ``seed``, ``sume_method``, ``grid_shifts``, ``sublattices``, ...

    Returns
    -------
    Result
        The analysis; ``.to_json()`` is the ``analyze --json`` document.
    """
    if isinstance(data, str | os.PathLike):
        if ranges is None:
            raise InputError(f"{data}: give ranges=... (the range file) with an ion file")
        data = load(data, ranges, decompose=options.get("decompose", True))
    elif ranges is not None:
        raise InputError("ranges=... goes with an ion file path; this data is already ranged")
    run = data if isinstance(data, Run) else Run(data)
    settings = _settings(sizes, elements, lattice, options)
    box: Box | None
    if roi is None:
        box = None
    elif isinstance(roi, str):
        box = Box.parse(roi)
    else:
        box = Box.from_flat([float(v) for v in roi])
    from hea_studio.compute.batch import analyze_atoms

    result = analyze_atoms(run.atoms, settings, box, cut_sizes=sizes is None, load_s=run.load_s)
    return Result(result, run)


class Result:
    """An analysis result for scripts and notebooks.

    Every field of :class:`~hea_studio.core.results.AnalysisResult` reads through (``result.sume``,
    ``result.bulk``, ``result.curve``, ...); ``raw`` is the result itself.
    """

    def __init__(self, raw: AnalysisResult, run: Run | None = None) -> None:
        self.raw = raw
        self.run = run

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.raw, name)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(AnalysisResult.__dataclass_fields__))

    def to_json(self) -> dict[str, Any]:
        """The ``analyze --json`` document as a dict (JSON-ready)."""
        return self.raw.to_json()

    def dumps(self, indent: int | None = 1) -> str:
        """The ``analyze --json`` document as text."""
        return self.raw.dumps(indent)

    def curve_rows(self) -> list[dict[str, Any]]:
        """The curve as flat rows (per-element columns suffixed ``_El``), the CSV's columns."""
        rows = []
        for s in self.raw.curve:
            d = s.to_json()
            row = {k: v for k, v in d.items() if not isinstance(v, dict)}
            for k, v in d.items():
                if isinstance(v, dict):
                    row.update({f"{k}_{e}": x for e, x in v.items()})
            rows.append(row)
        return rows

    def to_dataframe(self):
        """The curve as a pandas DataFrame indexed by ``size_nm`` (pandas is optional)."""
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover - depends on the environment
            raise ImportError("to_dataframe() needs pandas: pip install pandas") from None
        return pd.DataFrame(self.curve_rows()).set_index("size_nm")

    def _sume_text(self) -> str:
        from hea_studio.core.summary import headline

        t = headline(self.raw.to_json())
        return t.line() + (f" ({t.method})" if t.method else "")

    def __repr__(self) -> str:
        r = self.raw
        return (
            f"<hea_studio.Result {'-'.join(r.elements)}: {r.roi_atoms:,} atoms, "
            f"S_bulk {r.bulk.S_R:.3f} R, {len(r.curve)} edges, SUME {self._sume_text()}>"
        )

    def _repr_html_(self) -> str:
        r = self.raw
        esc = html.escape
        comp = ", ".join(f"{e} {100 * x:.1f}" for e, x in r.bulk.fractions.items())
        head = "".join(
            f"<th>{esc(h)}</th>" for h in ("L (nm)", "cubes", "atoms/cube", "S mean (R)", "S null (R)")
        )
        body = "".join(
            f"<tr><td>{s.size_nm:g}</td><td>{s.n_cubes}</td><td>{s.mean_atoms:.1f}</td>"
            f"<td>{s.S_mean:.4f}</td><td>{'-' if s.S_null is None else f'{s.S_null:.4f}'}</td></tr>"
            for s in r.curve
        )
        warnings = "".join(f"<li>{esc(w.message)}</li>" for w in r.warnings)
        return (
            f"<div><b>HEA Studio analysis</b> of {esc(', '.join(r.elements))} "
            f"({r.roi_atoms:,} atoms; at.% {esc(comp)})<br>"
            f"S<sub>bulk</sub> = {r.bulk.S_R:.3f} R ({esc(r.bulk.cls)}); "
            f"SUME = {esc(self._sume_text())}"
            + (f"<ul>{warnings}</ul>" if warnings else "")
            + f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
        )

    def plot(self, ax=None):
        """The entropy curve with its random-mixing reference and the SUME (matplotlib; optional).

        Returns
        -------
        matplotlib.figure.Figure
        """
        try:
            # A bare Figure, not pyplot: pyplot picks an interactive backend (Qt when PySide6 is
            # installed) and creates a QApplication, which fails without a display and would
            # take over the application object of a window running in the same process.
            from matplotlib.figure import Figure
        except ImportError:  # pragma: no cover - depends on the environment
            raise ImportError("plot() needs matplotlib: pip install matplotlib") from None
        from hea_studio.core.display import PALETTE

        r = self.raw

        def column(key: str) -> np.ndarray:
            return np.array([np.nan if getattr(s, key) is None else getattr(s, key) for s in r.curve], float)

        L, mean, sd, null = (column(k) for k in ("size_nm", "S_mean", "S_std", "S_null"))
        if ax is None:
            fig = Figure(figsize=(6.4, 4.0), layout="tight")
            ax = fig.add_subplot()
        else:
            fig = ax.figure
        colour = PALETTE[4]  # the window's first data colour (blue)
        ax.fill_between(L, mean - sd, mean + sd, color=colour, alpha=0.18, lw=0)
        ax.plot(L, mean, "o-", color=colour, ms=3, label="mean S over cubes (±1 std)")
        ax.plot(L, null, "--", color="0.35", label="random-mixing reference")
        ax.axhline(r.bulk.S_R, color="0.6", lw=0.8, label=f"S_bulk = {r.bulk.S_R:.3f} R")
        if r.sume is not None:
            from hea_studio.core.summary import headline

            words = headline(r.to_json())
            if r.sume.edge_nm is not None:
                ax.axvline(r.sume.edge_nm, color="k", lw=1, label=f"SUME {words.line()}")
                if r.sume.ci95_nm and None not in r.sume.ci95_nm:
                    ax.axvspan(*r.sume.ci95_nm, color="k", alpha=0.08, lw=0)
            else:  # a bound: a dotted line at it, the words in the legend
                ax.axvline(r.sume.location_nm, color="k", lw=1, ls=":", label=f"SUME: {words.value}")
        ax.set_xlabel("cube edge L (nm)")
        ax.set_ylabel("configurational entropy S (R)")
        ax.legend(fontsize=8, loc="lower right")
        return fig

"""The bounds of every number HEA Studio accepts, in one place, each with the reason it exists.

Options, settings and values read from files pass through these checks before any work starts, so
an absurd number (``--sizes 1e-9``, ``--bootstrap 1e20``, a multiplicity of ``1e300`` in a range
file, a coordinate of 3e38 nm) is refused with one line naming the value, its bound and why,
instead of reaching numpy or numba as a ``MemoryError``, an ``OverflowError`` or a silent nonsense
result. The bounds are far outside anything a real analysis needs; they stop mistakes, not science.
"""

from __future__ import annotations

import math
import os
import stat
from collections.abc import Sequence
from pathlib import Path

from hea_studio.core.errors import InputError

# -- geometry ---------------------------------------------------------------------------------------
MAX_COORD_NM = 1.0e4
"""An APT specimen is at most a few micrometres long; STEM maps are smaller still."""
MASS_RANGE_DA = (0.0, 1000.0)
"""Mass-to-charge window of any time-of-flight atom probe spectrum (a value outside is misread data)."""
MAX_MASS_DA = 1.0e4
"""Spectrum spans: ten times the heaviest m/n any atom probe records."""
MIN_EDGE_NM = 0.01
"""A cube edge below 0.01 nm is twenty times smaller than the distance between two atoms."""
MAX_CUBES = 1 << 31
"""Cubes of one edge in one box: the voxel tables of more would not fit in any memory."""
MAX_SIZES = 1000
"""Cube edges of one curve: each edge is a full pass over the sub-volume, and a curve needs tens."""

# -- counts and budgets -----------------------------------------------------------------------------
MAX_MIN_ATOMS = 1_000_000_000
"""More atoms than any cube of any real specimen holds: every cube would be dropped."""
MAX_BOOTSTRAP = 100_000
"""The SUME interval is stable after a few hundred resamples; more only costs hours."""
MAX_NEIGHBOURS = 100_000
"""Atoms of one local neighbourhood (``local --k``): more is no longer local."""
MAX_CENTRES = 1_000_000_000
"""Centre atoms of ``local`` (more than any specimen holds)."""
MAX_SEED = 2**32 - 1
"""Seeds are 32-bit unsigned integers in every random generator HEA Studio uses."""
MEMORY_BUDGET_MB = (1.0e-3, 64.0 * 1024 * 1024)
"""From 1 kB (a budget rounded to zero bytes would be none) to 64 TB (no machine has more)."""
MAX_WORKERS = 256
"""Local Dask worker processes: each costs a Python process and its memory."""
CONNECT_TIMEOUT_S = (0.1, 86_400.0)
"""Waiting for a Dask scheduler or its first worker: from a tenth of a second to a day."""
MAX_SYNTH_ATOMS = 200_000_000
"""Atoms of a synthetic specimen: 2e8 atoms already take gigabytes; more exhausts memory."""

MAX_FIELD_AMPLITUDE = 10.0
"""Strength of a synthetic concentration field (exp(amplitude * g) weights; 1e9 overflows them)."""

# -- chemistry --------------------------------------------------------------------------------------
MAX_ATOMS_PER_ION = 32
"""Atoms of one molecular ion (a range's composition, a formula): real APT ions hold a handful."""
MAX_SITES = 1000
"""Sites per formula unit of one sublattice (spinel has 4 O sites; nothing real has thousands)."""
ELEMENTS = frozenset(
    """H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se
    Br Kr Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho
    Er Tm Yb Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am Cm Bk Cf Es Fm
    Md No Lr Rf Db Sg Bh Hs Mt Ds Rg Cn Nh Fl Mc Lv Ts Og D T""".split()  # noqa: SIM905
)
"""Element symbols of the periodic table (and D, T): anything else is a user species, never an element."""


def check_element(symbol: str, where: str) -> str:
    """Refuse ``symbol`` unless it is an element of the periodic table (with a hint for a case slip)."""
    if symbol not in ELEMENTS:
        hint = f" (did you mean {symbol.capitalize()}?)" if symbol.capitalize() in ELEMENTS else ""
        raise InputError(f"{where}: {symbol!r} is not an element symbol{hint}")
    return symbol


def _say(name: str, value: object, bounds: str, reason: str) -> InputError:
    return InputError(f"{name} {value} is outside {bounds}: {reason}")


def check_int(name: str, value: object, lo: int, hi: int, reason: str) -> int:
    """``value`` as an int within ``[lo, hi]``, else :class:`InputError` naming the bound and ``reason``.

    Parameters
    ----------
    name
        What the value is, as the user knows it (``"--bootstrap"``).
    value
        The value (an int, or a float with an integral value).
    lo, hi
        Inclusive bounds.
    reason
        Why the bound exists, in a few words.
    """
    try:
        number = float(value)  # type: ignore[arg-type]
        integral = math.isfinite(number) and number == int(number)
    except (TypeError, ValueError, OverflowError):
        integral = False
    if not integral:
        raise InputError(f"{name} must be a whole number, got {value!r}")
    as_int = int(value) if isinstance(value, int) else int(number)
    if not lo <= as_int <= hi:
        raise _say(name, as_int, f"{lo:,}..{hi:,}", reason)
    return as_int


def check_float(
    name: str, value: object, lo: float, hi: float, reason: str, *, open_low: bool = False
) -> float:
    """``value`` as a finite float within ``[lo, hi]`` (``(lo, hi]`` with ``open_low``), else InputError."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise InputError(f"{name} must be a finite number, got {value!r}")
    if number < lo or number > hi or (open_low and number == lo):
        low = "(" if open_low else "["
        raise _say(name, f"{number:g}", f"{low}{lo:g}, {hi:g}]", reason)
    return number


def check_coordinates(name: str, values: Sequence[float]) -> None:
    """Refuse coordinates (nm) that are not finite or lie beyond :data:`MAX_COORD_NM`."""
    for v in values:
        if not (math.isfinite(v) and abs(v) <= MAX_COORD_NM):
            raise InputError(
                f"{name}: coordinate {v:g} nm lies beyond +-{MAX_COORD_NM:g} nm, farther than any "
                "atom probe or STEM specimen reaches (a unit slip?)"
            )


def check_edges(sizes: Sequence[float]) -> None:
    """Refuse cube edges below :data:`MIN_EDGE_NM` or beyond the largest possible box."""
    for s in sizes:
        check_float(
            "cube edge (nm)",
            s,
            MIN_EDGE_NM,
            2 * MAX_COORD_NM,
            f"edges below {MIN_EDGE_NM:g} nm are smaller than an atom, and no box is longer than "
            f"{2 * MAX_COORD_NM:g} nm",
        )


def check_cube_count(box_size: Sequence[float], edge_nm: float) -> None:
    """Refuse an edge that would cut the box into more than :data:`MAX_CUBES` cubes."""
    count = 1.0
    for side in box_size:
        count *= max(1.0, math.ceil(float(side) / edge_nm))
    if count > MAX_CUBES:
        raise InputError(
            f"cube edge {edge_nm:g} nm cuts the box ({', '.join(f'{s:.3g}' for s in box_size)} nm) into "
            f"{count:.3g} cubes; at most {MAX_CUBES:.3g} fit in memory: use larger edges or a smaller box"
        )


def check_input_file(path: str | os.PathLike[str], what: str = "file") -> Path:
    """Refuse, without opening it, an input that is not a regular file (or a link to one).

    A FIFO blocks the first read forever and a character device (``/dev/zero``) reads without end;
    ``os.stat`` tells them apart without touching their contents.

    Raises
    ------
    InputError
        Missing, unreadable, a folder, or a FIFO/device/socket; the message starts with the file name.
    """
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise InputError("file not found", p) from None
    except PermissionError:
        raise InputError("permission denied", p) from None
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})", p) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"is a folder, not a {what}", p)
    if not stat.S_ISREG(st.st_mode):
        kind = "a FIFO (named pipe)" if stat.S_ISFIFO(st.st_mode) else "a device or socket"
        raise InputError(f"is {kind}, not a regular {what}; copy the data to a file first", p)
    return p

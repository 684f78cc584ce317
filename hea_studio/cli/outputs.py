"""Output paths of the subcommands: checked before any work, written atomically.

A finished run must never be thrown away because of a typo in an output folder, and an output
must never replace one of the run's own inputs (``--json run.pos`` would destroy the data). So every
subcommand calls :func:`check_outputs` right after parsing, before it loads or computes anything,
and writes through :func:`write_text` / :func:`write_with`, which go through a temporary file in the
same folder and an atomic rename (figures through :func:`write_figure`). Warnings go to stderr
through :func:`warn`.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from hea_studio.core.errors import InputError, os_reason

StrPath = str | os.PathLike[str]
# What ``--plot`` writes, by the file's suffix (no suffix: PNG).
FIGURE_SUFFIXES = (".png", ".svg", ".pdf")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        # One of them does not exist (yet): compare the paths they would resolve to.
        return a.resolve() == b.resolve()


def check_outputs(
    outputs: Iterable[tuple[str, StrPath | None]], inputs: Iterable[StrPath | None] = ()
) -> None:
    """Refuse, before any work, outputs that cannot be written or that name an input.

    Parameters
    ----------
    outputs
        ``(option, path)`` pairs such as ``("--json", "out.json")``; ``None`` and ``"-"``
        (standard output) are skipped.
    inputs
        The files the run reads; an output naming one of them (also through a link or a
        different spelling) is refused.

    Raises
    ------
    InputError
        The output is an input, a folder, in a folder that does not exist or cannot be written,
        two options name the same output file, or ``--plot`` names a format it cannot write.
    """
    pairs = [(option, "-" if is_stdout(raw) else raw) for option, raw in outputs]
    to_stdout = [option for option, raw in pairs if raw is not None and str(raw) == "-"]
    if len(to_stdout) > 1:
        raise InputError(
            f"{' and '.join(to_stdout)} both write to standard output (-), where they would mix: "
            "send all but one of them to a file"
        )
    ins = [Path(p) for p in inputs if p is not None]
    seen: dict[Path, str] = {}
    for option, raw in pairs:
        if raw is None or str(raw) == "-":
            continue
        path = Path(raw)
        if option == "--plot" and path.suffix and path.suffix.lower() not in FIGURE_SUFFIXES:
            raise InputError(
                f"--plot {path}: cannot write a {path.suffix} figure; name it .png, .svg or .pdf"
            )
        for src in ins:
            if _same_file(path, src):
                raise InputError(
                    f"{option} {path} names an input file of this run; choose another output name"
                )
        key = path.resolve()
        if key in seen:
            raise InputError(f"{option} and {seen[key]} both name {path}; give each output its own file")
        seen[key] = option
        if path.is_dir():
            raise InputError(f"{option} {path} is a folder; give a file name")
        from hea_studio.io.files import output_target

        try:
            # A link is written through (its target replaced, the link kept): check the target.
            target = output_target(path)
        except OSError as exc:
            raise InputError(f"{option} {path}: {exc.strerror}") from None
        folder = target.parent if str(target.parent) else Path(".")
        check_writable_folder(folder, f"{option} {path}")
        check_free_space(folder, target, f"{option} {path}")


# Names of standard output besides "-": writing "through" them used to replace the device node.
_STDOUT_NAMES = ("-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1")
# Refuse to start when the output's disk has less free space than this (or than the file it
# replaces, if larger): the run would only fail at the end.
MIN_FREE_BYTES = 64 << 10


def is_stdout(raw: StrPath | None) -> bool:
    """True for ``-`` and the device names of standard output (``/dev/stdout``)."""
    return raw is not None and str(raw) in _STDOUT_NAMES


def check_free_space(folder: Path, target: Path, what: str) -> None:
    """Refuse an output whose disk is full before any work (a full disk used to surface at the end)."""
    try:
        st = os.statvfs(folder)
    except (OSError, AttributeError):  # no statvfs (Windows) or an odd file system: the write will tell
        return
    free = st.f_bavail * st.f_frsize
    try:
        need = max(MIN_FREE_BYTES, target.stat().st_size)
    except OSError:
        need = MIN_FREE_BYTES
    if free < need:
        raise InputError(
            f"{what}: only {free / 1024:.0f} kB free on the disk holding {folder} "
            f"(at least {need / 1024:.0f} kB needed); free some space first"
        )


def check_writable_folder(folder: Path, what: str) -> None:
    """Raise :class:`InputError` unless a file can be created in ``folder`` (probed for real)."""
    folder = Path(folder) if str(folder) else Path(".")
    if not folder.exists():
        raise InputError(f"{what}: the folder {folder} does not exist")
    if not folder.is_dir():
        raise InputError(f"{what}: {folder} is not a folder")
    # os.access ignores read-only mounts and ACLs; creating a file is the only honest test.
    try:
        fd, probe = tempfile.mkstemp(prefix=".hea-write-probe-", dir=folder)
    except OSError as exc:
        raise InputError(f"{what}: cannot write in {folder} ({exc.strerror or exc})") from None
    os.close(fd)
    Path(probe).unlink(missing_ok=True)


def write_with(path: StrPath, write: Callable[[Path], None], allow_empty: bool = False) -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path`` and move it into place atomically.

    A failure (disk full, interrupted run) leaves the old file untouched and no temporary file; the
    file gets the old file's permissions or a new file's usual ones. Raises :class:`InputError`
    when the file system refuses the write.
    """
    from hea_studio.io.files import write_atomically

    try:
        write_atomically(Path(path), write, durable=False, allow_empty=allow_empty)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {os_reason(exc)}") from None


def write_text(target: StrPath, text: str) -> None:
    """Write ``text`` to ``target`` atomically (``-``: standard output)."""
    if is_stdout(target):
        sys.stdout.write(text)
        return
    write_with(target, lambda tmp: tmp.write_text(text, encoding="utf-8"), allow_empty=not text)


def write_figure(target: StrPath, export: Callable[[Path], object]) -> None:
    """Write a figure atomically through ``export(path)``, an exporter that picks the format from
    the file's suffix (``--plot OUT.png``, ``.svg`` or ``.pdf``).

    The exporter renders to a temporary file beside ``target`` carrying ``target``'s suffix (``.png``
    when it has none), which then takes ``target``'s place; a failed render leaves no file behind.
    """
    suffix = Path(target).suffix.lower() or ".png"

    def write(tmp: Path) -> None:
        image = tmp.with_suffix(suffix)
        try:
            export(image)
            os.replace(image, tmp)
        finally:
            image.unlink(missing_ok=True)

    write_with(target, write)


def warn(text: str) -> None:
    """A warning on stderr in the contract's one-line form, through the ``hea_studio`` logger
    (``--quiet`` silences it)."""
    from hea_studio.cli.logs import LOGGER, configure

    if not LOGGER.handlers:  # called outside main(): still print it
        configure()
    LOGGER.warning(text)

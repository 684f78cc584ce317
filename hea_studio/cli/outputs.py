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

from hea_studio.core.errors import InputError

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
    pairs = list(outputs)
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
        check_writable_folder(path.parent if str(path.parent) else Path("."), f"{option} {path}")


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


def write_with(path: StrPath, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path`` and move it into place atomically.

    A failure (disk full, interrupted run) leaves the old file untouched and no temporary file; the
    file gets the old file's permissions or a new file's usual ones. Raises :class:`InputError`
    when the file system refuses the write.
    """
    from hea_studio.io.files import write_atomically

    try:
        write_atomically(Path(path), write, durable=False)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None


def write_text(target: StrPath, text: str) -> None:
    """Write ``text`` to ``target`` atomically (``-``: standard output)."""
    if str(target) == "-":
        sys.stdout.write(text)
        return
    write_with(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))


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

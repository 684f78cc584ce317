"""The bundled demo specimen: generated on first use into the user's cache and reused after.

Generating (~3 s) beats shipping ~25 MB of .pos in the package. The cache file name carries the
generator version and a hash of the parameters, so any change to either regenerates the demo
instead of showing a stale one; files are moved into place atomically, so two processes starting at
once each see either nothing or complete files.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path

from hea_studio.core.paths import user_cache_dir
from hea_studio.core.progress import TaskState
from hea_studio.synth.output import write_specimen
from hea_studio.synth.presets import cocufeni_paper
from hea_studio.synth.specimen import GENERATOR_VERSION, SynthParams, generate

DEMO_NAME = "demo-cocufeni"


def demo_params() -> SynthParams:
    """Parameters of the demo specimen (the ``cocufeni-paper`` preset)."""
    return cocufeni_paper()


def demo_prefix(params: SynthParams | None = None) -> Path:
    """Cache path (without extension) of the demo for ``params``."""
    params = params or demo_params()
    text = json.dumps({"v": GENERATOR_VERSION, "p": params.to_dict()}, sort_keys=True)
    digest = hashlib.sha256(text.encode()).hexdigest()[:10]
    return user_cache_dir() / "demo" / f"{DEMO_NAME}-v{GENERATOR_VERSION}-{digest}"


def demo_files(task: TaskState | None = None) -> tuple[Path, Path]:
    """Paths of the demo .pos and .rrng, generating them on first use.

    Parameters
    ----------
    task
        Optional progress/cancellation for the generation.

    Returns
    -------
    pos, rrng
        Paths inside the user cache directory.
    """
    params = demo_params()
    prefix = demo_prefix(params)
    pos = prefix.with_name(prefix.name + ".pos")
    rrng = prefix.with_name(prefix.name + ".rrng")
    meta = prefix.with_name(prefix.name + ".json")
    # The .json is moved into place last, so its presence vouches for the other two.
    if meta.exists() and pos.exists() and rrng.exists():
        return pos, rrng
    write_specimen(generate(params, task), prefix)
    _remove_stale(prefix)
    return pos, rrng


def _remove_stale(current: Path) -> None:
    """Delete demos of other generator versions or parameters (35 MB each) from the cache."""
    for path in current.parent.glob(f"{DEMO_NAME}-v*-*.*"):
        if path.name.startswith(current.name + "."):
            continue
        # Another process may hold it open (Windows) or have removed it first; both are fine.
        with contextlib.suppress(OSError):
            path.unlink()


def demo_truth_path() -> Path:
    """Path of the demo's JSON (parameters and ground truth); call :func:`demo_files` first."""
    prefix = demo_prefix()
    return prefix.with_name(prefix.name + ".json")

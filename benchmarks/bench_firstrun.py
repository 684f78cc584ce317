"""The first analysis in a fresh clone: with an empty kernel cache, after the warm-up, and warm.

Run: ``python benchmarks/bench_firstrun.py [--atoms 200000]``

The tree is unpacked with ``git archive`` into a new folder (numba keys its cache by the source
file's path, so this is what a new clone or install sees) and given an empty ``NUMBA_CACHE_DIR``.
Each figure is one fresh process running the first analysis of a small specimen (loading, ranging,
the default curve and SUME interval), timed inside the process:

1. ``cold``: nothing compiled yet (what every first analysis cost before the warm-up);
2. ``after warm-up``: ``hea-studio warmup`` ran first (the window starts it in the background at
   launch), then the analysis;
3. ``warm``: the same analysis again.

Prints the times with the load average beside each, and ``after warm-up / warm`` (target <= 1.5).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent

_FIRST = """
import sys, time
from pathlib import Path
t0 = time.perf_counter()
from hea_studio.compute.batch import analyze_atoms
from hea_studio.core.settings import AnalysisSettings
from hea_studio.io import load_ions, load_ranges, to_atoms_and_summary
atoms, _ = to_atoms_and_summary(load_ions(Path(sys.argv[1])), load_ranges(Path(sys.argv[2])))
analyze_atoms(atoms, AnalysisSettings())
print(f"{time.perf_counter() - t0:.3f}")
"""


def load() -> str:
    return "load {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def unpack(dest: Path) -> Path:
    archive = dest / "tree.tar"
    with open(archive, "wb") as fh:
        subprocess.run(["git", "-C", str(HERE), "archive", "HEAD"], stdout=fh, check=True)
    tree = dest / "clone"
    tree.mkdir()
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    archive.unlink()
    return tree


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--atoms", type=int, default=200_000)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE / "benchmarks"))
    from bench_scale import write_pos, write_rrng

    print(f"first analysis in a fresh clone, {os.cpu_count()} CPUs ({load()})", flush=True)
    with tempfile.TemporaryDirectory(prefix="hea-first-") as tmp:
        root = Path(tmp)
        pos, rrng = root / "first.pos", root / "first.rrng"
        write_pos(pos, args.atoms)
        write_rrng(rrng)
        times = {}
        tree = cache = root
        for label in ("cold", "after warm-up", "warm"):
            if label != "warm":  # "warm" runs again in the tree and cache of "after warm-up"
                folder = root / label.replace(" ", "_")
                folder.mkdir()
                tree = unpack(folder)
                cache = folder / "cache"
                cache.mkdir()
            env = dict(os.environ, PYTHONPATH=str(tree), NUMBA_CACHE_DIR=str(cache), HEA_STUDIO_NO_WARMUP="1")
            if label == "after warm-up":
                t = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-c", "import sys; from hea_studio.cli import main; sys.exit(main(['warmup', '-q']))"],
                    env=env, check=True,
                )  # fmt: skip
                print(
                    f"  warm-up (background at launch): {time.perf_counter() - t:6.2f} s ({load()})",
                    flush=True,
                )
            out = subprocess.run(
                [sys.executable, "-c", _FIRST, str(pos), str(rrng)],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            times[label] = float(out.stdout.split()[-1])
            print(f"  first analysis, {label:14s}: {times[label]:6.2f} s ({load()})", flush=True)
    print(
        f"  cold / warm = {times['cold'] / times['warm']:.1f}x; "
        f"after warm-up / warm = {times['after warm-up'] / times['warm']:.2f}x (target <= 1.5x)"
    )


if __name__ == "__main__":
    main()

"""Speed of the atom-centred local entropy against brute force, measured in the same run.

Run: ``.venv/bin/python benchmarks/bench_local.py [--centres 10000]``

On the demo specimen's default box (about 777,000 atoms) with the default neighbourhood sizes
(13 ... 1000 atoms):

1. baseline: the plain numpy way for a few centres (every distance from the centre, a full sort),
   scaled to one centre;
2. :func:`hea_studio.compute.local.knn.local_entropy` for ``--centres`` centres (cell list, cell-ordered
   atoms, partial sort, threads), per centre;
3. their ratio, and the wall time of the whole call.

The two agree exactly on the centres the baseline computed (checked here). No threshold is
asserted; the numbers go into the report.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--centres", type=int, default=10_000, help="centres for the fast path")
    parser.add_argument("--baseline-centres", type=int, default=20, help="centres for brute force")
    args = parser.parse_args()

    from hea_studio.compute.dataset import load_dataset
    from hea_studio.compute.lac.roi import default_box, prepare_roi
    from hea_studio.compute.local import _twins
    from hea_studio.compute.local.knn import NeighbourGrid, default_ks, local_entropy
    from hea_studio.compute.reference.atoms import log_table

    dataset = load_dataset(None, None)
    box = default_box(dataset.atoms.positions)
    ks = np.array(default_ks(), dtype=np.int64)
    local_entropy(dataset.atoms, box, ks=tuple(ks), n_centres=100)  # compile / load the kernels

    prep = prepare_roi(dataset.atoms, box, None)
    rng = np.random.default_rng(0)
    sample = rng.choice(prep.n_atoms, args.baseline_centres, replace=False).astype(np.int64)
    t0 = time.perf_counter()
    brute, _ = _twins.knn_entropy(
        prep.rel, prep.labels, prep.K, None, 0, 0, 0, 0.0, sample, ks, log_table(int(ks[-1]))
    )
    per_centre_base = (time.perf_counter() - t0) / sample.size

    t0 = time.perf_counter()
    result = local_entropy(dataset.atoms, box, ks=tuple(ks), n_centres=args.centres, seed=1)
    wall = time.perf_counter() - t0
    per_centre_fast = wall / result.n_centres

    # Same numbers: the sampled centres through the fast path's own neighbour search.
    grid = NeighbourGrid.build(prep.rel, prep.labels, box.size, prep.n_atoms / box.volume)
    fast, _ = grid.search(prep.K, grid.rank[sample], ks, log_table(int(ks[-1])))
    worst = float(np.max(np.abs(fast - brute)))

    print(f"demo box: {prep.n_atoms:,} atoms, k = {', '.join(map(str, ks))}")
    print(f"baseline (numpy, all distances + full sort): {1e3 * per_centre_base:8.2f} ms per centre")
    print(
        f"local_entropy ({result.n_centres:,} centres):          {1e3 * per_centre_fast:8.3f} ms per centre"
    )
    print(f"ratio baseline / local_entropy: {per_centre_base / per_centre_fast:8.0f}x")
    print(f"whole call: {wall:.2f} s; largest difference on the baseline centres: {worst:.1e}")
    return 0 if worst < 1e-9 else 1


if __name__ == "__main__":
    raise SystemExit(main())

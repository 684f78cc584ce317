"""Cluster search speed: our maximum separation method against scipy cKDTree and scikit-learn DBSCAN.

Run: ``.venv/bin/python benchmarks/bench_clusters.py [--ions 10000000] [--pipeline-ions 100000000]``

The specimen: ions uniformly at 40 per nm^3 in a cube, 2 % of them solute at random, plus spherical
precipitates (radius 1.5 nm, half solute) holding about 1 % of the ions. In the same run, on the same
arrays, with d-max 0.5 nm, order 1, N-min 20 and envelope L 0.25 nm:

1. ours: :func:`hea_studio.compute.clusters.maximum_separation` (numba cell grid, chunked);
2. the cKDTree way a user would write it: ``cKDTree(solutes).query_pairs(dmax)``, connected
   components (scipy.sparse.csgraph), N-min, then ``cKDTree(cores).query(all ions, L)``;
3. scikit-learn ``DBSCAN(eps=dmax, min_samples=2)`` on the solutes (its clusters only; no envelope).

All three must give the same clusters (checked: the same partition of the solute ions and, for 1
and 2, the same envelope). Then the whole pipeline (search with erosion 0.25 nm, per-cluster
measurements, matrix, convex-hull volume) runs on ``--pipeline-ions`` ions (skip with 0), with its
time and the process's peak memory. Times are best of ``--repeat``; the load average is printed
beside each figure. No threshold is asserted.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np

DENSITY = 40.0


def specimen(n: int, seed: int = 0):
    """Positions (float32) and labels (0 matrix, 1 solute) of ``n`` ions."""
    rng = np.random.default_rng(seed)
    side = (n / DENSITY) ** (1 / 3)
    pos = np.empty((n, 3), dtype=np.float32)
    step = 10_000_000
    for a in range(0, n, step):
        pos[a : a + step] = rng.random((min(step, n - a), 3), dtype=np.float32) * side
    labels = (rng.random(n, dtype=np.float32) < 0.02).astype(np.uint8)
    # Precipitates: half the ions inside each sphere become solute.
    r = 1.5
    n_prec = int(0.01 * n / (DENSITY * 4 / 3 * np.pi * r**3))
    centres = rng.uniform(r, side - r, (n_prec, 3))
    from scipy.spatial import cKDTree

    tree = cKDTree(centres)
    for a in range(0, n, step):
        d, _ = tree.query(pos[a : a + step], distance_upper_bound=r)
        inside = np.flatnonzero(np.isfinite(d))
        labels[a + inside[rng.random(len(inside)) < 0.5]] = 1
    return pos, labels, n_prec


def ckdtree_msm(pos, labels, dmax, nmin, L):
    """The baseline: cKDTree pairs + connected components + N-min + cKDTree envelope."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    rows = np.flatnonzero(labels == 1)
    p = pos[rows].astype(np.float64)
    pairs = cKDTree(p).query_pairs(dmax, output_type="ndarray")
    n = len(p)
    g = coo_matrix((np.ones(len(pairs), np.int8), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, comp = connected_components(g, directed=False)
    has = np.zeros(n, bool)
    has[pairs.ravel()] = True
    sizes = np.bincount(comp[has], minlength=comp.max() + 1)
    keep = has & (sizes[comp] >= nmin)
    cluster = np.full(len(pos), -1, np.int64)
    cluster[rows[keep]] = comp[keep]
    core_rows = rows[keep]
    tree = cKDTree(pos[core_rows].astype(np.float64))
    step = 2_000_000
    for a in range(0, len(pos), step):
        d, i = tree.query(pos[a : a + step], distance_upper_bound=L)
        hit = np.flatnonzero(np.isfinite(d))
        fresh = cluster[a + hit] < 0
        cluster[a + hit[fresh]] = comp[keep][i[hit[fresh]]]
    return cluster


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """True when two labelings (-1 = none) group the same rows."""
    if not np.array_equal(a < 0, b < 0):
        return False
    m = a >= 0
    pairs = np.unique(np.stack([a[m], b[m]], 1), axis=0)
    return len(pairs) == len(np.unique(a[m])) == len(np.unique(b[m]))


def load() -> str:
    a, b, c = os.getloadavg()
    return f"load {a:.2f} {b:.2f} {c:.2f}"


def best(fn, repeat):
    t = np.inf
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        t = min(t, time.perf_counter() - t0)
    return t, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ions", type=int, default=10_000_000, help="comparison run (0: skip)")
    parser.add_argument("--pipeline-ions", type=int, default=100_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    from sklearn.cluster import DBSCAN

    from hea_studio.compute.clusters import MsmParameters, find_clusters, maximum_separation

    if args.ions:
        pos, labels, n_prec = specimen(args.ions)
        sol = np.array([False, True])
        print(f"{args.ions:,} ions, {int(labels.sum()):,} solute, {n_prec} precipitates placed  [{load()}]")
        params = MsmParameters(0.5, 1, 20, 0.25, 0.0)
        maximum_separation(pos[:50_000], labels[:50_000], sol, params)  # compile / load the kernels
        t_ours, ours = best(lambda: maximum_separation(pos, labels, sol, params), args.repeat)
        print(f"ours (MSM, envelope):      {t_ours:7.2f} s  {ours.n_clusters} clusters  [{load()}]")
        t_kd, kd = best(lambda: ckdtree_msm(pos, labels, 0.5, 20, 0.25), args.repeat)
        print(f"cKDTree MSM (envelope):    {t_kd:7.2f} s  ratio {t_kd / t_ours:.2f}x  [{load()}]")
        same = same_partition(ours.cluster.astype(np.int64), kd)
        print(f"  same clusters and envelope as cKDTree: {same}")
        rows = np.flatnonzero(labels == 1)
        solutes = pos[rows].astype(np.float64)
        t_db, db = best(
            lambda: DBSCAN(eps=0.5, min_samples=2, algorithm="kd_tree").fit_predict(solutes), args.repeat
        )
        core_only = maximum_separation(pos, labels, sol, MsmParameters(0.5, 1, 20))
        ours_sol = core_only.cluster[rows].astype(np.int64)
        sizes = np.bincount(db[db >= 0])
        db_kept = np.where((db >= 0) & (sizes[np.maximum(db, 0)] >= 20), db, -1)
        print(f"sklearn DBSCAN (solutes):  {t_db:7.2f} s  ratio {t_db / t_ours:.2f}x  [{load()}]")
        print(f"  same solute clusters as DBSCAN: {same_partition(ours_sol, db_kept)}")
        pos = labels = solutes = ours = kd = core_only = None  # free the 10^7-ion arrays
    if args.pipeline_ions:
        pos, labels, n_prec = specimen(args.pipeline_ions, seed=1)
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
        data = (pos.nbytes + labels.nbytes) / 2**30
        print(f"\npipeline on {args.pipeline_ions:,} ions ({data:.2f} GiB of data)  [{load()}]")
        t0 = time.perf_counter()
        c0 = time.process_time()
        res = find_clusters(pos, labels, ("Fe", "Cu"), ("Cu",), MsmParameters(0.5, 1, 20, 0.25, 0.25))
        t = time.perf_counter() - t0
        cpu = time.process_time() - c0  # what the run costs regardless of how busy the machine is
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
        print(
            f"whole pipeline: {t:.1f} s wall, {cpu:.1f} s CPU, {len(res.clusters)} clusters of {n_prec} placed, "
            f"peak RSS {peak:.2f} GiB (before: {base:.2f} GiB; data {data:.2f} GiB)  [{load()}]"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark of real-size runs: 10^6, 10^7 and 10^8 ions, step by step, against today's path.

For each size a conical four-element specimen is written as a .pos (with a .rrng) to ``--dir``
(default /work/bigdata, 16 bytes per ion), then the same step runner is started twice in fresh
subprocesses: once on this tree and once on the baseline tree (the code at ``--baseline``, by
default commit beece3f, unpacked with ``git archive`` next to the data). Every process first runs
the whole pipeline on a 10^5-ion file so that numba's compilation is not timed. Steps:

``load`` (map the file, drop non-finite rows), ``ranging`` (to_atoms), ``default box``, ``select``
(prepare_roi), ``curve`` (the default edges 0.5:10:0.5), ``SUME`` (with its interval: 200 bootstrap
resamples of the tangent fit in the baseline; the hinge fits over shifted grids, cube bootstrap and
edge subsets in the new tree), and ``analyze`` (the ``analyze`` command end to end, in its own process). For the step
runner the peak resident memory of each step is measured by resetting the kernel's high-water mark
before it (``/proc/self/clear_refs``) and reading ``VmHWM`` after it; for ``analyze`` it is the
child's maximum RSS. At 10^7 ions two edge lists are timed as well: 200 edges 0.1:20:0.1 and a
geometric series of 40 edges (``curve200``, ``geo40``).

Prints one table per size: time (median over ``--repeat`` runs) and peak RSS per step, new and
baseline, and their ratio. Big files are deleted at the end unless ``--keep``.

Usage::

    python benchmarks/bench_scale.py [--sizes 1e6,1e7,1e8] [--repeat 3] [--no-baseline]
    python benchmarks/bench_scale.py --sizes 5e8 --no-baseline --only analyze   # the 12 GB check
    python benchmarks/bench_scale.py --sizes 1e8 --no-baseline --only window    # File > Open, drag
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent.parent
BASELINE_COMMIT = "beece3f"
SPECIES = (("Co", 29.47), ("Cu", 31.73), ("Fe", 27.92), ("Ni", 29.0))
FRACTIONS = (0.25, 0.25, 0.3, 0.2)
# ``--oxide``: an oxidised CoCrFeNi whose Cr comes mostly as CrO+ and CrO2+ (a third of the ions are
# molecular; 1.5 atoms per ion): the molecular-ion decomposition is what is measured.
OXIDE_SPECIES = (("Co", 29.47, "Co:1"), ("Cr", 25.97, "Cr:1"), ("Fe", 27.92, "Fe:1"), ("Ni", 29.0, "Ni:1"),
                 ("CrO", 67.94, "Cr:1 O:1"), ("CrO2", 83.94, "Cr:1 O:2"))  # fmt: skip
OXIDE_FRACTIONS = (0.22, 0.05, 0.22, 0.18, 0.13, 0.2)
UNRANGED = 0.03  # background ions outside every range
DENSITY = 50.0  # detected ions per nm^3
STEPS = ("load", "ranging", "default box", "select", "curve", "SUME")
EXTRA_STEPS = ("curve200", "geo40")


# ---- data ------------------------------------------------------------------------------------
def _species(oxide: bool) -> tuple[tuple[tuple[str, float, str], ...], tuple[float, ...]]:
    if oxide:
        return OXIDE_SPECIES, OXIDE_FRACTIONS
    return tuple((name, m, f"{name}:1") for name, m in SPECIES), FRACTIONS


def write_rrng(path: Path, oxide: bool = False) -> None:
    species, _ = _species(oxide)
    names = sorted({el.split(":")[0] for *_, comp in species for el in comp.split()})
    lines = ["[Ions]", f"Number={len(names)}"]
    lines += [f"Ion{i + 1}={name}" for i, name in enumerate(names)]
    lines += ["[Ranges]", f"Number={len(species)}"]
    for i, (_name, m, comp) in enumerate(species):
        lines.append(f"Range{i + 1}={m - 0.2:.4f} {m + 0.2:.4f} vol:0.01 {comp} color:{i * 3 + 1:06d}")
    path.write_text("\n".join(lines) + "\n")


def write_pos(path: Path, n: int, seed: int = 0, oxide: bool = False) -> None:
    """A cone of ``n`` ions (radius r0 -> 2.5 r0 along z), in evaporation (z) order, written in chunks."""
    rng = np.random.default_rng(seed)
    # Volume of a truncated cone with radii r and 2.5 r and height 10 r: (pi/3) h (r0^2 + r0 r1 + r1^2).
    volume = n / DENSITY
    r0 = (volume / (np.pi / 3 * 10 * (1 + 2.5 + 6.25))) ** (1 / 3)
    h = 10 * r0
    species, fractions = _species(oxide)
    cum = np.cumsum(fractions)
    masses = np.array([m for _, m, _ in species])
    step = 1 << 22
    with open(path, "wb") as fh:
        for start in range(0, n, step):
            k = min(step, n - start)
            # z with density proportional to the cross-section (area grows with the radius^2).
            # Ions leave the tip in order of depth: a .pos lists them roughly sorted by z.
            u = (start + np.arange(k) + rng.random(k)) / n
            a, b = r0, 2.5 * r0
            # inverse CDF of p(z) ~ (a + (b - a) z/h)^2
            z = h * (((a**3 + u * (b**3 - a**3)) ** (1 / 3)) - a) / (b - a)
            radius = (a + (b - a) * z / h) * np.sqrt(rng.random(k))
            theta = rng.random(k) * 2 * np.pi
            block = np.empty((k, 4), dtype=">f4")
            block[:, 0] = radius * np.cos(theta)
            block[:, 1] = radius * np.sin(theta)
            block[:, 2] = z
            sp = np.searchsorted(cum, rng.random(k) * cum[-1])
            m = masses[np.minimum(sp, len(masses) - 1)] + rng.normal(0, 0.03, k)
            bg = rng.random(k) < UNRANGED
            m[bg] = rng.uniform(60, 80, int(bg.sum()))
            block[:, 3] = m
            block.tofile(fh)


def ensure_data(directory: Path, n: int, oxide: bool = False) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stem = "oxide" if oxide else "scale"
    pos = directory / f"{stem}_{n:.0e}.pos".replace("+", "")
    rr = directory / f"{stem}.rrng"
    if not rr.exists():
        write_rrng(rr, oxide)
    if not pos.exists() or pos.stat().st_size != 16 * n:
        t = time.perf_counter()
        write_pos(pos, n, oxide=oxide)
        print(f"  wrote {pos.name} ({16 * n / 1e9:.2f} GB) in {time.perf_counter() - t:.0f} s", flush=True)
    return pos, rr


def baseline_tree(directory: Path, commit: str, repo: Path) -> Path:
    """Today's code, unpacked from git (no worktree: the repository is left untouched)."""
    dest = directory / f"baseline_{commit}"
    if (dest / "hea_studio").is_dir():
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    archive = directory / f"baseline_{commit}.tar"
    with open(archive, "wb") as fh:
        subprocess.run(["git", "-C", str(repo), "archive", commit], stdout=fh, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="data")
    archive.unlink()
    return dest


# ---- the step runner (runs in a subprocess, imports whichever tree PYTHONPATH names) -------------
def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")


def _status(key: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return 0


def sume_step(prep, curve, density: float):
    """The SUME with its interval: today's tangent bootstrap, or the newer estimate of the tree run."""
    from hea_studio.core.settings import Lattice

    lattice = Lattice("fcc", 0.35834)
    try:
        from hea_studio.compute.sume.estimate import estimate_sumes
    except ImportError:  # the baseline tree (beece3f): tangent fit with 200 bootstrap resamples
        from hea_studio.compute.sume.fits import sume_tangent

        return sume_tangent(curve, lattice, density, 200, 0)
    from hea_studio.compute.lac.curve import reference_table
    from hea_studio.compute.lac.entropy import mixing_entropy

    S_bulk = mixing_entropy(prep.bulk_counts())
    return estimate_sumes(prep, curve, S_bulk, lattice, density, 10, 200, 0, null=reference_table(prep, 10))


def run_steps(pos_path: str, rr_path: str, extra: bool) -> dict:
    from hea_studio.compute.lac.curve import iter_prepared
    from hea_studio.compute.lac.roi import default_box, prepare_roi
    from hea_studio.core.settings import DEFAULT_SIZES, AnalysisSettings
    from hea_studio.io import load_ions, load_ranges, to_atoms

    out: dict[str, tuple[float, int]] = {}

    def step(name, fn):
        _reset_peak()
        t = time.perf_counter()
        value = fn()
        out[name] = (time.perf_counter() - t, _status("VmHWM"))
        return value

    ions, table = step("load", lambda: (load_ions(pos_path), load_ranges(rr_path)))
    atoms = step("ranging", lambda ions=ions: to_atoms(ions, table))
    del ions
    try:  # ion rows count as their atoms (newer trees)
        from hea_studio.compute.lac.roi import atoms_default_box

        box = step("default box", lambda: atoms_default_box(atoms))
    except ImportError:
        box = step("default box", lambda: default_box(atoms.positions))
    prep = step("select", lambda: prepare_roi(atoms, box, None))
    sizes = tuple(L for L in DEFAULT_SIZES if min(box.size) >= L)
    settings = AnalysisSettings(sizes_nm=sizes)
    curve = step("curve", lambda prep=prep: list(iter_prepared(prep, settings)))
    density = prep.n_atoms / box.volume
    step("SUME", lambda c=curve, p=prep: sume_step(p, c, density))
    del curve, prep
    if extra:
        fine = tuple(round(0.1 * i, 6) for i in range(1, 201) if 0.1 * i <= min(box.size))
        geo = tuple(float(v) for v in np.geomspace(0.5, min(20.0, float(min(box.size))), 40))
        for name, edges in (("curve200", fine), ("geo40", geo)):
            p = prepare_roi(atoms, box, None)
            s = AnalysisSettings(sizes_nm=edges)
            step(name, lambda p=p, s=s: list(iter_prepared(p, s, fda=True)))
            del p
    return {k: list(v) for k, v in out.items()}


def run_window(pos_path: str, rr_path: str, drag_seconds: float = 8.0) -> dict:
    """Open a file in the real main window and measure what the user waits for (runs under Xvfb).

    From ``open_files`` until the dataset is shown with its first 3D frame drawn (``window open``),
    the longest event-loop gap meanwhile (the loop monitor of the app), the time until the first
    full analysis of the default box (``final curve``), then a drag of the box across the XY
    projection with real mouse events: curve previews per second and the longest gap.
    """
    import math

    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    os.environ["XDG_CONFIG_HOME"] = str(Path(pos_path).parent / "bench-config")
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    from hea_studio.app.launch import make_application
    from hea_studio.app.loop_monitor import EventLoopMonitor

    app = make_application()
    from hea_studio.app.main_window import MainWindow

    window = MainWindow()
    window.resize(1600, 1000)
    window.show()
    for _ in range(50):
        app.processEvents()
        time.sleep(0.01)
    done: list[object] = []
    window.controller.analysis_finished.connect(lambda _g, r: done.append(r))
    monitor = EventLoopMonitor()
    monitor.start()
    t0 = time.perf_counter()
    window.open_files(Path(pos_path), Path(rr_path))
    while window.session.dataset is None:
        app.processEvents()
        time.sleep(0.002)
    t_loaded = time.perf_counter() - t0
    gap_loading = monitor.max_gap()  # reading, ranging, maps, boxes: all on the worker
    while window.atom_view.n_points == 0:
        app.processEvents()
        time.sleep(0.002)
    window.atom_view.canvas.update()
    app.processEvents()  # the first frame of the new dataset is painted in this turn
    t_open = time.perf_counter() - t0
    gap_open = monitor.max_gap()
    t1 = time.perf_counter()
    while not done:
        app.processEvents()
        time.sleep(0.005)
    t_curve = time.perf_counter() - t1
    for _ in range(30):
        app.processEvents()
        time.sleep(0.01)
    refreshes = [0]
    window.controller.scales_arrived.connect(lambda *_: refreshes.__setitem__(0, refreshes[0] + 1))
    window.controller.analysis_finished.connect(lambda *_: refreshes.__setitem__(0, refreshes[0] + 1))
    proj = window.projection_xy
    viewport = proj.plot.viewport()
    box = window.session.active_box
    cx, cy = float(box.center[0]), float(box.center[1])
    amplitude = 0.25 * float(min(box.size[0], box.size[1]))
    start = proj.widget_point(cx, cy)
    QTest.mouseMove(viewport, start)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    app.processEvents()
    monitor.start()
    t_start = time.perf_counter()
    while time.perf_counter() - t_start < drag_seconds:
        phase = (time.perf_counter() - t_start) * 2.0
        target = proj.widget_point(
            cx + amplitude * math.sin(phase), cy + 0.5 * amplitude * math.sin(0.7 * phase)
        )
        QTest.mouseMove(viewport, QPoint(target.x(), target.y()))
        t_next = time.perf_counter() + 0.016
        while time.perf_counter() < t_next:
            app.processEvents()
            time.sleep(0.002)
    elapsed = time.perf_counter() - t_start
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    gap_drag = monitor.max_gap()
    monitor.stop()
    n_atoms = window.session.dataset.atoms.n_atoms
    window.close()
    return {
        "atoms": n_atoms,
        "window open": [t_open, _status("VmHWM")],
        "dataset arrives": t_loaded,
        "loading max gap ms": 1000 * gap_loading,
        "open max gap ms (incl. hand-over and first GL frame)": 1000 * gap_open,
        "final curve": [t_curve, _status("VmHWM")],
        "previews/s": refreshes[0] / elapsed,
        "drag max gap ms": 1000 * gap_drag,
    }


def spawn_window(tree: Path, pos: Path, rr: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree))
    here = str(Path(__file__).parent)
    code = (
        f"import json, sys; sys.path.insert(0, {here!r}); import bench_scale as b; "
        f"print(json.dumps(b.run_window({str(pos)!r}, {str(rr)!r})))"
    )
    cmd = ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable, "-c", code]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=str(tree))
    if res.returncode != 0:
        raise RuntimeError(f"window run failed in {tree}:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def run_analyze(tree: Path, pos: Path, rr: Path, json_out: Path) -> tuple[float, int]:
    env = dict(os.environ, PYTHONPATH=str(tree))
    cmd = [
        sys.executable,
        str(tree / "main.py"),
        "analyze",
        str(pos),
        "--ranges",
        str(rr),
        "--json",
        str(json_out),
    ]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=str(tree))
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"analyze failed in {tree}: {proc.stderr.read().decode()[-2000:]}")
    return wall, usage.ru_maxrss * 1024


def spawn_steps(tree: Path, pos: Path, rr: Path, warm: tuple[Path, Path], extra: bool) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree))
    here = str(Path(__file__).parent)
    code = (
        f"import json, sys; sys.path.insert(0, {here!r}); import bench_scale as b; "
        f"b.run_steps({str(warm[0])!r}, {str(warm[1])!r}, False); "
        f"print(json.dumps(b.run_steps({str(pos)!r}, {str(rr)!r}, {extra!r})))"
    )
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=str(tree))
    if res.returncode != 0:
        raise RuntimeError(f"step runner failed in {tree}:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def _fmt_t(v: float | None) -> str:
    return "-" if v is None else f"{v:8.2f}"


def _fmt_m(v: float | None) -> str:
    return "-" if v is None else f"{v / 2**30:7.2f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1e6,1e7,1e8")
    ap.add_argument("--repeat", type=int, default=3, help="runs per step below 1e8 ions (1 at 1e8 and up)")
    ap.add_argument("--dir", type=Path, default=Path("/work/bigdata"))
    ap.add_argument("--baseline", default=BASELINE_COMMIT, help="git commit of today's path")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--repo", type=Path, default=HERE, help="git repository holding the baseline commit")
    ap.add_argument(
        "--only",
        choices=("steps", "analyze", "window"),
        help="run only the step runner, analyze or the window",
    )
    ap.add_argument("--keep", action="store_true", help="keep the data files")
    ap.add_argument(
        "--oxide",
        action="store_true",
        help="an oxidised CoCrFeNi with CrO+ and CrO2+ ions (compare with --baseline ea7818d, the per-atom decomposition)",
    )
    args = ap.parse_args()
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    warm = ensure_data(args.dir, 100_000, args.oxide)
    trees = {"new": HERE}
    if not args.no_baseline:
        trees["old"] = baseline_tree(args.dir, args.baseline, args.repo)
    made: list[Path] = [warm[0]]
    try:
        for n in sizes:
            pos, rr = ensure_data(args.dir, n, args.oxide)
            made.append(pos)
            reps = args.repeat if n < 10**8 else 1
            extra = n == 10**7 and not args.oxide
            results: dict[str, dict[str, list[tuple[float, int]]]] = {}
            for name, tree in trees.items():
                rows: dict[str, list[tuple[float, int]]] = {}
                if args.only == "window":
                    if name == "new":  # today's window froze for minutes at this size: new tree only
                        print(f"\nwindow, {n:.0e} ions:", json.dumps(spawn_window(tree, pos, rr)), flush=True)
                    continue
                for _ in range(reps):
                    if args.only != "analyze":
                        for k, v in spawn_steps(tree, pos, rr, warm, extra).items():
                            rows.setdefault(k, []).append(tuple(v))
                    if args.only != "steps":
                        rows.setdefault("analyze", []).append(
                            run_analyze(tree, pos, rr, args.dir / "bench.json")
                        )
                results[name] = rows
            if args.only == "window":
                continue
            print(
                f"\n{n:.0e} ions ({16 * n / 1e9:.2f} GB .pos); medians of {reps} run(s); time s, peak RSS GB"
            )
            head = f"{'step':12s} {'new t':>8s} {'new RSS':>7s}"
            if "old" in results:
                head += f" {'old t':>8s} {'old RSS':>7s} {'speedup':>7s} {'RSS ratio':>9s}"
            print(head)
            for step in (*STEPS, *EXTRA_STEPS, "analyze"):
                if step not in results["new"]:
                    continue
                t_new = statistics.median(v[0] for v in results["new"][step])
                m_new = statistics.median(v[1] for v in results["new"][step])
                line = f"{step:12s} {_fmt_t(t_new)} {_fmt_m(m_new)}"
                if "old" in results and step in results["old"]:
                    t_old = statistics.median(v[0] for v in results["old"][step])
                    m_old = statistics.median(v[1] for v in results["old"][step])
                    line += f" {_fmt_t(t_old)} {_fmt_m(m_old)} {t_old / t_new:7.1f}x {m_old / m_new:8.1f}x"
                print(line, flush=True)
    finally:
        if not args.keep:
            for p in made:
                p.unlink(missing_ok=True)
            (args.dir / "bench.json").unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

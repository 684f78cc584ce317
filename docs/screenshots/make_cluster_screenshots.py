"""Screenshots of the Clusters dock: precipitates found by the maximum separation method and a Cu
isosurface drawn in the 3D view with the atoms, the NN plot that suggested d-max, and the proxigram.

Usage::

    xvfb-run -a -s "-screen 0 1920x1200x24" .venv/bin/python docs/screenshots/make_cluster_screenshots.py [OUTDIR]

Writes clusters-3d.png (window with the clusters and the surface, NN plot tab), proxigram-dock.png
(window, proxigram tab), nn-plot.png and proxigram.png (the plots as exported), each window shot also
at 1280x800 and 1920x1080 when OUTDIR is given.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import Qt

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shot_support import HERE, Shots, output_folder


def write_specimen(folder: Path) -> tuple[Path, Path]:
    """A Fe-2Cu-1Ni block with Cu-rich precipitates (radius 1.8 nm), as .pos + .rrng."""
    from hea_studio.io import write_pos, write_rrng
    from hea_studio.synth.heterogeneity import ClusterSpec
    from hea_studio.synth.instrument import Instrument
    from hea_studio.synth.shape import BoxShape
    from hea_studio.synth.specimen import SynthParams, generate

    p = SynthParams(
        elements=("Fe", "Cu", "Ni"),
        fractions=(0.97, 0.02, 0.01),
        shape=BoxShape((20.0, 20.0, 30.0)),
        clusters=ClusterSpec(
            radius_nm=1.8, number_density=0.0008, composition={"Fe": 0.45, "Cu": 0.45, "Ni": 0.1}
        ),
        instrument=Instrument(blur_lateral_nm=0.15, blur_depth_nm=0.05),
        seed=7,
    )
    sp = generate(p)
    write_pos(folder / "precipitates.pos", sp.ions.positions, sp.ions.mass)
    write_rrng(folder / "precipitates.rrng", sp.ranges)
    return folder / "precipitates.pos", folder / "precipitates.rrng"


def main() -> int:
    out = output_folder()
    shots = Shots()
    window = shots.window()
    wait, settle = shots.wait, shots.settle
    tmp = Path(tempfile.mkdtemp())
    pos, rrng = write_specimen(tmp)
    window.open_files(pos, rrng)
    wait(lambda: window.session.dataset is not None, what="the load")
    print("loaded", flush=True)
    controller = window.controller
    # All three elements in the entropy (Fe alone is >= 5 at.%), so that the SUME is there to compare.
    settings = window.settings_panel
    settings.auto_elements.setChecked(False)
    for i in range(settings.elements.count()):
        settings.elements.item(i).setCheckState(Qt.CheckState.Checked)
    wait(lambda: controller.result is not None and not controller.is_analysing(), what="the analysis")
    print("analysed", flush=True)
    feature = window.clusters
    panel = feature.panel
    # Hide the Fe matrix in the 3D view: the Cu, the Ni, the clusters and the surface stay.
    for check, _button, _label in window.species_panel._rows:
        if check.text() == "Fe":
            check.setChecked(False)
    panel.threshold.setValue(15.0)
    panel.voxel.setValue(0.6)
    panel.deloc.setValue(1.5)

    def run(button) -> None:
        before = feature.jobs.generation
        button.click()
        wait(lambda: feature.jobs.generation != before and not feature.jobs.active, what=button.text())
        print(button.text(), "done", flush=True)

    # Analysis > Cluster analysis at this scale: the element that sets the chemical SUME, its NN plot,
    # then the clusters (two jobs in a row).
    before = feature.jobs.generation
    feature.scale_action.trigger()
    wait(
        lambda: feature.jobs.generation >= before + 2 and not feature.jobs.active,
        what="clusters at this scale",
    )
    print("at this scale:", panel.solutes.text(), flush=True)
    panel.species.setText(panel.solutes.text())
    run(panel.surface_button)
    window.atom_view.view.camera.elevation = 15
    window.atom_view.view.camera.azimuth = 40
    panel.tabs.setCurrentWidget(panel.nn_plot.widget)
    settle(1.5)

    def shoot(name: str) -> None:
        for size in ((1600, 1000), (1280, 800), (1920, 1080)):
            window.resize(*size)
            settle(0.5)
            # The Clusters dock shares the right column with the entropy plot: give it most of it.
            window.resizeDocks([window.docks["entropy"], feature.dock], [380, 620], Qt.Orientation.Vertical)
            settle(1.5)
            suffix = "" if size == (1600, 1000) else f"-{size[0]}x{size[1]}"
            if suffix and out == HERE:
                continue
            window.snapshot().save(str(out / f"{name}{suffix}.png"))
        window.resize(1600, 1000)

    shoot("clusters-3d")
    panel.tabs.setCurrentWidget(panel.proxigram_plot.widget)
    settle(1.0)
    shoot("proxigram-dock")
    from hea_studio.plots.neighbours import export_nn_png, export_proxigram_png

    export_nn_png(feature.nn.distribution, out / "nn-plot.png", feature.nn.dmax)
    export_proxigram_png(feature.proxigram, out / "proxigram.png", dict(window.session.dataset.atoms.colours))
    print(panel.summary.text())
    window.close()
    print("screenshots written to", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

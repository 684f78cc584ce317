"""The 3D atom view: a vispy SceneCanvas embedded in Qt.

The view is an adapter: it is told what to show (atoms, species colours, visibility, point size,
display budget, the active box) and turns each change into the smallest scene-node update.
"""

from __future__ import annotations

import numpy as np
import vispy
from PySide6.QtGui import QImage, QWindow

vispy.use(app="pyside6", gl="gl2")

from vispy import scene  # noqa: E402
from vispy.gloo import gl  # noqa: E402

from hea_studio.compute.common.display import DisplaySample, build_display_sample  # noqa: E402
from hea_studio.core.geometry import Box  # noqa: E402
from hea_studio.render import gl_window  # noqa: E402
from hea_studio.render.box_wireframe import BoxWireframe  # noqa: E402
from hea_studio.render.budget import budget_for_renderer, choose_subset  # noqa: E402
from hea_studio.render.points_visual import Points  # noqa: E402
from hea_studio.render.scale_bar import ScaleBar  # noqa: E402
from hea_studio.render.triad import AxisTriad  # noqa: E402

BACKGROUND = (0.11, 0.12, 0.14, 1.0)
DIMMED_ALPHA = 0.08  # atoms outside the highlighted box stay faintly visible for context

# Viewing directions (elevation, azimuth) of the TurntableCamera, looking along +x, +y and +z.
PRESETS = {"x": (0.0, 90.0), "y": (0.0, 0.0), "z": (90.0, 0.0)}


# The camera frames at most this much (nm) around at most this far from the origin: far beyond any
# specimen, well inside what the float32 view transforms can invert.
MAX_FRAME_NM = 1.0e6


def fit_frame(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, float]:
    """Centre and extent (nm) that frame the bounds ``lo..hi``, always finite and positive.

    Computed in float64 (float32 bounds of +-3e38 overflow when subtracted) and clamped, so that
    no dataset, however degenerate, can leave the camera with a singular transform.
    """
    lo64 = np.asarray(lo, dtype=np.float64)
    hi64 = np.asarray(hi, dtype=np.float64)
    if not (np.all(np.isfinite(lo64)) and np.all(np.isfinite(hi64))):
        return np.zeros(3), 1.0
    centre = np.clip((lo64 + hi64) / 2.0, -MAX_FRAME_NM, MAX_FRAME_NM)
    extent = float(np.max(hi64 - lo64))
    if not np.isfinite(extent) or extent <= 0.0:
        extent = 1.0
    return centre, min(max(extent, 1e-3), MAX_FRAME_NM)


class AtomView:
    """A 3D scatter of atoms with an orbit camera, axis triad, scale bar and box wireframe.

    The Qt widget is ``self.native``: a container for the canvas's own native GL window, so the
    rest of the main window is not composited through OpenGL (see :mod:`gl_window`; the
    environment variable ``HEA_STUDIO_GL_WIDGET=1`` falls back to vispy's own QOpenGLWidget).
    Points are flat discs so that their colours stay exact (no lighting), which also keeps
    software OpenGL fast. The camera is orthographic so the scale bar
    holds across the whole picture.
    """

    def __init__(self, parent=None) -> None:
        windowed = gl_window.use_window()
        gl_window.install(windowed)
        self.canvas = scene.SceneCanvas(
            keys=None, show=False, bgcolor=BACKGROUND, parent=None if windowed else parent
        )
        self._container = gl_window.embed(self.canvas.native, parent) if windowed else self.canvas.native
        self.view = self.canvas.central_widget.add_view()
        self.view.camera = scene.cameras.TurntableCamera(fov=0.0, elevation=20.0, azimuth=30.0)
        self.markers = Points(parent=self.view.scene)
        self.markers.visible = False
        self.triad = AxisTriad(self.canvas)
        self.wireframe = BoxWireframe(parent=self.view.scene)
        self.scale_bar = ScaleBar(self.canvas)
        self.view.scene.transform.changed.connect(lambda _event: self._update_scale_bar())
        self.canvas.events.resize.connect(lambda _event: self._update_scale_bar())

        self._positions = np.zeros((0, 3), dtype=np.float32)
        self._labels = np.zeros(0, dtype=np.int64)
        self._order = np.zeros(0, dtype=np.int64)
        self._species_rgb = np.zeros((0, 3), dtype=np.float32)
        self._visible = np.zeros(0, dtype=bool)
        self._shown = np.zeros(0, dtype=np.int64)
        self._species_counts = np.zeros(0, dtype=np.int64)
        self._n_atoms = 0
        self._point_size = 4.0
        self._budget: int | None = None
        self._highlight = False
        self._bounds: tuple[np.ndarray, np.ndarray] | None = None
        self._renderer: str | None = None

    # ---- properties -----------------------------------------------------------------------------
    @property
    def native(self):
        """The Qt widget to place in a layout."""
        return self._container

    @property
    def gl_window(self):
        """The GL surface the canvas draws into and that receives the mouse and key events: a
        :class:`gl_window.WindowCanvasBackend`, or vispy's QOpenGLWidget in the fallback."""
        return self.canvas.native

    def is_ready(self) -> bool:
        """True once the GL surface is on screen with the size of :attr:`native` (a native child
        window gets its geometry on the event loop's next turns, after the container's)."""
        return self._on_screen() and tuple(self.canvas.size) == (self.native.width(), self.native.height())

    def _on_screen(self) -> bool:
        # A QOpenGLWindow is on screen once exposed; the QOpenGLWidget fallback once visible.
        surface = self.canvas.native
        return bool(surface.isExposed() if isinstance(surface, QWindow) else surface.isVisible())

    @property
    def n_points(self) -> int:
        """Atoms currently drawn."""
        return int(self._shown.shape[0])

    @property
    def n_candidates(self) -> int:
        """Atoms of visible species in the dataset (what could be drawn with an unlimited budget)."""
        if self._labels.size == 0:
            return 0
        return int(self._species_counts[self._visible].sum())

    @property
    def n_atoms(self) -> int:
        """All atoms of the dataset."""
        return self._n_atoms

    @property
    def point_size(self) -> float:
        """Marker diameter in pixels."""
        return self._point_size

    @property
    def budget(self) -> int:
        """Maximum number of atoms drawn."""
        if self._budget is None:
            self._budget = budget_for_renderer(self.renderer())
        return self._budget

    def renderer(self) -> str:
        """The OpenGL ``GL_RENDERER`` string ('' before the GL context exists)."""
        if self._renderer is None:
            try:
                self.canvas.set_current()
                self._renderer = str(gl.glGetParameter(gl.GL_RENDERER) or "")
            except Exception:
                # No context yet (window not shown): ask again next time.
                return ""
        return self._renderer

    # ---- data -----------------------------------------------------------------------------------
    def set_atoms(self, positions: np.ndarray, labels: np.ndarray, species_rgb: np.ndarray) -> None:
        """Show a new dataset: positions (M, 3) nm, labels (M,), colour per species (S, 3) in 0..1.

        Builds the display sample here, on the calling thread: for large datasets build it on a
        worker with :func:`~hea_studio.compute.common.display.build_display_sample` and call
        :meth:`set_sample`.
        """
        rgb = np.asarray(species_rgb, dtype=np.float32).reshape(-1, 3)
        sample = build_display_sample(positions, labels, rgb.shape[0])
        self.set_sample(sample, rgb)

    def set_sample(self, sample: DisplaySample, species_rgb: np.ndarray) -> None:
        """Show a dataset through its display sample (a few million atoms at most, already in
        random order), with one colour per species (S, 3) in 0..1."""
        self._positions = np.ascontiguousarray(sample.positions, dtype=np.float32)
        self._labels = sample.labels
        self._order = np.arange(self._labels.shape[0], dtype=np.int64)
        self._species_rgb = np.asarray(species_rgb, dtype=np.float32).reshape(-1, 3)
        self._visible = np.ones(self._species_rgb.shape[0], dtype=bool)
        self._species_counts = np.zeros(self._species_rgb.shape[0], dtype=np.int64)
        n = min(len(sample.species_counts), len(self._species_counts))
        self._species_counts[:n] = sample.species_counts[:n]
        self._n_atoms = sample.n_atoms
        self._bounds = (sample.lo, sample.hi) if self._n_atoms else None
        self._reselect()
        self.reset_view()

    def set_points(self, positions: np.ndarray, colours: np.ndarray, size: float = 4.0) -> None:
        """Show arbitrary points with one RGBA colour each (every distinct colour becomes a species)."""
        rgb = np.asarray(colours, dtype=np.float32)[:, :3]
        species, labels = np.unique(rgb, axis=0, return_inverse=True)
        self._point_size = float(size)
        self.set_atoms(positions, labels.ravel(), species)

    def set_species_colour(self, index: int, rgb) -> None:
        """Change the colour of one species."""
        self._species_rgb[index] = np.asarray(rgb, dtype=np.float32)[:3]
        self._recolour()

    def set_species_visible(self, index: int, visible: bool) -> None:
        """Show or hide one species."""
        self._visible[index] = bool(visible)
        self._reselect()

    def set_point_size(self, size: float) -> None:
        """Marker diameter in pixels."""
        self._point_size = float(size)
        self.markers.set_size(self._point_size)

    def set_budget(self, budget: int) -> None:
        """Maximum number of atoms drawn."""
        self._budget = max(int(budget), 0)
        self._reselect()

    def set_box(self, box: Box | None) -> None:
        """The active sub-volume: drawn as a wireframe, and highlighted if highlighting is on."""
        self.wireframe.set_box(box)
        if self._highlight:
            self._recolour()
        else:
            self.canvas.update()

    def set_highlight(self, on: bool) -> None:
        """Dim the atoms outside the active box."""
        self._highlight = bool(on)
        self._recolour()

    def _reselect(self) -> None:
        if self._labels.size == 0:
            self._shown = np.zeros(0, dtype=np.int64)
        else:
            self._shown = choose_subset(self._order, self._labels, self._visible, self.budget)
        self._redraw()

    def point_colours(self) -> np.ndarray:
        """RGBA (N, 4) of the atoms drawn, in drawing order."""
        rgba = np.ones((self._shown.shape[0], 4), dtype=np.float32)
        if self._shown.size == 0:
            return rgba
        rgba[:, :3] = self._species_rgb[self._labels[self._shown]]
        box = self.wireframe.box
        if self._highlight and box is not None:
            inside = box.contains(self._positions[self._shown])
            rgba[~inside, 3] = DIMMED_ALPHA
        return rgba

    def _redraw(self) -> None:
        if self._shown.size == 0:
            self.markers.visible = False
            self.canvas.update()
            return
        self.markers.visible = True
        self.markers.set_data(self._positions[self._shown], self.point_colours(), self._point_size)
        self.canvas.update()

    def _recolour(self) -> None:
        # Colours change without the atoms changing: upload only the colour buffer.
        if self._shown.size:
            self.markers.set_colours(self.point_colours())
        self.canvas.update()

    # ---- camera ---------------------------------------------------------------------------------
    def reset_view(self) -> None:
        """Centre the camera on the dataset and zoom to show all of it."""
        cam = self.view.camera
        # Fit first: turning the camera recomputes its transform, which must never start from a
        # broken state (a degenerate previous dataset must not poison every later one).
        self._fit()
        cam.elevation, cam.azimuth = 20.0, 30.0
        self._fit()

    def view_along(self, axis: str) -> None:
        """Look along ``"x"``, ``"y"`` or ``"z"``."""
        elevation, azimuth = PRESETS[axis]
        cam = self.view.camera
        cam.elevation, cam.azimuth = elevation, azimuth
        self._fit()

    def _fit(self) -> None:
        if self._bounds is None:
            self.canvas.update()
            return
        centre, extent = fit_frame(*self._bounds)
        cam = self.view.camera
        cam.center = tuple(float(c) for c in centre)
        cam.scale_factor = extent * 1.15
        self._update_scale_bar()
        self.canvas.update()

    def nm_per_pixel(self) -> float:
        """Screen scale of the orthographic camera (the view spans ``scale_factor`` nm on its short side)."""
        width, height = self.canvas.size
        return float(self.view.camera.scale_factor) / max(min(width, height), 1)

    def _update_scale_bar(self) -> None:
        # Zoom, rotation and resizes all come through here: the triad turns with the camera.
        self.scale_bar.update(self.nm_per_pixel())
        self.triad.update(self.view.scene.node_transform(self.canvas.scene))

    # ---- output ---------------------------------------------------------------------------------
    def render(self) -> np.ndarray:
        """Render off the screen buffer and return the image as (H, W, 4) uint8."""
        return self.canvas.render()

    def snapshot(self) -> QImage:
        """What the view shows now, as an image the size of :attr:`native` (for window screenshots:
        grabbing the main window does not see into the native GL window)."""
        if self._on_screen():
            return self.canvas.native.grabFramebuffer()
        image = np.ascontiguousarray(self.render()[..., :4])
        h, w = image.shape[:2]
        return QImage(image.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()

    def close(self) -> None:
        """Release the GL context."""
        self.canvas.close()
        self._container.close()

"""The 3D atom view: a vispy SceneCanvas embedded in Qt."""

from __future__ import annotations

import numpy as np
import vispy

vispy.use(app="pyside6", gl="gl2")

from vispy import scene  # noqa: E402

BACKGROUND = (0.11, 0.12, 0.14, 1.0)


class AtomView:
    """A 3D scatter of atoms with an orbit camera and an axis triad.

    The Qt widget is ``self.native``. Points are drawn as flat discs so that their colours stay
    exact (no lighting), which also keeps software OpenGL fast.
    """

    def __init__(self, parent=None) -> None:
        self.canvas = scene.SceneCanvas(keys=None, show=False, bgcolor=BACKGROUND, parent=parent)
        self.view = self.canvas.central_widget.add_view()
        self.view.camera = scene.cameras.TurntableCamera(fov=30.0, elevation=20.0, azimuth=30.0)
        self.markers = scene.visuals.Markers(parent=self.view.scene, antialias=0, spherical=False)
        self.markers.set_gl_state("translucent", depth_test=True)
        self.axis = scene.visuals.XYZAxis(parent=self.view.scene)
        self._n_points = 0

    @property
    def native(self):
        """The Qt widget to place in a layout."""
        return self.canvas.native

    @property
    def n_points(self) -> int:
        """Points currently drawn."""
        return self._n_points

    def set_points(self, positions: np.ndarray, colours: np.ndarray, size: float = 4.0) -> None:
        """Show ``positions`` (N, 3) nm with per-point RGBA ``colours`` (N, 4) in 0..1."""
        pos = np.ascontiguousarray(positions, dtype=np.float32)
        col = np.ascontiguousarray(colours, dtype=np.float32)
        self._n_points = int(pos.shape[0])
        if self._n_points == 0:
            self.markers.visible = False
            self.canvas.update()
            return
        self.markers.visible = True
        self.markers.set_data(pos, face_color=col, edge_width=0.0, size=size, symbol="disc")
        self.fit(pos)

    def fit(self, positions: np.ndarray) -> None:
        """Point the camera at the middle of ``positions`` and zoom to show them all."""
        lo = positions.min(axis=0)
        hi = positions.max(axis=0)
        centre = (lo + hi) / 2.0
        extent = float(np.max(hi - lo)) or 1.0
        self.view.camera.center = tuple(float(c) for c in centre)
        self.view.camera.distance = None
        self.view.camera.scale_factor = extent * 1.2
        self.axis.transform = scene.transforms.STTransform(
            translate=tuple(float(v) for v in lo), scale=(extent * 0.15,) * 3
        )
        self.canvas.update()

    def render(self) -> np.ndarray:
        """Render off the screen buffer and return the image as (H, W, 4) uint8."""
        return self.canvas.render()

    def close(self) -> None:
        """Release the GL context."""
        self.canvas.close()

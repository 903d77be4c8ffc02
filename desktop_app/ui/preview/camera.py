"""Camera facts shared by the interactive preview and the offscreen renderer (thumbnails, `render` command).

Both draw a model normalised to radius 1 in pyqtgraph's Z-up world (see ``normalizing_transform``), so one
table of named views and one framing rule serve both.
"""

from __future__ import annotations

import math

from PySide6.QtGui import QMatrix4x4

FOV = 45.0
CAMERA_KEYS = ("azimuth", "elevation", "distance", "fov")  # the camera as plain values (linking, tests)
# (azimuth, elevation) in pyqtgraph's Z-up world; the model's front faces -Y (see normalizing_transform)
VIEWS = {"front": (-90.0, 0.0), "side": (0.0, 0.0), "top": (-90.0, 90.0), "iso": (-55.0, 25.0)}
FIT_MARGIN = 1.08  # radius of the bounding sphere plus a little air


def fit_distance(fov_h: float, width: int, height: int, margin: float = FIT_MARGIN) -> float:
    """Camera distance that frames a unit sphere; ``fov_h`` is horizontal, as pyqtgraph's ``opts['fov']``."""
    half_h = math.radians(fov_h) / 2.0
    half_v = math.atan(math.tan(half_h) * max(height, 1) / max(width, 1))
    return margin / math.sin(min(half_h, half_v))


def view_matrix(azimuth: float, elevation: float, distance: float) -> QMatrix4x4:
    """The same construction as GLViewWidget.viewMatrix (euler mode, centre at the origin)."""
    view = QMatrix4x4()
    view.translate(0.0, 0.0, -distance)
    view.rotate(elevation - 90.0, 1.0, 0.0, 0.0)
    view.rotate(azimuth + 90.0, 0.0, 0.0, -1.0)
    return view


def projection_matrix(fov_h: float, width: int, height: int, distance: float) -> QMatrix4x4:
    """Perspective like GLViewWidget.projectionMatrix: ``fov_h`` spans the width."""
    aspect = max(width, 1) / max(height, 1)
    fov_v = math.degrees(2.0 * math.atan(math.tan(math.radians(fov_h) / 2.0) / aspect))
    projection = QMatrix4x4()
    projection.perspective(fov_v, aspect, distance * 0.01, distance * 10.0)
    return projection

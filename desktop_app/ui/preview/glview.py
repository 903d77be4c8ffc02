"""pyqtgraph's GL view with the two things the preview needs on top: shift-drag pan and camera change events."""

from __future__ import annotations

import pyqtgraph.opengl as gl
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QWidget

from desktop_app.ui.preview.camera import CAMERA_KEYS


class GLView(gl.GLViewWidget):
    """GLViewWidget plus shift+left drag to pan (the usual DCC convention; pyqtgraph uses ctrl), and a
    ``cameraChanged`` signal: pyqtgraph changes its camera in many places (mouse, wheel, keys, setters), but
    every change ends in a repaint, so the check lives in paintGL."""

    cameraChanged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._last_camera: tuple | None = None

    def camera_state(self) -> tuple:
        center = self.opts["center"]
        return (*(float(self.opts[k]) for k in CAMERA_KEYS), center.x(), center.y(), center.z())

    def paintGL(self) -> None:
        super().paintGL()
        state = self.camera_state()
        if state != self._last_camera:
            self._last_camera = state
            self.cameraChanged.emit()

    def mouseMoveEvent(self, ev: QMouseEvent) -> None:
        if ev.buttons() == Qt.MouseButton.LeftButton and ev.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            pos = ev.position()
            last = getattr(self, "mousePos", pos)
            self.mousePos = pos
            self.pan((pos - last).x(), (pos - last).y(), 0, relative="view")
            return
        super().mouseMoveEvent(ev)

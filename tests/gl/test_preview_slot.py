"""The window starts without OpenGL (driver, context and a composited first frame cost ~90 ms of the start on
software GL): the preview's GL view is built after the window is shown, in a native child window of its own, so
building it must not recreate the main window's native window (a flicker, and the keyboard focus lost)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QSurface
from PySide6.QtWidgets import QLineEdit, QMainWindow, QVBoxLayout, QWidget

from desktop_app.ui.preview import PreviewWidget
from desktop_app.ui.preview.viewer import BACKGROUND


def test_gl_view_built_after_show_keeps_the_window_and_focus(qtbot) -> None:
    window = QMainWindow()
    body = QWidget()
    layout = QVBoxLayout(body)
    field = QLineEdit()
    preview = PreviewWidget()
    layout.addWidget(field)
    layout.addWidget(preview, 1)
    window.setCentralWidget(body)
    window.resize(800, 600)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    field.setFocus()
    qtbot.waitUntil(field.hasFocus, timeout=3000)

    assert not preview.has_view() and not preview._view_slot.isVisible()  # nothing GL drawn yet
    image = preview.grab().toImage()  # the empty state: the preview's grey
    assert image.pixelColor(10, image.height() - 10) == QColor(*BACKGROUND)
    assert window.windowHandle().surfaceType() == QSurface.SurfaceType.RasterSurface  # no OpenGL at start
    native = int(window.winId())

    preview.warm_up()
    qtbot.waitUntil(lambda: preview.view.isVisible(), timeout=3000)
    qtbot.wait(50)
    assert int(window.winId()) == native  # the same native window: not recreated
    assert window.windowHandle().surfaceType() == QSurface.SurfaceType.RasterSurface
    assert preview.view.window() is window and preview.view.isValid()  # a GL view in the window, working
    assert field.hasFocus()
    assert preview.overlay.isVisible()  # the empty-state message still covers the place
    image = window.grab().toImage()  # the message is drawn over the GL view as before
    corner = preview.mapTo(window, preview.rect().bottomLeft())
    assert image.pixelColor(corner.x() + 10, corner.y() - 10) == QColor(*BACKGROUND)

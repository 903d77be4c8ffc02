"""The preview's GL place-holder is hidden at start (it costs ~70 ms of the first frame on software GL), yet the
window is still made for OpenGL from the start: building the real GL view after the window is shown must not
recreate the native window (a flicker, and the keyboard focus lost)."""

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
    image = preview.grab().toImage()  # the empty state looks as with a drawn place-holder: the preview's grey
    assert image.pixelColor(10, image.height() - 10) == QColor(*BACKGROUND)
    assert window.windowHandle().surfaceType() == QSurface.SurfaceType.OpenGLSurface
    native = int(window.winId())

    preview.warm_up()
    qtbot.waitUntil(lambda: preview.view.isVisible(), timeout=3000)
    qtbot.wait(50)
    assert int(window.winId()) == native  # the same native window: not recreated
    assert field.hasFocus()
    assert preview.overlay.isVisible()  # the empty-state message still covers the place

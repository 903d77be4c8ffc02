"""The preview's GL view is built after its window is shown, and that must not recreate the native window (a
flicker, and the keyboard focus lost), nor cost GL in the first frame where that can be avoided: on X11 the window
is created with an OpenGL surface and no GL widget (ui/gl_surface.py), elsewhere a hidden GL place-holder stands in
for the view."""

from __future__ import annotations

from PySide6.QtGui import QColor, QSurface
from PySide6.QtWidgets import QLineEdit, QMainWindow, QVBoxLayout, QWidget

from desktop_app.ui.gl_surface import create_for_gl, defers_gl
from desktop_app.ui.preview import PreviewWidget
from desktop_app.ui.preview.viewer import BACKGROUND


def _window_with_preview(qtbot) -> tuple[QMainWindow, QLineEdit, PreviewWidget]:
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
    return window, field, preview


def test_gl_view_built_after_show_keeps_the_window_and_focus(qtbot) -> None:
    window, field, preview = _window_with_preview(qtbot)
    assert create_for_gl(window) == defers_gl()
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


def test_the_late_gl_view_is_composed_on_screen(qtbot) -> None:
    """What the screen shows, not what the widget would paint: once the GL view is there, Qt must compose its
    frames into the window that was first drawn without GL."""
    window, _field, preview = _window_with_preview(qtbot)
    create_for_gl(window)
    window.move(0, 0)
    window.show()
    qtbot.waitExposed(window)
    preview.warm_up()
    preview.view.setBackgroundColor(QColor(200, 30, 40))
    preview.overlay.hide()
    qtbot.waitUntil(lambda: preview.view.isVisible(), timeout=3000)

    def screen_shows_red() -> bool:
        screen = window.screen().grabWindow(0).toImage()
        centre = preview.view.mapToGlobal(preview.view.rect().center())
        colour = screen.pixelColor(centre.x(), centre.y())
        return colour.red() > 150 and colour.green() < 90 and colour.blue() < 90

    qtbot.waitUntil(screen_shows_red, timeout=5000)

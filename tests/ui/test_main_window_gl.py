"""The main window is shown without any GL widget in it (no GL in its first frame on software GL), yet is made
for the preview's GL view, which is built after the first frame without recreating the native window."""

from __future__ import annotations

from PySide6.QtGui import QSurface
from PySide6.QtOpenGLWidgets import QOpenGLWidget

from desktop_app.ui.gl_surface import defers_gl


def test_main_window_is_made_for_gl_and_keeps_its_native_window(main_window, qtbot) -> None:
    assert main_window.windowHandle().surfaceType() == QSurface.SurfaceType.OpenGLSurface
    if defers_gl():
        assert not main_window.findChildren(QOpenGLWidget)  # the first frame was drawn without GL
    native = int(main_window.winId())
    main_window.preview.warm_up()
    qtbot.waitUntil(lambda: main_window.preview.view.isVisible(), timeout=5000)
    qtbot.wait(50)
    assert int(main_window.winId()) == native

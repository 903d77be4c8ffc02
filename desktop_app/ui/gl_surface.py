"""Windows that will hold a GL view, made ready for it without paying for GL in their first frame.

Qt composes a window with a GL widget in it through OpenGL (a context, a frame buffer, a texture upload per
flush): ~90 ms of the first frame on software GL, before the user sees anything. Adding the first GL widget to an
already shown window is worse: Qt recreates the native window for an OpenGL surface (a flicker, and the keyboard
focus lost). On X11 the surface type is what forces the recreation, not the composition: a window created with an
OpenGL surface is drawn by the plain raster path until a GL widget appears in it, then switches to GL
composition in place (tests/gl/test_preview_slot.py). So the window is created with that surface and no GL widget,
and the preview's GL view arrives after the first frame. Elsewhere (Windows, macOS, Wayland; unverified there) the
preview keeps a hidden GL place-holder instead, which makes Qt create the window for GL composition from the start.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QSurface
from PySide6.QtWidgets import QWidget


def defers_gl() -> bool:
    """True where a window made by ``create_for_gl`` needs no GL widget before its GL view is built."""
    return QGuiApplication.platformName() == "xcb"


def create_for_gl(window: QWidget) -> bool:
    """Create ``window``'s native window now, with an OpenGL surface, if it is not created yet and this platform
    allows it (``defers_gl``). Call before the first show. True when done."""
    if not defers_gl() or window.testAttribute(Qt.WidgetAttribute.WA_WState_Created):
        return False
    window.winId()  # creates the QWindow (with a raster surface: the window has no GL widget)...
    handle = window.windowHandle()
    if handle is None:
        return False
    handle.destroy()  # ...whose native window, not yet shown, is made again for OpenGL when it is shown
    handle.setSurfaceType(QSurface.SurfaceType.OpenGLSurface)
    return True

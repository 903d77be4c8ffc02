"""The Meshwright icon, apart from the About box: the window needs it for its first frame, the box only when asked."""

from __future__ import annotations

from PySide6.QtGui import QIcon

from desktop_app import APP_ID
from desktop_app.resources import resource_path

# Up to 256: the largest a title bar, task switcher or taskbar draws (docks and launchers take the installed icon:
# the .desktop file's theme icon, the .ico, the .icns). On X11 every size is decoded and sent to the server with
# each window; the 512 one alone was 1 MB of it and ~10 ms of the start (benchmarks/startup.py).
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)


def app_icon() -> QIcon:
    """The Meshwright icon at every drawn size, so each surface (title bar, taskbar, dock) gets a sharp one."""
    icon = QIcon()
    for size in ICON_SIZES:
        path = resource_path(f"icons/{APP_ID}-{size}.png")
        if path.exists():
            icon.addFile(str(path))
    return icon

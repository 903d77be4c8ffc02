"""The main window's size on screen: it opens inside the screen it is on and comes back as the user left it.

A fixed 1440x900 start put Generate and the status bar below a 1366x768 laptop screen (the most common one). The
window now takes at most 1440x900 and never more than the screen's available area (taskbar and dock excluded);
a saved geometry is used only if it still fits the screen it lands on (a monitor may have been unplugged).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray, QRect
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMainWindow

PREFERRED = (1440, 900)
MARGIN = 16  # room for the window frame the geometry does not count


def available_rect(window: QMainWindow) -> QRect:
    screen = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, *PREFERRED)


def fit_to_screen(window: QMainWindow) -> None:
    """The preferred size, shrunk to the available area, centred on it."""
    area = available_rect(window)
    width = min(PREFERRED[0], area.width() - MARGIN)
    height = min(PREFERRED[1], area.height() - MARGIN * 2)
    window.resize(max(width, 640), max(height, 480))
    frame = window.frameGeometry()
    frame.moveCenter(area.center())
    window.move(frame.topLeft())


def restore_window(window: Any, state: dict[str, Any]) -> None:
    """Saved size, place and workspace when they fit this screen; otherwise the fitted default."""
    geometry = state.get("geometry") if isinstance(state, dict) else None
    restored = False
    if isinstance(geometry, str) and geometry:
        restored = window.restoreGeometry(QByteArray.fromBase64(geometry.encode("ascii", "ignore")))
        if restored and not available_rect(window).adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN).contains(
                window.frameGeometry()):
            restored = False
    if not restored:
        fit_to_screen(window)
    window.workspaces.fit()
    if isinstance(state, dict):
        window.workspaces.restore(state)


def window_state(window: Any) -> dict[str, Any]:
    return {"geometry": bytes(window.saveGeometry().toBase64()).decode("ascii"), **window.workspaces.state()}

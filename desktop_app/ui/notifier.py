"""Tells the user a job ended while Meshwright was in the background: a desktop notification where the desktop
has a tray, and the taskbar/dock attention request everywhere."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget


class Notifier(QObject):
    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self._widget = widget  # any widget of the window: its top-level is looked up when needed
        self._tray: QSystemTrayIcon | None = None
        self.sent: list[tuple[str, str]] = []  # what was announced (tests and the log read it)

    @property
    def _window(self) -> QWidget:
        return self._widget.window()

    def in_background(self) -> bool:
        return not self._window.isActiveWindow() or self._window.isMinimized()

    def notify(self, title: str, text: str, *, failed: bool = False) -> bool:
        """Announce ``title``/``text`` if the window is not in front; returns whether it did."""
        if not self.in_background():
            return False
        self.sent.append((title, text))
        QApplication.alert(self._window, 0)  # flashes the taskbar entry / bounces the dock icon until seen
        if QSystemTrayIcon.isSystemTrayAvailable() and QSystemTrayIcon.supportsMessages():
            if self._tray is None:
                self._tray = QSystemTrayIcon(self._window.windowIcon(), self)
                self._tray.setToolTip(self._window.windowTitle())
                self._tray.messageClicked.connect(self._raise_window)
            self._tray.show()
            icon = QSystemTrayIcon.MessageIcon.Warning if failed else QSystemTrayIcon.MessageIcon.Information
            self._tray.showMessage(title, text, icon, 8000)
            QTimer.singleShot(10_000, self._hide_tray)  # the icon is only there to carry the message
        return True

    def _raise_window(self) -> None:
        self._window.showNormal()
        self._window.raise_()
        self._window.activateWindow()

    def _hide_tray(self) -> None:
        if self._tray is not None:
            self._tray.hide()

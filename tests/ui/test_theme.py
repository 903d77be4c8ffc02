"""Forcing dark and light repaints open windows; "system" goes back to what the platform gave."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel

from desktop_app.ui.theme import apply_theme


def test_forced_themes_change_the_palette(qtbot, qapp):
    label = QLabel("x")
    qtbot.addWidget(label)
    try:
        assert apply_theme("dark") == Qt.ColorScheme.Dark
        qapp.processEvents()  # the palette reaches open widgets through posted change events
        assert label.palette().color(QPalette.ColorRole.Window).lightness() < 128
        assert "#ff8a80" in qapp.styleSheet()  # readable red on dark
        assert apply_theme("light") == Qt.ColorScheme.Light
        qapp.processEvents()
        assert label.palette().color(QPalette.ColorRole.Window).lightness() > 128
    finally:
        apply_theme("system")
    assert "#ff8a80" not in qapp.styleSheet()

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


def test_the_app_sheet_set_after_a_theme_keeps_both(qtbot, qapp):
    """The app sets its sheet once the window is built (start-up time), after Settings' theme was applied."""
    from desktop_app.app import app_stylesheet
    from desktop_app.ui import theme

    sheet, before = app_stylesheet(), qapp.styleSheet()
    assert "sectionHeading" in sheet
    saved = dict(theme._original)
    theme._original.clear()  # as at start-up: no theme applied yet in this process
    qapp.setStyleSheet("")
    try:
        apply_theme("dark")  # what the window does while it is built, for a dark choice in Settings
        theme.set_app_stylesheet(sheet)
        assert "sectionHeading" in qapp.styleSheet() and "#ff8a80" in qapp.styleSheet()
        apply_theme("light")
        assert "sectionHeading" in qapp.styleSheet() and "#ff8a80" not in qapp.styleSheet()
        apply_theme("system")
        assert qapp.styleSheet() == sheet  # "system" goes back to the app's own sheet, not to the empty one
    finally:
        apply_theme("system")
        theme._original.clear()
        theme._original.update(saved)
        qapp.setStyleSheet(before)

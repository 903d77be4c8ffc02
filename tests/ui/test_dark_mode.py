"""Dark mode reaches every part of the window: menu bar, menus, tooltips, scroll bars, status bar and dialogs."""

from __future__ import annotations

from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QApplication, QMessageBox, QScrollBar, QToolTip, QWidget

from desktop_app.ui.crash_dialog import CrashDialog
from desktop_app.ui.theme import apply_theme


def _luminance(color: QColor) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())


def contrast(a: QColor, b: QColor) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def mostly_dark(widget: QWidget) -> bool:
    """Most of what the widget draws is dark: the median lightness of a grid of its pixels."""
    image: QImage = widget.grab().toImage()
    samples = sorted(image.pixelColor(x, y).lightness()
                     for x in range(0, image.width(), max(1, image.width() // 20))
                     for y in range(0, image.height(), max(1, image.height() // 10)))
    return samples[len(samples) // 2] < 100


def test_every_part_of_the_window_turns_dark(qtbot, qloop, main_window):
    window = main_window
    try:
        apply_theme("dark")
        QApplication.processEvents()
        window.menuBar().adjustSize()
        file_menu = window.menuBar().actions()[0].menu()
        file_menu.adjustSize()
        for part in (window.menuBar(), window.statusBar(), file_menu, window.centralWidget()):
            assert mostly_dark(part), type(part).__name__
        scroll = QScrollBar()
        qtbot.addWidget(scroll)
        scroll.resize(16, 200)
        assert mostly_dark(scroll)
        tip = QToolTip.palette()
        assert tip.color(QPalette.ColorRole.ToolTipBase).lightness() < 100
        assert contrast(tip.color(QPalette.ColorRole.ToolTipBase), tip.color(QPalette.ColorRole.ToolTipText)) > 7
        box = QMessageBox(QMessageBox.Icon.Warning, "x", "A problem", QMessageBox.StandardButton.Ok, window)
        crash = CrashDialog("Traceback", window)
        for dialog in (box, crash, window.account.open_settings(), window.account.open_welcome()):
            dialog.resize(dialog.sizeHint())
            assert mostly_dark(dialog), type(dialog).__name__
        # Messages in red stay readable on the dark background (the param form's field errors too).
        error = window.form._general_error
        error.ensurePolished()
        background = window.palette().color(QPalette.ColorRole.Window)
        assert contrast(error.palette().color(QPalette.ColorRole.WindowText), background) >= 4.5
        for dialog in (box, crash):
            dialog.deleteLater()
    finally:
        for dialog in (window.account.dialog, window.account.welcome):
            if dialog is not None:
                dialog.done(0)
        qloop.run(_settle())
        apply_theme("system")


async def _settle() -> None:
    import asyncio

    await asyncio.sleep(0.1)

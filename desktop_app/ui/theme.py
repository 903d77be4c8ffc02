"""Light or dark: follow the desktop, or force one (Settings › General › Theme).

Qt 6.8+ lets an app ask for a colour scheme (``QStyleHints.setColorScheme``), and platform themes that support
it (Windows 11, macOS, GNOME/KDE portals) repaint everything. Where the platform cannot (plain X11, Xvfb), a
forced scheme is applied as a Fusion palette instead, so "dark" always means dark. The app stylesheet uses
palette colours only, so it follows either way.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory, QToolTip

THEMES = ("system", "light", "dark")
_SCHEMES = {"system": Qt.ColorScheme.Unknown, "light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}
_original: dict[str, object] = {}
# app.qss is written for light backgrounds where it names colours; on dark ones these readable shades win.
DARK_QSS = """
QLabel#dropMessage { color: #ff8a80; }
"""


def theme_names() -> dict[str, str]:
    """Theme id -> the words shown in Settings."""
    tr = QCoreApplication.translate
    return {"system": tr("Theme", "Follow the system"), "light": tr("Theme", "Light"), "dark": tr("Theme", "Dark")}


def current_scheme() -> Qt.ColorScheme:
    """Light or dark as the app looks now (the palette decides where the platform reports nothing)."""
    scheme = QGuiApplication.styleHints().colorScheme()
    if scheme != Qt.ColorScheme.Unknown:
        return scheme
    return Qt.ColorScheme.Dark if is_dark(QGuiApplication.palette()) else Qt.ColorScheme.Light


def is_dark(palette: QPalette) -> bool:
    """Whether ``palette`` paints light text on a dark background (for colours the palette has no role for)."""
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def dark_palette() -> QPalette:
    """Fusion's dark palette, after the colours Qt's own dark themes use."""
    p = QPalette()
    roles = QPalette.ColorRole
    base, window, text, mid = QColor(0x1E, 0x1E, 0x1E), QColor(0x2B, 0x2B, 0x2B), QColor(0xE6, 0xE6, 0xE6), \
        QColor(0x3C, 0x3C, 0x3C)
    for role, color in {
        roles.Window: window, roles.WindowText: text, roles.Base: base, roles.AlternateBase: QColor(0x26, 0x26, 0x26),
        roles.ToolTipBase: QColor(0x3A, 0x3A, 0x3A), roles.ToolTipText: text, roles.Text: text,
        roles.Button: QColor(0x35, 0x35, 0x35), roles.ButtonText: text, roles.BrightText: QColor(0xFF, 0x6B, 0x6B),
        roles.Link: QColor(0x6C, 0xB4, 0xFF), roles.LinkVisited: QColor(0xB3, 0x9D, 0xFF),
        roles.Highlight: QColor(0x2F, 0x6F, 0xC0), roles.HighlightedText: QColor(0xFF, 0xFF, 0xFF),
        roles.PlaceholderText: QColor(0x9A, 0x9A, 0x9A), roles.Mid: QColor(0x55, 0x55, 0x55), roles.Dark: mid,
        roles.Light: QColor(0x50, 0x50, 0x50), roles.Midlight: QColor(0x45, 0x45, 0x45),
        roles.Shadow: QColor(0x10, 0x10, 0x10),
    }.items():
        p.setColor(role, color)
    disabled = QColor(0x7A, 0x7A, 0x7A)
    for role in (roles.WindowText, roles.Text, roles.ButtonText, roles.PlaceholderText):
        p.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return p


def set_app_stylesheet(qss: str) -> None:
    """Install the app's own sheet (resources/styles/app.qss), as it would be had it been there from the start.

    The app installs it once the main window is built, just before it is shown: widgets built under an app
    sheet ask the slower style-sheet style for every size while being laid out (~15 ms of the start-up);
    setting it afterwards re-polishes them once. A theme already applied keeps its dark touches.
    """
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    if _original:  # apply_theme ran first (a light or dark choice in Settings): it goes back to this sheet
        _original["qss"] = qss
        qss += DARK_QSS if current_scheme() == Qt.ColorScheme.Dark else ""
    app.setStyleSheet(qss)


def apply_theme(theme: str) -> Qt.ColorScheme:
    """Switch the running app to ``theme``; returns the scheme now in effect."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return Qt.ColorScheme.Unknown
    theme = theme if theme in THEMES else "system"
    if not _original:  # what the platform gave us, to go back to when the user chooses "system" again
        _original.update(style=app.style().name(), palette=QPalette(app.palette()), qss=app.styleSheet())
    wanted = _SCHEMES[theme]
    hints = app.styleHints()
    hints.setColorScheme(wanted)
    if theme == "system":
        app.setStyle(QStyleFactory.create(str(_original["style"])))
        app.setPalette(_original["palette"])  # type: ignore[arg-type]
    elif hints.colorScheme() != wanted or current_scheme() != wanted:
        # The platform ignored the request: paint it ourselves with Fusion, which honours any palette.
        app.setStyle(QStyleFactory.create("Fusion"))
        app.setPalette(dark_palette() if theme == "dark" else app.style().standardPalette())
    scheme = current_scheme()
    # Setting the sheet again also re-polishes every widget, so windows already open take the new palette.
    app.setStyleSheet(str(_original["qss"]) + (DARK_QSS if scheme == Qt.ColorScheme.Dark else ""))
    # Once a tooltip has been shown, QToolTip keeps the palette it was first given: hand it the new one.
    QToolTip.setPalette(app.palette())
    return scheme

"""The preview's background colour and light as lasting preferences: applied at start, saved when changed."""

from __future__ import annotations

import logging
from dataclasses import replace

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor

from desktop_app.core.settings import save_settings
from desktop_app.services import Services
from desktop_app.ui.preview.viewer import PreviewWidget
from desktop_app.ui.tasks import SETTINGS_LANE, Op

log = logging.getLogger(__name__)


def bind_background_setting(preview: PreviewWidget, services: Services) -> None:
    """Show the saved colour now, and save each colour the user confirms (off the GUI thread)."""
    saved = QColor(services.settings.preview_background) if services.settings.preview_background else QColor()
    if saved.isValid():  # a hand-edited, unreadable value keeps the default rather than failing the start
        preview.set_background(saved)

    def remember(color: QColor) -> None:
        services.settings.preview_background = color.name(QColor.NameFormat.HexRgb)
        Op(save_settings, services.paths, services.settings).serial(SETTINGS_LANE).failure(_report).named(
            "save preview background").run()

    preview.backgroundChosen.connect(remember)


LIGHT_KEYS = ("environment", "exposure", "rotation", "background", "shadow", "quality")
SAVE_DELAY_MS = 600  # an exposure drag is many changes: save once it settles


def bind_light_setting(preview: PreviewWidget, services: Services) -> None:
    """Restore the saved light (environment, exposure...) now and save later changes (off the GUI thread)."""
    saved = services.settings.preview_light
    if isinstance(saved, dict) and saved:
        try:
            values = {k: saved[k] for k in LIGHT_KEYS if k in saved}
            preview.set_shading(replace(preview.shading(), **values))
        except (TypeError, ValueError):  # a hand-edited file: keep the defaults
            log.info("ignoring an unreadable preview_light setting")
    timer = QTimer(preview)
    timer.setSingleShot(True)
    timer.setInterval(SAVE_DELAY_MS)

    def save() -> None:
        shading = preview.shading()
        light = {k: getattr(shading, k) for k in LIGHT_KEYS}
        if light == services.settings.preview_light:
            return
        services.settings.preview_light = light
        Op(save_settings, services.paths, services.settings).serial(SETTINGS_LANE).failure(_report).named(
            "save preview light").run()

    timer.timeout.connect(save)
    preview.shadingChanged.connect(lambda _s: timer.start())


def _report(text: str) -> None:
    log.warning("saving the preview settings failed: %s", text)

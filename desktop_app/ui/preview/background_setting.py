"""The preview's background colour as a lasting preference: applied at start, saved when the user picks one."""

from __future__ import annotations

import asyncio
import logging

from PySide6.QtGui import QColor

from desktop_app.core.settings import save_settings
from desktop_app.services import Services
from desktop_app.ui.preview.viewer import PreviewWidget
from desktop_app.ui.tasks import spawn

log = logging.getLogger(__name__)


def bind_background_setting(preview: PreviewWidget, services: Services) -> None:
    """Show the saved colour now, and save each colour the user confirms (off the GUI thread)."""
    saved = QColor(services.settings.preview_background) if services.settings.preview_background else QColor()
    if saved.isValid():  # a hand-edited, unreadable value keeps the default rather than failing the start
        preview.set_background(saved)

    def remember(color: QColor) -> None:
        services.settings.preview_background = color.name(QColor.NameFormat.HexRgb)
        spawn(asyncio.to_thread(save_settings, services.paths, services.settings), _report,
              name="save preview background")

    preview.backgroundChosen.connect(remember)


def _report(text: str) -> None:
    log.warning("saving the preview background failed: %s", text)

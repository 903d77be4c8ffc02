"""Library tiles and queue status colours follow the theme; thumbnails carry one pixel per device pixel at 2x."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QGuiApplication, QPalette

from desktop_app.core.jobs.store import JobState
from desktop_app.ui.library import item_model as library_model
from desktop_app.ui.library.item_model import THUMB, LibraryModel, _load_image
from desktop_app.ui.queue.job_list import state_color
from desktop_app.ui.theme import apply_theme
from tests.ui.test_dark_mode import contrast


def _tile_color(model: LibraryModel) -> QColor:
    image = model.placeholder().pixmap(QSize(THUMB, THUMB)).toImage()
    return image.pixelColor(image.width() // 2, image.height() // 2)


def test_placeholder_tile_and_done_colour_follow_light_and_dark(qapp):
    model = LibraryModel()
    seen: dict[str, tuple[QColor, QColor, QColor]] = {}
    try:
        for theme in ("light", "dark"):
            apply_theme(theme)
            palette = QGuiApplication.palette()
            seen[theme] = (_tile_color(model), state_color(JobState.SUCCEEDED, palette),
                           palette.color(QPalette.ColorRole.Base))
    finally:
        apply_theme("system")
    (light_tile, light_done, light_base), (dark_tile, dark_done, dark_base) = seen["light"], seen["dark"]
    assert light_tile != dark_tile
    assert light_tile.lightness() > 180 and dark_tile.lightness() < 90
    # a tile, not a hole: visibly apart from the view's background, but quiet
    assert 1.1 < contrast(light_tile, light_base) < 2.0 and 1.1 < contrast(dark_tile, dark_base) < 2.0
    assert light_done != dark_done
    assert contrast(light_done, light_base) >= 4.5 and contrast(dark_done, dark_base) >= 4.5


def test_thumbnails_and_placeholder_use_device_pixels_at_2x(qapp, fixture_images: Path,
                                                             monkeypatch: pytest.MonkeyPatch):
    image = _load_image(fixture_images / "typical_misc_crate.png", 2.0)
    assert image is not None
    assert max(image.width(), image.height()) == 2 * THUMB
    assert image.devicePixelRatio() == 2.0
    assert max(image.deviceIndependentSize().width(), image.deviceIndependentSize().height()) == THUMB
    single = _load_image(fixture_images / "typical_misc_crate.png", 1.0)
    assert single is not None and max(single.width(), single.height()) == THUMB

    monkeypatch.setattr(library_model, "_pixel_ratio", lambda: 2.0)
    tile = LibraryModel().placeholder().pixmap(QSize(THUMB, THUMB), 2.0)
    assert tile.width() == 2 * THUMB and tile.devicePixelRatio() == 2.0

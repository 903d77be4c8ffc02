"""In the real main window, clicking Clay on a big model (one with a motion proxy), then picking a background
while the new frame is built, redraws it without any paint drawing the full model: the proxy at once, the
detailed frame built in chunks over turns (started again for the newer change), then presented."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from desktop_app.core.mesh.proxy import motion_proxies
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.preview import gl_upload, loader, progressive
from tests.emulators.common import make_glb
from tests.paint_probe import count_full_draws_in_paint

pytestmark = pytest.mark.gl


def test_clicking_clay_on_a_big_model_never_draws_it_whole_in_a_paint(main_window: MainWindow, qloop, qtbot,
                                                                      tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ball.glb"
    path.write_bytes(make_glb(texture_size=64, subdivisions=5))  # 20k triangles: "big" at these settings
    monkeypatch.setattr(loader, "motion_proxies", lambda arrays: motion_proxies(arrays, levels=(4000, 1000)))
    monkeypatch.setattr(gl_upload, "SLICE_BYTES", 64 * 1024)
    monkeypatch.setattr(progressive, "CHUNK_TRIANGLES", 5000)
    full_in_paint = count_full_draws_in_paint(monkeypatch)  # per paint of the model, the full-detail triangles drawn
    preview = main_window.preview
    preview.open_file(path)

    def settled(mode: str) -> bool:
        item = preview._item
        if item is None or item.uploading():
            return False
        frame = item._progressive
        return frame._done and frame._key is not None and frame._key[2].mode == mode and not frame.building()

    qloop.until(lambda: settled("lit"), 30, "the model drawn in full detail")
    assert preview._item.has_proxy()
    full_in_paint.clear()
    button = preview.toolbar.widgetForAction(preview._actions["clay"])
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert preview.shading().mode == "clay"
    qloop.until(lambda: preview._item._progressive._next > 0, 30, "the clay frame under way")
    # a background picked in the colour dialog while that frame is built (its live preview): it used to draw
    # the whole model in the next paint; now the build starts again in the new colour
    preview.choose_background()
    preview._dialog.setCurrentColor(QColor(90, 90, 130))
    preview._dialog.accept()

    def on_new_background() -> bool:
        key = preview._item._progressive._key
        return settled("clay") and all(abs(a - b / 255) < 1e-3 for a, b in zip(key[1], (90, 90, 130), strict=False))

    qloop.until(on_new_background, 30, "the clay frame built on the new background")
    frame = preview._item._progressive
    assert frame._plan.count > 4 and full_in_paint and max(full_in_paint) == 0

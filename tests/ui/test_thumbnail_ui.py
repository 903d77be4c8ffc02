"""A finished result's library thumbnail is rendered from the model by the render thread, then saved."""

from __future__ import annotations

import time

from PySide6.QtGui import QImage

from desktop_app.core.library import LibraryItem, new_item_id
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.tasks import spawn
from tests.emulators.common import make_glb
from tests.gl.conftest import colour_counts, image_array


def test_shown_result_gets_a_rendered_thumbnail(main_window: MainWindow, qloop, tmp_path) -> None:
    source = tmp_path / "job"
    (source / "outputs").mkdir(parents=True)
    (source / "outputs" / "model.glb").write_bytes(make_glb(texture_size=64, subdivisions=3))
    item = LibraryItem(id=new_item_id("ball"), title="Ball", model_id="local:relief", created_at=time.time(),
                       model_file="outputs/model.glb")
    item = main_window.services.library.add(item, source)
    thumb = item.thumbnail_path
    assert not thumb.exists()

    spawn(main_window._show_item(item.id, thumbnail=True))  # what a finished generation does
    qloop.until(lambda: thumb.exists(), 30, "the thumbnail to be written")
    image = QImage(str(thumb))
    assert (image.width(), image.height()) == (256, 256)
    pixels = image_array(image)
    assert pixels[0, 0, 3] == 0  # rendered with a transparent background, not a copy of an input image
    counts = colour_counts(pixels)
    assert counts["red"] > 300 and counts["green"] > 300
    assert main_window.preview.state() == "scene"

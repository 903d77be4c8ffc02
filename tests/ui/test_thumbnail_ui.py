"""A finished result's library thumbnail is rendered from the model by the render thread, then saved."""

from __future__ import annotations

import time

from PySide6.QtGui import QImage

from desktop_app.core.library.store import LibraryItem, new_item_id
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

    spawn(main_window.show_result(item.id))  # what a finished generation does
    qloop.until(lambda: thumb.exists(), 30, "the thumbnail to be written")
    image = QImage(str(thumb))
    assert (image.width(), image.height()) == (256, 256)
    pixels = image_array(image)
    assert pixels[0, 0, 3] == 0  # rendered with a transparent background, not a copy of an input image
    counts = colour_counts(pixels)
    assert counts["red"] > 300 and counts["green"] > 300
    assert main_window.preview.state() == "scene"


def _add(window: MainWindow, tmp_path, name: str, glb: bytes) -> LibraryItem:
    source = tmp_path / name
    (source / "outputs").mkdir(parents=True)
    (source / "outputs" / "model.glb").write_bytes(glb)
    item = LibraryItem(id=new_item_id(name), title=name, model_id="local:relief", created_at=time.time(),
                       model_file="outputs/model.glb")
    return window.services.library.add(item, source)


def test_the_thumbnail_is_the_items_own_even_when_another_model_is_shown_first(main_window: MainWindow, qloop,
                                                                                 tmp_path) -> None:
    """Regression: the thumbnail used to be taken from "the next scene shown", so opening another item before
    this result appeared saved the other model's picture as this item's thumbnail."""
    import trimesh

    tower = _add(main_window, tmp_path, "tower", trimesh.Scene(trimesh.creation.box(extents=(0.2, 2.0, 0.2)))
                 .export(file_type="glb"))
    ball = _add(main_window, tmp_path, "ball", make_glb(texture_size=64, subdivisions=3))
    qloop.run(main_window.show_result(tower.id))  # a finished job: open it, thumbnail it
    main_window.open_item(ball)  # ...but the user clicks another item before the tower is shown
    thumb = tower.thumbnail_path
    qloop.until(lambda: thumb.exists(), 30, "the tower's thumbnail")
    qloop.until(lambda: main_window.preview.state() == "scene", 30, "the ball in the preview")
    alpha = image_array(QImage(str(thumb)))[..., 3] > 0
    rows, cols = alpha.any(axis=1).nonzero()[0], alpha.any(axis=0).nonzero()[0]
    height, width = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
    assert height > 2.5 * width, (height, width)  # a tall thin tower, not the round ball shown meanwhile
    assert not ball.thumbnail_path.exists()  # and the ball, only opened, got none


def test_a_result_the_preview_cannot_show_does_not_get_the_next_models_picture(main_window: MainWindow, qloop,
                                                                                tmp_path) -> None:
    """Regression (issue 15): a Rodin FBX result fails to show; the model opened next used to become its thumbnail."""
    import asyncio

    source = tmp_path / "fbx"
    (source / "outputs").mkdir(parents=True)
    (source / "outputs" / "model.fbx").write_bytes(b"Kaydara FBX Binary  \x00" + bytes(200))
    item = LibraryItem(id=new_item_id("fbx"), title="Rodin FBX", model_id="hyper3d:rodin", created_at=time.time(),
                       model_file="outputs/model.fbx")
    fbx = main_window.services.library.add(item, source)
    ball = _add(main_window, tmp_path, "ball", make_glb(texture_size=64, subdivisions=3))
    qloop.run(main_window.show_result(fbx.id))
    qloop.until(lambda: main_window.preview.state() != "loading", 30, "the FBX to be refused")
    main_window.open_item(ball)
    qloop.until(lambda: main_window.preview.state() == "scene", 30, "the ball in the preview")
    qloop.run(asyncio.sleep(2.0))  # the old code wrote the ball's render within a second of it showing
    assert not fbx.thumbnail_path.exists()


def test_a_selected_thumbnail_keeps_its_colours(qapp):
    """Qt tints a selected item's icon with the highlight colour by default: a model's colours would be wrong
    exactly on the item the user is looking at."""
    from PySide6.QtGui import QColor, QIcon, QPixmap

    from desktop_app.ui.library.item_model import plain_icon

    pixmap = QPixmap(32, 32)
    pixmap.fill(QColor("#e07020"))  # the dragon's orange
    icon = plain_icon(pixmap)
    selected = icon.pixmap(32, 32, QIcon.Mode.Selected).toImage()
    assert selected.pixelColor(16, 16) == QColor("#e07020")
    assert QIcon(pixmap).pixmap(32, 32, QIcon.Mode.Selected).toImage().pixelColor(16, 16) != QColor("#e07020")

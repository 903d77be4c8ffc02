"""Click through the real window: drop a real image, press Generate, see the model, find it in the library."""

from __future__ import annotations

import asyncio

import numpy as np
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from desktop_app.core.jobs.store import JobState
from desktop_app.ui.main_window import MainWindow
from tests.gl.conftest import image_array


def drop_files(widget, paths) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QPointF(widget.rect().center())
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    try:  # PySide 6.12 takes a QPointF (and deprecates QPoint); 6.11 only a QPoint
        enter = QDragEnterEvent(pos, *args)
    except TypeError:
        enter = QDragEnterEvent(pos.toPoint(), *args)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted(), "the drop target refused the files"
    drop = QDropEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, drop)


def test_empty_window_tells_what_to_do(main_window: MainWindow):
    assert "Drop an image here" in main_window.drop_zone._empty.text()
    assert main_window.current_model_id() == "local:relief"
    assert not main_window.generate_button.isEnabled()
    assert main_window.generate_hint.text()  # says why (no image yet)
    assert main_window.queue.empty.isVisible() and main_window.preview.state() == "empty"


def test_drop_generate_preview_library(main_window: MainWindow, qtbot, qloop, fixture_images):
    image = fixture_images / "typical_creature_dragon.png"
    drop_files(main_window.drop_zone, [image])
    qloop.until(lambda: main_window.generate_button.isEnabled(), what="Generate to enable")
    assert main_window.drop_zone.paths() == [image.resolve()]

    qtbot.mouseClick(main_window.generate_button, Qt.MouseButton.LeftButton)
    store = main_window.services.store
    qloop.until(lambda: store.list() and store.list()[0].state is JobState.SUCCEEDED, 60, "the job to finish")
    job = store.list()[0]
    assert main_window.job_model.job(0).state is JobState.SUCCEEDED
    qloop.until(lambda: main_window.preview.state() == "scene", 30, "the preview to show the model")
    qloop.until(lambda: main_window.library_view.model.rowCount() == 1, 10, "the library to list the item")
    item = main_window.services.library.get(main_window.library_view.model.row(0).id)
    assert item.id == job.item_id and item.model_path.exists()

    pixels = image_array(main_window.preview.grab_image())[..., :3]
    background = np.array([42, 44, 48])
    drawn = np.abs(pixels.astype(int) - background).sum(axis=2) > 60
    assert drawn.mean() > 0.05, "the model is not drawn"
    # The dragon is orange/red: the texture's colours must reach the screen.
    r, g, b = (pixels[..., i].astype(int) for i in range(3))
    assert ((r > g + 40) & (r > b + 60) & drawn).sum() > 500


def test_bad_image_gets_a_message_next_to_it(main_window: MainWindow, qloop, tmp_path):
    fake = tmp_path / "holiday.png"
    fake.write_text("not really a picture")
    drop_files(main_window.drop_zone, [fake])
    qloop.until(lambda: not main_window.drop_zone.pending(), what="the image check")
    assert main_window.drop_zone.message.isVisible()
    assert "holiday.png" in main_window.drop_zone.message.text()
    assert not main_window.generate_button.isEnabled()
    assert main_window.drop_zone.paths() == []


def test_too_many_images_are_greyed_out(main_window: MainWindow, qloop, fixture_images):
    images = sorted(fixture_images.glob("multiview_character_*.png"))
    drop_files(main_window.drop_zone, images)
    qloop.until(lambda: not main_window.drop_zone.pending(), what="the image checks")
    assert len(main_window.drop_zone.paths()) == 1  # the offline model takes one image
    assert "at most" in main_window.drop_zone.message.text()
    assert main_window.generate_button.isEnabled()


def test_a_model_that_starts_from_a_mesh_keeps_the_images_calmly(main_window: MainWindow, qloop, fixture_images):
    """A remesh model takes no images: the drop zone says where its input goes, and dropped images wait greyed out
    with a plain note (not the red "too many" warning) for the next model."""
    zone = main_window.drop_zone
    zone.set_max_images(0, works_from_model=True)
    assert "3D model" in zone._empty.text()
    drop_files(zone, [fixture_images / "typical_misc_crate.png"])
    qloop.until(lambda: not zone.pending(), what="the image check")
    assert zone.paths() == [] and "not used" in zone.list.item(0).toolTip()
    assert zone.message.objectName() == "dropHint" and "stay here" in zone.message.text()
    zone.set_max_images(1)
    assert zone.paths() and zone.message.objectName() == "dropMessage" and not zone.message.isVisible()


def test_history_survives_a_restart(main_window: MainWindow, qloop, qtbot, fixture_images, services_factory):
    main_window.drop_zone.add_paths([fixture_images / "typical_misc_crate.png"])
    qloop.until(lambda: main_window.generate_button.isEnabled(), what="Generate to enable")
    main_window.generate()
    store = main_window.services.store
    qloop.until(lambda: store.list() and store.list()[0].state is JobState.SUCCEEDED, 60, "the job")
    qloop.run(main_window.shutdown())
    main_window.services.store.close()
    main_window.services.library.close()

    again = MainWindow(services_factory(), automation=True)
    again.show()
    qloop.run(again.start())
    try:
        assert again.job_model.rowCount() == 1 and again.job_model.job(0).state is JobState.SUCCEEDED
        qloop.until(lambda: again.library_view.model.rowCount() == 1, 10, "the library")
    finally:
        qloop.run(again.shutdown())
        again.hide()
        again.deleteLater()
        qloop.run(asyncio.sleep(0.05))


def test_paid_models_cannot_run_in_automation_mode(main_window: MainWindow, qloop):
    index = main_window.model_combo.findData("hyper3d:rodin")
    assert index >= 0
    main_window.model_combo.setCurrentIndex(index)
    qloop.until(lambda: main_window.generate_panel.schema() is not None, what="the Rodin schema")
    assert not main_window.generate_button.isEnabled()



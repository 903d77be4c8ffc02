"""The app's identity in the window (icon, name, version, licences) and files handed over by the system."""

from __future__ import annotations

from PySide6.QtGui import QFileOpenEvent
from PySide6.QtWidgets import QApplication

from desktop_app import APP_NAME, __version__
from desktop_app.app import install_file_open_handler
from desktop_app.ui.app_icon import app_icon
from desktop_app.ui.main_window import MainWindow
from tests.emulators.common import make_glb


def test_icon_has_every_drawn_size(qapp):
    icon = app_icon()
    assert not icon.isNull()
    assert {s.width() for s in icon.availableSizes()} >= {16, 32, 48, 256}


def test_about_box_names_version_icon_and_licences(main_window: MainWindow, qtbot):
    box = main_window.about()
    qtbot.waitUntil(box.isVisible)
    assert APP_NAME in box.text() and __version__ in box.text()
    assert "LGPL" in box.informativeText() and "PySide6" in box.informativeText()
    assert not box.iconPixmap().isNull()
    box.accept()


def test_a_file_the_system_hands_over_opens_in_the_preview(main_window: MainWindow, qloop, tmp_path):
    model = tmp_path / "handed over.glb"
    model.write_bytes(make_glb(texture_size=32, subdivisions=1))
    app = QApplication.instance()
    handler = install_file_open_handler(app, main_window.preview.open_file)
    try:
        QApplication.sendEvent(app, QFileOpenEvent(str(model)))
        qloop.until(lambda: main_window.preview.state() == "scene", what="the model in the preview")
    finally:
        app.removeEventFilter(handler)
        handler.deleteLater()

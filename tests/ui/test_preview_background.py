"""The preview background colour is a lasting preference: saved when chosen, applied at the next start."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QColorDialog

from desktop_app.core.settings import Settings, load_settings
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.preview import PreviewWidget
from desktop_app.ui.preview.background_setting import bind_background_setting
from desktop_app.ui.preview.viewer import BACKGROUND


def test_chosen_background_is_saved(main_window: MainWindow, qloop) -> None:
    preview = main_window.preview
    assert preview.background() == QColor(*BACKGROUND)  # nothing saved yet: the built-in grey
    preview.choose_background()
    dialog = preview._dialog
    assert isinstance(dialog, QColorDialog) and dialog.isVisible()
    dialog.setCurrentColor(QColor(200, 220, 240))  # live preview only: not saved until confirmed
    assert main_window.services.settings.preview_background == ""
    dialog.accept()
    assert preview.background() == QColor(200, 220, 240)
    assert main_window.services.settings.preview_background == "#c8dcf0"
    paths = main_window.services.paths
    qloop.until(lambda: load_settings(paths).preview_background == "#c8dcf0", 10, "the settings file")


def test_cancelled_choice_is_neither_kept_nor_saved(main_window: MainWindow) -> None:
    preview = main_window.preview
    preview.choose_background()
    preview._dialog.setCurrentColor(QColor(255, 0, 0))
    preview._dialog.reject()
    assert preview.background() == QColor(*BACKGROUND)
    assert main_window.services.settings.preview_background == ""


def test_saved_background_is_applied_at_start(qtbot, qloop, services_factory) -> None:
    services = services_factory()
    services.settings.preview_background = "#fafafa"
    preview = PreviewWidget()
    qtbot.addWidget(preview)
    bind_background_setting(preview, services)
    assert preview.background() == QColor(250, 250, 250)
    preview.resize(200, 150)
    preview.show()
    qtbot.waitExposed(preview)
    assert preview.view.grabFramebuffer().pixelColor(3, 3) == QColor(250, 250, 250)


def test_unreadable_saved_value_keeps_the_default(qtbot, services_factory) -> None:
    services = services_factory()
    services.settings.preview_background = "not a colour"
    preview = PreviewWidget()
    qtbot.addWidget(preview)
    bind_background_setting(preview, services)
    assert preview.background() == QColor(*BACKGROUND)
    assert Settings().preview_background == ""

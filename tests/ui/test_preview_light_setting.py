"""The preview's light (environment, exposure...) is a lasting preference, like its background colour."""

from __future__ import annotations

from desktop_app.core.settings import load_settings
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.preview import PreviewWidget
from desktop_app.ui.preview.background_setting import bind_light_setting
from desktop_app.ui.preview.shading import Shading


def test_light_changes_are_saved_once_they_settle(main_window: MainWindow, qloop) -> None:
    preview = main_window.preview
    assert preview.shading() == Shading()  # nothing saved yet
    preview.light_controls.actions["env_outdoor"].trigger()
    for value in (3, 6, 9, 12):  # a drag of the exposure slider
        preview.light_controls.exposure.setValue(value)
    paths = main_window.services.paths
    qloop.until(lambda: load_settings(paths).preview_light.get("exposure") == 1.2, 10, "the settings file")
    saved = load_settings(paths).preview_light
    assert saved["environment"] == "outdoor" and saved["quality"] == "auto" and "mode" not in saved


def test_saved_light_is_applied_at_start_and_bad_values_are_ignored(qtbot, services_factory) -> None:
    services = services_factory()
    services.settings.preview_light = {"environment": "outdoor", "exposure": 9, "quality": "bogus", "rotation": 30}
    preview = PreviewWidget()
    qtbot.addWidget(preview)
    bind_light_setting(preview, services)
    assert preview.shading() == Shading(environment="outdoor", exposure=3.0, rotation=30.0)  # clamped, defaulted
    assert preview.light_controls.actions["env_outdoor"].isChecked()
    assert preview.light_controls.exposure.value() == 30
    services.settings.preview_light = {"exposure": "bright"}
    other = PreviewWidget()
    qtbot.addWidget(other)
    bind_light_setting(other, services)
    assert other.shading() == Shading()

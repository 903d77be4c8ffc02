"""First-run welcome, the key-file fallback, parameter presets and the crash dialog, through their widgets."""

from __future__ import annotations

import asyncio
import stat

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from desktop_app.core.logs import register_secret
from desktop_app.core.settings import KEYRING_SERVICE, Secrets, load_settings
from desktop_app.ui.crash_dialog import CrashReporter
from desktop_app.ui.settings.welcome import WelcomeDialog
from tests.ui.test_settings_dialog import (  # noqa: F401 (fixtures)
    files_containing,
    memory_keyring,
    open_dialog,
    rodin_emu,
    save,
    type_into,
)


def open_welcome(qtbot, qloop, window) -> WelcomeDialog:
    dialog = window.account.first_run()
    assert isinstance(dialog, WelcomeDialog)
    qtbot.waitExposed(dialog)
    qloop.until(lambda: "Looking up" not in dialog.accounts.keychain_label.text(), 10, "the keychain lookup")
    return dialog


def test_welcome_tests_and_keeps_a_key(qtbot, qloop, rodin_emu, memory_keyring, main_window):  # noqa: F811
    window = main_window
    dialog = open_welcome(qtbot, qloop, window)
    type_into(qtbot, dialog, "rodin_api_key", rodin_emu.api_key)
    qtbot.mouseClick(dialog.test_buttons["hyper3d"], Qt.MouseButton.LeftButton)
    qloop.until(dialog.test_buttons["hyper3d"].isEnabled, 20, "the test")
    assert dialog.test_results["hyper3d"].text() == "Connected · 100 credits left"
    assert memory_keyring.store == {}  # a test stores nothing
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    label = window.account.credits.labels["hyper3d"]
    # One wait for all: a balance request still in flight when the loop stops would be left half-done.
    qloop.until(lambda: window.account.welcome is None and window.generate_panel.model_info("hyper3d:rodin").available
                and label.text() == "Rodin: 100 credits", 20, "the welcome to close and Rodin to become available")
    assert memory_keyring.store[(KEYRING_SERVICE, "rodin_api_key")] == rodin_emu.api_key
    assert load_settings(window.services.paths).welcome_done
    assert window.account.first_run() is None  # once only; Help › Welcome still opens it
    assert window.account.welcome_action.text() == "&Welcome…"


def test_skipping_the_welcome_stores_nothing(qtbot, qloop, memory_keyring, main_window):  # noqa: F811
    dialog = open_welcome(qtbot, qloop, main_window)
    type_into(qtbot, dialog, "rodin_api_key", "rk-typed-then-skipped")
    qtbot.mouseClick(dialog.skip_button, Qt.MouseButton.LeftButton)
    qloop.until(lambda: main_window.account.welcome is None, 10, "the welcome to close")
    assert memory_keyring.store == {}
    assert main_window.services.secrets.peek("rodin_api_key") == ""
    assert load_settings(main_window.services.paths).welcome_done


def test_without_a_keychain_keys_can_go_to_a_labelled_private_file(qtbot, qloop, open_dialog,  # noqa: F811
                                                                    isolated_home):
    dialog = open_dialog()  # tests run on keyring's null backend: no keychain
    check = dialog.accounts.file_check
    assert check.isVisibleTo(dialog) and not check.isChecked()
    type_into(qtbot, dialog, "rodin_api_key", "rk-into-the-file-42")
    check.setChecked(True)
    assert "without encryption" in dialog.keychain_label.text()
    save(qtbot, qloop, dialog)
    qloop.until(lambda: not dialog.isVisible(), 10, "the dialog to close")
    key_file = dialog.services.secrets.file.path
    assert key_file.parent == dialog.services.paths.config_dir and "UNENCRYPTED" in key_file.name
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "WITHOUT encryption" in key_file.read_text()
    assert files_containing(isolated_home, ["rk-into-the-file-42"]) == [key_file]  # there and nowhere else
    fresh = Secrets()  # the next start reads it back, and says where it came from
    assert fresh.get("rodin_api_key") == "rk-into-the-file-42" and fresh.source("rodin_api_key") == "file"

    again = open_dialog()
    assert again.accounts.file_check.isChecked()
    again.accounts.file_check.setChecked(False)  # back to "no keychain": the file goes away
    save(qtbot, qloop, again)
    assert not key_file.exists()


def test_presets_save_apply_and_delete(qtbot, qloop, main_window, monkeypatch):
    window = main_window
    bar, form = window.presets, window.form
    assert bar.model_id == "local:relief" and not bar.combo.isEnabled()
    depth = next(n for n in form.values() if n == "depth")
    form.set_values({depth: 0.4})
    bar.save_as("  Deep   relief ")
    assert window.services.settings.presets["local:relief"]["Deep relief"][depth] == 0.4
    qloop.until(lambda: "Deep relief" in load_settings(window.services.paths).presets.get("local:relief", {}), 10,
                "the preset to be saved")
    form.reset_to_defaults()
    assert form.values()[depth] != 0.4
    bar.combo.setCurrentIndex(bar.combo.findData("Deep relief"))
    bar.combo.activated.emit(bar.combo.currentIndex())
    assert form.values()[depth] == 0.4
    qtbot.mouseClick(bar.delete_button, Qt.MouseButton.LeftButton)
    assert "local:relief" not in window.services.settings.presets
    qloop.until(lambda: not load_settings(window.services.paths).presets, 10, "the deletion to be saved")


def test_an_unhandled_exception_shows_scrubbed_details_to_copy(qtbot, qloop, qapp):
    reporter = CrashReporter()
    register_secret("rk-crash-secret-9911")

    async def fail() -> None:
        raise RuntimeError("server said: Authorization: Bearer abcdefghijklmnop and key rk-crash-secret-9911")

    loop = asyncio.get_event_loop()
    reporter.install(loop)
    try:
        task = loop.create_task(fail())
        qloop.run(asyncio.sleep(0.05))
        del task  # never awaited: asyncio reports it when the task is collected
        import gc

        gc.collect()
        qloop.until(lambda: reporter.dialog is not None and reporter.dialog.isVisible(), 10, "the crash dialog")
    finally:
        reporter.uninstall()
    dialog = reporter.dialog
    text = dialog.details.toPlainText()
    assert "RuntimeError" in text and "Traceback" in text
    assert "rk-crash-secret-9911" not in text and "abcdefghijklmnop" not in text
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == text
    reporter.report(ValueError("second problem"))  # a second crash joins the open dialog
    qloop.until(lambda: "second problem" in dialog.details.toPlainText(), 5, "the second report")
    dialog.close()
    reporter.deleteLater()

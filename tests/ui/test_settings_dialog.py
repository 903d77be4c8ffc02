"""Settings dialog and credits indicator, driven through their widgets against the loopback emulators."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from PySide6.QtCore import Qt

from desktop_app.core.settings import KEYRING_SERVICE, load_settings
from desktop_app.providers.scenario import ScenarioProvider
from desktop_app.ui.settings import accounts as sd
from desktop_app.ui.settings.credits import CreditsIndicator
from desktop_app.ui.settings.dialog import SettingsDialog
from tests.emulators.hyper3d import Hyper3DEmulator
from tests.emulators.scenario import ScenarioEmulator


class MemoryKeyring(KeyringBackend):
    """A keychain that lives in a dict, so tests can see exactly what was stored."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}
        self.writes = 0

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.writes += 1
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.store.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError(username)


class StuckKeyring(MemoryKeyring):
    """A locked Secret Service: writes hang (released at teardown so no thread outlives the test)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.finished = threading.Event()

    def set_password(self, service: str, username: str, password: str) -> None:
        self.release.wait(10)
        self.finished.set()


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def rodin_emu(monkeypatch) -> Iterator[Hyper3DEmulator]:
    with Hyper3DEmulator() as emu:
        monkeypatch.setenv("RODIN_BASE_URL", emu.base_url)
        yield emu


@pytest.fixture
def scenario_emu(monkeypatch) -> Iterator[ScenarioEmulator]:
    with ScenarioEmulator() as emu:
        monkeypatch.setenv("SCENARIO_BASE_URL", emu.base_url)
        yield emu


@pytest.fixture
def open_dialog(qapp, qtbot, qloop, services_factory):
    # A parentless dialog is the last window: closing it would quit the app and stop the qasync loop.
    quit_on_close = qapp.quitOnLastWindowClosed()
    qapp.setQuitOnLastWindowClosed(False)
    dialogs = []

    def make(services=None) -> SettingsDialog:
        services = services or services_factory()
        dialog = qloop.run(_construct(services))
        dialog.open()
        qtbot.waitExposed(dialog)
        qloop.until(lambda: "Looking up" not in dialog.keychain_label.text(), 10, "the keychain lookup")
        dialogs.append(dialog)
        return dialog

    yield make
    for dialog in dialogs:
        if dialog.isVisible():
            dialog._saving = False
            dialog.reject()
        dialog.deleteLater()
    qloop.run(asyncio.sleep(0.05))
    qapp.setQuitOnLastWindowClosed(quit_on_close)


async def _construct(services) -> SettingsDialog:
    return SettingsDialog(services, None)  # built inside the running loop: its keychain lookup starts at once


def type_into(qtbot, dialog: SettingsDialog, name: str, text: str) -> None:
    edit = dialog.fields[name].edit
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)


def save(qtbot, qloop, dialog: SettingsDialog, key: bool = False) -> None:
    """Press Save (or Enter in a key field) and run the loop until ``saved`` was emitted.

    Not qtbot.waitSignal: its Qt event loop runs the qasync callbacks without a running asyncio loop.
    """
    emitted = []
    dialog.saved.connect(lambda: emitted.append(True))
    if key:
        qtbot.keyClick(dialog.fields["scenario_api_secret"].edit, Qt.Key.Key_Return)
    else:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qloop.until(lambda: bool(emitted), 10, "the settings to be saved")


def files_containing(root: Path, secrets: list[str]) -> list[Path]:
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if any(s.encode() in data for s in secrets):
                found.append(path)
    return found


def test_saved_keys_go_to_the_keychain_and_no_file(qtbot, qloop, open_dialog, memory_keyring, isolated_home,
                                                   caplog):
    caplog.set_level(logging.DEBUG)
    dialog = open_dialog()
    assert "keychain" in dialog.keychain_label.text() and "cannot be stored" not in dialog.keychain_label.text()
    keys = {"rodin_api_key": "rk-typed-5f1e2d3c", "scenario_api_key": "sc-key-9a8b7c",
            "scenario_api_secret": "sc-secret-6d5e4f"}
    for name, value in keys.items():
        type_into(qtbot, dialog, name, value)
    assert dialog.fields["rodin_api_key"].edit.echoMode() == dialog.fields["rodin_api_key"].edit.EchoMode.Password
    dialog.deadline.setValue(45)
    dialog.concurrency["hyper3d"].setValue(4)
    save(qtbot, qloop, dialog, key=True)  # Enter = Save
    qloop.until(lambda: not dialog.isVisible(), 10, "the dialog to close")

    assert {n: memory_keyring.store[(KEYRING_SERVICE, n)] for n in keys} == keys
    services = dialog.services
    assert all(services.secrets.peek(n) == v for n, v in keys.items())
    saved = load_settings(services.paths)
    assert saved.poll_deadline_minutes == 45 and saved.concurrency["hyper3d"] == 4
    assert services.paths.settings_file.exists()
    assert files_containing(isolated_home, list(keys.values())) == []
    assert not any(v in caplog.text for v in keys.values())


def test_escape_cancels_and_stores_nothing(qtbot, qloop, open_dialog, memory_keyring):
    dialog = open_dialog()
    type_into(qtbot, dialog, "rodin_api_key", "rk-never-saved")
    qtbot.keyClick(dialog.fields["rodin_api_key"].edit, Qt.Key.Key_Escape)
    qloop.until(lambda: not dialog.isVisible(), 5, "the dialog to close")
    assert memory_keyring.store == {} and dialog.services.secrets.peek("rodin_api_key") == ""


def focus_chain(start) -> list:
    chain, widget = [], start
    for _ in range(80):
        chain.append(widget)
        widget = widget.nextInFocusChain()
        if widget is start:
            break
    return chain


def test_tab_order_follows_the_layout(qtbot, open_dialog):
    dialog = open_dialog()
    chain = focus_chain(dialog.fields["rodin_api_key"].edit)
    project = dialog.accounts.options["scenario"][0]
    order = [dialog.fields["rodin_api_key"].edit, dialog.fields["rodin_api_key"].toggle, dialog.test_buttons["hyper3d"],
             dialog.fields["scenario_api_key"].edit, dialog.fields["scenario_api_secret"].edit, project,
             dialog.test_buttons["scenario"], dialog.save_button]
    positions = [chain.index(w) for w in order]
    assert positions == sorted(positions)

    general = dialog.general
    qtbot.keyClick(dialog, Qt.Key.Key_G, Qt.KeyboardModifier.AltModifier)  # the tab's mnemonic
    assert dialog.tabs.currentWidget() is general
    chain = focus_chain(general.default_model)
    order = [general.default_model, general.theme, general.log_button, dialog.concurrency["hyper3d"], dialog.deadline]
    positions = [chain.index(w) for w in order]
    assert positions == sorted(positions)


def test_stored_key_is_shown_and_show_toggle_reveals_it(qtbot, open_dialog, memory_keyring):
    memory_keyring.store[(KEYRING_SERVICE, "rodin_api_key")] = "rk-stored-1234"
    dialog = open_dialog()
    field = dialog.fields["rodin_api_key"]
    assert field.value() == "rk-stored-1234"
    qtbot.mouseClick(field.toggle, Qt.MouseButton.LeftButton)
    assert field.edit.echoMode() == field.edit.EchoMode.Normal and field.toggle.text() == "Hide"


def test_environment_key_is_read_only_and_wins(qtbot, qloop, open_dialog, memory_keyring, rodin_emu, monkeypatch):
    memory_keyring.store[(KEYRING_SERVICE, "rodin_api_key")] = "rk-stored-but-overridden"
    monkeypatch.setenv("RODIN_API_KEY", rodin_emu.api_key)
    dialog = open_dialog()
    field = dialog.fields["rodin_api_key"]
    assert field.edit.isReadOnly() and field.value() == ""
    assert field.note.isVisible()
    assert field.note.text() == "Set by RODIN_API_KEY in the environment (overrides the stored key)"
    assert not dialog.fields["scenario_api_key"].edit.isReadOnly()

    qtbot.mouseClick(dialog.test_buttons["hyper3d"], Qt.MouseButton.LeftButton)
    qloop.until(lambda: "Connected" in dialog.test_results["hyper3d"].text(), 20, "the test result")
    save(qtbot, qloop, dialog)
    assert memory_keyring.writes == 0  # the environment key is never copied into the keychain
    assert dialog.services.secrets.get("rodin_api_key") == rodin_emu.api_key


def test_rodin_test_button_shows_the_balance(qtbot, qloop, open_dialog, memory_keyring, rodin_emu):
    rodin_emu.balance = 12.5
    dialog = open_dialog()
    type_into(qtbot, dialog, "rodin_api_key", rodin_emu.api_key)
    button = dialog.test_buttons["hyper3d"]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert not button.isEnabled()  # disabled while the test runs
    qloop.until(button.isEnabled, 20, "the test to finish")
    assert dialog.test_results["hyper3d"].text() == "Connected · 12.5 credits left"
    assert memory_keyring.store == {} and dialog.services.secrets.peek("rodin_api_key") == ""  # nothing saved
    assert dialog.isVisible()


def test_rodin_wrong_key_gets_a_plain_error(qtbot, qloop, open_dialog, rodin_emu):
    dialog = open_dialog()
    type_into(qtbot, dialog, "rodin_api_key", "rk-wrong-0000")
    qtbot.mouseClick(dialog.test_buttons["hyper3d"], Qt.MouseButton.LeftButton)
    qloop.until(dialog.test_buttons["hyper3d"].isEnabled, 20, "the test to finish")
    text = dialog.test_results["hyper3d"].text()
    assert text.startswith("Hyper3D did not accept the API key.")
    assert "rk-wrong-0000" not in text and "Traceback" not in text


def test_scenario_test_button_counts_the_models(qtbot, qloop, open_dialog, scenario_emu, tmp_path):
    async def expected() -> int:
        provider = ScenarioProvider(scenario_emu.base_url, lambda: (scenario_emu.api_key, scenario_emu.api_secret),
                                    cache_dir=tmp_path / "probe")
        try:
            return sum(m.available for m in await provider.models())
        finally:
            await provider.aclose()

    count = qloop.run(expected())
    assert count > 0
    dialog = open_dialog()
    type_into(qtbot, dialog, "scenario_api_key", scenario_emu.api_key)
    type_into(qtbot, dialog, "scenario_api_secret", scenario_emu.api_secret)
    button = dialog.test_buttons["scenario"]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert not button.isEnabled()
    qloop.until(button.isEnabled, 20, "the test to finish")
    assert dialog.test_results["scenario"].text() == f"Connected · {count} 3D model(s) available to this account"

    type_into(qtbot, dialog, "scenario_api_secret", "not-the-secret")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qloop.until(button.isEnabled, 20, "the second test to finish")
    text = dialog.test_results["scenario"].text()
    assert not text.startswith("Connected") and text
    assert "not-the-secret" not in text


def test_without_a_keychain_the_dialog_says_so(qtbot, qloop, open_dialog, isolated_home):
    # tests/conftest.py selects keyring's null backend: the situation on a headless Linux box.
    dialog = open_dialog()
    assert "cannot be stored" in dialog.keychain_label.text()
    assert "RODIN_API_KEY" in dialog.keychain_label.text()
    type_into(qtbot, dialog, "rodin_api_key", "rk-session-only-77")
    save(qtbot, qloop, dialog)
    assert dialog.isVisible() and dialog.error_label.isVisible()
    assert "cannot be stored" in dialog.error_label.text()
    assert dialog.services.secrets.peek("rodin_api_key") == "rk-session-only-77"  # usable until quitting
    assert files_containing(isolated_home, ["rk-session-only-77"]) == []


def test_a_hanging_keychain_is_reported_not_fatal(qtbot, qloop, open_dialog, monkeypatch):
    backend = StuckKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    monkeypatch.setattr(sd, "KEYRING_TIMEOUT", 0.3)
    try:
        dialog = open_dialog()
        type_into(qtbot, dialog, "rodin_api_key", "rk-hangs-4321")
        save(qtbot, qloop, dialog)
        assert dialog.isVisible() and "did not answer" in dialog.error_label.text()
        assert "rk-hangs-4321" not in dialog.error_label.text()
        assert dialog.services.secrets.peek("rodin_api_key") == "rk-hangs-4321"
    finally:
        backend.release.set()
        # Let the worker finish while the loop runs, so its late result is delivered on this test's loop.
        qloop.until(backend.finished.is_set, 10, "the keychain worker")
        qloop.run(asyncio.sleep(0.1))
        keyring.set_keyring(previous)


@pytest.fixture
def emulator_window(rodin_emu, memory_keyring, main_window):
    """The main window built after RODIN_BASE_URL points at the emulator (fixture order matters)."""
    return main_window  # its shutdown closes the connections the balance look-ups opened


@pytest.fixture
def cloud_services(services_factory, qloop):
    """Services whose provider connections are closed afterwards (the indicator talks to the emulators)."""
    made = []

    def make():
        made.append(services_factory())
        return made[-1]

    yield make
    for services in made:
        qloop.run(services.registry.aclose())


def test_saving_a_rodin_key_makes_rodin_available(qtbot, qloop, emulator_window, rodin_emu):
    window = emulator_window
    assert not window.generate_panel.model_info("hyper3d:rodin").available
    assert window.account.credits.texts()["hyper3d"] == "Rodin: no key"
    window.account.settings_action.trigger()
    dialog = window.account.dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    qloop.until(lambda: "Looking up" not in dialog.keychain_label.text(), 10, "the keychain lookup")
    type_into(qtbot, dialog, "rodin_api_key", rodin_emu.api_key)
    qtbot.keyClick(dialog.fields["rodin_api_key"].edit, Qt.Key.Key_Return)
    label = window.account.credits.labels["hyper3d"]
    # One wait for both: qasync's run_until_complete processes Qt events once more after it stops, and a
    # connection still in flight then would run without a running loop (a harness quirk, not an app one).
    qloop.until(lambda: window.generate_panel.model_info("hyper3d:rodin").available
                and label.text() == "Rodin: 100 credits", 20,
                "Rodin to become available and its balance to show")
    index = window.model_combo.findData("hyper3d:rodin")
    assert window.model_combo.itemText(index).strip() == "Hyper3D Rodin"  # no "(needs a key)" any more
    assert window.current_model_id() == "local:relief"  # the user's choice survives the reload


def test_credits_indicator_states(qtbot, qloop, cloud_services, rodin_emu, scenario_emu, monkeypatch):
    monkeypatch.setenv("RODIN_API_KEY", rodin_emu.api_key)
    rodin_emu.balance = 12.5
    services = cloud_services()
    indicator = CreditsIndicator(services)
    qtbot.addWidget(indicator)
    indicator.refresh()
    qloop.until(lambda: indicator.texts()["hyper3d"] == "Rodin: 12.5 credits", 20, "the balance")
    assert indicator.texts()["scenario"] == "Scenario: no key"
    assert indicator.labels["scenario"].property("muted") is True
    assert "Settings" in indicator.labels["scenario"].toolTip()

    monkeypatch.setenv("SCENARIO_SDK_API_KEY", scenario_emu.api_key)
    monkeypatch.setenv("SCENARIO_SDK_API_SECRET", scenario_emu.api_secret)
    indicator.refresh()
    qloop.until(lambda: indicator.texts()["scenario"] == "Scenario: connected", 20, "Scenario to show")
    assert indicator.labels["scenario"].property("muted") is False


def test_credits_indicator_offline(qtbot, qloop, cloud_services, monkeypatch):
    with Hyper3DEmulator() as emu:
        url, key = emu.base_url, emu.api_key
    monkeypatch.setenv("RODIN_BASE_URL", url)  # nothing listens there any more
    monkeypatch.setenv("RODIN_API_KEY", key)
    indicator = CreditsIndicator(cloud_services())
    qtbot.addWidget(indicator)
    indicator.refresh()
    qloop.until(lambda: indicator.texts()["hyper3d"] == "Rodin: offline", 30, "the offline state")
    assert indicator.labels["hyper3d"].toolTip()
    assert key not in indicator.labels["hyper3d"].toolTip()

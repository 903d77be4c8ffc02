"""The status bar names each configured cloud service's state, and follows key changes made in Settings."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop_app.ui.tasks import pending
from tests.ui.test_settings_dialog import memory_keyring, scenario_emu, type_into  # noqa: F401 (fixtures)


@pytest.fixture
def scenario_window(scenario_emu, memory_keyring, main_window):  # noqa: F811
    """The main window built after SCENARIO_BASE_URL points at the emulator (fixture order matters)."""
    return main_window


def settle(qloop, condition, what: str, labels=()) -> None:
    # One wait from the click to the label and every request it led to: a request still in flight when
    # run_until_complete returns would go on outside a running loop (a harness quirk, not an app one).
    loop = qloop.loop
    try:
        qloop.until(lambda: condition() and not [t for t in pending() if t.get_loop() is loop], 30, what)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; tasks: {[t.get_name() for t in pending()]}; shown: "
                             f"{[(label.text(), label.toolTip()) for label in labels]}") from None


def test_scenario_state_follows_the_keys_typed_in_settings(qtbot, qloop, scenario_window, scenario_emu):  # noqa: F811
    window = scenario_window
    credits = window.account.credits
    label = credits.labels["scenario"]
    settle(qloop, lambda: credits.texts() == {"hyper3d": "Rodin: no key", "scenario": "Scenario: no key"},
           "the first look-up")

    dialog = window.account.open_settings()
    qtbot.waitExposed(dialog)
    qloop.until(lambda: "Looking up" not in dialog.keychain_label.text(), 10, "the keychain lookup")
    type_into(qtbot, dialog, "scenario_api_key", scenario_emu.api_key)
    type_into(qtbot, dialog, "scenario_api_secret", "not-the-right-secret")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)  # no wait here: see settle()
    settle(qloop, lambda: label.text() == "Scenario: key not accepted", "the refused key", [label])
    assert "not-the-right-secret" not in label.toolTip()

    dialog = window.account.open_settings()
    qtbot.waitExposed(dialog)
    qloop.until(lambda: "Looking up" not in dialog.keychain_label.text(), 10, "the keychain lookup")
    type_into(qtbot, dialog, "scenario_api_secret", scenario_emu.api_secret)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)  # no wait here: see settle()
    settle(qloop, lambda: label.text() == "Scenario: connected", "the accepted key", [label])
    assert "does not report a balance" in label.toolTip()
    assert credits.texts()["hyper3d"] == "Rodin: no key"
    checks = [r for r in scenario_emu.requests if r.path.endswith("/models") and r.query.get("pageSize") == "1"]
    assert checks and checks[-1].authed  # "connected" was asked, not assumed


def test_scenario_offline_is_not_called_connected(qtbot, qloop, services_factory, monkeypatch):
    from tests.emulators.scenario import ScenarioEmulator

    with ScenarioEmulator() as emu:
        url, key, secret = emu.base_url, emu.api_key, emu.api_secret
    monkeypatch.setenv("SCENARIO_BASE_URL", url)  # nothing listens there any more
    monkeypatch.setenv("SCENARIO_SDK_API_KEY", key)
    monkeypatch.setenv("SCENARIO_SDK_API_SECRET", secret)
    from desktop_app.ui.settings.credits import CreditsIndicator

    services = services_factory()
    indicator = CreditsIndicator(services)
    qtbot.addWidget(indicator)
    try:
        indicator.refresh()
        qloop.until(lambda: indicator.texts()["scenario"] == "Scenario: offline", 30, "the offline state")
    finally:
        qloop.run(services.registry.aclose())
    assert secret not in indicator.labels["scenario"].toolTip()

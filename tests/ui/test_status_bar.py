"""The status bar names each configured cloud service's state, and follows key changes made in Settings."""

from __future__ import annotations

import pytest

from desktop_app.ui.tasks import pending
from tests.ui.test_settings_dialog import memory_keyring, save, scenario_emu, type_into  # noqa: F401 (fixtures)


@pytest.fixture
def scenario_window(scenario_emu, memory_keyring, main_window):  # noqa: F811
    """The main window built after SCENARIO_BASE_URL points at the emulator (fixture order matters)."""
    return main_window


def settle(qloop, condition, what: str) -> None:
    # One wait for the label and every request it needed: nothing may stay in flight when the loop stops.
    qloop.until(lambda: condition() and not pending(), 20, what)


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
    save(qtbot, qloop, dialog)
    settle(qloop, lambda: label.text() == "Scenario: key not accepted", "the refused key")
    assert "not-the-right-secret" not in label.toolTip()

    dialog = window.account.open_settings()
    qtbot.waitExposed(dialog)
    qloop.until(lambda: "Looking up" not in dialog.keychain_label.text(), 10, "the keychain lookup")
    type_into(qtbot, dialog, "scenario_api_secret", scenario_emu.api_secret)
    save(qtbot, qloop, dialog)
    settle(qloop, lambda: label.text() == "Scenario: connected", "the accepted key")
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
    from desktop_app.ui.credits import CreditsIndicator

    services = services_factory()
    indicator = CreditsIndicator(services)
    qtbot.addWidget(indicator)
    try:
        indicator.refresh()
        qloop.until(lambda: indicator.texts()["scenario"] == "Scenario: offline", 30, "the offline state")
    finally:
        qloop.run(services.registry.aclose())
    assert secret not in indicator.labels["scenario"].toolTip()

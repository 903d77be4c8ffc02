"""Adding a provider is one package and one line: with tests/example_provider added to the provider list, the app
offers it everywhere (model picker, welcome, Accounts page with its Test button, status-bar credits, Jobs and
Advanced settings) and generates with it, with no other change."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from desktop_app.core.jobs.store import JobState
from desktop_app.providers import catalog
from desktop_app.ui.main_window import MainWindow
from tests.example_provider import GOOD_TOKEN
from tests.ui.conftest import run_in_window, wait_until


@pytest.fixture
def with_example(monkeypatch):
    monkeypatch.setattr(catalog, "PROVIDERS", [*catalog.PROVIDERS, "tests.example_provider"])  # the one line
    monkeypatch.setenv("EXAMPLE_TOKEN", GOOD_TOKEN)


def test_an_added_provider_shows_everywhere_and_generates(with_example, qtbot, qloop, services_factory,
                                                           fixture_images):
    services = services_factory()
    assert "example" in services.registry.providers
    window = MainWindow(services, automation=False)  # the example is offline: nothing can be spent

    async def body() -> None:
        picker = window.model_combo
        index = picker.findData("example:cube")
        assert index > 0 and picker.itemText(index).strip() == "Example cube"
        assert picker.itemText(index - 1) == "Example service — token, pretend credits"  # its own heading
        credits = window.account.credits
        await wait_until(lambda: credits.texts().get("example") == "Example: 42 credits", 20, "the example balance")

        welcome = window.account.open_welcome()
        texts = [label.text() for label in welcome.findChildren(QLabel)]
        assert "<b>Example service</b>" in texts and any("makes cubes" in t for t in texts)
        assert "example_token" in welcome.fields
        welcome.done(0)

        dialog = window.account.open_settings()
        await wait_until(lambda: "Looking up" not in dialog.keychain_label.text(), 10, "the keychain lookup")
        assert dialog.fields["example_token"].from_environment()
        dialog.test_buttons["example"].click()
        await wait_until(lambda: "42 credits left" in dialog.test_results["example"].text(), 20, "the key test")
        assert "example" in dialog.concurrency and "example" in dialog.base_urls
        dialog.reject()

        picker.setCurrentIndex(index)
        await wait_until(lambda: getattr(window.generate_panel.schema(), "id", "") == "example:cube", 10, "its form")
        window.drop_zone.add_paths([fixture_images / "typical_misc_crate.png"])
        await wait_until(window.generate_button.isEnabled, 20, "Generate to enable")
        qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
        store = window.services.store
        await wait_until(lambda: bool(store.list()) and store.list()[0].state.terminal, 30, "the example job")
        job = store.list()[0]
        assert job.state is JobState.SUCCEEDED and job.cost == 2.0
        item = await asyncio.to_thread(window.services.library.get, job.item_id)
        assert item.model_path.name.endswith(".glb") and item.model_path.exists()

    run_in_window(qloop, window, body)

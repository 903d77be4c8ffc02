"""A full Rodin job and a full Scenario job with known keys, then every file under MESHWRIGHT_HOME (settings,
journal, library, caches, the rotating logs at DEBUG) is searched for the keys, raw and base64-encoded."""

from __future__ import annotations

import asyncio
import base64
import logging
from pathlib import Path

import keyring

from desktop_app.core.jobs.store import JobState
from desktop_app.core.logs import setup_logging
from desktop_app.core.settings import KEYRING_SERVICE
from desktop_app.ui.main_window import MainWindow
from tests.emulators.hyper3d import Hyper3DEmulator
from tests.emulators.scenario import ScenarioEmulator
from tests.ui.test_gui_providers import choose_model, run_job
from tests.ui.test_settings_dialog import MemoryKeyring

RODIN_KEY = "rk-leakcheck-3b9f27c1d0e4a5f6"
SCENARIO_KEY = "sk-leakcheck-8e1d4c2b"
SCENARIO_SECRET = "ss-leakcheck-5a7f9e3d1c"


def forms(*values: str) -> list[bytes]:
    """Each value as sent or stored anywhere: raw, base64 alone, and the Basic-auth "key:secret" pair."""
    out = [v.encode() for v in values]
    out += [base64.b64encode(v.encode()) for v in values]
    out.append(base64.b64encode(f"{SCENARIO_KEY}:{SCENARIO_SECRET}".encode()))
    return out


def leaks(root: Path, needles: list[bytes]) -> list[str]:
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.relative_to(root)}: {n[:6]!r}…" for n in needles if n in data]
    return found


def test_no_key_reaches_any_file_or_log(qtbot, qloop, services_factory, monkeypatch, isolated_home,
                                        fixture_images, caplog):
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    backend.store[(KEYRING_SERVICE, "rodin_api_key")] = RODIN_KEY  # as Settings would have stored it
    root = logging.getLogger()
    caplog.set_level(logging.DEBUG)
    handlers_before = list(root.handlers)
    try:
        with Hyper3DEmulator(api_key=RODIN_KEY) as rodin, \
                ScenarioEmulator(api_key=SCENARIO_KEY, api_secret=SCENARIO_SECRET) as scenario:
            monkeypatch.setenv("RODIN_BASE_URL", rodin.base_url)
            monkeypatch.setenv("SCENARIO_BASE_URL", scenario.base_url)
            monkeypatch.setenv("SCENARIO_SDK_API_KEY", SCENARIO_KEY)  # the environment route for Scenario
            monkeypatch.setenv("SCENARIO_SDK_API_SECRET", SCENARIO_SECRET)
            services = services_factory(poll_override=(0.05, 0.2))
            log_file = setup_logging(services.paths.log_dir, logging.DEBUG)
            window = MainWindow(services, automation=False)

            async def body() -> None:
                window.show()
                await asyncio.to_thread(services.secrets.preload)
                await window.start()
                try:
                    await choose_model(window, "hyper3d:rodin")
                    job = await run_job(window, qtbot, [fixture_images / "typical_creature_dragon.png"])
                    assert job.state is JobState.SUCCEEDED, job.message
                    window.drop_zone.clear()
                    await choose_model(window, "scenario:model_trellis-2")
                    count = len(services.store.list())
                    window.drop_zone.add_paths([fixture_images / "typical_building_castle.png"])
                    from tests.ui.conftest import wait_until

                    await wait_until(window.generate_button.isEnabled, what="Generate to enable")
                    window.generate()
                    await wait_until(lambda: len(services.store.list()) > count
                                     and all(j.state.terminal for j in services.store.list()), 60, "the 2nd job")
                    assert all(j.state is JobState.SUCCEEDED for j in services.store.list())
                    # The status bar asks for the balance with the stored key.
                    window.account.credits.refresh()
                    await wait_until(lambda: window.account.credits.texts()["hyper3d"].endswith("credits"), 20,
                                     what="the balance")
                finally:
                    await window.shutdown()
                    window.hide()
                    window.deleteLater()
                    await asyncio.sleep(0.05)

            qloop.run(body(), timeout=120)
            assert rodin.submits == 1 and scenario.generate_posts == 1
        for handler in root.handlers:
            handler.flush()
        assert log_file.stat().st_size > 0 and "job " in log_file.read_text(encoding="utf-8")
        needles = forms(RODIN_KEY, SCENARIO_KEY, SCENARIO_SECRET)
        assert leaks(isolated_home, needles) == []
        assert not [n for n in needles if n.decode() in caplog.text]
    finally:
        for handler in [h for h in root.handlers if h not in handlers_before]:
            root.removeHandler(handler)
            handler.close()
        keyring.set_keyring(previous)

"""The Spending window opened from View → Spending…, read through its widgets; the cap set in Settings → Spending
reaches the scheduler at once and stops the next paid job over the loopback Scenario emulator."""

from __future__ import annotations

from PySide6.QtGui import QAction

from desktop_app.core.jobs.spending import CHARGE, NOT_CHARGED, REFUND, Entry, Ledger, today
from desktop_app.core.jobs.store import JobState
from desktop_app.core.settings import load_settings
from tests.ui.test_settings_dialog import memory_keyring, open_dialog, save, scenario_emu  # noqa: F401 - fixtures


def _menu_action(window, text: str) -> QAction:
    for menu_action in window.menuBar().actions():
        for action in menu_action.menu().actions():
            if action.text().replace("&", "") == text:
                return action
    raise AssertionError(f"no menu action {text}")


def test_spending_window_shows_rows_totals_and_bars(qtbot, qloop, main_window):
    ledger = Ledger(main_window.services.store)
    ledger.record(Entry("j1", CHARGE, "scenario", "scenario:model_trellis-2", "2026-03-02", 30, "CU", quoted=30))
    ledger.record(Entry("j2", CHARGE, "scenario", "scenario:model_trellis-2", "2026-03-02", 30, "CU"))
    ledger.record(Entry("j2", REFUND, "scenario", "scenario:model_trellis-2", "2026-03-02", 30, "CU"))
    ledger.record(Entry("j3", CHARGE, "scenario", "scenario:model_hunyuan-3d-v2-1", "2026-03-03", 25, "CU"))
    ledger.reserve("h1", "hyper3d", "hyper3d:rodin", 0.5, "credits", None, day="2026-03-04")  # being sent
    ledger.set_balance("h1", before=99)
    _menu_action(main_window, "Spending…").trigger()
    view = main_window._spending_window
    qtbot.waitExposed(view)
    qloop.until(lambda: view.table.rowCount() == 3, 10, "the ledger rows")
    cells = [[view.table.item(r, c).text() for c in range(view.table.columnCount())]
             for r in range(view.table.rowCount())]
    assert cells == [
        ["2026-03-02", "Scenario", "Trellis 2", "2", "60 CU", "30 CU", "30 CU", "30 CU", ""],
        ["2026-03-03", "Scenario", "Hunyuan 3D 2.1", "1", "25 CU", "0 CU", "25 CU", "–", ""],
        ["2026-03-04", "Hyper3D Rodin", "Hyper3D Rodin", "0", "0 credits", "0 credits", "0 credits",
         "0.5 credits", "0.5 credits"],
    ]
    assert view.totals.text() == ("Total Scenario (CU): charged 85, refunded 30, net 55\n"
                                  "Total Hyper3D Rodin (credits): charged 0, refunded 0, net 0 (0.5 reserved)")
    jobs = [[view.jobs.item(r, c).text() for c in range(view.jobs.columnCount())]
            for r in range(view.jobs.rowCount())]
    assert jobs[0] == ["2026-03-04", "Hyper3D Rodin", "0.5 credits", "–", "", "99", "unknown",
                       "reserved: being sent, or its outcome is unknown"]
    assert jobs[-1] == ["2026-03-02", "Trellis 2", "30 CU", "30 CU", "", "unknown", "unknown",
                        "charged"]
    assert jobs[-2][3:5] == ["30 CU", "30 CU"] and jobs[-2][-1] == "refunded"
    view.model_names.clear()  # before the models are listed: their ids
    view.refresh()
    qloop.until(lambda: view.table.item(0, 2).text() == "scenario:model_trellis-2", 10, "the model's id")
    assert view.chart.days == {"2026-03-02": 30, "2026-03-03": 25}
    view.service.setCurrentIndex(view.service.findData("hyper3d"))
    assert view.chart.days == {}
    view.close()


def test_cap_set_in_settings_stops_the_next_paid_job(qtbot, qloop, open_dialog, memory_keyring,  # noqa: F811
                                                     scenario_emu, services_factory, fixture_images,  # noqa: F811
                                                     monkeypatch):
    monkeypatch.setenv("SCENARIO_SDK_API_KEY", scenario_emu.api_key)
    monkeypatch.setenv("SCENARIO_SDK_API_SECRET", scenario_emu.api_secret)
    services = services_factory(poll_override=(0.02, 0.1))
    Ledger(services.store).record(Entry("earlier", CHARGE, "scenario", "scenario:model_trellis-2", today(), 185,
                                        "CU"))
    dialog = open_dialog(services)
    dialog.tabs.setCurrentWidget(dialog.spending)
    spin = dialog.spending.spins["scenario"]
    spin.setValue(200)
    save(qtbot, qloop, dialog)
    assert services.scheduler.daily_caps == {"scenario": 200} == load_settings(services.paths).daily_caps

    async def generate():
        job = await services.scheduler.create_job("scenario:model_trellis-2",
                                                  [fixture_images / "typical_misc_crate.png"], {})
        return await services.scheduler.run(job.id)

    job = qloop.run(generate())
    assert job.state is JobState.FAILED
    assert job.message == ("Today's Scenario spending cap of 200 CU is reached: 185 CU spent, this job is quoted "
                           f"at 30 CU. Raise the cap in Settings → Spending or wait until tomorrow. {NOT_CHARGED}")
    assert scenario_emu.generate_posts == 0
    qloop.run(services.aclose())


def test_spending_window_labels_a_deleted_jobs_reservation_unsettled(qtbot, qloop, main_window):
    """A job deleted while its paid request's fate was unknown: its reservation still counts, and says why."""
    from desktop_app.core.jobs.store import PAID_REQUEST, Job, JobState, new_job_id

    store = main_window.services.store
    job = store.create(Job(id=new_job_id(), model_id="scenario:model_trellis-2"))
    store.transition(job.id, JobState.UPLOADING, "Sending", submit_stage=PAID_REQUEST)
    ledger = Ledger(store)
    ledger.reserve(job.id, "scenario", "scenario:model_trellis-2", 30, "CU", None, day="2026-03-05")
    store.transition(job.id, JobState.NEEDS_CHECK, "Scenario may have received this job.")
    store.delete(job.id)
    _menu_action(main_window, "Spending…").trigger()
    view = main_window._spending_window
    qtbot.waitExposed(view)
    qloop.until(lambda: view.table.rowCount() == 1 and view.jobs.rowCount() == 1, 10, "the ledger rows")
    assert view.table.item(0, view.table.columnCount() - 1).text() == "30 CU unsettled"
    assert view.jobs.item(0, view.jobs.columnCount() - 1).text() == "unsettled: job deleted, may have been charged"
    assert view.totals.text().endswith("(30 unsettled: job deleted, may have been charged)")
    view.close()

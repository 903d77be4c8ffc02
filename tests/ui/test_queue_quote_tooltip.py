"""The queue's row tooltip names a paid job's quote (from the spend ledger's reservation, written before the paid
request leaves) while it runs, and its quote beside the charge once settled; a free job's says neither. The ledger
is read in a worker (ui/queue/quotes.py), never on the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop_app.core.jobs.spending import Ledger
from desktop_app.core.jobs.store import JobState
from desktop_app.core.library.store import LibraryItem
from desktop_app.core.library.versions import model_input_for
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.queue.job_list import JobListModel
from tests.emulators.scenario import ScenarioEmulator
from tests.ui.conftest import wait_until


def _tooltip(model: JobListModel, job_id: str) -> str:
    row = model.row_of(job_id)
    return "" if row is None else str(model.data(model.index(row), Qt.ItemDataRole.ToolTipRole) or "")


def test_a_paid_job_shows_its_quote_then_its_charge_in_the_queue_tooltip(sphere_window):
    async def body(window: MainWindow, emu: ScenarioEmulator, item: LibraryItem) -> None:
        emu.hold_generate.set()  # the paid request waits at the service, its job made: reserved, not charged
        scheduler = window.services.scheduler
        model = window.job_model
        source = model_input_for(window.services.library, item.id)
        job = await scheduler.create_job("scenario:model_meshy-remesh", [], {"targetPolycount": 300},
                                         models=[source])
        window.queue_panel.bus.jobStarted.emit(job.id)
        scheduler.start(job.id)
        await wait_until(lambda: emu.held["generate"] >= 1, 30, "the paid request at the service")
        ledger = Ledger(window.services.store)
        line = ledger.job_lines([job.id])[job.id]
        assert line.quoted and line.quoted > 0 and line.charged is None
        quoted = line.quoted
        await wait_until(lambda: f"Quoted {quoted:g} CU" in _tooltip(model, job.id), 10, "the quote in the tooltip")
        assert "Charged" not in _tooltip(model, job.id)  # sent, not answered: a quote, no charge yet

        emu.hold_generate.clear()
        await wait_until(lambda: scheduler.store.get(job.id).state.terminal, 60, "the job to end")
        assert scheduler.store.get(job.id).state is JobState.SUCCEEDED
        charged = ledger.job_lines([job.id])[job.id].charged
        assert charged == emu.charged[next(iter(emu.charged))]
        await wait_until(lambda: f"Quoted {quoted:g} CU · Charged {charged:g} CU" in _tooltip(model, job.id), 10,
                         "the charge beside the quote")

    sphere_window(body)


def test_a_free_job_and_a_removed_one_say_nothing_about_money(main_window, qloop):
    """The model's cache: a job with no ledger rows has no money line; a removed job's line is dropped."""
    from desktop_app.core.jobs.spending import CHARGE, Entry

    model = main_window.job_model
    Ledger(main_window.services.store).record(Entry("paid-1", CHARGE, "scenario", "scenario:model_trellis-2",
                                                    "2026-03-02", 30, "CU", quoted=28))
    lines = qloop.run(_read(main_window, ["paid-1", "free-1"]))
    assert set(lines) == {"paid-1"}
    model.set_money(["paid-1", "free-1"], lines)
    assert model.money["paid-1"].quoted == 28 and "free-1" not in model.money
    model.remove("paid-1")
    assert "paid-1" not in model.money


async def _read(window: MainWindow, ids: list[str]):
    from desktop_app.ui.tasks import blocking

    return await blocking(Ledger(window.services.store).job_lines, ids)

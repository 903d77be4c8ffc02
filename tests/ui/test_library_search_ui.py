"""Search while typing in the real window: one search at a time, only the newest query's answer is shown, and
the list view shows every column without measuring rows."""

from __future__ import annotations

import asyncio
import threading
import time

from desktop_app.core.library.store import LibraryQuery
from desktop_app.ui.main_window import MainWindow
from tests.ui.test_library_gui import add, titles


def test_typing_runs_only_the_newest_search(main_window: MainWindow, qloop, tmp_path, fixture_images):
    lib = main_window.services.library
    image = fixture_images / "typical_creature_dragon.png"
    add(lib, tmp_path, "red dragon", image, created=2.0)
    add(lib, tmp_path, "Stone castle", image, created=1.0)
    view = main_window.library_view
    view.reload()
    qloop.until(lambda: view.model.rowCount() == 2, 10, "the library to list two items")

    real_search = view._reader.search
    asked: list[str] = []
    threads: set[str] = set()

    def slow_search(query: LibraryQuery):
        asked.append(query.text)
        threads.add(threading.current_thread().name)
        time.sleep(0.5)  # a big library: keys arrive while this search runs
        return real_search(query)

    view._reader.search = slow_search
    applied: list[str] = []
    view.reloaded.connect(lambda: applied.append(view.query().text))

    async def type_fast() -> None:
        view.search.blockSignals(True)  # no debounce: this test issues a search at every key itself
        for text in ("s", "st", "sto", "ston", "stone"):
            view.search.setText(text)
            view.reload()
            await asyncio.sleep(0.03)
        view.search.blockSignals(False)
        await view.refresh()

    qloop.run(type_fast())
    # The first key's search was running; the four after it collapsed into the newest one (refresh's own).
    assert asked == ["s", "stone"] and applied == ["stone"]
    assert titles(main_window) == ["Stone castle"] and view.count_label.text() == "1 item(s)"
    assert threads and all(name.startswith("library-search") for name in threads)


def test_list_columns_are_wide_enough(main_window: MainWindow, qloop, tmp_path, fixture_images):
    lib = main_window.services.library
    add(lib, tmp_path, "Biplane", fixture_images / "typical_vehicle_biplane.png", model="hyper3d:rodin", cost=12.5)
    view = main_window.library_view
    view.set_list_mode(True)
    view.reload()
    qloop.until(lambda: view.model.rowCount() == 1, 10, "the item")
    metrics = view.table.fontMetrics()
    header = view.table.horizontalHeader()
    for column in range(1, 5):
        text = view.model.index(0, column).data()
        assert metrics.horizontalAdvance(text) < header.sectionSize(column), (column, text)

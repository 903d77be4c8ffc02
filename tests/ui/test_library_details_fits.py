"""The library details on a 1366x768 laptop: an item with several versions shows its versions list in the details'
view once scrolled there (by reveal_versions or by tabbing into the list), every listed row within the view."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QRect, Qt

from desktop_app.core.library.files import import_model
from desktop_app.core.library.versions import add_version
from desktop_app.ui import window_geometry
from desktop_app.ui.library.versions import VISIBLE_ROWS
from desktop_app.ui.main_layout import Workspaces
from desktop_app.ui.main_window import MainWindow
from tests.emulators.common import make_glb

LAPTOP = QRect(0, 0, 1366, 768 - 40)  # a 1366x768 screen less a 40 px taskbar


def _versioned_item(library, tmp_path, count: int):
    (tmp_path / "src.glb").write_bytes(make_glb(seed=1))
    item = import_model(library, tmp_path / "src.glb", "Castle")
    for n in range(2, count + 1):
        job = tmp_path / f"job{n}"
        (job / "outputs").mkdir(parents=True)
        (job / "outputs" / "model.glb").write_bytes(make_glb(seed=n))
        item = add_version(library, item.id, job, model_id="scenario:model_meshy-remesh", params={"n": n},
                           job_id=f"job-{n}", made_from=n - 1)
    return item


def _visible_height(widget) -> int:
    return widget.visibleRegion().boundingRect().height()


def test_versions_list_comes_into_view_at_1366x768(qtbot, qloop, services_factory, monkeypatch, tmp_path):
    monkeypatch.setattr(window_geometry, "available_rect", lambda _window: LAPTOP)
    window = MainWindow(services_factory(), automation=True)
    window.show()
    qtbot.waitExposed(window)
    qloop.run(window.start())
    try:
        assert window.height() <= LAPTOP.height()
        item = _versioned_item(window.services.library, tmp_path, 5)
        window.workspaces.show(Workspaces.LIBRARY)
        window.library_view.reload()
        details = window.library_panel.details
        section = details.versions
        qloop.until(lambda: window.library_view.select(item.id) is None and section.isVisible()
                    and section.list.count() == 5, 10, "five versions listed")
        qloop.run(asyncio.sleep(0.1))  # the layout settles
        box = section.list
        assert box.height() >= VISIBLE_ROWS * box.fontMetrics().height()  # four readable rows, then it scrolls
        assert box.height() <= details._scroll.viewport().height()  # the list fits the view on a laptop

        details.reveal_versions()
        assert _visible_height(box) == box.height()  # all of it, not a sliver
        assert _visible_height(section.compare_button) == section.compare_button.height()
        for row in range(box.count()):  # every version reachable: scrolled to inside the list, then clickable
            box.scrollToItem(box.item(row))
            rect = box.visualItemRect(box.item(row))
            assert box.viewport().rect().contains(rect.center())
            assert box.viewport().visibleRegion().contains(rect.center())

        bar = details._scroll.verticalScrollBar()
        bar.setValue(0)
        assert _visible_height(box) == box.height()  # an item with no pictures: its versions show unscrolled
        bar.setValue(bar.maximum())  # scrolled down to the files: the list is above the view
        assert _visible_height(box) < box.height()
        details.title.setFocus()
        qloop.run(asyncio.sleep(0.05))
        for _ in range(20):  # Tab through the name, tags and buttons into the versions list
            if window.focusWidget() is box:  # (hasFocus wants an active window, which Xvfb may not give)
                break
            qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Tab)
        assert window.focusWidget() is box
        assert _visible_height(box) == box.height()
    finally:
        qloop.run(window.shutdown())
        window.hide()
        window.deleteLater()
        qloop.run(asyncio.sleep(0.05))

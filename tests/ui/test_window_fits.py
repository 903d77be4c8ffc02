"""The main window fits the screen it opens on (a 1366x768 laptop above all) and comes back as it was left."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QPoint, QRect

from desktop_app.ui import window_geometry
from desktop_app.ui.main_window import MainWindow

LAPTOP = QRect(0, 0, 1366, 768 - 40)  # a 1366x768 screen less a 40 px taskbar


def _open(qtbot, qloop, services) -> MainWindow:
    window = MainWindow(services, automation=True)
    window.show()
    qtbot.waitExposed(window)
    qloop.run(window.start())
    return window


def _close(qloop, window: MainWindow) -> None:
    qloop.run(window.shutdown())
    window.hide()
    window.deleteLater()
    qloop.run(asyncio.sleep(0.05))


def _inside(window: MainWindow, widget) -> bool:
    top_left = widget.mapTo(window, QPoint(0, 0))
    return window.rect().contains(QRect(top_left, widget.size()))


def test_on_a_laptop_screen_generate_and_the_status_bar_are_on_screen(qtbot, qloop, services_factory, monkeypatch):
    monkeypatch.setattr(window_geometry, "available_rect", lambda _window: LAPTOP)
    window = _open(qtbot, qloop, services_factory())
    try:
        assert window.width() <= LAPTOP.width() and window.height() <= LAPTOP.height()
        assert _inside(window, window.generate_button) and window.generate_button.isVisible()
        assert _inside(window, window.statusBar())
        assert window.generate_button.height() >= 30
        # The settings form has room: more than a sliver of its scroll area is visible.
        assert window.form.visibleRegion().boundingRect().height() >= 150
    finally:
        _close(qloop, window)


def test_ctrl_2_shows_the_library_across_half_the_window_and_ctrl_1_comes_back(qtbot, qloop, services_factory,
                                                                                monkeypatch):
    monkeypatch.setattr(window_geometry, "available_rect", lambda _window: LAPTOP)
    window = _open(qtbot, qloop, services_factory())
    try:
        view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
        by_key = {a.shortcut().toString(): a for a in view_menu.actions()}
        by_key["Ctrl+2"].trigger()
        qloop.until(window.library_view.isVisible, 5, "the library workspace")
        assert not window.generate_button.isVisible()
        assert window.library_view.width() >= window.width() * 0.4
        by_key["Ctrl+1"].trigger()
        qloop.until(window.generate_button.isVisible, 5, "the create workspace")
    finally:
        _close(qloop, window)


def test_size_and_workspace_come_back_after_a_restart(qtbot, qloop, services_factory):
    services = services_factory()
    window = _open(qtbot, qloop, services)
    window.resize(1000, 650)
    window.workspaces.show(window.workspaces.LIBRARY)
    qloop.run(asyncio.sleep(0.1))
    _close(qloop, window)
    again = _open(qtbot, qloop, services_factory())
    try:
        assert (again.width(), again.height()) == (1000, 650)
        assert again.workspaces.current() == again.workspaces.LIBRARY
    finally:
        _close(qloop, again)


def test_a_saved_size_bigger_than_this_screen_is_not_used(qtbot, qloop, services_factory, monkeypatch):
    services = services_factory()
    window = _open(qtbot, qloop, services)
    window.resize(1800, 1100)  # left like this on a big monitor, which is now unplugged
    qloop.run(asyncio.sleep(0.1))
    _close(qloop, window)
    monkeypatch.setattr(window_geometry, "available_rect", lambda _window: LAPTOP)
    again = _open(qtbot, qloop, services_factory())
    try:
        assert again.width() <= LAPTOP.width() and again.height() <= LAPTOP.height()
    finally:
        _close(qloop, again)

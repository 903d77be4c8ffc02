"""The keyboard: Ctrl+Enter generates, Tab follows the panels, and every Alt+letter does one thing."""

from __future__ import annotations

import re
from collections import Counter

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QTabWidget, QWidget

from desktop_app.core.jobs.store import JobState
from tests.ui.test_welcome_and_crash import open_welcome

_MNEMONIC = re.compile(r"(?<!&)&([^&\s])")


def mnemonics(window: QWidget) -> list[str]:
    """The Alt+letter keys of what is visible in ``window`` now (tab titles included)."""
    keys = []
    for widget in window.findChildren(QWidget):
        if not widget.isVisibleTo(window):
            continue
        if isinstance(widget, QAbstractButton) or (isinstance(widget, QLabel) and widget.buddy() is not None):
            keys += [m.lower() for m in _MNEMONIC.findall(widget.text())]
        if isinstance(widget, QTabWidget):
            for index in range(widget.count()):
                keys += [m.lower() for m in _MNEMONIC.findall(widget.tabText(index))]
    return keys


def duplicates(keys: list[str]) -> list[str]:
    return sorted(k for k, n in Counter(keys).items() if n > 1)


def test_ctrl_enter_generates_only_when_generate_could(main_window, qtbot, qloop, fixture_images):
    window = main_window
    store = window.services.store
    assert "Ctrl+Return" in window.generate_button.toolTip()
    window.activateWindow()  # a window shortcut needs its window active
    qloop.until(window.isActiveWindow, 5, "the window to be active")
    qtbot.keyClick(window.model_combo, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qloop.run(_pause())
    assert store.list() == []  # no image yet: the shortcut does not get round the disabled button

    window.drop_zone.add_paths([fixture_images / "typical_creature_dragon.png"])
    qloop.until(window.generate_button.isEnabled, 20, "Generate to enable")
    qtbot.keyClick(window.model_combo, Qt.Key.Key_Enter,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.KeypadModifier)
    qloop.until(lambda: len(store.list()) == 1 and store.list()[0].state is JobState.SUCCEEDED, 60, "the job")


async def _pause() -> None:
    import asyncio

    await asyncio.sleep(0.2)


def test_tab_walks_the_panels_in_reading_order(main_window, qtbot, qloop, fixture_images):
    window = main_window
    window.drop_zone.add_paths([fixture_images / "typical_creature_dragon.png"])
    qloop.until(window.generate_button.isEnabled, 20, "Generate to enable")
    window.generate()
    qloop.until(lambda: window.library_view.model.rowCount() == 1, 60, "the result in the library")
    # A second model's form is built later: Qt would append its fields to the end of the chain.
    window.form.set_schema(window.generate_panel.schema())
    window.activateWindow()
    regions = window.focus_regions()
    window.drop_zone.list.setFocus()
    qloop.until(lambda: QApplication.focusWidget() is window.drop_zone.list, 5, "the focus")
    visited = []
    for _ in range(60):
        focus = QApplication.focusWidget()
        assert focus is not window.generate_panel.form_scroll  # the frame around the form takes no Tab stop
        index = next((i for i, r in enumerate(regions) if r is focus or r.isAncestorOf(focus)), None)
        if index is not None and (not visited or visited[-1] != index):
            visited.append(index)
        focus.focusNextPrevChild(True)
    first_round = visited[:visited.index(0, 1)] if 0 in visited[1:] else visited
    # The Create workspace is shown: its form, then the queue strip; the Library list (5) is on the other tab.
    # Then the preview, where it has controls that take the focus.
    assert first_round in ([0, 1, 2, 3, 4, 6], [0, 1, 2, 3, 4, 6, 7]), \
        [type(regions[i]).__name__ for i in first_round]


def test_every_mnemonic_in_the_welcome_and_settings_is_unique(main_window, qtbot, qloop):
    welcome = open_welcome(qtbot, qloop, main_window)
    keys = mnemonics(welcome)
    assert "i" in keys and duplicates(keys) == []
    dialog = main_window.account.open_settings()
    qtbot.waitExposed(dialog)
    for index in range(dialog.tabs.count()):
        dialog.tabs.setCurrentIndex(index)
        assert duplicates(mnemonics(dialog)) == [], dialog.tabs.tabText(index)
    dialog.reject()
    welcome.done(0)


def test_alt_i_skips_the_welcome(main_window, qtbot, qloop):
    welcome = open_welcome(qtbot, qloop, main_window)
    welcome.activateWindow()
    qloop.until(welcome.isActiveWindow, 5, "the welcome to be active")
    qtbot.keyClick(welcome, Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)
    qloop.until(lambda: main_window.account.welcome is None, 10, "the welcome to close")
    assert main_window.services.settings.welcome_done

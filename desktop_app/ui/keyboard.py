"""Keyboard use of the main window: Ctrl+Enter generates, and Tab walks the panels in reading order.

Kept out of main_window.py (size). Tab order: drop zone -> model -> presets and settings form -> Generate ->
library (in its workspace) -> queue -> preview. The settings form is rebuilt for every model, and Qt appends new
widgets to the end of the window's focus chain, so the order is put right again each time a form is built.
"""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QScrollArea, QWidget

if TYPE_CHECKING:
    from desktop_app.ui.main_window import MainWindow

GENERATE_KEYS = ("Ctrl+Return", "Ctrl+Enter")  # Return on the main keyboard, Enter on the keypad


def focus_regions(window: MainWindow) -> list[QWidget]:
    """The panels in the order Tab visits them: the side column (the Create form, or the Library when that
    workspace is shown; hidden widgets take no focus), then the queue strip, then the preview."""
    return [window.drop_zone, window.model_combo, window.presets, window.form, window.generate_button,
            window.library_view, window.queue, window.preview]


class KeyboardWiring(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.shortcuts = [QShortcut(QKeySequence(keys), window, self.generate) for keys in GENERATE_KEYS]
        for shortcut in self.shortcuts:
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)  # also while typing in the prompt box
        keys = QKeySequence(GENERATE_KEYS[0]).toString(QKeySequence.SequenceFormat.NativeText)
        window.generate_button.setToolTip(self.tr("Make a 3D model from the images and settings (%1)")
                                          .replace("%1", keys))
        window.form.changed.connect(self._on_form_changed)
        scroll = window.form.parentWidget()
        while scroll is not None and not isinstance(scroll, QScrollArea):
            scroll = scroll.parentWidget()
        if scroll is not None:  # a Tab stop on the frame around the form only confuses; it still scrolls to focus
            scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.apply_tab_order()

    def generate(self) -> None:
        """Only when the button could be pressed: a shortcut must not bypass what disables it."""
        if self.window.generate_button.isEnabled():
            self.window.generate()

    def _on_form_changed(self, _values: object) -> None:
        # Also after edits: the same model's form can be rebuilt with the same schema (a reload after Settings).
        self.apply_tab_order()

    def apply_tab_order(self) -> None:
        """Chain the focusable widgets of the panels one by one, in panel order, then the preview as a whole.

        Widgets are found with findChildren, panel by panel: walking the whole window's focus chain instead left
        PySide wrappers behind that broke the library's shared selection model. The preview (another module's
        compound widget) is handed on to as one piece.
        """
        window = self.window
        regions = focus_regions(window)
        walked, preview = regions[:-1], regions[-1]
        # Not a combo box's popup list: it is a window of its own.
        ordered = [w for region in walked for w in (region, *region.findChildren(QWidget))
                   if w.window() is window and _tab_stop(w)]
        for first, second in pairwise([*ordered, preview]):
            QWidget.setTabOrder(first, second)


def _tab_stop(widget: QWidget) -> bool:
    # A widget that hands its focus to a proxy (a spin box to its line edit) is reached through that proxy.
    return bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus) and widget.focusProxy() is None

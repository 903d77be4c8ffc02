"""Keyboard use of the main window: Ctrl+Enter generates, and Tab walks the panels in reading order.

Tab order: drop zone -> model -> presets and settings form -> Generate -> library (in its workspace) -> queue ->
preview; the shell hands the regions in. The settings form is rebuilt for every model, and Qt appends new widgets
to the end of the window's focus chain, so the order is put right again each time a form is built.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from desktop_app.ui.generate.panel import GeneratePanel

GENERATE_KEYS = ("Ctrl+Return", "Ctrl+Enter")  # Return on the main keyboard, Enter on the keypad


class KeyboardWiring(QObject):
    """``regions``: the panels' focusable parts in the order Tab visits them, the preview last."""

    def __init__(self, window: QWidget, generate: GeneratePanel, regions: Callable[[], list[QWidget]]) -> None:
        super().__init__(window)
        self.window = window
        self.panel = generate
        self.regions = regions
        self.shortcuts = [QShortcut(QKeySequence(keys), window, self.generate) for keys in GENERATE_KEYS]
        for shortcut in self.shortcuts:
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)  # also while typing in the prompt box
        keys = QKeySequence(GENERATE_KEYS[0]).toString(QKeySequence.SequenceFormat.NativeText)
        generate.generate_button.setToolTip(self.tr("Make a 3D model from the images and settings (%1)")
                                            .replace("%1", keys))
        generate.form.changed.connect(self._on_form_changed)
        # A Tab stop on the frame around the form only confuses; it still scrolls to focus. (Held by the panel:
        # walking up with parentWidget() made PySide load every QWidget class of QtWidgets to type the viewport,
        # ~5 ms of the start.)
        generate.form_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.apply_tab_order()

    def generate(self) -> None:
        """Only when the button could be pressed: a shortcut must not bypass what disables it."""
        if self.panel.generate_button.isEnabled():
            self.panel.generate()

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
        regions = self.regions()
        walked, preview = regions[:-1], regions[-1]
        # Not a combo box's popup list: it is a window of its own.
        ordered = [w for region in walked for w in (region, *region.findChildren(QWidget))
                   if w.window() is window and _tab_stop(w)]
        for first, second in pairwise([*ordered, preview]):
            QWidget.setTabOrder(first, second)


def _tab_stop(widget: QWidget) -> bool:
    # A widget that hands its focus to a proxy (a spin box to its line edit) is reached through that proxy.
    return bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus) and widget.focusProxy() is None

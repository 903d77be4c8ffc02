"""The "Printability" section of the library details: the one-line verdict, the problems in plain words on
demand, the size at the print scale, and "Make printable…" (the Print… dialog).

It only shows what it is given; the details panel runs the check in a worker (core/printing/verdict.py).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from desktop_app.core.printing.verdict import Verdict

_MARK = {"ready": ("✔", "#3fa34d"), "repair": ("⚠", "#d08a1a"), "unknown": ("?", "#8a8a8a")}


def verdict_html(verdict: Verdict) -> str:
    mark, colour = _MARK.get(verdict.state, _MARK["unknown"])
    return f"<span style='color:{colour}; font-weight:bold'>{mark}</span>&nbsp;{html.escape(verdict.line)}"


class PrintabilitySection(QWidget):
    makePrintableRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("printability")
        self.verdict: Verdict | None = None
        heading = QLabel(f"<b>{self.tr('Printability')}</b>")
        self.line = QLabel()
        self.line.setObjectName("printVerdict")
        self.line.setTextFormat(Qt.TextFormat.RichText)
        self.line.setWordWrap(True)
        self.line.setAccessibleName(self.tr("Printability"))
        self.toggle = QToolButton()
        self.toggle.setObjectName("printDetailsToggle")
        self.toggle.setCheckable(True)
        self.toggle.setAutoRaise(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.setText(self.tr("Details"))
        self.toggle.setToolTip(self.tr("What each problem means for a print, the size and the volume"))
        self.toggle.toggled.connect(self._expand)
        self.details = QLabel()
        self.details.setObjectName("printDetails")
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.hide()
        self.button = QPushButton(self.tr("Make printable…"))
        self.button.setObjectName("makePrintable")
        self.button.setAutoDefault(False)
        self.button.setToolTip(self.tr("Open Print…: repair, size in millimetres, save 3MF or STL, open your slicer"))
        self.button.clicked.connect(self.makePrintableRequested)

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(heading)
        top.addWidget(self.line, 1)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.toggle)
        row.addStretch(1)
        row.addWidget(self.button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 4, 0, 4)
        lay.setSpacing(2)
        lay.addLayout(top)
        lay.addLayout(row)
        lay.addWidget(self.details)

    def show_checking(self) -> None:
        self.verdict = None
        self.line.setText(self.tr("Checking…"))
        self.line.setToolTip("")
        self.toggle.setEnabled(False)
        self.details.setText("")
        self.details.setVisible(False)

    def show_verdict(self, verdict: Verdict, checked: str = "") -> None:
        """``checked`` says which file the verdict is about when it is not the item's model (a repaired copy)."""
        self.verdict = verdict
        self.line.setText(verdict_html(verdict))
        self.line.setToolTip(verdict.tooltip())
        self.toggle.setEnabled(True)
        self.details.setText(self._details_html(verdict, checked))
        self.details.setVisible(self.toggle.isChecked())

    def verdict_text(self) -> str:
        return self.verdict.line if self.verdict is not None else self.line.text()

    def _expand(self, on: bool) -> None:
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)
        self.details.setVisible(on)

    def _details_html(self, verdict: Verdict, checked: str) -> str:
        from desktop_app.core.printing.verdict import PRINT_LONGEST_MM  # numpy: loaded once a check ran

        parts = []
        if checked:
            parts.append(f"<p><i>{html.escape(checked)}</i></p>")
        if verdict.state == "ready":
            parts.append(f"<p>{html.escape(self.tr('One closed, consistent surface: a slicer can use it as it is.'))}"
                         "</p>")
        if verdict.problems:
            rows = "".join(f"<li><b>{html.escape(text)}</b> {html.escape(meaning)}</li>"
                           for text, meaning in verdict.problems)
            parts.append(f"<ul style='margin-left:-20px'>{rows}</ul>")
        if verdict.state == "repair":
            parts.append(f"<p>{html.escape(self.tr('Make printable… repairs it and keeps the original.'))}</p>")
        if verdict.size_mm is not None:
            x, y, z = verdict.size_mm
            size = (self.tr("Size when printed: %1 × %2 × %3 mm (longest side %4 mm, what Print… starts with; "
                            "you can change it there).")
                    .replace("%1", f"{x:.1f}").replace("%2", f"{y:.1f}").replace("%3", f"{z:.1f}")
                    .replace("%4", f"{PRINT_LONGEST_MM:g}"))
            parts.append(f"<p>{html.escape(size)}</p>")
        if verdict.volume_cm3 is not None:
            volume = self.tr("Volume: %1 cm³ of material if printed solid.").replace("%1", f"{verdict.volume_cm3:.1f}")
            parts.append(f"<p>{html.escape(volume)}</p>")
        if verdict.faces:
            parts.append(f"<p>{html.escape(self.tr('%1 faces.').replace('%1', f'{verdict.faces:,}'))}</p>")
        return "".join(parts)

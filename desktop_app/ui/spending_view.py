"""The Spending window (View → Spending…): what jobs were quoted, charged and refunded, per day, model and service,
with a bar per day and the totals, and job by job with the account balance before and after. The ledger is read in
a worker thread (desktop_app.core.jobs.spending)."""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.jobs.spending import Entry, Ledger, figure, per_day, per_job, summarise
from desktop_app.ui.tasks import blocking, spawn

PAID_SERVICES = {"scenario": ("Scenario", "CU"), "hyper3d": ("Hyper3D Rodin", "credits")}
COLUMNS = ("Day", "Service", "Model", "Jobs", "Charged", "Refunded", "Net", "Quoted", "Reserved")
JOB_COLUMNS = ("Day", "Model", "Quoted", "Charged", "Refunded", "Balance before", "Balance after", "Status")
STATUS = {"reserved": "reserved: being sent, or its outcome is unknown", "refunded": "refunded",
          "estimated": "charged (estimated)", "charged": "charged",
          "unsettled": "unsettled: job deleted, may have been charged"}


class DayBars(QWidget):
    """Net spend per day as bars (QPainter: a handful of rectangles needs no plotting library)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.days: dict[str, float] = {}
        self.setMinimumHeight(120)

    def set_days(self, days: dict[str, float]) -> None:
        self.days = dict(list(days.items())[-31:])  # the last month fits a laptop screen
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = self.rect().adjusted(8, 8, -8, -20)
        if not self.days:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.tr("Nothing spent yet"))
            return
        rect.setTop(rect.top() + 14)  # room for the value over the tallest bar
        top = max(max(self.days.values()), 1e-9)
        width = min(rect.width() / len(self.days), 56.0)  # one day's spend is a bar, not a wall of colour
        color = self.palette().highlight().color()
        for i, (day, value) in enumerate(self.days.items()):
            height = max(0.0, value) / top * rect.height()
            bar = QRectF(rect.left() + i * width + 4, rect.bottom() - height, max(1.0, width - 8), height)
            painter.fillRect(bar, color)
            if len(self.days) <= 10:
                painter.setPen(self.palette().text().color())
                painter.drawText(QRectF(bar.left() - 10, bar.top() - 16, width + 4, 14),
                                 Qt.AlignmentFlag.AlignHCenter, f"{value:g}")
            if len(self.days) <= 10 or i in (0, len(self.days) - 1):
                painter.setPen(self.palette().text().color())
                painter.drawText(QRectF(bar.left() - 10, rect.bottom() + 2, width + 20, 16),
                                 Qt.AlignmentFlag.AlignHCenter, day[5:])
        painter.end()


class SpendingWindow(QDialog):
    def __init__(self, store: Any, parent: QWidget | None = None, model_names: dict[str, str] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Spending"))
        self.model_names = model_names if model_names is not None else {}  # live: filled when models are listed
        self.ledger = Ledger(store)
        self.entries: list[Entry] = []
        self.table = _table([self.tr(c) for c in COLUMNS])
        self.table.setToolTip(self.tr("Reserved: the quotes of jobs being sent, or whose outcome is unknown "
                                      "(they may have been charged); they count against the daily cap"))
        self.jobs = _table([self.tr(c) for c in JOB_COLUMNS])
        self.jobs.setToolTip(self.tr("Balance: what the service reported just before the job was sent and after "
                                     "it settled; unknown when it has no balance to read or did not answer in time"))
        tabs = QTabWidget()
        tabs.addTab(self.table, self.tr("Per day"))
        tabs.addTab(self.jobs, self.tr("Per job"))
        self.service = QComboBox()
        self.service.setToolTip(self.tr("The chart shows one service: their units differ"))
        for name, (label, _unit) in PAID_SERVICES.items():
            self.service.addItem(label, name)
        self.service.currentIndexChanged.connect(self._chart)
        self.chart = DayBars()
        self.totals = QLabel()
        self.totals.setWordWrap(True)
        self.totals.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        refresh = QPushButton(self.tr("&Refresh"))
        refresh.clicked.connect(self.refresh)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Chart:")))
        top.addWidget(self.service)
        top.addStretch(1)
        top.addWidget(refresh)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.chart)
        lay.addWidget(tabs, 1)
        lay.addWidget(self.totals)
        self.resize(760, 520)
        self.loaded: asyncio.Task[Any] | None = None
        self.refresh()

    def refresh(self) -> None:
        self.totals.setText(self.tr("Reading the ledger…"))
        self.loaded = spawn(self._load(), self.totals.setText, name="read spending")

    async def _load(self) -> None:
        self.entries = await blocking(self.ledger.entries)
        rows, totals = summarise(self.entries)
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            label = PAID_SERVICES.get(row.service, (row.service, ""))[0]
            unit = f" {row.unit}" if row.unit else ""
            mark = self.tr(" (estimated)") if row.estimated else ""
            values = (row.day, label, self._name(row.model_id), str(row.jobs), f"{row.charged:g}{unit}{mark}",
                      f"{row.refunded:g}{unit}", f"{row.net:g}{unit}", _amount(row.quoted, unit),
                      ", ".join(filter(None, [f"{row.pending:g}{unit}" if row.pending else "",
                                              self.tr("%1 unsettled").replace("%1", f"{row.unsettled:g}{unit}")
                                              if row.unsettled else ""])))
            _fill(self.table, r, values, first_number=3)
        lines = per_job(self.entries)
        self.jobs.setRowCount(len(lines))
        unknown = self.tr("unknown")
        for r, line in enumerate(reversed(lines)):  # newest first
            unit = f" {line.unit}" if line.unit else ""
            values = (line.day, self._name(line.model_id), _amount(line.quoted, unit), _amount(line.charged, unit),
                      f"{line.refunded:g}{unit}" if line.refunded else "",
                      figure(line.balance_before, unknown), figure(line.balance_after, unknown),
                      self.tr(STATUS[line.status]))
            _fill(self.jobs, r, values, first_number=2)
        self.jobs.resizeColumnsToContents()
        self.table.resizeColumnsToContents()
        totals_text = [self.tr("Total %1: charged %2, refunded %3, net %4").replace("%1", _service_unit(name))
                       .replace("%2", f"{t['charged']:g}").replace("%3", f"{t['refunded']:g}")
                       .replace("%4", f"{t['net']:g}")
                       + (self.tr(" (%1 reserved)").replace("%1", f"{t['pending']:g}") if t["pending"] else "")
                       + (self.tr(" (%1 unsettled: job deleted, may have been charged)")
                          .replace("%1", f"{t['unsettled']:g}") if t["unsettled"] else "")
                       for name, t in totals.items()]
        self.totals.setText("\n".join(totals_text) or self.tr("No paid jobs recorded yet."))
        self._chart()

    def _name(self, model_id: str) -> str:
        """The name people read ("Meshy 7 Retexture"), not the id, once the models are listed."""
        return self.model_names.get(model_id) or model_id

    def _chart(self) -> None:
        self.chart.set_days(per_day(self.entries, self.service.currentData()))


def _service_unit(key: str) -> str:
    """'scenario CU' (the ledger's key) as people read it: 'Scenario (CU)'."""
    service, _, unit = key.partition(" ")
    label = PAID_SERVICES.get(service, (service, ""))[0]
    return f"{label} ({unit})" if unit else label


def _amount(value: float | None, unit: str) -> str:
    return "–" if value is None else f"{value:g}{unit}"


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, row: int, values: tuple[str, ...], first_number: int) -> None:
    for c, text in enumerate(values):
        item = QTableWidgetItem(text)
        if c >= first_number:
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        table.setItem(row, c, item)


def open_spending(window: Any) -> SpendingWindow:
    """From the menu: one Spending window, brought forward (and re-read) when already open."""
    view = getattr(window, "_spending_window", None)
    if view is None:
        view = window._spending_window = SpendingWindow(window.services.store, window,
                                                        window.queue_panel.job_model.model_names)
    else:
        view.refresh()
    view.show()
    view.raise_()
    return view


class SpendingCaps(QWidget):
    """Settings → Spending: an optional daily cap per paid service (0 means no cap)."""

    def __init__(self, caps: dict[str, float], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        note = QLabel(self.tr("Generate refuses a paid job when today's spending on its service plus the job's "
                              "price would pass the cap. 0 means no cap."))
        note.setWordWrap(True)
        form.addRow(note)
        self.spins: dict[str, QDoubleSpinBox] = {}
        for name, (label, unit) in PAID_SERVICES.items():
            spin = QDoubleSpinBox()
            spin.setRange(0, 1_000_000)
            spin.setDecimals(1)
            spin.setSuffix(f" {unit}")
            spin.setSpecialValueText(self.tr("No cap"))
            spin.setValue(float(caps.get(name, 0) or 0))
            self.spins[name] = spin
            form.addRow(self.tr("%1 per day:").replace("%1", label), spin)

    def caps(self) -> dict[str, float]:
        return {name: spin.value() for name, spin in self.spins.items() if spin.value() > 0}


def set_caps_in_place(live: dict[str, float], typed: dict[str, float]) -> None:
    """The scheduler shares the settings' dict, so a new cap applies to the next job at once."""
    live.clear()
    live.update(typed)


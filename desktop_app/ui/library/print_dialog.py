"""Print dialog: the printability check in plain words, Repair, size in mm, Export 3MF/STL, Open in slicer.

Every step (loading, checking, repairing, writing, finding a slicer) runs in a worker; the dialog only shows
results. A repair is kept in the item as an extra "print" file; the original model is never changed.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.library.store import LibraryItem
from desktop_app.ui.tasks import blocking, spawn


class PrintDialog(QDialog):
    exported = Signal(str)  # the written path

    def __init__(self, item: LibraryItem, library: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item = item
        self.library = library
        self.exported_path: Path | None = None
        self.kept_name = ""
        self._task: asyncio.Task[Any] | None = None
        self.setWindowTitle(self.tr("Print “%1”").replace("%1", item.title))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setMinimumWidth(460)
        self.report = QLabel(self.tr("Checking the model…"))
        self.report.setObjectName("printReport")
        self.report.setWordWrap(True)
        self.report.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.size_mm = QDoubleSpinBox()
        self.size_mm.setRange(1, 10000)
        self.size_mm.setValue(100)
        self.size_mm.setSuffix(self.tr(" mm"))
        self.size_mm.setToolTip(self.tr("The model is scaled so its longest side has this length"))
        self.format = QComboBox()
        self.format.addItem(self.tr("3MF (millimetres, preferred by slicers)"), "3mf")
        self.format.addItem(self.tr("STL"), "stl")
        self.orient = QComboBox()
        self.orient.addItem(self.tr("Keep the front-facing pose"), "keep")
        self.orient.addItem(self.tr("Lay flat on its largest stable face"), "flat")
        self.orient.setToolTip(self.tr("Lying flat needs fewer supports and sticks better to the plate; keeping "
                                       "the pose prints it standing as it was made"))
        self.hollow = QCheckBox(self.tr("Hollow, walls"))
        self.hollow.setToolTip(self.tr("Empty the inside to save material (no drain hole: for filament "
                                       "printers, not resin)"))
        self.wall_mm = QDoubleSpinBox()
        self.wall_mm.setRange(0.4, 50)
        self.wall_mm.setValue(2)
        self.wall_mm.setSingleStep(0.5)
        self.wall_mm.setSuffix(self.tr(" mm"))
        self.wall_mm.setEnabled(False)
        self.hollow.toggled.connect(self.wall_mm.setEnabled)
        hollow_row = QHBoxLayout()
        hollow_row.addWidget(self.hollow)
        hollow_row.addWidget(self.wall_mm)
        hollow_row.addStretch(1)
        self.colour = QCheckBox(self.tr("Colour from the model's texture (3MF)"))
        self.colour.setToolTip(self.tr("Writes one colour per triangle in the 3MF. PrusaSlicer, OrcaSlicer and "
                                       "Bambu Studio ignore it today and print in one filament"))
        self.format.currentIndexChanged.connect(
            lambda _i: self.colour.setEnabled(self.format.currentData() == "3mf"))
        form = QFormLayout()
        form.addRow(self.tr("Longest side"), self.size_mm)
        form.addRow(self.tr("Position"), self.orient)
        form.addRow(self.tr("Inside"), hollow_row)
        form.addRow(self.tr("Format"), self.format)
        form.addRow("", self.colour)
        self.repair_button = QPushButton(self.tr("Repair"))
        self.repair_button.setToolTip(self.tr("Close holes, fix flipped faces, remove loose bits; the original "
                                              "is kept"))
        self.export_button = QPushButton(self.tr("Export for printing…"))
        self.export_button.setToolTip(self.tr("Repair if needed, stand it on the plate and save the file"))
        self.slicer_button = QPushButton(self.tr("Open in slicer"))
        self.slicer_button.setToolTip(self.tr("Open the exported file in PrusaSlicer, OrcaSlicer, Bambu Studio "
                                              "or Cura; otherwise show the file"))
        self.slicer_button.setEnabled(False)
        self.close_button = QPushButton(self.tr("Close"))
        for button in (self.repair_button, self.export_button, self.slicer_button, self.close_button):
            button.setAutoDefault(False)
        self.repair_button.clicked.connect(self.repair)
        self.export_button.clicked.connect(self.choose_file)
        self.slicer_button.clicked.connect(self.open_in_slicer)
        self.close_button.clicked.connect(self.reject)
        self.message = QLabel()
        self.message.setObjectName("printMessage")
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        for button in (self.repair_button, self.export_button, self.slicer_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        lay = QVBoxLayout(self)
        lay.addWidget(self.report, 1)
        lay.addLayout(form)
        lay.addWidget(self.message)
        lay.addLayout(buttons)
        self._busy(True)
        self._run(self._check(), "print check")

    # --- steps (each in a worker) ----------------------------------------------------------------------------
    def _run(self, coro: Any, name: str) -> None:
        self._task = spawn(coro, self._failed, name=name)

    def _busy(self, busy: bool) -> None:
        for button in (self.repair_button, self.export_button):
            button.setEnabled(not busy)

    async def _check(self) -> None:
        from desktop_app.core.printing.check import check_file_for_print

        try:
            check = await blocking(check_file_for_print, self.item.model_path, self.size_mm.value())
        finally:
            self._busy(False)
        self.report.setText("\n".join(check.summary_lines()))
        self.repair_button.setEnabled(not check.printable)

    def repair(self) -> None:
        self._busy(True)
        self.message.setText(self.tr("Repairing…"))
        self._run(self._repair(), "print repair")

    async def _repair(self) -> None:
        from desktop_app.core.printing.export import printable_mesh, save_print_version

        try:
            mesh, _before, after, steps, seconds, _rebuilt = await blocking(
                printable_mesh, self.item.model_path, self.size_mm.value())
            if steps:
                self.kept_name = await blocking(save_print_version, self.library, self.item.id, mesh)
        finally:
            self._busy(False)
        lines = [*steps, *after.summary_lines()]
        self.report.setText("\n".join(lines))
        self.repair_button.setEnabled(not after.printable)
        kept = self.tr(" Kept in the item as %1; the original is unchanged.").replace("%1", self.kept_name)
        self.message.setText(self.tr("Repaired in %1 s.").replace("%1", f"{seconds:.1f}") +
                             (kept if self.kept_name else ""))

    def choose_file(self) -> None:
        fmt = self.format.currentData()
        start = Path.home() / f"{self.item.title}.{fmt}"
        dialog = QFileDialog(self, self.tr("Save for printing"), str(start))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix(fmt)
        dialog.setNameFilter(f"{fmt.upper()} (*.{fmt})")
        dialog.fileSelected.connect(lambda name: self.export_to(Path(name)))  # the save dialog asked to replace
        self._file_dialog = dialog
        dialog.open()

    def export_to(self, dest: Path) -> None:
        self._busy(True)
        self.message.setText(self.tr("Preparing the print file…"))
        self._run(self._export(dest), "print export")

    async def _export(self, dest: Path) -> None:
        from desktop_app.core.printing.export import export_printable

        loop = asyncio.get_running_loop()

        def report(_fraction: float, text: str) -> None:
            loop.call_soon_threadsafe(self.message.setText, text)

        try:
            hollow_mm = self.wall_mm.value() if self.hollow.isChecked() else None
            result = await blocking(export_printable, self.item.model_path, dest, self.format.currentData(),
                                    self.size_mm.value(), True, True, report, self.orient.currentData(),
                                    hollow_mm, self.colour.isChecked() and self.colour.isEnabled())
        finally:
            self._busy(False)
        self.exported_path = result.path
        self.report.setText("\n".join([*result.steps, *result.placement, *result.after.summary_lines()]))
        self.message.setText(self.tr("Saved %1").replace("%1", str(result.path)))
        self.slicer_button.setEnabled(True)
        self.exported.emit(str(result.path))

    def open_in_slicer(self) -> None:
        if self.exported_path is not None:
            self._run(self._open(self.exported_path), "open in slicer")

    async def _open(self, path: Path) -> None:
        from desktop_app.core.printing.slicers import find_slicers, open_in_slicer

        slicers = await blocking(find_slicers)
        if slicers:
            await blocking(open_in_slicer, path, slicers[0])
            self.message.setText(self.tr("Opened in %1.").replace("%1", slicers[0].name))
            return
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent)))
        self.message.setText(self.tr("No slicer found (PrusaSlicer, OrcaSlicer, Bambu Studio, Cura); showing "
                                     "the file's folder instead."))

    def _failed(self, text: str) -> None:
        self._busy(False)
        if self.report.text() == self.tr("Checking the model…"):
            self.report.setText(self.tr("The model could not be checked."))
        self.message.setText(text)

    def reject(self) -> None:
        if self._task is not None and not self._task.done():
            return  # a worker is writing; let it finish
        super().reject()

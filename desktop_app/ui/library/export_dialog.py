"""Export dialog: format, optional size in millimetres and face budget, where to save; a progress bar.

The export runs in a worker; its progress comes back through the loop. Existing files are never replaced
without a yes from the user (the save dialog asks for the model file, this dialog for OBJ side files).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.library.export import FORMATS, ExportExistsError, ExportOptions, ExportResult, export_model
from desktop_app.core.library.store import LibraryItem
from desktop_app.ui.tasks import blocking, spawn


class ExportDialog(QDialog):
    exported = Signal(list)  # the written paths

    def __init__(self, item: LibraryItem, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item = item
        self.setWindowTitle(self.tr("Export “%1”").replace("%1", item.title))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setMinimumWidth(440)  # the title names the item; a narrower window cuts it off
        self.format = QComboBox()
        for label, fmt in ((self.tr("GLB (textured, one file)"), "glb"),
                           (self.tr("OBJ + MTL + textures"), "obj"),
                           (self.tr("STL (3D printing)"), "stl"), (self.tr("PLY"), "ply")):
            self.format.addItem(label, fmt)
        self.format.setToolTip(self.tr("GLB keeps textures in one file; STL is what slicers for 3D printing take"))
        self.scale = QCheckBox(self.tr("Scale longest side to"))
        self.size_mm = QDoubleSpinBox()
        self.size_mm.setRange(1, 10000)
        self.size_mm.setValue(100)
        self.size_mm.setSuffix(self.tr(" mm"))
        self.size_mm.setToolTip(self.tr("The model is scaled so its longest side has this length"))
        self.decimate = QCheckBox(self.tr("Reduce to at most"))
        self.faces = QSpinBox()
        self.faces.setRange(100, 10_000_000)
        self.faces.setSingleStep(10_000)
        self.faces.setValue(100_000)
        self.faces.setSuffix(self.tr(" faces"))
        self.faces.setToolTip(self.tr("Fewer faces make smaller files; textures are dropped when reducing"))
        for box, spin in ((self.scale, self.size_mm), (self.decimate, self.faces)):
            spin.setEnabled(False)
            box.toggled.connect(spin.setEnabled)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.hide()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(self.tr("Export…"))
        self.buttons.accepted.connect(self.choose_file)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(self.tr("Format:"), self.format)
        form.addRow(self.scale, self.size_mm)
        form.addRow(self.decimate, self.faces)
        hint = QLabel(self.tr("Export… asks where to save; an existing file is never replaced without asking."))
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(hint)
        lay.addWidget(self.progress)
        lay.addWidget(self.message)
        lay.addWidget(self.buttons)
        self._task: asyncio.Task[Any] | None = None

    def options(self, overwrite: bool = False) -> ExportOptions:
        return ExportOptions(
            self.format.currentData(),
            size_mm=self.size_mm.value() if self.scale.isChecked() else None,
            faces=self.faces.value() if self.decimate.isChecked() else None,
            overwrite=overwrite,
        )

    def choose_file(self) -> None:
        fmt = self.format.currentData()
        suffix = FORMATS[fmt]
        start = Path.home() / f"{self.item.title}{suffix}"
        dialog = QFileDialog(self, self.tr("Export to"), str(start))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix(suffix.lstrip("."))
        dialog.setNameFilter(f"{fmt.upper()} (*{suffix})")
        # The save dialog asks before replacing the model file; so an existing file here is already agreed.
        dialog.fileSelected.connect(lambda name: self.start(Path(name), overwrite=Path(name).exists()))
        self._file_dialog = dialog
        dialog.open()

    def start(self, dest: Path, overwrite: bool = False) -> None:
        self._task = spawn(self._export(dest, self.options(overwrite)), self._failed, name="export")

    async def _export(self, dest: Path, options: ExportOptions) -> None:
        loop = asyncio.get_running_loop()
        self.save_button.setEnabled(False)
        self.progress.setValue(0)
        self.progress.show()
        self.message.setText("")

        def report(fraction: float, text: str) -> None:
            loop.call_soon_threadsafe(self._report, fraction, text)

        source = self.item.model_path
        try:
            result: ExportResult = await blocking(export_model, source, dest, options, report)
        except ExportExistsError as exc:
            self.save_button.setEnabled(True)
            self.progress.hide()
            self._ask_overwrite(dest, exc.paths)
            return
        finally:
            self.save_button.setEnabled(True)
        self._report(1.0, self.tr("Saved %1").replace("%1", ", ".join(p.name for p in result.files)))
        self.exported.emit([str(p) for p in result.files])
        self.accept()

    def _report(self, fraction: float, text: str) -> None:
        self.progress.setValue(round(fraction * 100))
        self.message.setText(text)

    def _ask_overwrite(self, dest: Path, paths: list[Path]) -> None:
        names = "\n".join(p.name for p in paths)
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Replace files?"),
                          self.tr("These files already exist:\n%1\n\nReplace them?").replace("%1", names),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.accepted.connect(lambda: self.start(dest, overwrite=True))  # Yes has the accept role
        self._question = box
        box.open()

    def _failed(self, text: str) -> None:
        self.progress.hide()
        self.message.setText(text)

    def reject(self) -> None:
        if self._task is not None and not self._task.done():
            return  # the worker cannot be stopped half-way through a write; let it finish
        super().reject()


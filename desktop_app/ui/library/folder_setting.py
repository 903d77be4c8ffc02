"""The library-folder row of Settings: where the library is, and a Move… button that copies it elsewhere.

Moving copies and checks every item first and only then switches (core ``move_library``); the old folder is
kept, so a failure half-way loses nothing. The new place is saved in the settings at once.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from desktop_app.core.library.files import move_library
from desktop_app.core.settings import save_settings
from desktop_app.services import Services
from desktop_app.ui.tasks import SETTINGS_LANE, blocking, spawn


class LibraryFolderWidget(QWidget):
    moved = Signal(str)  # the new folder

    def __init__(self, services: Services, path_label: QLabel | None = None, parent: QWidget | None = None) -> None:
        """``path_label``: the row's own label showing the folder, kept up to date here after a move."""
        super().__init__(parent)
        self.services = services
        self.path = path_label or QLabel(str(services.library.root))
        self.path.setWordWrap(True)
        self.move_button = QPushButton(self.tr("Move…"))
        self.move_button.setAutoDefault(False)
        self.move_button.setToolTip(self.tr("Copy the library to another folder (e.g. a bigger disk) and use it "
                                            "from now on; the old folder is kept until you delete it"))
        self.move_button.clicked.connect(self.choose)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.hide()
        self.message = QLabel()
        self.message.setObjectName("hint")
        self.message.setWordWrap(True)
        self.message.hide()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        if path_label is None:
            row.addWidget(self.path, 1)
        row.addWidget(self.move_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.progress)
        lay.addWidget(self.message)

    def choose(self) -> None:
        dialog = QFileDialog(self, self.tr("Choose an empty folder for the library"))
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(lambda name: self.move_to(Path(name)))
        self._dialog = dialog
        dialog.open()

    def move_to(self, dest: Path) -> None:
        spawn(self._move(dest), self._failed, name="move library")

    async def _move(self, dest: Path) -> None:
        loop = asyncio.get_running_loop()
        self.move_button.setEnabled(False)
        self.progress.setValue(0)
        self.progress.show()
        self.message.hide()

        def report(fraction: float, _text: str) -> None:
            loop.call_soon_threadsafe(self.progress.setValue, round(fraction * 100))

        old = self.services.library.root
        try:
            new = await blocking(move_library, self.services.library, dest, report)
        finally:
            self.move_button.setEnabled(True)
            self.progress.hide()
        self.services.settings.library_dir = str(new)
        await blocking(save_settings, self.services.paths, self.services.settings, serial=SETTINGS_LANE)
        self.path.setText(str(new))
        self.message.setText(self.tr("Moved. The old folder %1 was kept; delete it when you no longer need it.")
                             .replace("%1", str(old)))
        self.message.show()
        self.moved.emit(str(new))  # the library view follows on its own (Library.on_switch)

    def _failed(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()

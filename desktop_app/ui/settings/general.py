"""Settings pages besides the keys: General (model, theme, folders, jobs) and Advanced (service addresses)."""

from __future__ import annotations

import os

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.settings import BASE_URL_ENV
from desktop_app.services import Services
from desktop_app.ui.library.folder_setting import LibraryFolderWidget
from desktop_app.ui.provider_texts import display_name as service_name
from desktop_app.ui.theme import theme_names


class GeneralPage(QWidget):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        settings = services.settings
        self.default_model = QComboBox()
        self.default_model.setToolTip(self.tr("The model chosen when Meshwright starts"))
        self.default_model.addItem(settings.default_model, settings.default_model)  # until the list arrives
        self.theme = QComboBox()
        self.theme.setToolTip(self.tr("Follow the light or dark look of your system, or choose one"))
        for theme_id, name in theme_names().items():
            self.theme.addItem(name, theme_id)
        self.theme.setCurrentIndex(max(0, self.theme.findData(settings.theme)))
        self.library_path = QLabel(str(settings.library_path(services.paths)))
        self.library_path.setWordWrap(True)
        self.library_path.setToolTip(self.tr("Where generated models are kept"))
        # The library-folder row: the "move library folder" control (ui/library/folder_setting.py) is added here.
        self.library_folder_row = QHBoxLayout()
        self.library_folder_row.setContentsMargins(0, 0, 0, 0)
        self.library_folder_row.addWidget(self.library_path, 1)
        self.library_folder_row.addWidget(LibraryFolderWidget(services, self.library_path))
        self.log_button = QPushButton(self.tr("Open &log folder"))
        self.log_button.setAutoDefault(False)
        self.log_button.setToolTip(self.tr("Show the log files (useful when reporting a problem; they never "
                                           "contain your keys)"))
        self.log_button.clicked.connect(self.open_log_folder)
        self.concurrency: dict[str, QSpinBox] = {}
        self.deadline = QSpinBox()

        lay = QVBoxLayout(self)
        lay.addWidget(self._general_box())
        lay.addWidget(self._jobs_box())
        lay.addStretch(1)
        self._fill()

    def _general_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("General"))
        form = QFormLayout(box)
        _add(form, self.tr("&Default model:"), self.default_model)
        _add(form, self.tr("T&heme:"), self.theme)
        library = QWidget()
        library.setLayout(self.library_folder_row)
        form.addRow(self.tr("Library folder:"), library)
        logs = QHBoxLayout()
        logs.addWidget(self.log_button)
        logs.addStretch(1)
        form.addRow(self.tr("Logs:"), logs)
        return box

    def _jobs_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Jobs"))
        form = QFormLayout(box)
        names = list(dict.fromkeys([*self.services.registry.providers, *self.services.settings.concurrency]))
        for name in names:
            spin = QSpinBox()
            spin.setRange(1, 8)
            spin.setToolTip(self.tr("How many jobs of this service run at the same time"))
            spin.setAccessibleName(self.tr("%1 jobs at once").replace("%1", service_name(name)))
            self.concurrency[name] = spin
            form.addRow(self.tr("%1 jobs at once:").replace("%1", service_name(name)), spin)
        self.deadline.setRange(5, 240)
        self.deadline.setSuffix(self.tr(" min"))
        self.deadline.setToolTip(self.tr("A job still unfinished after this long is marked as failed"))
        _add(form, self.tr("Give &up waiting after:"), self.deadline)
        note = QLabel(self.tr("A changed limit applies after a restart."))
        note.setObjectName("hint")
        form.addRow(note)
        return box

    def _fill(self) -> None:
        settings = self.services.settings
        for name, spin in self.concurrency.items():
            spin.setValue(settings.concurrency.get(name, 2))
        self.deadline.setValue(settings.poll_deadline_minutes)

    def set_models(self, models: list) -> None:
        """Fill the default-model list once the providers answered (the current choice stays selected)."""
        wanted = self.default_model.currentData()
        self.default_model.clear()
        for m in models:
            self.default_model.addItem(m.name, m.id)
        index = self.default_model.findData(wanted)
        if index < 0:  # a model this run does not offer (its service is gone): keep it rather than lose it
            self.default_model.addItem(wanted, wanted)
            index = self.default_model.count() - 1
        self.default_model.setCurrentIndex(index)

    def open_log_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.services.paths.log_dir)))  # made at start-up


class AdvancedPage(QWidget):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.base_urls: dict[str, QLineEdit] = {}
        form = QFormLayout(self)
        for name, env_var in BASE_URL_ENV.items():
            edit = QLineEdit(services.settings.base_urls.get(name, ""))
            edit.setPlaceholderText(self.tr("Default"))
            edit.setToolTip(self.tr("Only for a proxy or a test server; empty means the service's own address"))
            if os.environ.get(env_var, "").strip():
                edit.setToolTip(self.tr("%1 is set in the environment and wins over this").replace("%1", env_var))
            self.base_urls[name] = edit
            form.addRow(self.tr("%1 address:").replace("%1", service_name(name)), edit)
        note = QLabel(self.tr("Empty means the service's own address. A change takes effect after a restart."))
        note.setObjectName("hint")
        note.setWordWrap(True)
        form.addRow(note)


def _add(form: QFormLayout, text: str, field: QWidget) -> None:
    label = QLabel(text)
    label.setBuddy(field)
    form.addRow(label, field)

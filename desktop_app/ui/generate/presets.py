"""Named parameter presets per model: a small bar above the parameter form (choose, save as, delete).

Presets live in ``Settings.presets`` (model id -> name -> form values) and are written to the settings file off
the GUI thread whenever one is saved or deleted.
"""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QInputDialog, QLineEdit, QToolButton, QWidget

from desktop_app.core.settings import save_settings
from desktop_app.services import Services
from desktop_app.ui.generate.param_form import ParamForm
from desktop_app.ui.tasks import SETTINGS_LANE, Op

log = logging.getLogger(__name__)
MAX_NAME = 60


class PresetBar(QWidget):
    def __init__(self, services: Services, form: ParamForm, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.form = services, form
        self.model_id: str | None = None
        self.combo = QComboBox()
        self.combo.setToolTip(self.tr("Apply a saved set of settings for this model"))
        self.combo.setAccessibleName(self.tr("Presets"))
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(10)
        self.combo.activated.connect(self._on_activated)
        self.save_button = QToolButton()
        self.save_button.setText(self.tr("Save as…"))
        self.save_button.setToolTip(self.tr("Keep the settings below under a name, for this model"))
        self.save_button.clicked.connect(self.ask_name)
        self.delete_button = QToolButton()
        self.delete_button.setText(self.tr("Delete"))
        self.delete_button.setToolTip(self.tr("Forget the chosen preset"))
        self.delete_button.clicked.connect(self.delete_current)
        self._dialog: QInputDialog | None = None
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.combo, 1)
        lay.addWidget(self.save_button)
        lay.addWidget(self.delete_button)
        self.set_model(None)

    def presets(self) -> dict[str, dict]:
        return self.services.settings.presets.get(self.model_id or "", {})

    def set_model(self, model_id: str | None, selected: str = "") -> None:
        """Show the presets of ``model_id`` (None while its form is loading)."""
        self.model_id = model_id
        names = sorted(self.presets(), key=str.casefold)
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem(self.tr("Presets…") if names else self.tr("No presets yet"), "")
        for name in names:
            self.combo.addItem(name, name)
        self.combo.setCurrentIndex(max(0, self.combo.findData(selected)) if selected else 0)
        self.combo.blockSignals(False)
        self.combo.setEnabled(model_id is not None and bool(names))
        self.save_button.setEnabled(model_id is not None)
        self.delete_button.setEnabled(bool(selected))

    def _on_activated(self, index: int) -> None:
        name = self.combo.itemData(index) or ""
        self.delete_button.setEnabled(bool(name))
        values = self.presets().get(name)
        if values is not None:
            self.form.reset_to_defaults()  # a value the preset leaves empty must not keep the previous one
            self.form.set_values(values)

    def ask_name(self) -> QInputDialog:
        dialog = QInputDialog(self)
        dialog.setWindowTitle(self.tr("Save preset"))
        dialog.setLabelText(self.tr("Name for these settings (an existing name is replaced):"))
        dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
        dialog.setTextValue(self.combo.currentData() or "")
        dialog.textValueSelected.connect(self.save_as)
        self._dialog = dialog
        dialog.open()  # never exec(): it would re-enter the qasync loop
        return dialog

    def save_as(self, name: str) -> None:
        name = " ".join(name.split())[:MAX_NAME]
        if not name or self.model_id is None:
            return
        self.services.settings.presets.setdefault(self.model_id, {})[name] = self.form.values()
        self.set_model(self.model_id, selected=name)
        self._persist()

    def delete_current(self) -> None:
        name = self.combo.currentData() or ""
        presets = self.presets()
        if not name or name not in presets:
            return
        del presets[name]
        if not presets:
            self.services.settings.presets.pop(self.model_id or "", None)
        self.set_model(self.model_id)
        self._persist()

    def _persist(self) -> None:
        Op(save_settings, self.services.paths, self.services.settings).serial(SETTINGS_LANE).failure(
            self._report).named("save presets").run()

    def _report(self, text: str) -> None:
        log.warning("saving presets failed: %s", text)
        status = getattr(self.window(), "statusBar", None)
        if status is not None:
            status().showMessage(self.tr("The presets could not be saved."), 8000)

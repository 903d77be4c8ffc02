"""The generate panel (the Create workspace): images, model, settings, cost and Generate.

It loads the model list and each model's form, says why Generate cannot run yet, and starts jobs (one, a batch
or a comparison). Other panels reach it through two calls: :meth:`prefill` ("Re-run with edits", "Duplicate")
and :meth:`generate` (the Ctrl+Enter shortcut).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from desktop_app.core.jobs.model_input import ModelInput
from desktop_app.core.jobs.store import Job
from desktop_app.core.schema.model_schema import ModelSchema
from desktop_app.services import Services
from desktop_app.ui.bus import AppBus
from desktop_app.ui.generate.drop_zone import DropZone
from desktop_app.ui.generate.groups import GroupStarter
from desktop_app.ui.generate.model_input import ModelChoice
from desktop_app.ui.generate.model_picker import fill_model_combo, first_model_index
from desktop_app.ui.generate.param_form import ParamForm
from desktop_app.ui.generate.presets import PresetBar
from desktop_app.ui.tasks import Op, spawn

log = logging.getLogger(__name__)


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionHeading")
    return label


class GeneratePanel(QWidget):
    """``automation`` (screenshots, tests) refuses paid models so no click can ever spend credits."""

    def __init__(self, services: Services, bus: AppBus, *, automation: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidePanel")
        self.services = services
        self.bus = bus
        self.automation = automation
        self._schema: ModelSchema | None = None
        self._models: dict[str, Any] = {}
        self._prefill: tuple[str, dict[str, Any]] | None = None  # form values for the next schema of that model

        self.drop_zone = DropZone(services.paths.cache_dir / "pasted")
        self.model_combo = QComboBox()
        self.model_combo.setToolTip(self.tr("The generator that turns your images into a 3D model"))
        self.model_description = QLabel()
        self.model_description.setObjectName("hint")
        self.model_description.setWordWrap(True)
        self.form = ParamForm()
        self.presets = PresetBar(services, self.form)
        self.cost_label = QLabel()
        self.cost_label.setObjectName("hint")
        self.generate_button = QPushButton(self.tr("Generate 3D model"))
        self.generate_button.setObjectName("generateButton")
        self.generate_button.setDefault(True)
        self.generate_button.setMinimumHeight(40)
        self.generate_hint = QLabel()
        self.generate_hint.setObjectName("hint")
        self.generate_hint.setWordWrap(True)
        self.groups = GroupStarter(services, bus, self)  # one job per image, compare
        self._place()

        self.model_combo.currentIndexChanged.connect(self._on_model_changed)
        self.drop_zone.imagesChanged.connect(lambda _paths: self.update_generate())
        self.drop_zone.imagesChanged.connect(lambda _paths: self._refresh_quote())  # estimates see the images
        self.form.changed.connect(lambda _values: self.update_generate())
        self.form.costInputChanged.connect(self._refresh_quote)
        self.generate_button.clicked.connect(self.generate)
        bus.settingsChanged.connect(self.reload_models)  # keys decide which models are available
        bus.libraryChanged.connect(self._refresh_model_choices)  # what "From library..." offers
        bus.editWith.connect(self.edit_with)
        self._edit_item: tuple[str, int] | None = None  # (item id, version; 0: newest) for the next model input
        self.groups.update()

    def _place(self) -> None:
        lay = QVBoxLayout(self)
        lay.addWidget(_heading(self.tr("1  Images")))
        lay.addWidget(self.drop_zone, 1)  # the form gets the room: it is what is read and edited
        lay.addWidget(self.groups.batch_check)
        lay.addWidget(_heading(self.tr("2  Model")))
        lay.addWidget(self.model_combo)
        lay.addWidget(self.model_description)
        lay.addWidget(_heading(self.tr("3  Settings")))
        lay.addWidget(self.presets)
        scroll = self.form_scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.form)
        lay.addWidget(scroll, 4)
        lay.addWidget(self.cost_label)
        lay.addWidget(self.generate_button)
        lay.addWidget(self.groups.compare_button)
        lay.addWidget(self.generate_hint)

    def focus_regions(self) -> list[QWidget]:
        """Its parts in the order Tab visits them."""
        return [self.drop_zone, self.model_combo, self.presets, self.form, self.generate_button]

    # --- models ----------------------------------------------------------------------------------------

    async def load_models(self) -> None:
        previous = self.current_model_id()  # a reload (after Settings) keeps the user's choice
        models = await self.services.registry.models()
        self._models = {m.id: m for m in models}
        self.model_combo.blockSignals(True)
        fill_model_combo(self.model_combo, models)  # grouped by service, each saying what it needs
        self.model_combo.blockSignals(False)
        wanted = self.services.settings.default_model
        index = self.model_combo.findData(previous) if previous else -1
        index = index if index >= 0 else self.model_combo.findData(wanted)
        index = index if index >= 0 else first_model_index(self.model_combo)
        self.model_combo.setCurrentIndex(index)
        self._on_model_changed(index)
        self.bus.modelsChanged.emit(models)

    def reload_models(self) -> None:
        spawn(self.load_models(), self.bus.error, name="reload models")

    def current_model_id(self) -> str:
        return self.model_combo.currentData() or ""

    def schema(self) -> ModelSchema | None:
        """The current model's schema once loaded (None while it loads)."""
        return self._schema

    def model_info(self, model_id: str) -> Any:
        return self._models.get(model_id)

    def model_infos(self) -> list:
        return list(self._models.values())

    def model_name(self, model_id: str) -> str:
        info = self._models.get(model_id)
        return info.name if info else model_id

    def refuses(self, model_id: str) -> bool:
        """Automation mode never runs a paid model."""
        if not self.automation:
            return False
        try:
            return self.services.registry.provider_for(model_id).paid
        except Exception:
            return True

    def _on_model_changed(self, _index: int) -> None:
        model_id = self.current_model_id()
        info = self._models.get(model_id)
        self.model_description.setText(getattr(info, "description", "") or "")
        self._schema = None
        self.form.set_schema(None)
        self.presets.set_model(None)
        self.update_generate()
        if model_id:
            (Op(self.services.registry.schema, model_id).latest(f"schema-{id(self)}")
             .owner(self)
             .success(lambda schema: self._show_schema(model_id, schema)).failure(self.bus.error)
             .named(f"schema {model_id}").run())

    def _show_schema(self, model_id: str, schema: Any) -> None:
        if model_id != self.current_model_id():
            return
        self._schema = schema
        prefill, self._prefill = self._prefill, None
        values = prefill[1] if prefill and prefill[0] == model_id else self.services.settings.last_params.get(model_id)
        self.form.set_schema(schema, values)
        self._refresh_model_choices()
        self.presets.set_model(model_id)
        self.drop_zone.set_max_images(schema.max_images(), works_from_model=bool(schema.model_fields()))
        self.update_generate()
        self._refresh_quote()

    # --- prefill ---------------------------------------------------------------------------------------

    def prefill(self, model_id: str, images: list[Path], values: dict[str, Any]) -> bool:
        """Put images, model and settings into the form to edit and generate again ("Re-run with edits",
        "Duplicate"). The saved settings are left alone. False when the model is not offered now."""
        index = self.model_combo.findData(model_id)
        if index < 0:
            return False
        self._prefill = (model_id, dict(values))
        self.drop_zone.clear()
        self.drop_zone.add_paths(list(images))
        if index == self.model_combo.currentIndex():
            self._on_model_changed(index)  # the same model: rebuild its form with these values
        else:
            self.model_combo.setCurrentIndex(index)
        return True

    # --- model inputs (mesh-to-mesh models) ------------------------------------------------------------

    def _refresh_model_choices(self) -> None:
        """Feed the form's model inputs with the library's items (read in a worker; the newest read wins)."""
        if self._schema is None or not self._schema.model_fields():
            return
        asked = self._edit_item
        (Op(_model_choices, self.services.library, asked).latest(f"model-choices-{id(self)}")
         .owner(self).success(lambda found: self._show_model_choices(*found, asked=asked))
         .failure(self.bus.error).named("model choices").run())

    def _show_model_choices(self, choices: list[ModelChoice], edit: ModelChoice | None,
                            asked: tuple[str, int] | None = None) -> None:
        self.form.set_model_choices(choices)
        # Only the read that carried the "Edit with…" request answers it. A read started before it (a library
        # change just before the click) ends first, often before the new model's settings: it must leave the
        # request for the read those settings start, or the model input stays empty.
        if asked is None or asked != self._edit_item:
            return
        self._edit_item = None
        if edit is not None:
            self.form.set_model_input(edit)
            self.update_generate()

    def edit_with(self, model_id: str, item_id: str, version: int = 0) -> bool:
        """"Edit with…": pick ``model_id`` and put version ``version`` (0: the newest) of library item
        ``item_id`` into its model input. False when the model is not offered now."""
        index = self.model_combo.findData(model_id)
        if index < 0:
            self.bus.error(self.tr("That model is not available now; check Settings › Accounts."))
            return False
        self._edit_item = (item_id, version)
        if index == self.model_combo.currentIndex():
            self._on_model_changed(index)
        else:
            self.model_combo.setCurrentIndex(index)
        return True

    # --- cost and what blocks Generate -----------------------------------------------------------------

    def _refresh_quote(self) -> None:
        model_id = self.current_model_id()
        if model_id:
            # The newest quote wins: an older one for other values must not overwrite it when it ends late.
            (Op(self._quote, model_id).latest(f"quote-{id(self)}")
             .owner(self)
             .success(lambda report: self._show_quote(model_id, report)).named("quote").run())

    async def _quote(self, model_id: str) -> Any:
        from desktop_app.core.errors import InputImageError, ValidationError
        from desktop_app.pricing import quote_job  # the same code as the CLI's `quote`

        report = None
        try:
            report = await quote_job(self.services.registry, model_id, tuple(self.drop_zone.paths()),
                                     self.form.values(), with_balance=False, complete=False,
                                     models=tuple(m.path for m in self.form.model_inputs()))
        except (ValidationError, InputImageError):
            pass  # the form's own hint says what is missing; no price until the job is complete
        except Exception as exc:  # a quote is informative; its failure must not block anything
            log.info("quote failed: %s", exc)
        return report

    def _show_quote(self, model_id: str, report: Any) -> None:
        if model_id != self.current_model_id():
            return
        if report is None:
            self.cost_label.setText("")
        elif report.cost is None:
            self.cost_label.setText(self.tr("No price before the job runs"))
            self.cost_label.setToolTip(report.note)
        elif report.cost == 0:
            self.cost_label.setText(report.detail or self.tr("Free"))
        else:
            self.cost_label.setText(self.tr("Cost: %1 %2").replace("%1", f"{report.cost:g}")
                                    .replace("%2", report.unit))
            self.cost_label.setToolTip(report.detail)

    def blockers(self) -> list[str]:
        """Why Generate cannot run now, in words for the hint under the button."""
        model_id = self.current_model_id()
        info = self._models.get(model_id)
        if not model_id or self._schema is None:
            return [self.tr("Loading the model's settings…")]
        if info is not None and not info.available:
            return [info.unavailable_reason or self.tr("This model is not available.")]
        if self.refuses(model_id):
            return [self.tr("Paid models are disabled in automation mode.")]
        if self.drop_zone.pending():
            return [self.tr("Checking images…")]
        errors = self._schema.validate(self.form.values(), image_count=len(self.drop_zone.paths()),
                                       model_count=len(self.form.model_inputs()))
        return list(errors.values())

    def update_generate(self) -> None:
        blockers = self.blockers()
        self.generate_button.setEnabled(not blockers)
        self.generate_hint.setText(blockers[0] if blockers else "")

    # --- starting jobs ---------------------------------------------------------------------------------

    def generate(self) -> None:
        if self.blockers():
            self.update_generate()
            return
        if self.form.validate(len(self.drop_zone.paths())):
            return
        model_id = self.current_model_id()
        values = self.form.values()
        self.services.settings.last_params[model_id] = values
        if self.groups.wants_batch():
            self.groups.start_batch(model_id, values)
            return
        spawn(self._create_and_start(model_id, self.drop_zone.paths(), values, self.form.model_inputs()),
              self.bus.error, name="generate")

    async def _create_and_start(self, model_id: str, images: list[Path], values: dict,
                                models: list[ModelInput] | None = None) -> Job:
        self.generate_button.setEnabled(False)
        try:
            job = await self.services.scheduler.create_job(model_id, images, values, models=models or [])
        finally:
            self.update_generate()
        self.bus.jobStarted.emit(job.id)
        self.services.scheduler.start(job.id)
        self.bus.status(self.tr("Started: %1").replace("%1", job.title), 5000)
        return job

    def take_drop(self, urls: list[QUrl], images: list[Path]) -> None:
        """Files dropped anywhere on the window: folders become one job per image, images join the list."""
        self.groups.add_folders(urls)
        if images:
            self.drop_zone.add_paths(images)


def _model_choices(library: Any, edit: tuple[str, int] | None) -> tuple[list[ModelChoice], ModelChoice | None]:
    """In a worker: every library item with a model (its newest version) for "From library...", and the
    version "Edit with…" asked for (``edit``: item id, version; 0 for the newest), None when none was."""
    from desktop_app.core.library.versions import current_version, model_input_for, model_path

    choices = []
    for item in library.list():
        path = model_path(item)
        if path is None or item.damaged:
            continue
        choices.append(ModelChoice(item.id, item.title, path, current_version(item), item.thumbnail_path))
    wanted = None
    if edit is not None and (item := library.get(edit[0])) is not None:
        found = model_input_for(library, item.id, edit[1])  # a version gone: ValueError, shown by the caller
        wanted = ModelChoice(item.id, item.title, found.path, found.version, item.thumbnail_path)
    return choices, wanted

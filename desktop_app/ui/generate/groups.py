"""Many jobs from the generate panel at once: one job per image (a folder or many images), and compare (the same
images sent to several models). The queue shows them as a group and announces a group's end."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QUrl
from PySide6.QtWidgets import QCheckBox, QPushButton

from desktop_app.core.images import IMAGE_SUFFIXES
from desktop_app.core.jobs.groups import BATCH, GroupCreated, create_batch, create_compare
from desktop_app.services import Services
from desktop_app.ui.bus import AppBus
from desktop_app.ui.tasks import blocking, spawn

if TYPE_CHECKING:
    from desktop_app.ui.generate.compare_picker import ComparePicker
    from desktop_app.ui.generate.panel import GeneratePanel

log = logging.getLogger(__name__)
_FOLDER_LIMIT = 500  # images taken from one dropped folder


def images_in_folders(folders: list[Path]) -> list[Path]:
    """Image files directly inside each folder, sorted by name (blocking: run it in a worker)."""
    found: list[Path] = []
    for folder in folders:
        if folder.is_dir():
            found.extend(sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES))
    return found[:_FOLDER_LIMIT]


class GroupStarter(QObject):
    def __init__(self, services: Services, bus: AppBus, panel: GeneratePanel) -> None:
        super().__init__(panel)
        self.services = services
        self.bus = bus
        self.panel = panel
        self._folder_dropped = False
        self.batch_check = QCheckBox()
        self.batch_check.setObjectName("batchCheck")
        self.batch_check.setToolTip(self.tr("Make a separate 3D model from each image instead of one model "
                                            "from several views"))
        self.batch_check.setVisible(False)
        self.batch_check.toggled.connect(lambda _on: self.update())
        self.compare_button = QPushButton(self.tr("Compare models…"))
        self.compare_button.setObjectName("compareButton")
        self.compare_button.setToolTip(self.tr("Send these images to several models at once and see the results "
                                               "side by side"))
        self.compare_button.clicked.connect(self.choose_compare)
        panel.drop_zone.imagesChanged.connect(lambda _paths: self.update())

    # --- one job per image -----------------------------------------------------------------------------

    def image_count(self) -> int:
        return len(self.panel.drop_zone.usable_paths())

    def update(self) -> None:
        drop_zone = self.panel.drop_zone
        count = self.image_count()
        limit = drop_zone.max_images()
        offer = count > 1 and (count > limit or self._folder_dropped)
        self.batch_check.setVisible(offer)
        self.batch_check.setText(self.tr("One job per image (%n job(s))", "", count))
        self.compare_button.setEnabled(count > 0 or limit == 0)
        drop_zone.set_one_job_per_image(self.wants_batch())
        self.panel.generate_button.setText(
            self.tr("Generate %n 3D model(s)", "", count) if self.wants_batch() else self.tr("Generate 3D model"))

    def wants_batch(self) -> bool:
        return not self.batch_check.isHidden() and self.batch_check.isChecked()

    def add_folders(self, urls: list[QUrl]) -> bool:
        """Take the images inside dropped folders (listed in a worker); returns whether any URL was a folder."""
        candidates = [Path(u.toLocalFile()) for u in urls if u.isLocalFile()
                      and not Path(u.toLocalFile()).suffix]
        if not candidates:
            return False

        async def load() -> None:
            images = await blocking(images_in_folders, candidates)
            if not images:
                self.bus.status(self.tr("No images in the dropped folder."), 8000)
                return
            self._folder_dropped = True
            self.panel.drop_zone.add_paths(images)
            self.batch_check.setChecked(True)
            self.update()

        spawn(load(), self.bus.error, name="folder drop")
        return True

    def start_batch(self, model_id: str, values: dict) -> None:
        images = self.panel.drop_zone.usable_paths()

        async def run() -> None:
            made = await create_batch(self.services.scheduler, model_id, images, values)
            self._started(made, self.tr("Started %n job(s), one per image.", "", len(made.jobs)))

        spawn(run(), self.bus.error, name="batch")

    # --- compare ---------------------------------------------------------------------------------------

    def choose_compare(self) -> ComparePicker:
        models = [(m.id, m.name, "" if m.available else (m.unavailable_reason or self.tr("not available")))
                  for m in self.panel.model_infos()]
        from desktop_app.ui.generate.compare_picker import ComparePicker  # on first use: not needed at start

        picker = ComparePicker(models, {self.panel.current_model_id()}, self._refusal, self.panel.window())
        picker.chosen.connect(self.start_compare)
        self.picker = picker
        picker.open()
        return picker

    def _refusal(self, model_id: str) -> str:
        return self.tr("paid models are off in automation mode") if self.panel.refuses(model_id) else ""

    def start_compare(self, model_ids: list[str]) -> None:
        panel = self.panel
        images = panel.drop_zone.paths() or panel.drop_zone.usable_paths()[:1]
        values = {m: dict(self.services.settings.last_params.get(m, {})) for m in model_ids}
        values[panel.current_model_id()] = panel.form.values()

        async def run() -> None:
            made = await create_compare(self.services.scheduler, model_ids, images, values)
            text = self.tr("Comparing %n model(s).", "", len(made.jobs))
            if made.skipped:
                text += " " + self.tr("Skipped: %1").replace("%1", "; ".join(f"{panel.model_name(m)}: "
                                                                              f"{why}" for m, why in made.skipped))
            self._started(made, text)

        spawn(run(), self.bus.error, name="compare")

    def _started(self, made: GroupCreated, text: str) -> None:
        self.bus.groupCreated.emit(made.group)
        for job in made.jobs:
            self.services.scheduler.start(job.id)
        if made.jobs:
            self.bus.jobStarted.emit(made.jobs[0].id)
        if made.skipped and made.group.kind == BATCH:
            text += " " + self.tr("Skipped %n image(s) that cannot be used.", "", len(made.skipped))
        self.bus.status(text, 10000)

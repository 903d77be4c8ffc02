"""Jobs made together: a batch (a folder or many images, one job each) and a compare group (one image sent to
several models at once). The group is a row in the journal, so it survives a restart like its jobs do."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.core.errors import InputImageError, MeshwrightError, ValidationError
from desktop_app.core.jobs.store import Job, JobGroup, JobState, JobStore

BATCH = "batch"
COMPARE = "compare"


@dataclass
class GroupCreated:
    group: JobGroup
    jobs: list[Job] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (image or model, plain-language reason)


async def create_batch(scheduler: Any, model_id: str, images: Sequence[Path], values: dict[str, Any],
                       *, title: str = "") -> GroupCreated:
    """One draft job per image. An unusable image is skipped with its reason; bad parameters stop everything
    before a single job exists (they would fail every job the same way)."""
    if not images:
        raise MeshwrightError("There are no images to make jobs from.")
    schema = await scheduler.model_schema(model_id)
    errors = schema.validate({**schema.defaults(), **schema.coerce(values)}, image_count=1)
    if errors:
        raise ValidationError(errors)
    group = await scheduler.new_group(BATCH, title or f"{len(images)} images · {schema.name}")
    created = GroupCreated(group)
    for image in images:
        try:
            created.jobs.append(await scheduler.create_job(model_id, [image], values, group_id=group.id))
        except InputImageError as exc:
            created.skipped.append((Path(image).name, exc.user_text()))
    return created


async def create_compare(scheduler: Any, model_ids: Sequence[str], images: Sequence[Path],
                         values_by_model: dict[str, dict[str, Any]], *, title: str = "") -> GroupCreated:
    """One draft job per model, all from the same images. A model whose settings do not fit is skipped with
    its reason, so one odd model does not block the others."""
    models = list(dict.fromkeys(model_ids))
    if len(models) < 2:
        raise MeshwrightError("Choose at least two models to compare.")
    name = title or (Path(images[0]).stem.replace("_", " ") if images else "Compare")
    group = await scheduler.new_group(COMPARE, name)
    created = GroupCreated(group)
    for model_id in models:
        try:
            job = await scheduler.create_job(model_id, images, dict(values_by_model.get(model_id, {})),
                                             group_id=group.id)
        except MeshwrightError as exc:
            created.skipped.append((model_id, exc.user_text()))
            continue
        created.jobs.append(job)
    if not created.jobs:
        raise MeshwrightError("None of the chosen models could take these images: "
                              + "; ".join(f"{m}: {why}" for m, why in created.skipped))
    return created


@dataclass(frozen=True)
class GroupProgress:
    group: JobGroup
    jobs: list[Job]

    @property
    def finished(self) -> bool:
        return bool(self.jobs) and all(j.state.terminal for j in self.jobs)

    @property
    def item_ids(self) -> list[str]:
        """Results in the order the jobs were made (the compare view lays them out in that order)."""
        return [j.item_id for j in self.jobs if j.item_id and j.state is JobState.SUCCEEDED]

    def summary(self) -> str:
        done = sum(1 for j in self.jobs if j.state is JobState.SUCCEEDED)
        failed = sum(1 for j in self.jobs if j.state in (JobState.FAILED, JobState.CANCELED))
        return f"{done} of {len(self.jobs)} done" + (f", {failed} failed or canceled" if failed else "")


def group_progress(store: JobStore, group_id: str) -> GroupProgress | None:
    """Blocking (reads the journal): call it from a worker in the GUI."""
    group = store.group(group_id)
    return GroupProgress(group, store.group_jobs(group_id)) if group is not None else None

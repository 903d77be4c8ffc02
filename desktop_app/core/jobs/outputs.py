"""Turn a finished job's downloaded files into a library item: receipts, the model to preview, a thumbnail."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from desktop_app.core.jobs.store import Job
from desktop_app.core.library.store import THUMBNAIL, LibraryFile, LibraryItem, new_item_id
from desktop_app.core.mesh.formats import PREVIEW_PREFERENCE, RESULT_SUFFIXES

log = logging.getLogger(__name__)

MODEL_EXTENSIONS = RESULT_SUFFIXES
_PREVIEW_ORDER = PREVIEW_PREFERENCE


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def choose_model(files: Sequence[tuple[Any, Path]]) -> Path | None:
    """The file the preview opens: the provider's preferred model, else the best previewable format."""
    for remote, path in files:
        if getattr(remote, "preferred", False) and path.suffix.lower() in _PREVIEW_ORDER:
            return path
    for ext in _PREVIEW_ORDER:
        for _remote, path in files:
            if path.suffix.lower() == ext:
                return path
    return None


def build_item(job: Job, folder: Path, saved: Sequence[tuple[Any, Path]]) -> LibraryItem:
    """Describe the job folder as a library item (blocking: hashes every file)."""
    files = []
    for remote, path in saved:
        kind = str(getattr(remote, "kind", "other"))
        if kind == "other" and path.suffix.lower() in MODEL_EXTENSIONS:
            kind = "model"
        files.append(LibraryFile(f"outputs/{path.name}", kind, path.stat().st_size, sha256_file(path)))
    model = choose_model(saved)
    item = LibraryItem(
        id=new_item_id(job.title or "model", job.created_at),
        title=job.title or "Untitled model",
        model_id=job.model_id,
        created_at=job.created_at,
        params=dict(job.params),
        inputs=[f"inputs/{name}" for name in job.inputs],
        files=files,
        model_file=f"outputs/{model.name}" if model else "",
        job_id=job.id,
        remote=dict(job.remote.get("data", {})) if isinstance(job.remote, dict) else {},
        cost=job.cost,
        cost_unit=job.cost_unit,
        started_at=job.started_at,
        finished_at=time.time(),
    )
    write_fallback_thumbnail(folder, item)
    return item


def write_fallback_thumbnail(folder: Path, item: LibraryItem) -> None:
    """Until the GUI renders the model itself, the first input image (or a preview render) stands in."""
    from desktop_app.core.images import thumbnail

    candidates = [folder / name for name in item.inputs]
    candidates += [folder / f.name for f in item.files if f.kind == "image"]
    for path in candidates:
        try:
            (folder / THUMBNAIL).write_bytes(thumbnail(path, 256))
            return
        except Exception as exc:  # a thumbnail is a nicety; never fail the job for it
            log.info("no thumbnail from %s: %s", path.name, type(exc).__name__)

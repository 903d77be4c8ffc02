"""A 3D model given as a job input: a dropped model file or a library item's current model.

Checked before anything is uploaded so the person hears "this file cannot be sent" instead of a failed job.
Scenario documents 200 MB for Polygen's ``file3d`` (shared/api/scenario.md 4); we use it for every model input.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from desktop_app.core.mesh.formats import JOB_INPUT_MIME

MODEL_INPUT_FORMATS = tuple(JOB_INPUT_MIME)
MODEL_INPUT_LIMIT = 200 * 1024 * 1024
MODEL_MIME = JOB_INPUT_MIME


@dataclass(frozen=True)
class ModelInput:
    """The file to upload and, when it came from the library, which item and version it is (for lineage)."""

    path: Path
    item_id: str = ""
    version: int = 0


def is_model_name(name: str) -> bool:
    """Whether a job input file is a 3D model (sent to a model input) rather than an image."""
    return Path(name).suffix.lower() in MODEL_INPUT_FORMATS


def model_mime(path: Path) -> str:
    return MODEL_MIME.get(path.suffix.lower(), "application/octet-stream")


def check_model_file(path: Path, limit: int = MODEL_INPUT_LIMIT) -> str:
    """"" when ``path`` can be sent as a 3D input, else a plain sentence saying why not."""
    if not path.is_file():
        return f"The model file {path.name} was not found."
    if path.suffix.lower() not in MODEL_INPUT_FORMATS:
        names = ", ".join(s.lstrip(".").upper() for s in MODEL_INPUT_FORMATS)
        return f"{path.name} is not a model file this model can take ({names})."
    size = path.stat().st_size
    if size == 0:
        return f"The model file {path.name} is empty."
    if size > limit:
        return f"{path.name} is {size / 1e6:.0f} MB; models up to {limit / 1e6:.0f} MB can be sent."
    return ""

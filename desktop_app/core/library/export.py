"""Export a model to GLB, OBJ (+MTL and textures), STL or PLY, optionally scaled and decimated (Qt-free, blocking).

Scaling sets the longest side of the bounding box to a size in millimetres, the unit slicers assume for STL.
Decimation (quadric, via fast_simplification) brings the total face count down to a budget; it keeps shape,
not UV layout, so a decimated model is exported without textures. Nothing is ever overwritten unless the
caller says so: the CLI refuses without ``--force`` and the GUI asks first.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.core.errors import MeshLoadError, MeshwrightError
from desktop_app.core.mesh.formats import EXPORT_FORMATS

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

FORMATS = EXPORT_FORMATS
Progress = Callable[[float, str], None]


class ExportError(MeshwrightError):
    """The export could not be written (bad options, an existing file, a full disk...)."""


class ExportExistsError(ExportError):
    def __init__(self, paths: list[Path]) -> None:
        names = ", ".join(p.name for p in paths)
        super().__init__(f"Not overwriting {names}.", hint="Choose another name, or confirm overwriting.")
        self.paths = paths


@dataclass
class ExportOptions:
    fmt: str
    size_mm: float | None = None  # longest side of the bounding box, in millimetres
    faces: int | None = None  # face budget for the whole model
    overwrite: bool = False


@dataclass
class ExportResult:
    files: list[Path]  # the model first, then any MTL and textures
    faces: int
    bounds: np.ndarray  # (2, 3) as written


def format_for(path: Path) -> str | None:
    """The export format a file name asks for, from its extension."""
    ext = path.suffix.lower()
    return next((fmt for fmt, suffix in FORMATS.items() if suffix == ext), None)


def export_model(source: Path, dest: Path, options: ExportOptions, progress: Progress | None = None) -> ExportResult:
    """Read ``source``, transform as asked and write ``dest`` (plus side files for OBJ)."""
    report = progress or (lambda _f, _m: None)
    fmt = options.fmt.lower()
    if fmt not in FORMATS:
        raise ExportError(f"Unknown export format '{options.fmt}'.", hint=f"Use one of: {', '.join(FORMATS)}.")
    if options.size_mm is not None and not (0 < options.size_mm < 1e7):
        raise ExportError("The size must be a positive number of millimetres.")
    if options.faces is not None and options.faces < 4:
        raise ExportError("The face budget must be at least 4.")
    dest = Path(dest)
    if dest.suffix.lower() != FORMATS[fmt]:
        dest = dest.with_name(dest.name + FORMATS[fmt])
    if not options.overwrite and dest.exists():
        raise ExportExistsError([dest])

    remove_unfinished_exports()

    import numpy as np  # with the mesh stack on first use: this module is imported at start-up

    from desktop_app.core.mesh.load import check_file, load_trimesh

    report(0.05, "Reading the model")
    check_file(Path(source))
    scene = load_trimesh(Path(source))
    if not any(len(getattr(g, "faces", ())) for g in scene.geometry.values()):
        raise MeshLoadError("This file has no surfaces to export.")
    if options.faces is not None:
        report(0.3, "Reducing faces")
        scene = _decimate(scene, options.faces)
    if options.size_mm is not None:
        report(0.6, "Scaling")
        extent = float(np.max(scene.extents))
        if extent <= 0:
            raise ExportError("This model is flat or empty, so it cannot be scaled.")
        scene.apply_scale(options.size_mm / extent)
    report(0.75, "Writing the file")
    payloads = _encode(scene, fmt, dest)
    targets = [dest.with_name(name) for name in payloads]
    existing = [p for p in targets if p.exists()]
    if existing and not options.overwrite:
        raise ExportExistsError(existing)
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        for path, data in zip(targets, payloads.values(), strict=True):
            _write_atomic(path, data)
    except OSError as exc:
        raise ExportError("The exported file could not be written.", hint=f"{type(exc).__name__}: {exc}") from exc
    report(1.0, "Done")
    faces = sum(len(g.faces) for g in scene.geometry.values() if hasattr(g, "faces"))
    log.info("exported %s as %s: %d faces", Path(source).name, fmt, faces)
    return ExportResult(targets, faces, np.asarray(scene.bounds, dtype=float))


def _decimate(scene: Any, budget: int) -> Any:
    """Spread the face budget over the meshes in proportion to their size; small meshes keep theirs."""
    import trimesh

    meshes = {name: g for name, g in scene.geometry.items() if isinstance(g, trimesh.Trimesh) and len(g.faces)}
    total = sum(len(g.faces) for g in meshes.values())
    if total <= budget:
        return scene
    for name, mesh in meshes.items():
        target = max(4, int(budget * len(mesh.faces) / total))
        try:
            reduced = mesh.simplify_quadric_decimation(face_count=target)
        except ImportError as exc:
            raise ExportError("Reducing faces needs the fast-simplification package.") from exc
        scene.geometry[name] = trimesh.Trimesh(reduced.vertices, reduced.faces, process=False)
    return scene


def _encode(scene: Any, fmt: str, dest: Path) -> dict[str, bytes]:
    """File name -> bytes for everything the format writes."""
    if fmt == "glb":
        return {dest.name: scene.export(file_type="glb")}
    if fmt == "obj":
        from trimesh.exchange.obj import export_obj

        mtl = dest.with_suffix(".mtl").name
        text, extras = export_obj(scene, include_texture=True, return_texture=True, mtl_name=mtl)
        files = {dest.name: text.encode("utf-8")}
        files.update({name: bytes(data) for name, data in extras.items()})
        return files
    mesh = scene.to_mesh()  # STL and PLY hold one mesh: bake the node transforms in
    return {dest.name: mesh.export(file_type=fmt)}


def _write_atomic(path: Path, data: bytes | str) -> None:
    tmp = path.with_name(path.name + ".part")
    _remember_part(tmp, True)  # a kill before the rename leaves it listed: removed at the next start or export
    try:
        tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        _remember_part(tmp, False)


# --- .part files of interrupted exports ------------------------------------------------------------------
# An export writes beside the user's own files, outside every folder Meshwright owns, so a killed export's
# ".part" could only be found again by remembering it: each is listed in a small file under the data folder
# while it is written, and whatever is still listed at the next start or export is removed.

def _ledger() -> Path:
    from desktop_app.core.settings import app_paths

    return app_paths().data_dir / "unfinished-exports.txt"


def _read_ledger(ledger: Path) -> list[str]:
    try:
        return [line for line in ledger.read_text(encoding="utf-8").splitlines() if line.endswith(".part")]
    except (OSError, ValueError):
        return []


def _remember_part(part: Path, add: bool) -> None:
    ledger = _ledger()
    try:
        lines = [line for line in _read_ledger(ledger) if line != str(part.resolve())]
        if add:
            lines.append(str(part.resolve()))
        if lines:
            ledger.parent.mkdir(parents=True, exist_ok=True)
            ledger.write_text("\n".join(lines) + "\n", encoding="utf-8")
        else:
            ledger.unlink(missing_ok=True)
    except OSError as exc:  # bookkeeping only: never fail an export for it
        log.info("could not note the export's temporary file: %s", type(exc).__name__)


def remove_unfinished_exports(ledger: Path | None = None) -> list[Path]:
    """Delete the ``.part`` files that interrupted exports left behind; returns those removed."""
    ledger = ledger or _ledger()
    removed = []
    for line in _read_ledger(ledger):
        part = Path(line)
        try:
            if part.is_file() and not part.is_symlink():
                part.unlink()
                removed.append(part)
        except OSError as exc:
            log.info("could not remove %s: %s", part, type(exc).__name__)
    try:
        ledger.unlink(missing_ok=True)
    except OSError:
        pass
    return removed

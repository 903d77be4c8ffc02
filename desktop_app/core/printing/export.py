"""Make a library model print-ready and write it as 3MF or STL: check, repair, place, write (Qt-free, blocking).

The CLI (``library check``, ``library export --printable``) and the GUI's Print dialog both call this.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from desktop_app.core.library.export import ExportError, ExportExistsError, _write_atomic, remove_unfinished_exports
from desktop_app.core.printing.check import PrintCheck, check_mesh, load_mesh

log = logging.getLogger(__name__)
PRINT_FORMATS = {"3mf": ".3mf", "stl": ".stl"}
Progress = Callable[[float, str], None]


@dataclass
class PrintResult:
    path: Path
    before: PrintCheck
    after: PrintCheck
    steps: list[str] = field(default_factory=list)
    repair_seconds: float = 0.0
    rebuilt: bool = False
    mesh: Any = None  # the placed mesh in millimetres, as written
    placement: list[str] = field(default_factory=list)  # laid flat, hollowed


def printable_mesh(source: Path, size_mm: float | None, repair: bool = True, z_up: bool = True,
                   progress: Progress | None = None, orient: str = "keep", hollow_mm: float | None = None,
                   notes: list[str] | None = None, colour: bool = False,
                   ) -> tuple[Any, PrintCheck, PrintCheck, list[str], float, bool]:
    """Load, check, repair and place: (mesh in mm, check before, check after, steps, repair seconds, rebuilt).

    ``orient``: "keep" the front-facing pose (Y-up turned Z-up) or lay "flat" on the largest stable face.
    ``hollow_mm``: leave a solid wall this thick (in millimetres of the placed model) and empty the inside.
    What placement did is appended to ``notes`` (``steps`` holds only repairs: they decide what is kept).
    ``colour``: give every triangle the model's colour (texture or vertex colours) as ``mesh.visual.face_colors``;
    a model without colour stays plain (a note says so)."""
    from desktop_app.core.printing.orient import ORIENTATIONS, lay_flat
    from desktop_app.core.printing.place import place_on_plate
    from desktop_app.core.printing.repair import repair_mesh

    report = progress or (lambda _f, _m: None)
    if size_mm is not None and not (0 < size_mm < 1e7):
        raise ExportError("The size must be a positive number of millimetres.")
    if orient not in ORIENTATIONS:
        raise ExportError(f"The orientation is one of {', '.join(ORIENTATIONS)}, not '{orient}'.")
    if hollow_mm is not None and not (0 < hollow_mm < 1e6):
        raise ExportError("The wall thickness must be a positive number of millimetres.")
    report(0.05, "Reading the model")
    mesh = load_mesh(Path(source))
    report(0.15, "Checking")
    before = check_mesh(mesh, size_mm)
    steps: list[str] = []
    seconds, rebuilt = 0.0, False
    if repair and not before.printable:
        report(0.3, "Repairing")
        started = time.perf_counter()
        result = repair_mesh(mesh)
        mesh, steps, rebuilt = result.mesh, result.steps, result.rebuilt
        seconds = time.perf_counter() - started
    placed = notes if notes is not None else []
    if colour:
        from desktop_app.core.printing.colour import load_face_colours, transfer_colours

        report(0.75, "Reading the colours")
        source = load_face_colours(Path(source))
        if source is None:
            placed.append("The model has no colour (no texture or vertex colours): written without colour")
        else:
            mesh.visual.face_colors = transfer_colours(*source, mesh)
    report(0.8, "Placing on the plate")
    if orient == "flat":
        face = lay_flat(mesh)
        if face is not None:
            placed.append(f"Laid flat on its largest stable face ({face.area:.3g} units²)")
    try:
        place_on_plate(mesh, size_mm, z_up=z_up and orient == "keep")
    except ValueError as exc:
        raise ExportError(str(exc)) from exc
    if hollow_mm is not None:
        report(0.85, "Hollowing")
        coloured = colour and mesh.visual.kind == "face"
        before_hollow = (np.asarray(mesh.triangles_center), np.asarray(mesh.visual.face_colors)) if coloured else None
        mesh = _hollow(mesh, hollow_mm, placed)
        if before_hollow is not None:
            from desktop_app.core.printing.colour import transfer_colours

            mesh.visual.face_colors = transfer_colours(*before_hollow, mesh)
    after = check_mesh(mesh)  # already in millimetres
    return mesh, before, after, steps, seconds, rebuilt


def _hollow(mesh: Any, wall_mm: float, steps: list[str]) -> Any:
    from desktop_app.core.printing.hollow import HollowError, hollow

    try:
        result = hollow(mesh, wall_mm)
    except HollowError as exc:
        raise ExportError(str(exc)) from exc
    steps.append(f"Hollowed with {wall_mm:g} mm walls (volume {result.volume_before / 1000:.3g} → "
                 f"{result.volume_after / 1000:.3g} cm³)")
    return result.mesh


def export_printable(source: Path, dest: Path, fmt: str, size_mm: float | None, overwrite: bool = False,
                     repair: bool = True, progress: Progress | None = None, orient: str = "keep",
                     hollow_mm: float | None = None, colour: bool = False) -> PrintResult:
    """Write a print-ready copy of ``source`` to ``dest`` (3MF in millimetres, or STL)."""
    fmt = fmt.lower()
    if fmt not in PRINT_FORMATS:
        raise ExportError(f"A printable export is written as {' or '.join(PRINT_FORMATS).upper()}, not '{fmt}'.")
    dest = Path(dest)
    if dest.suffix.lower() != PRINT_FORMATS[fmt]:
        dest = dest.with_name(dest.name + PRINT_FORMATS[fmt])
    if dest.exists() and not overwrite:
        raise ExportExistsError([dest])
    remove_unfinished_exports()
    mesh, before, after, steps, seconds, rebuilt = printable_mesh(source, size_mm, repair, progress=progress,
                                                                   orient=orient, hollow_mm=hollow_mm,
                                                                   notes=(placement := []), colour=colour)
    (progress or (lambda _f, _m: None))(0.9, "Writing the file")
    if fmt == "3mf":
        from desktop_app.core.printing.threemf import encode_3mf

        colours = np.asarray(mesh.visual.face_colors) if colour and mesh.visual.kind == "face" else None
        data = encode_3mf(mesh.vertices, mesh.faces, name=Path(source).stem, colours=colours)
    else:
        data = mesh.export(file_type="stl")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        _write_atomic(dest, data)
    except OSError as exc:
        raise ExportError("The print file could not be written.", hint=f"{type(exc).__name__}: {exc}") from exc
    log.info("printable export %s: %d -> %d problems, %.2f s repair", dest.name, len(before.problems),
             len(after.problems), seconds)
    return PrintResult(dest, before, after, steps, seconds, rebuilt, mesh, placement)


def save_print_version(library: Any, item_id: str, mesh: Any) -> str:
    """Keep a repaired copy in the item as ``outputs/print/<n>-print.stl`` (kind "print"); the original model
    stays the item's model. The library has no version history, so each repair is an extra, numbered file."""
    from desktop_app.core.jobs.outputs import sha256_file
    from desktop_app.core.library.store import LibraryFile

    item = library.get(item_id)
    if item is None or item.folder is None:
        raise ExportError(f"No library item '{item_id}'.")
    folder = item.folder / "outputs" / "print"
    number = 1 + sum(1 for f in item.files if f.kind == "print")
    stem = Path(item.model_file).stem or "model"
    path = folder / f"{stem}-print-{number}.stl"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _write_atomic(path, mesh.export(file_type="stl"))
    except OSError as exc:
        raise ExportError("The repaired model could not be saved in the library.",
                          hint=f"{type(exc).__name__}: {exc}") from exc
    name = path.relative_to(item.folder).as_posix()
    entry = LibraryFile(name, "print", path.stat().st_size, sha256_file(path))
    library.update(item_id, files=[*item.files, entry])
    return name

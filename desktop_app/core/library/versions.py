"""Versions of a library item: a refine job (remesh, retexture, rigging, part split ...) whose input was an item
adds a new version of that item instead of a new item, with its lineage (made from version X, by model M, with
settings P).

Version 1 is the item as it was first made (its ``outputs/``); version N > 1 lives in ``versions/vN/`` inside the
item folder and is described by one entry of ``LibraryItem.versions``. The item's ``model_file`` follows the
newest version, so the library list and the preview show the latest result; older versions stay on disk.

A job that refines an item carries ``refine.json`` in its job folder, written before the job is queued, so the
lineage survives a crash between submit and download without a journal change.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import time
from pathlib import Path
from typing import Any

from desktop_app.core.jobs.model_input import ModelInput
from desktop_app.core.jobs.outputs import MODEL_EXTENSIONS, choose_model, sha256_file
from desktop_app.core.library.store import Library, LibraryFile, LibraryItem

REFINE_FILE = "refine.json"
_VERSION_REF = re.compile(r"^(?P<item>[^/\\@]+)@[vV](?P<number>\d+)$")  # ITEM@vN: version N of a library item


def write_refine_marker(job_folder: Path, item_id: str, version: int) -> None:
    """Record in a job folder that its result is a new version of ``item_id`` made from ``version``."""
    job_folder.mkdir(parents=True, exist_ok=True)
    (job_folder / REFINE_FILE).write_text(json.dumps({"item_id": item_id, "version": version}), encoding="utf-8")


def read_refine_marker(job_folder: Path) -> tuple[str, int] | None:
    try:
        data = json.loads((job_folder / REFINE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("item_id"), str):
        return None
    version = data.get("version")
    return data["item_id"], version if isinstance(version, int) and not isinstance(version, bool) else 1


def model_input_for(library: Library, ref: str, version: int = 0) -> ModelInput:
    """``ref`` as a 3D model input: a library item id (version ``version``'s model, the newest when 0,
    remembered for lineage) or a model file path."""
    item = library.get(ref) if ref and "/" not in ref and "\\" not in ref else None
    if item is not None:
        number = version or current_version(item)
        try:
            path = model_path(item, number)
        except KeyError:
            newest = current_version(item)
            have = "only v1" if newest == 1 else f"v1 to v{newest}"
            raise ValueError(f"The library item {ref} has no version {number} (it has {have}).") from None
        if path is None:
            raise ValueError(f"The library item {ref} has no model file.")
        return ModelInput(path, item.id, number)
    return ModelInput(Path(ref))


def model_input_from_ref(library: Library, ref: str) -> ModelInput:
    """A model input as a person types it (the CLI's ``--model``): ``ITEM`` (its newest version), ``ITEM@vN``
    (version N of it) or a model file. Blocking (looks at the disk). ValueError with a human message for an
    item or version that does not exist."""
    match = _VERSION_REF.match(ref)
    if match is None or Path(ref).is_file():  # a file really named "x@v2" is still that file
        return model_input_for(library, ref)
    item_id, number = match["item"], int(match["number"])
    if library.get(item_id) is None:
        raise ValueError(f"There is no library item {item_id} (in {ref}); 'library' lists the items.")
    if number < 1:
        raise ValueError(f"Versions are numbered from v1: {ref} names none.")
    return model_input_for(library, item_id, number)


def version_of_path(item: LibraryItem, path: Path | None) -> int:
    """The version a file of ``item`` belongs to (its model or one of its parts): N for a file under
    ``versions/vN/``, else 1. Read from the path's names alone (no disk access), so the GUI thread may ask."""
    numbers = {int(v.get("number", 0)) for v in item.versions if isinstance(v, dict)}
    folder = item.folder.name if item.folder else ""
    for parent in (path.parents if path else ()):
        if parent.parent.name == "versions" and parent.parent.parent.name == folder:
            number = parent.name[1:]
            if parent.name.startswith("v") and number.isdigit() and int(number) in numbers:
                return int(number)
    return 1


PART_MODEL_MARKERS = ("-part", "segmentation")


def is_part_model(model_id: str) -> bool:
    """Whether a model splits a mesh into parts (``model_hunyuan-3d-part``, ``model_tripo-segmentation-v2``). Read
    from the id because nothing in an output says "part": other models also answer several model files (Rodin's
    shaded and PBR GLBs, Meshy's GLB and OBJ), which are copies of one mesh, not parts."""
    return any(marker in model_id.lower() for marker in PART_MODEL_MARKERS)


def _part_files(model_id: str, names: list[str]) -> list[str]:
    return names if is_part_model(model_id) and len(names) > 1 else []


def current_version(item: LibraryItem) -> int:
    return max((int(v.get("number", 1)) for v in item.versions if isinstance(v, dict)), default=1)


def version_entry(item: LibraryItem, number: int) -> dict[str, Any]:
    """The stored entry of version ``number``; version 1 is described from the item itself."""
    if number <= 1:
        return {"number": 1, "model_file": item.model_file_v1 or item.model_file, "model_id": item.model_id,
                "params": item.params, "made_from": None, "created_at": item.created_at,
                "job_id": item.job_id, "has_animation": False,
                "parts": _part_files(item.model_id, [f.name for f in item.files if f.kind == "model"
                                                     and not f.name.startswith("versions/")])}
    for v in item.versions:
        if isinstance(v, dict) and v.get("number") == number:
            return v
    raise KeyError(f"{item.id} has no version {number}")


def lineage(item: LibraryItem) -> list[dict[str, Any]]:
    """Every version, oldest first: number, made_from, model_id, params, created_at, model_file, parts."""
    return [version_entry(item, 1), *sorted((v for v in item.versions if isinstance(v, dict)),
                                            key=lambda v: int(v.get("number", 0)))]


def model_path(item: LibraryItem, number: int | None = None) -> Path | None:
    """The model file of a version (the newest when ``number`` is None)."""
    entry = version_entry(item, number or current_version(item))
    return item.inside(str(entry.get("model_file") or ""))


def parts(item: LibraryItem, number: int | None = None) -> list[Path]:
    """The separate files of a part split (empty when the version is a single mesh)."""
    entry = version_entry(item, number or current_version(item))
    found = [item.inside(str(name)) for name in entry.get("parts") or ()]
    return [p for p in found if p is not None]


def has_animation(path: Path) -> bool:
    """Whether a glTF/GLB file holds at least one animation (a rigged result the preview can play)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(20)
            if head[:4] == b"glTF" and len(head) == 20:
                length, kind = struct.unpack("<II", head[12:20])
                if kind != 0x4E4F534A:  # "JSON"
                    return False
                doc = json.loads(fh.read(length))
            elif path.suffix.lower() == ".gltf":
                doc = json.loads(head + fh.read())
            else:
                return False
    except (OSError, ValueError, struct.error):
        return False
    return isinstance(doc, dict) and bool(doc.get("animations"))


def add_version(library: Library, item_id: str, job_folder: Path, *, model_id: str, params: dict[str, Any],
                job_id: str, made_from: int, cost: float | None = None, cost_unit: str = "") -> LibraryItem:
    """Move a finished refine job's ``outputs/`` (and inputs) into ``item/versions/vN`` and record it as the
    item's newest version. Blocking: run it on a worker."""
    with library.lock:
        item = library.get(item_id)
        if item is None:
            raise KeyError(item_id)
        number = current_version(item) + 1
        rel = Path("versions") / f"v{number}"
        dest = library.folder_of(item_id) / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(dest, ignore_errors=True)  # a half-copied earlier attempt of this same version
        shutil.copytree(job_folder, dest, ignore=shutil.ignore_patterns(REFINE_FILE, "*.tmp", "*.part", "*.asset.json"))
        outputs = sorted(p for p in (dest / "outputs").rglob("*") if p.is_file()) if (dest / "outputs").is_dir() \
            else []
        files = [LibraryFile(p.relative_to(dest.parent.parent).as_posix(),
                             "model" if p.suffix.lower() in MODEL_EXTENSIONS else "other",
                             p.stat().st_size, sha256_file(p)) for p in outputs]
        models = [p for p in outputs if p.suffix.lower() in MODEL_EXTENSIONS]
        main = choose_model([(None, p) for p in models]) if models else None
        rel_of = {p: p.relative_to(dest.parent.parent).as_posix() for p in outputs}
        entry = {
            "number": number, "made_from": made_from, "model_id": model_id, "params": dict(params),
            "job_id": job_id, "created_at": time.time(), "model_file": rel_of[main] if main else "",
            # A split answers with several meshes: keep and list them all.
            "parts": _part_files(model_id, [rel_of[p] for p in models]),
            "has_animation": bool(main and has_animation(main)),
            "cost": cost, "cost_unit": cost_unit,
        }
        changes: dict[str, Any] = {"versions": [*item.versions, entry], "files": [*item.files, *files]}
        if not item.model_file_v1:
            changes["model_file_v1"] = item.model_file
        if main is not None:
            changes["model_file"] = entry["model_file"]
        updated = library.update(item_id, **changes)
    shutil.rmtree(job_folder, ignore_errors=True)
    return updated

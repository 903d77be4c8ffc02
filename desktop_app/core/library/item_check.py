"""Reading an ``item.json`` from disk without trusting it: every field's type and every path is checked, and a
folder whose item.json is missing or unusable becomes a "damaged" item listing its files, never a lost one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from desktop_app.core.library.paths import contained
from desktop_app.core.library.store import DAMAGED_MODEL, STATUSES, LibraryFile, LibraryItem
from desktop_app.core.mesh.formats import PREVIEW_FORMATS


class DamagedItemError(ValueError):
    """An item.json that cannot be used as it is; the message says why, for the library's report."""


_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "id": (str,), "title": (str,), "model_id": (str,), "created_at": (int, float), "params": (dict,),
    "inputs": (list,), "files": (list,), "model_file": (str,), "job_id": (str,), "remote": (dict,),
    "cost": (int, float, type(None)), "cost_unit": (str,), "started_at": (int, float, type(None)),
    "finished_at": (int, float, type(None)), "tags": (list,), "favorite": (bool,), "status": (str,),
    "versions": (list,), "model_file_v1": (str,),
}
_FILE_TYPES: dict[str, tuple[type, ...]] = {"name": (str,), "kind": (str,), "size": (int,), "sha256": (str,)}


def parse_item(data: Any, folder: Path) -> LibraryItem:
    """An item from an ``item.json``'s parsed content; DamagedItemError when a field has the wrong type, a
    required one is missing, or a path leads outside ``folder``."""
    if not isinstance(data, dict):
        raise DamagedItemError(f"item.json holds a {type(data).__name__}, not an item")
    for key in ("title", "model_id", "created_at"):
        if key not in data:
            raise DamagedItemError(f"item.json has no {key}")
    for key, kinds in _FIELD_TYPES.items():
        if key in data and (not isinstance(data[key], kinds) or (kinds == (int, float) and
                                                                  isinstance(data[key], bool))):
            raise DamagedItemError(f"item.json's {key} is a {type(data[key]).__name__}")
    files = []
    for entry in data.get("files", []):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or any(
                k in entry and not isinstance(entry[k], t) for k, t in _FILE_TYPES.items()):
            raise DamagedItemError("item.json lists a file it does not describe properly")
        files.append(LibraryFile(**{k: entry[k] for k in _FILE_TYPES if k in entry},
                                 **{k: v for k, v in (("kind", "other"), ("size", 0)) if k not in entry}))
    if data.get("status", "complete") not in STATUSES:
        raise DamagedItemError(f"item.json's status {data['status']!r} is unknown")
    names = [data.get("model_file", ""), *(f.name for f in files), *data.get("inputs", [])]
    for name in names:
        if not isinstance(name, str):
            raise DamagedItemError("item.json lists a file name that is not text")
        if name and contained(folder, name) is None:
            raise DamagedItemError(f"item.json points outside its folder ({name[:80]})")
    known = {k: v for k, v in data.items() if k in _FIELD_TYPES and k != "files"}
    known["id"] = folder.name  # the folder names the item, whatever item.json says
    return LibraryItem(**known, files=files, folder=folder)


def damaged_item(folder: Path, reason: str) -> LibraryItem:
    """What the library lists for a folder whose item.json is missing or unusable: its files, not its claims."""
    files: list[LibraryFile] = []
    try:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink() and len(files) < 500:
                rel = path.relative_to(folder).as_posix()
                kind = "model" if path.suffix.lower() in PREVIEW_FORMATS else "other"
                files.append(LibraryFile(rel, "input" if rel.startswith("inputs/") else kind, path.stat().st_size))
    except OSError:
        pass
    try:
        created = folder.stat().st_mtime
    except OSError:
        created = 0.0
    models = [f.name for f in files if f.kind == "model" and f.name.startswith("outputs/")]
    return LibraryItem(id=folder.name, title=f"{folder.name} (damaged)", model_id=DAMAGED_MODEL,
                       created_at=created, files=files, model_file=models[0] if models else "",
                       remote={"damage": reason}, status="damaged", folder=folder)

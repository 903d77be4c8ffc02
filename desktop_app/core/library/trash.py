"""The library's own trash: deleted item folders wait in ``root/trash`` until restored or deleted for good.

``Library.delete`` puts a folder there as ``<item id>-<milliseconds>``; this module lists those folders, finds
one by item id or folder name, and removes them permanently. Blocking and Qt-free (run it in a worker).
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from desktop_app.core.errors import MeshwrightError
from desktop_app.core.library.store import ITEM_FILE, TRASH, Library

log = logging.getLogger(__name__)


class TrashError(MeshwrightError):
    """No such deleted item, or it cannot be put back; nothing was changed."""


@dataclass
class TrashedItem:
    path: Path  # the folder inside the trash
    item_id: str
    title: str
    model_id: str
    deleted_at: float
    size: int  # bytes of the files item.json lists

    @property
    def name(self) -> str:
        return self.path.name


def _entry(folder: Path) -> TrashedItem | None:
    item_id, _sep, stamp = folder.name.rpartition("-")
    try:
        data = json.loads((folder / ITEM_FILE).read_text(encoding="utf-8"))
        deleted_at = int(stamp) / 1000 if stamp.isdigit() else folder.stat().st_mtime
        size = sum(int(f.get("size", 0)) for f in data.get("files", []) if isinstance(f, dict))
        return TrashedItem(folder, item_id or folder.name, str(data.get("title", "")), str(data.get("model_id", "")),
                           deleted_at, size)
    except (OSError, ValueError, TypeError, AttributeError, RecursionError) as exc:
        if not folder.is_dir():
            return None
        # A damaged item deleted from the library stays restorable: listed by its folder, not its claims.
        log.info("trash folder %s has no usable item.json: %s", folder.name, type(exc).__name__)
        try:
            files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
            if not files:
                return None
            size = sum(p.stat().st_size for p in files)
            deleted_at = int(stamp) / 1000 if stamp.isdigit() else folder.stat().st_mtime
        except OSError:
            return None
        return TrashedItem(folder, item_id or folder.name, f"{item_id or folder.name} (damaged)", "damaged",
                           deleted_at, size)


def trashed_items(library: Library) -> list[TrashedItem]:
    """Every deleted item still in the library's trash, most recently deleted first."""
    with library.lock:
        trash = library.root / TRASH
        folders = sorted(trash.iterdir()) if trash.is_dir() else []
    found = [entry for entry in map(_entry, folders) if entry is not None]
    return sorted(found, key=lambda e: e.deleted_at, reverse=True)


def find_trashed(library: Library, ref: str) -> TrashedItem:
    """The deleted item named ``ref`` (its item id, or its folder name in the trash); the latest if deleted twice."""
    for entry in trashed_items(library):
        if ref in (entry.item_id, entry.name):
            return entry
    raise TrashError(f"No deleted item '{ref}' in the library's trash.", hint="List them with 'library trash'.")


def restore(library: Library, entry: TrashedItem) -> str:
    """Put a deleted item back; returns its id."""
    try:
        return library.restore(entry.path).id
    except FileExistsError as exc:
        raise TrashError(f"'{entry.title or entry.item_id}' is already in the library; it stays in the trash.") from exc
    except (OSError, ValueError) as exc:
        raise TrashError(f"'{entry.title or entry.item_id}' could not be restored.", hint=str(exc)) from exc


def purge(library: Library, entry: TrashedItem) -> None:
    """Delete a trashed item's folder for good (only ever a folder directly inside the trash)."""
    with library.lock:
        trash = (library.root / TRASH).resolve()
        folder = entry.path.resolve()
        if folder.parent != trash or not folder.is_dir():
            raise TrashError(f"'{entry.name}' is not in the library's trash.")
        shutil.rmtree(folder)
    log.info("deleted %s from the library's trash for good", entry.name)

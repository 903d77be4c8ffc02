"""The local library: one folder per result, plus a SQLite index that can always be rebuilt from them.

An item folder holds ``inputs/`` (the images used), ``outputs/`` (every result file), ``item.json`` (model,
parameters, ids, times, files; readable by a person) and ``thumbnail.png``. The folders are the truth; the
index only makes listing and search fast.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.core.library import index as idx
from desktop_app.core.library.index import LibraryQuery, LibraryRow
from desktop_app.core.library.paths import contained

log = logging.getLogger(__name__)

ITEM_FILE = "item.json"
THUMBNAIL = "thumbnail.png"
TRASH = "trash"
STATUSES = ("complete", "partial", "imported", "damaged")
DAMAGED_MODEL = "damaged"  # model_id of an item whose item.json is missing or unusable

__all__ = ["Library", "LibraryFile", "LibraryItem", "LibraryQuery", "LibraryRow"]


@dataclass
class LibraryFile:
    name: str  # relative to the item folder, e.g. "outputs/model.glb"
    kind: str  # model, image, texture, other, input
    size: int
    sha256: str = ""


@dataclass
class LibraryItem:
    id: str
    title: str
    model_id: str
    created_at: float
    params: dict[str, Any] = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)
    files: list[LibraryFile] = field(default_factory=list)
    model_file: str = ""  # relative path of the model the preview opens
    job_id: str = ""
    remote: dict[str, Any] = field(default_factory=dict)
    cost: float | None = None
    cost_unit: str = ""
    started_at: float | None = None
    finished_at: float | None = None
    tags: list[str] = field(default_factory=list)
    favorite: bool = False
    status: str = "complete"  # complete, partial (a failed job's kept files) or imported
    # Refined versions (desktop_app.core.library.versions): one dict per version after the first.
    versions: list[dict[str, Any]] = field(default_factory=list)
    model_file_v1: str = ""  # version 1's model once a refine moved ``model_file`` to a newer version
    folder: Path | None = None  # set when read from disk; not stored in item.json

    @property
    def provider(self) -> str:
        return self.model_id.split(":", 1)[0]

    def inside(self, name: str) -> Path | None:
        """``folder / name`` when it resolves inside the item folder, else None: names come from item.json
        (which anyone can edit) and must never lead out of the item, whatever ``..`` or links they hold."""
        return contained(self.folder, name) if self.folder and name else None

    @property
    def model_path(self) -> Path | None:
        return self.inside(self.model_file)

    @property
    def thumbnail_path(self) -> Path | None:
        return self.folder / THUMBNAIL if self.folder else None

    @property
    def prompt(self) -> str:
        value = self.params.get("prompt", "")
        return value if isinstance(value, str) else ""

    @property
    def damaged(self) -> bool:
        return self.status == "damaged"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("folder")
        data["format"] = "meshwright-item/1"
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any], folder: Path | None = None) -> LibraryItem:
        """Build an item from trusted data (the index, which the library wrote). For an ``item.json`` read from
        disk use ``parse_item``, which checks every field's type and every path."""
        files = [LibraryFile(**f) for f in data.get("files", []) if isinstance(f, dict)]
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k not in ("files", "folder")}
        return cls(**known, files=files, folder=folder)


def _slug(text: str, limit: int = 32) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return slug[:limit].strip("-") or "model"


def new_item_id(title: str, when: float | None = None) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(when or time.time()))
    return f"{stamp}-{_slug(title)}-{uuid.uuid4().hex[:6]}"


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class Library:
    """Items under ``root/items``; the index at ``root/index.sqlite3``. Thread-safe; blocking (use a worker)."""

    def __init__(self, root: Path) -> None:
        self._lock = threading.RLock()
        # Called (in the switching thread) after switch_to, so views can list the new folder.
        self.on_switch: list[Callable[[], None]] = []
        # Sentences for the user about damage found and repaired (a rebuilt index); shown once at start.
        self.notices: list[str] = []
        # (item id, why) for every item folder whose item.json was missing or unusable at the last rebuild.
        self.damaged: list[tuple[str, str]] = []
        self._open(root)

    def _open(self, root: Path) -> None:
        from desktop_app.core.state_repair import ensure_folder

        self.root = root
        self.items_dir = root / "items"
        ensure_folder(self.items_dir)
        self._db = self._open_index()

    # --- index -----------------------------------------------------------------------------------------

    @property
    def lock(self) -> AbstractContextManager[Any]:
        """Held by every read and write; hold it to keep the library still (e.g. while switching folders)."""
        return self._lock

    @property
    def index_path(self) -> Path:
        return self.root / "index.sqlite3"

    def _open_index(self) -> sqlite3.Connection:
        """Open the index; a damaged one (or a folder in its place) is set aside and rebuilt from the items."""
        from desktop_app.core.state_repair import SQLITE_SIDE_FILES, plain_problem, probe_folder, set_aside

        path = self.index_path
        problem = "a folder is in its place" if path.is_dir() else ""
        if not problem:
            try:
                db = idx.connect(path)
                problem = idx.quick_check(db)
                if problem:
                    db.close()
            except (sqlite3.Error, OSError) as exc:
                storage = probe_folder(self.root)
                if storage is not None:
                    raise storage from exc
                problem = str(exc) or type(exc).__name__
        if problem:
            problem = plain_problem(problem)
            log.info("library index %s is damaged (%s); rebuilding it from the item folders", path, problem)
            aside = set_aside(path, SQLITE_SIDE_FILES)
            db = idx.connect(path)
            self.notices.append(f"The library index {path} was damaged ({problem}); it was set aside as "
                                f"{aside.name} and rebuilt from the item folders. No item was lost.")
        self._db = db
        count = db.execute("SELECT COUNT(*) FROM items").fetchone()[0]
        if problem or (count == 0 and any(self.items_dir.iterdir())):
            self.rebuild_index()
            if self.damaged:
                names = ", ".join(item_id for item_id, _why in self.damaged[:5])
                more = f" and {len(self.damaged) - 5} more" if len(self.damaged) > 5 else ""
                self.notices.append(f"{len(self.damaged)} library item(s) have a missing or damaged item.json and "
                                    f"are listed as damaged, with their files: {names}{more}.")
        return db

    def _index(self, item: LibraryItem) -> None:
        data = item.to_json()
        size = sum(f.size for f in item.files)
        self._db.execute(idx.INSERT, idx.index_values(data, item.provider, item.prompt, size))

    def rebuild_index(self) -> int:
        """Re-read every item folder into the index; returns how many items it found (damaged ones included:
        they are listed as "damaged" with their files, never dropped; ``self.damaged`` says which and why)."""
        with self._lock:
            damaged: list[tuple[str, str]] = []
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM items")
                found = 0
                for folder in sorted(self.items_dir.iterdir()):
                    item = self._read_folder(folder)
                    if item is not None:
                        self._index(item)
                        found += 1
                        if item.damaged:
                            damaged.append((item.id, str(item.remote.get("damage", ""))))
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            self.damaged = damaged
        log.info("library index rebuilt: %d items (%d damaged)", found, len(damaged))
        return found

    def _read_folder(self, folder: Path) -> LibraryItem | None:
        """The item in ``folder``; a damaged item when item.json is missing or unusable; None for what is not
        an item folder at all (a stray file, a half-made import, a hidden folder)."""
        from desktop_app.core.library.item_check import DamagedItemError, damaged_item, parse_item

        if folder.name.startswith(".") or folder.is_symlink() or not folder.is_dir():
            return None
        try:
            text = (folder / ITEM_FILE).read_text(encoding="utf-8")
        except FileNotFoundError:
            if not any(p.is_file() for p in folder.rglob("*")):
                return None  # an empty folder holds nothing to keep or show
            reason = "item.json is missing"
        except IsADirectoryError:
            reason = "item.json is a folder"
        except (OSError, ValueError) as exc:
            reason = f"item.json cannot be read ({type(exc).__name__})"
        else:
            try:
                return parse_item(json.loads(text), folder)
            except DamagedItemError as exc:
                reason = str(exc)
            except (ValueError, TypeError, RecursionError) as exc:
                reason = f"item.json is not valid ({type(exc).__name__})"
        log.info("library folder %s is damaged: %s", folder.name, reason)
        return damaged_item(folder, reason)

    # --- items -----------------------------------------------------------------------------------------

    def add(self, item: LibraryItem, source_dir: Path) -> LibraryItem:
        """Move a finished job folder (inputs/, outputs/) into the library as ``item``."""
        with self._lock:
            dest = self.items_dir / item.id
            try:
                os.replace(source_dir, dest)
            except OSError:  # another file system: copy, then remove the source
                shutil.copytree(source_dir, dest)
                shutil.rmtree(source_dir, ignore_errors=True)
            item.folder = dest
            write_json_atomic(dest / ITEM_FILE, item.to_json())
            self._index(item)
        log.info("library item %s added (%s)", item.id, item.model_id)
        return item

    def get(self, item_id: str) -> LibraryItem | None:
        with self._lock:
            row = self._db.execute("SELECT data FROM items WHERE id = ?", (item_id,)).fetchone()
            folder = self.items_dir / item_id
        if row is None:
            return None
        return LibraryItem.from_json(json.loads(row[0]), folder)

    def find_by_job(self, job_id: str) -> LibraryItem | None:
        with self._lock:
            row = self._db.execute(
                "SELECT id, data FROM items WHERE json_extract(data, '$.job_id') = ?", (job_id,)
            ).fetchone()
            items_dir = self.items_dir
        return LibraryItem.from_json(json.loads(row[1]), items_dir / row[0]) if row else None

    def list(self, query: str = "", limit: int | None = None) -> list[LibraryItem]:
        """Whole items, newest first, matching every word of ``query``."""
        where, args = LibraryQuery(text=query, limit=limit).sql()
        with self._lock:
            rows = self._db.execute("SELECT id, data FROM items" + where, args).fetchall()
            items_dir = self.items_dir
        return [LibraryItem.from_json(json.loads(data), items_dir / item_id) for item_id, data in rows]

    def rows(self, query: LibraryQuery | None = None) -> list[LibraryRow]:
        """The light rows a view lists (no item.json decoding): fast enough to run at every keystroke."""
        where, args = (query or LibraryQuery()).sql()
        with self._lock:
            found = self._db.execute(f"SELECT {idx.ROW_COLUMNS} FROM items" + where, args).fetchall()
        return [idx.row_from_tuple(values) for values in found]

    def models(self) -> list[tuple[str, str]]:
        """Every (provider, model id) that has items, for the filter menus."""
        with self._lock:
            found = self._db.execute("SELECT DISTINCT provider, model_id FROM items ORDER BY provider, model_id")
            return [(p, m) for p, m in found.fetchall()]

    def folder_of(self, item_id: str) -> Path:
        with self._lock:
            return self.items_dir / item_id

    def update(self, item_id: str, **changes: Any) -> LibraryItem:
        with self._lock:
            item = self.get(item_id)
            if item is None:
                raise KeyError(item_id)
            for key, value in changes.items():
                if key in ("id", "folder") or key not in LibraryItem.__dataclass_fields__:
                    raise AttributeError(key)
                setattr(item, key, value)
            if item.damaged and (self.items_dir / item_id / ITEM_FILE).exists():
                from desktop_app.core.state_repair import set_aside

                set_aside(self.items_dir / item_id / ITEM_FILE)  # keep the damaged original, never overwrite
            write_json_atomic(self.items_dir / item_id / ITEM_FILE, item.to_json())
            self._index(item)
        return item

    def set_thumbnail(self, item_id: str, png: bytes) -> Path:
        with self._lock:
            path = self.items_dir / item_id / THUMBNAIL
        tmp = path.with_name(THUMBNAIL + ".tmp")
        tmp.write_bytes(png)
        os.replace(tmp, path)
        return path

    def delete(self, item_id: str) -> Path | None:
        """Move the item into ``root/trash`` (recoverable with ``restore``) and drop it from the index."""
        with self._lock:
            src = self.items_dir / item_id
            dest = None
            if src.is_dir():
                trash = self.root / TRASH
                trash.mkdir(exist_ok=True)
                dest = trash / f"{item_id}-{int(time.time() * 1000)}"
                os.replace(src, dest)
            self._db.execute("DELETE FROM items WHERE id = ?", (item_id,))
        return dest

    def restore(self, trashed: Path) -> LibraryItem:
        """Undo ``delete``: put a trashed folder back under its id and index it again."""
        with self._lock:
            item_id = trashed.name.rsplit("-", 1)[0]
            dest = self.items_dir / item_id
            if dest.exists():
                raise FileExistsError(f"an item named {item_id} is already in the library")
            os.replace(trashed, dest)
            item = self._read_folder(dest)
            if item is None:
                raise ValueError(f"{trashed.name} is not a library item")
            self._index(item)
        return item

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM items").fetchone()[0])

    def switch_to(self, root: Path) -> None:
        """Use the library at ``root`` from now on (after a move): every holder of this object follows."""
        with self._lock:
            old_db, old_root = self._db, self.root
            try:
                self._open(root)
            except BaseException:
                self.root, self.items_dir, self._db = old_root, old_root / "items", old_db
                raise
            old_db.close()
        for callback in list(self.on_switch):
            callback()

    def close(self) -> None:
        with self._lock:
            self._db.close()

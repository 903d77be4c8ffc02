"""Bringing model files into the library, and moving the whole library to another folder (Qt-free, blocking)."""

from __future__ import annotations

import json
import logging
import re
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote

from desktop_app.core.errors import MeshwrightError
from desktop_app.core.images import IMAGE_SUFFIXES
from desktop_app.core.jobs.outputs import sha256_file
from desktop_app.core.library.store import ITEM_FILE, TRASH, Library, LibraryFile, LibraryItem, new_item_id
from desktop_app.core.mesh.formats import PREVIEW_FORMATS

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]


class LibraryMoveError(MeshwrightError):
    """The library cannot be moved to the chosen folder; nothing was changed."""


# --- import ------------------------------------------------------------------------------------------------


def _references(path: Path) -> list[str]:
    """Every relative name a model refers to: an OBJ's MTL and its textures, a glTF's buffers and images."""
    names: list[str] = []
    try:
        if path.suffix.lower() == ".obj":
            for mtl in re.findall(r"^\s*mtllib\s+(.+?)\s*$", path.read_text(errors="replace"), re.M):
                names.append(mtl)
                mtl_path = path.parent / mtl
                if mtl_path.is_file() and mtl_path.resolve().is_relative_to(path.parent.resolve()):
                    names += re.findall(r"^\s*(?:map_\w+|bump|disp|norm)\s+(?:-\S+\s+\S+\s+)*(.+?)\s*$",
                                        mtl_path.read_text(errors="replace"), re.M)
        elif path.suffix.lower() == ".gltf":
            data = json.loads(path.read_text(encoding="utf-8"))
            entries = [*data.get("buffers", []), *data.get("images", [])] if isinstance(data, dict) else []
            for entry in entries:
                uri = entry.get("uri", "") if isinstance(entry, dict) else ""
                if isinstance(uri, str) and uri and not uri.startswith("data:"):
                    names.append(unquote(uri))
    except (OSError, ValueError, AttributeError, TypeError) as exc:
        log.info("could not read the files %s refers to: %s", path.name, type(exc).__name__)
    return names


def outside_references(path: Path) -> list[str]:
    """The names a model refers to that lead outside its own folder (``../x.bin``, ``/etc/passwd``)."""
    base = path.parent.resolve()
    return [n for n in _references(path)
            if Path(n).is_absolute() or "://" in n or not (path.parent / n).resolve().is_relative_to(base)]


def companion_files(path: Path) -> list[Path]:
    """The files a model refers to that exist beside or below it (never anything outside its folder)."""
    base = path.parent.resolve()
    found = [path.parent / n for n in _references(path) if "://" not in n and not Path(n).is_absolute()]
    return list(dict.fromkeys(p for p in found if p.resolve().is_relative_to(base) and p.is_file()))


def import_model(library: Library, path: Path, title: str = "") -> LibraryItem:
    """Copy a model file (and the files it refers to) into a new library item. The original is left alone."""
    path = Path(path).expanduser()
    if path.suffix.lower() not in PREVIEW_FORMATS:
        raise MeshwrightError(f"'{path.name}' is not a model file Meshwright can open.",
                              hint="Use a GLB, glTF, OBJ, STL or PLY file.")
    outside = outside_references(path) if path.is_file() else []
    if outside:
        raise MeshwrightError(
            f"'{path.name}' refers to files outside its own folder ({', '.join(outside[:3])}); Meshwright "
            "copies only files beside or below the model, so it was not imported.",
            hint="Put those files next to the model (and fix the names in it), or export it as GLB.")
    from desktop_app.core.mesh.load import mesh_stats  # numpy and the mesh code: not at start-up

    stats = mesh_stats(path)  # refuses missing, damaged, unreadable and empty files with a plain message
    staging = library.root / f".import-{uuid.uuid4().hex[:8]}"
    outputs = staging / "outputs"
    outputs.mkdir(parents=True)
    try:
        files = []
        for source in [path, *companion_files(path)]:
            relative = source.resolve().relative_to(path.parent.resolve())
            dest = outputs / relative
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest)
            kind = "model" if source == path else "texture" if source.suffix.lower() in IMAGE_SUFFIXES else "other"
            files.append(LibraryFile(f"outputs/{relative.as_posix()}", kind, dest.stat().st_size,
                                     sha256_file(dest)))
        now = time.time()
        name = title.strip() or path.stem.replace("_", " ").strip() or "Imported model"
        item = LibraryItem(
            id=new_item_id(name, now), title=name, model_id=f"import:{path.suffix.lower().lstrip('.')}",
            created_at=now, params={"faces": stats.triangles}, files=files, model_file=files[0].name,
            remote={"imported_from": path.name}, started_at=now, finished_at=now, status="imported",
        )
        return library.add(item, staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# --- moving the library ------------------------------------------------------------------------------------


def _tree_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _copy_verified(src: Path, dest: Path) -> None:
    shutil.copytree(src, dest, symlinks=True)  # a link in an item is copied as a link, never followed out
    for path in src.rglob("*"):
        if path.is_file():
            copy = dest / path.relative_to(src)
            if not copy.is_file() or copy.stat().st_size != path.stat().st_size:
                raise LibraryMoveError(f"Copying {path.name} did not give the same file; nothing was changed.")


def _is_item_folder(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink() and not path.name.startswith(".") and (
        (path / ITEM_FILE).is_file() or any(p.is_file() for p in path.rglob("*")))


def move_library(library: Library, dest: Path, progress: Progress | None = None) -> Path:
    """Copy every item (and the app's trash) to ``dest``, check the copies, then switch ``library`` to it.

    The old folder is left untouched, so nothing can be lost half-way; the caller saves the new location.
    """
    report = progress or (lambda _f, _m: None)
    dest = Path(dest).expanduser().resolve()
    src = library.root.resolve()
    if dest == src:
        raise LibraryMoveError("The library is already in this folder.")
    if dest.is_relative_to(src) or src.is_relative_to(dest):
        raise LibraryMoveError("Choose a folder outside the current library (and not one that contains it).")
    if dest.exists() and not dest.is_dir():
        raise LibraryMoveError("Choose a folder for the library, not a file.", hint=f"'{dest}' is a file.")
    if dest.exists() and any(dest.iterdir()):
        raise LibraryMoveError("Choose an empty folder for the library.", hint=f"'{dest}' already holds files.")
    try:
        (dest / "items").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LibraryMoveError("That folder cannot be written to.", hint=type(exc).__name__) from exc

    # Every item folder, damaged ones (no usable item.json) included: a move must not leave any behind.
    folders = [p for p in sorted(library.items_dir.iterdir()) if _is_item_folder(p)]
    total = max(1, sum(_tree_bytes(p) for p in folders))
    done = 0
    try:
        for number, folder in enumerate(folders, 1):
            report(done / total * 0.95, f"Copying item {number} of {len(folders)}")
            _copy_verified(folder, dest / "items" / folder.name)
            done += _tree_bytes(folder)
        with library.lock:  # no job can file a result between the last copy and the switch
            late = [p for p in library.items_dir.iterdir()
                    if _is_item_folder(p) and not (dest / "items" / p.name).exists()]
            for folder in late:
                _copy_verified(folder, dest / "items" / folder.name)
            if (library.root / TRASH).is_dir():
                _copy_verified(library.root / TRASH, dest / TRASH)
            report(0.97, "Indexing the new folder")
            library.switch_to(dest)
    except BaseException as exc:
        # The copies are ours (the folder was empty): clear them so a second try starts clean.
        if library.root.resolve() != dest:
            for part in ("items", TRASH, "index.sqlite3", "index.sqlite3-wal", "index.sqlite3-shm"):
                target = dest / part
                shutil.rmtree(target, ignore_errors=True) if target.is_dir() else target.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise LibraryMoveError("The library could not be copied there; it stays where it was.",
                                   hint=f"{type(exc).__name__}: {exc}") from exc
        raise
    report(1.0, "Done")
    log.info("library moved to %s (%d items); the old folder %s was kept", dest, len(folders), src)
    return dest

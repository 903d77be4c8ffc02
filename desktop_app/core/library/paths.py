"""Containment of names read from files anyone can edit (item.json, a glTF): a name never leads outside its
folder, whatever ``..``, absolute paths or symbolic links it uses."""

from __future__ import annotations

from pathlib import Path


def contained(folder: Path, name: str) -> Path | None:
    """``folder / name`` if, with links and ``..`` resolved, it stays inside ``folder``; else None."""
    try:
        path = folder / name
        if Path(name).is_absolute() or not path.resolve().is_relative_to(folder.resolve()):
            return None
    except (OSError, ValueError, RuntimeError):  # a link loop, a NUL in the name
        return None
    return path

"""Damaged or unusable state at start: set aside under a dated name, started afresh, and said in plain words.

The app's own files (the job journal, the library index, settings) can be truncated by a crash, garbled by a
disk fault or replaced by something else (a folder where a file should be). None of that may cost the library
or end in a traceback: the damaged file is renamed ``<name>.damaged-<date>`` (kept, never deleted), a new one is
started, and a *notice* tells the user what was lost. A folder that cannot be written at all (read-only, disk
full) is a different case: nothing is set aside, the user gets one sentence naming the folder (StorageError).
"""

from __future__ import annotations

import errno
import json
import logging
import os
import sqlite3
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app.core.errors import MeshwrightError

if TYPE_CHECKING:
    from desktop_app.core.jobs.store import JobStore

log = logging.getLogger(__name__)

_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}
_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG}
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


class StorageError(MeshwrightError):
    """A folder Meshwright must write to is read-only, full or not a folder. ``folder`` names it."""

    def __init__(self, message: str, folder: Path, *, hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.folder = folder


def read_only_error(folder: Path) -> StorageError:
    return StorageError(f"Meshwright cannot write to the folder {folder}: it is read-only or you may not write "
                        "there.", folder, hint="Make it writable, or start Meshwright with MESHWRIGHT_HOME set to a "
                        "folder you can write to.")


def disk_full_error(folder: Path) -> StorageError:
    return StorageError(f"The disk holding {folder} is full, so Meshwright cannot save its work there.", folder,
                        hint="Free some space and try again; nothing was lost.")


def not_a_folder_error(folder: Path) -> StorageError:
    return StorageError(f"Meshwright needs a folder at {folder}, but a file is in the way.", folder,
                        hint="Move that file away, or set MESHWRIGHT_HOME to another folder.")


def storage_error_for(exc: BaseException, folder: Path) -> StorageError | None:
    """A StorageError when ``exc`` means the folder cannot be written (read-only, full); None otherwise."""
    if isinstance(exc, StorageError):
        return exc
    if isinstance(exc, OSError):
        if exc.errno in _FULL:
            return disk_full_error(folder)
        if exc.errno in _READ_ONLY:
            return read_only_error(folder)
        if exc.errno in (errno.ENOTDIR, errno.EEXIST) and not folder.is_dir():
            return not_a_folder_error(_first_non_folder(folder))
        return None
    if isinstance(exc, sqlite3.Error):
        text = str(exc).lower()
        if "disk is full" in text or "disk full" in text:
            return disk_full_error(folder)
        if "readonly" in text or "read-only" in text or "unable to open" in text or "disk i/o" in text:
            return probe_folder(folder)  # "unable to open" is also what a damaged or misplaced file gives
    return None


def _first_non_folder(path: Path) -> Path:
    """The first part of ``path`` that exists and is not a folder (the file in the way)."""
    for parent in (*reversed(path.parents), path):
        if parent.exists() and not parent.is_dir():
            return parent
    return path


def probe_folder(folder: Path) -> StorageError | None:
    """Write and remove a small file in ``folder``: the plain test of "can we save here" (root ignores modes)."""
    if folder.exists() and not folder.is_dir():
        return not_a_folder_error(folder)
    probe = folder / f".meshwright-probe-{uuid.uuid4().hex[:8]}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with probe.open("wb") as fh:
            fh.write(b"\0" * 8192)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        if exc.errno in _FULL:
            return disk_full_error(folder)
        if exc.errno in (errno.ENOTDIR, errno.EEXIST):
            return not_a_folder_error(_first_non_folder(folder))
        return read_only_error(folder)
    finally:
        try:
            probe.unlink(missing_ok=True)
        except OSError:
            pass
    return None


def ensure_folder(folder: Path) -> Path:
    """``mkdir -p`` that raises StorageError (a sentence naming the folder) instead of an OSError."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise storage_error_for(exc, folder) or read_only_error(folder) from exc
    if not folder.is_dir():
        raise not_a_folder_error(folder)
    return folder


def plain_problem(text: str) -> str:
    """SQLite's integrity report on one short line ("Page 3: btreeInitPage() returns error code 11")."""
    text = " ".join(text.replace("*** in database main ***", " ").split())
    return text[:160] + ("..." if len(text) > 160 else "")


def damaged_name(path: Path, when: float | None = None) -> Path:
    """``jobs.sqlite3`` -> ``jobs.sqlite3.damaged-20261205-081500`` (unique if that exists already)."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(when or time.time()))
    candidate = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
        n += 1
    return candidate


def set_aside(path: Path, side_files: tuple[str, ...] = ()) -> Path:
    """Rename ``path`` (a file or a folder in a file's place) and its side files to a dated name; never delete."""
    aside = damaged_name(path)
    try:
        os.replace(path, aside)
        for suffix in side_files:
            side = Path(str(path) + suffix)
            if side.exists():
                os.replace(side, Path(str(aside) + suffix))
    except OSError as exc:
        raise storage_error_for(exc, path.parent) or read_only_error(path.parent) from exc
    log.info("set aside damaged %s as %s", path, aside.name)
    return aside


def sqlite_problem(path: Path) -> str:
    """Why the SQLite file at ``path`` cannot be used as it is ("" when it is fine): opened read-only, so a
    check never changes the evidence. Locked or missing files are not "damaged"."""
    if path.is_dir():
        return "a folder is in its place"
    if not path.exists():
        return ""
    try:
        db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        rows = db.execute("PRAGMA quick_check").fetchall()
    except sqlite3.OperationalError as exc:
        text = str(exc).lower()
        return "" if ("locked" in text or "busy" in text) else str(exc)
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        db.close()
    found = [str(r[0]) for r in rows]
    return "" if found == ["ok"] else "; ".join(found[:3])


# --- the job journal ---------------------------------------------------------------------------------------

_UNFINISHED_SQL = ("SELECT id, model_id, state, title, remote FROM jobs WHERE state NOT IN "
                   "('succeeded', 'failed', 'canceled') ORDER BY created_at")


def salvage_unfinished(path: Path, limit: int = 200) -> list[tuple[str, str, str, str]] | None:
    """(job id, model, title, remote task id) of the unfinished jobs still readable in a damaged journal,
    or None when nothing can be read from it. Read-only; a partial answer is better than none."""
    if not path.is_file():
        return None
    try:
        db = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error:
        return None
    found: list[tuple[str, str, str, str]] = []
    try:
        for row in db.execute(_UNFINISHED_SQL).fetchmany(limit):
            remote = ""
            try:
                data = json.loads(row[4] or "{}").get("data", {})
                remote = next((str(v) for v in data.values() if isinstance(v, str | int)), "")
            except (ValueError, AttributeError, TypeError):
                pass
            found.append((str(row[0]), str(row[1]), str(row[3] or ""), remote))
    except sqlite3.Error:
        return found or None
    finally:
        db.close()
    return found


def journal_notice(path: Path, aside: Path, problem: str, unfinished: list[tuple[str, str, str, str]] | None,
                   jobs_dir: Path) -> str:
    text = (f"The job list {path} was damaged ({problem}). It was set aside as {aside.name} and a new, empty job "
            "list was started; your library is not affected.")
    if unfinished is None:
        text += (" Its unfinished jobs could not be read: if a paid Hyper3D or Scenario job was running, check it "
                 "on the provider's website before starting it again.")
    elif unfinished:
        names = "; ".join(f"{title or job_id} ({model}{', task ' + remote if remote else ''})"
                          for job_id, model, title, remote in unfinished[:5])
        more = f" and {len(unfinished) - 5} more" if len(unfinished) > 5 else ""
        paid = any(not model.startswith("local:") for _j, model, _t, _r in unfinished)
        text += f" {len(unfinished)} unfinished job(s) are no longer listed: {names}{more}."
        if paid:
            text += " Check them on the provider's website (they may have finished and been charged)."
        text += f" Their input files stay in {jobs_dir}."
    return text


def open_journal(path: Path, jobs_dir: Path, notices: list[str]) -> JobStore:
    """Open the journal; a damaged one is set aside (with a notice) and a new one started. Raises
    StorageError when the folder cannot be written, JournalTooNewError for a newer app's journal."""
    from desktop_app.core.jobs.journal_schema import JournalTooNewError
    from desktop_app.core.jobs.store import JobStore

    problem = "a folder is in its place" if path.is_dir() else ""
    if not problem:
        try:
            store = JobStore(path)
        except JournalTooNewError:
            raise
        except (sqlite3.Error, OSError) as exc:
            storage = probe_folder(path.parent)
            if storage is not None:
                raise storage from exc
            text = str(exc).lower()
            if "locked" in text or "busy" in text:
                raise MeshwrightError(f"The job list {path} is busy in another Meshwright process.",
                                      hint="Wait for it to finish, or close the other window.") from exc
            problem = str(exc) or type(exc).__name__
        else:
            problem = store.quick_check()
            if not problem:
                return store
            store.close()
    problem = plain_problem(problem)
    log.info("journal %s is damaged: %s", path, problem)
    aside = set_aside(path, SQLITE_SIDE_FILES)
    unfinished = salvage_unfinished(aside)
    try:
        store = JobStore(path)
    except (sqlite3.Error, OSError) as exc:
        raise storage_error_for(exc, path.parent) or read_only_error(path.parent) from exc
    notices.append(journal_notice(path, aside, problem, unfinished, jobs_dir))
    return store

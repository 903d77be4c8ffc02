"""The printability verdict the panels show: one line, the problems in plain words, size at the print scale.

It wraps core/printing/check.py (which the CLI and the Print… dialog use too) with what the panels need:
- a cache keyed by the file's path, mtime and size, in memory only (nothing is written anywhere), so
  selecting an item again is instant and the details and facts panels share one check of the same file;
- one check per file at a time: a second caller waits for the first's answer instead of checking again;
- a check from arrays already in memory (the preview's parts), so an opened file is not read twice;
- big models are checked in a child process: print_check's edge grouping (``np.unique(axis=0)``) holds the GIL
  for seconds on a 2M-triangle model (benchmarks/printability_stall.py measured a 14 s freeze from a thread),
  and a process can be stopped when the user has moved on.
Everything here blocks: call it in a worker, never on the GUI thread. Qt-free.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections import OrderedDict
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from desktop_app.core.errors import MeshLoadError, MeshwrightError
from desktop_app.core.printing.check import PrintCheck, check_mesh, load_mesh

log = logging.getLogger(__name__)
PRINT_LONGEST_MM = 100.0  # the Print… dialog's default longest side: the size the user gets unless they change it
CACHE_ENTRIES = 64  # checks of a 2M-triangle model are a few kB: the cache is small whatever it holds
# Above these a check goes to a child process (start-up ~1 s; below them a thread stalls the GUI < 50 ms).
PROCESS_MIN_BYTES = 3_000_000
PROCESS_MIN_TRIANGLES = 100_000


class Cancelled(Exception):
    """The check was stopped because nobody wants its answer any more."""


_live: set[Any] = set()  # child processes checking now (stop_all ends them when the app closes)
_live_lock = threading.Lock()
_stopped: set[int] = set()  # pids ended by stop_all: their callers get Cancelled, not an error


def stop_all() -> None:
    """End every check running in a child process (the app is closing); their callers get Cancelled."""
    with _live_lock:
        for process in list(_live):
            _stopped.add(process.pid)
            process.terminate()

FileKey = tuple[str, int, int]  # resolved path, mtime in ns, size in bytes

# short forms of print_check's problems, for the one-line verdict (count -> words)
_SHORT = {
    "holes": ("hole", "holes"),
    "non_manifold": ("non-manifold edge", "non-manifold edges"),
    "flipped": ("flipped edge", "flipped edges"),
    "degenerate": ("zero-area face", "zero-area faces"),
    "overlap": ("overlapping piece", "overlapping pieces"),
    "shells": ("floating piece", "floating pieces"),
}


@dataclass
class Verdict:
    state: str  # "ready", "repair" or "unknown"
    line: str  # "Ready to print", "Needs repair: 3 holes, 12 non-manifold edges", "Can't tell: ..."
    problems: list[tuple[str, str]] = field(default_factory=list)  # (what was found, what it means for a print)
    size_mm: tuple[float, float, float] | None = None  # at PRINT_LONGEST_MM on the longest side
    volume_cm3: float | None = None  # at the same scale, if the surface is closed
    faces: int = 0

    def tooltip(self) -> str:
        """Plain text for a tooltip: the problems, one a line, each with its meaning."""
        if self.state == "ready":
            return "One closed, consistent surface: a slicer can use it as it is."
        if not self.problems:
            return self.line
        return "\n".join(f"• {text} {meaning}" for text, meaning in self.problems)


def verdict_from_check(check: PrintCheck, longest_mm: float = PRINT_LONGEST_MM) -> Verdict:
    """The panels' verdict for a check made at any scale, sized so the longest side is ``longest_mm``."""
    longest = max(check.size_mm) if check.size_mm else 0.0
    factor = longest_mm / longest if longest > 0 else 1.0
    size = tuple(float(x) * factor for x in check.size_mm)
    volume = check.volume_mm3 * factor ** 3 / 1000 if check.volume_mm3 is not None else None
    problems = [(p.text, p.meaning) for p in check.problems]
    if check.printable:
        return Verdict("ready", "Ready to print", problems, size, volume, check.faces)  # type: ignore[arg-type]
    if any(p.code == "empty" for p in check.problems):
        return Verdict("repair", "Needs repair: no surfaces", problems, None, None, 0)
    words = []
    for p in check.problems:
        if p.code in _SHORT:
            one, many = _SHORT[p.code]
            words.append(f"{p.count:,} {one if p.count == 1 else many}")
        elif p.code == "inside_out":
            words.append("inside out")
    return Verdict("repair", "Needs repair: " + ", ".join(words), problems, size, volume,  # type: ignore[arg-type]
                   check.faces)


def unknown(reason: str) -> Verdict:
    return Verdict("unknown", f"Can't tell: {reason}")


def file_key(path: Path) -> FileKey:
    """What identifies one state of a file: a changed file (new mtime or size) is checked again."""
    st = Path(path).stat()
    return str(Path(path).resolve()), st.st_mtime_ns, st.st_size


class CheckCache:
    """Finished checks by key (least recently used dropped first), and the checks under way."""

    def __init__(self, entries: int = CACHE_ENTRIES) -> None:
        self.entries = entries
        self._done: OrderedDict[Any, PrintCheck] = OrderedDict()
        self._running: dict[Any, Future[PrintCheck]] = {}
        self._cancelled_here: dict[int, bool] = {}  # thread -> its own make() was cancelled (not a waited one)
        self._lock = threading.Lock()

    def get(self, key: Any) -> PrintCheck | None:
        with self._lock:
            check = self._done.get(key)
            if check is not None:
                self._done.move_to_end(key)
            return check

    def check(self, key: Any, make: Any) -> PrintCheck:
        """The cached check for ``key``, or ``make()``'s; a caller arriving meanwhile waits for the same one
        (and makes it itself if that one was cancelled)."""
        while True:
            try:
                return self._check(key, make)
            except Cancelled:
                if self._cancelled_here.get(threading.get_ident()):
                    raise

    def _check(self, key: Any, make: Any) -> PrintCheck:
        self._cancelled_here[threading.get_ident()] = False
        with self._lock:
            if key in self._done:
                self._done.move_to_end(key)
                return self._done[key]
            running = self._running.get(key)
            owner = running is None
            if owner:
                running = self._running[key] = Future()
        assert running is not None
        if not owner:
            return running.result()
        try:
            check = make()
        except BaseException as exc:
            self._cancelled_here[threading.get_ident()] = isinstance(exc, Cancelled)
            with self._lock:
                del self._running[key]
            running.set_exception(exc)
            raise
        with self._lock:
            del self._running[key]
            self._done[key] = check
            while len(self._done) > self.entries:
                self._done.popitem(last=False)
        running.set_result(check)
        return check

    def clear(self) -> None:
        with self._lock:
            self._done.clear()


CACHE = CheckCache()


def _child(conn: Any, kind: str, payload: Any) -> None:
    """In the child process: check, and send back ("ok", PrintCheck) or ("error", plain words)."""
    try:
        if kind == "file":
            check = check_mesh(load_mesh(Path(payload)))
        else:
            import trimesh

            from desktop_app.core.shared_arrays import attach

            vertices, faces = attach(payload) if kind == "shared" else payload
            check = check_mesh(trimesh.Trimesh(vertices, faces, process=False))
        conn.send(("ok", check))
    except MeshwrightError as exc:
        conn.send(("error", exc.user_text()))
    except Exception as exc:  # the parent shows it in words; a traceback here would be lost anyway
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def check_in_process(kind: str, payload: Any, cancel: threading.Event | None = None) -> PrintCheck:
    """Run the check in a child process ("file": payload is a path; "arrays": (vertices, faces)); stop it
    when ``cancel`` is set. The GUI process keeps its GIL for the GUI."""
    from desktop_app.core import shared_arrays

    ctx = multiprocessing.get_context("spawn")  # fork would copy Qt's threads' state into the child
    blocks: list = []
    if kind == "arrays":  # not pickled: that held the GIL, and so the GUI, ~90 ms for 2M triangles
        try:
            blocks, payload = shared_arrays.share(list(payload))
            kind = "shared"
        except OSError as exc:  # no shared memory, or too little of it: pickled as before
            log.info("print check without shared memory: %s", exc)
    try:
        receive, send = ctx.Pipe(duplex=False)
        process = ctx.Process(target=_child, args=(send, kind, payload), daemon=True, name="print check")
        process.start()
        send.close()
    except BaseException:
        shared_arrays.release(blocks)
        raise
    with _live_lock:
        _live.add(process)
    try:
        while not receive.poll(0.1):
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            if not process.is_alive() and not receive.poll(0):
                raise EOFError
        status, value = receive.recv()
    except EOFError as exc:
        if process.pid in _stopped:
            raise Cancelled() from exc
        raise MeshLoadError("The check stopped before it finished (not enough memory?).") from exc
    finally:
        with _live_lock:
            _live.discard(process)
        if process.is_alive():
            process.terminate()
        process.join(5)
        receive.close()
        shared_arrays.release(blocks)
    if status == "ok":
        return value
    if status == "error":
        raise MeshLoadError(value)
    raise RuntimeError(value)


def check_file_cached(path: Path, cancel: threading.Event | None = None) -> tuple[FileKey, PrintCheck]:
    """Check the model file (1 unit = 1 mm; the verdict rescales), or reuse the check of this very file state.
    Big files go to a child process. Raises MeshwrightError (plain words) when the file is not a mesh."""
    key = file_key(path)
    if key[2] >= PROCESS_MIN_BYTES:
        return key, CACHE.check(key, lambda: check_in_process("file", str(path), cancel))
    return key, CACHE.check(key, lambda: check_mesh(load_mesh(Path(path))))


def file_verdict(path: Path | None, cancel: threading.Event | None = None) -> Verdict:
    """The verdict for a model file, in words even when it cannot be checked (blocking).
    Raises Cancelled if ``cancel`` was set while a child process checked it."""
    if path is None:
        return unknown("this item has no model file")
    try:
        return verdict_from_check(check_file_cached(path, cancel)[1])
    except FileNotFoundError:
        return unknown("the model file is missing")
    except MeshwrightError as exc:
        return unknown(f"model format not checked ({exc.user_text()})")
    except (OSError, ValueError) as exc:
        return unknown(f"model format not checked ({type(exc).__name__})")


def parts_verdict(positions: list[np.ndarray], indices: list[np.ndarray], path: Path | None = None,
                  cancel: threading.Event | None = None) -> Verdict:
    """The verdict from meshes already in memory (the preview's parts: positions and triangle indices).

    If ``path``'s current state was checked already (say, by the details panel), that check is used, so both
    panels agree; otherwise the arrays are checked and kept under the file's key plus "arrays"."""
    key: Any = None
    if path is not None:
        try:
            key = file_key(path)
        except OSError:
            key = None
        if key is not None and (done := CACHE.get(key)) is not None:
            return verdict_from_check(done)
    if not positions or not any(len(i) for i in indices):
        return unknown("the model has no triangles")
    offsets = np.cumsum([0] + [len(p) for p in positions[:-1]])
    faces = np.concatenate([np.asarray(i, dtype=np.int64).reshape(-1, 3) + o
                            for i, o in zip(indices, offsets, strict=True)])
    verts = np.concatenate([np.asarray(p, dtype=np.float64) for p in positions])

    def make() -> PrintCheck:
        if len(faces) >= PROCESS_MIN_TRIANGLES:
            # trimesh (and scipy) are imported by the child only: their first import here, in a worker, held
            # the GIL for long stretches just after a big model arrived (the GUI's display changes then)
            return check_in_process("arrays", (verts, faces), cancel)
        import trimesh

        return check_mesh(trimesh.Trimesh(verts, faces, process=False))

    check = CACHE.check((*key, "arrays"), make) if key is not None else make()
    return verdict_from_check(check)

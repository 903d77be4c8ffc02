"""Load model files off the GUI thread and hand the flat arrays back through Qt signals."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from desktop_app.core.errors import MeshwrightError
from desktop_app.core.mesh_arrays import SceneArrays
from desktop_app.core.mesh_proxy import motion_proxies
from desktop_app.core.meshes import load_scene_arrays

log = logging.getLogger(__name__)

# The GL stack the view needs (~0.3-0.5 s of imports). The app imports it in a worker once the window is up
# (app.warm_up_preview); the loader does too, beside the model, so a model opened before that finished (or in a
# window that never warmed up) does not import it on the GUI thread when it arrives: a 546 ms stall measured in
# benchmarks/responsiveness.py.
GL_MODULES = ("OpenGL.GL", "pyqtgraph.opengl", "desktop_app.ui.preview.gl_mesh_item",
              "desktop_app.ui.preview.glview", "desktop_app.ui.preview.grid_item")


def import_gl_modules() -> None:
    """Import the view's GL stack (call it off the GUI thread); raises what the imports raise."""
    import importlib

    for name in GL_MODULES:
        importlib.import_module(name)


class MeshLoader(QObject):
    """Loads one file at a time in a worker thread. Only the newest request's result is delivered:
    when the user clicks through library items quickly, older results are dropped, not shown late."""

    loaded = Signal(str, object)  # path, SceneArrays
    failed = Signal(str, str)  # path, user-facing message
    _done = Signal(int, str, object, str)  # emitted in the worker; AutoConnection queues it to our thread

    def __init__(self, parent: QObject | None = None, *, max_texture: int = 2048) -> None:
        super().__init__(parent)
        self._max_texture = max_texture
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mesh-loader")
        self._lock = threading.Lock()
        self._generation = 0
        self._pending = 0
        self._done.connect(self._on_done)
        self.destroyed.connect(lambda *_: self._pool.shutdown(wait=False, cancel_futures=True))

    def load(self, path: str | Path) -> None:
        """Start loading ``path``; supersedes any request still running."""
        with self._lock:
            self._generation += 1
            generation = self._generation
        self._pending += 1
        self._pool.submit(self._work, generation, str(path))

    def cancel(self) -> None:
        """Forget requests in flight: their results will not be emitted."""
        with self._lock:
            self._generation += 1

    def is_busy(self) -> bool:
        return self._pending > 0

    def shutdown(self, wait: bool = True) -> None:
        """Stop the worker (call before the app quits so no thread outlives the QApplication)."""
        self.cancel()
        self._pool.shutdown(wait=wait, cancel_futures=True)

    def _current(self, generation: int) -> bool:
        with self._lock:
            return generation == self._generation

    def _work(self, generation: int, path: str) -> None:
        arrays: object = None
        message = ""
        if self._current(generation):  # skip work nobody will see
            try:
                arrays = load_scene_arrays(Path(path), max_texture=self._max_texture)
                arrays.proxy = _proxy(arrays) if self._current(generation) else None
                _import_gl()
            except MeshwrightError as exc:
                message = exc.user_text()
            except Exception:  # a bug or an odd file: the user still gets a message, we get the trace
                log.exception("unexpected error loading %s", path)
                message = "This model couldn't be opened because of an unexpected error."
        try:
            self._done.emit(generation, path, arrays, message)
        except RuntimeError:  # the loader was deleted while we worked
            pass

    @Slot(int, str, object, str)
    def _on_done(self, generation: int, path: str, arrays: object, message: str) -> None:
        self._pending -= 1
        if not self._current(generation):
            return
        if arrays is not None:
            self.loaded.emit(path, arrays)
        elif message:
            self.failed.emit(path, message)


def _proxy(arrays: SceneArrays) -> SceneArrays | None:
    """The stand-in drawn while the camera moves; a failure only costs smoothness, never the model."""
    try:
        return motion_proxies(arrays)
    except Exception:
        log.exception("could not build the motion proxy for %s", arrays.source)
        return None


def _import_gl() -> None:
    """The GL stack, here in the worker (a no-op once imported); a failure is left to the view to report."""
    try:
        import_gl_modules()
    except Exception:
        log.exception("importing the GL stack in the loader failed")

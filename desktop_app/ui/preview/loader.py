"""Load model files off the GUI thread and hand the flat arrays back through Qt signals."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from desktop_app.core.errors import MeshwrightError
from desktop_app.core.mesh.arrays import SceneArrays
from desktop_app.core.mesh.load import load_scene_arrays
from desktop_app.core.mesh.proxy import motion_proxies
from desktop_app.ui.tasks import Op, supersede

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
    """Loads one file at a time in a worker (an Op in this loader's lane). Only the newest request's result is
    delivered: when the user clicks through library items quickly, older results are dropped, not shown late."""

    loaded = Signal(str, object)  # path, SceneArrays
    failed = Signal(str, str)  # path, user-facing message

    def __init__(self, parent: QObject | None = None, *, max_texture: int = 2048) -> None:
        super().__init__(parent)
        self._max_texture = max_texture
        # One lane and one "latest" key per loader: two big meshes at once would double the peak memory.
        self._key = f"mesh-loader-{id(self)}"
        self._pending = 0
        self._alive = True
        self.destroyed.connect(self._gone)

    def load(self, path: str | Path) -> None:
        """Start loading ``path``; supersedes any request still running."""
        path = str(path)
        self._pending += 1
        op = Op(lambda: self._work(op, path)).latest(self._key).serial(self._key).named("load model").owner(self)
        op.success(lambda result: self._deliver(path, result)).finished(self._one_done).run()

    def cancel(self) -> None:
        """Forget requests in flight: their results will not be emitted."""
        supersede(self._key)

    def is_busy(self) -> bool:
        return self._pending > 0

    def shutdown(self, wait: bool = True) -> None:
        """Forget what is in flight (a file being read finishes in its worker, unheard)."""
        self.cancel()

    def _gone(self, *_: object) -> None:
        self._alive = False
        supersede(self._key)

    def _one_done(self) -> None:
        self._pending -= 1

    def _work(self, op: Op, path: str) -> tuple[object, str]:
        arrays: object = None
        message = ""
        try:
            arrays = load_scene_arrays(Path(path), max_texture=self._max_texture)
            arrays.proxy = None if op.stale() else _proxy(arrays)  # skip work nobody will see
            if not op.stale():
                prepare_gpu_data(arrays)
            _import_gl()
        except MeshwrightError as exc:
            message = exc.user_text()
        except Exception:  # a bug or an odd file: the user still gets a message, we get the trace
            log.exception("unexpected error loading %s", path)
            message = "This model couldn't be opened because of an unexpected error."
        return arrays, message

    def _deliver(self, path: str, result: tuple[object, str]) -> None:
        arrays, message = result
        if not self._alive:
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


def prepare_gpu_data(arrays: SceneArrays) -> None:
    """What the GUI thread would otherwise compute in one go at upload or first draw (mip levels, the contact
    shadow), here in the worker; a failure only moves that work back to the GUI thread."""
    try:
        from desktop_app.ui.preview.contact_shadow import prepare_contact_shadow
        from desktop_app.ui.preview.mipmaps import prepare_mipmaps

        prepare_mipmaps(arrays)
        prepare_contact_shadow(arrays)
    except Exception:
        log.exception("could not prepare %s for the GPU", arrays.source)


def _import_gl() -> None:
    """The GL stack, here in the worker (a no-op once imported); a failure is left to the view to report."""
    try:
        import_gl_modules()
    except Exception:
        log.exception("importing the GL stack in the loader failed")

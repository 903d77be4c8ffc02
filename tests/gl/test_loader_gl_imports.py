"""The model loader imports the view's GL stack in its worker thread, beside the model: a model opened before the
app's warm-up finished (or in a window that never warmed up) must not import it on the GUI thread when it
arrives (a 0.4-0.5 s stall in benchmarks/responsiveness.py)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from desktop_app.ui.preview import loader as loader_module
from desktop_app.ui.preview.loader import GL_MODULES, MeshLoader


def test_gl_stack_is_imported_in_the_loader_thread(textured_glb: Path, qtbot,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[int] = []
    real = loader_module.import_gl_modules

    def spy() -> None:
        threads.append(threading.get_ident())
        real()

    monkeypatch.setattr(loader_module, "import_gl_modules", spy)
    loader = MeshLoader()
    got: list[str] = []
    loader.loaded.connect(lambda path, arrays: got.append(path))
    loader.load(textured_glb)
    qtbot.waitUntil(lambda: not loader.is_busy(), timeout=10000)
    loader.shutdown()
    assert got == [str(textured_glb)]
    assert threads and threading.get_ident() not in threads  # in the worker, before the result was delivered


def test_a_failing_gl_import_still_delivers_the_model(textured_glb: Path, qtbot,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> None:
        raise ImportError("no OpenGL here")

    monkeypatch.setattr(loader_module, "import_gl_modules", broken)
    loader = MeshLoader()
    got: list[str] = []
    loader.loaded.connect(lambda path, arrays: got.append(path))
    loader.load(textured_glb)
    qtbot.waitUntil(lambda: not loader.is_busy(), timeout=10000)
    loader.shutdown()
    assert got == [str(textured_glb)]  # the view reports GL trouble itself when it is built


def test_the_listed_modules_exist() -> None:
    import importlib.util

    assert all(importlib.util.find_spec(name) is not None for name in GL_MODULES)

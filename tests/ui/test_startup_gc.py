"""The cyclic garbage collector is off while the window is made (__main__) and must come back on once the
preview's warm-up is over, whether the GL stack loaded or not: left off, every later cycle would leak."""

from __future__ import annotations

import gc

import pytest

from desktop_app.app import warm_up_preview


class _Preview:
    def __init__(self) -> None:
        self.warmed = False

    def warm_up(self) -> None:
        self.warmed = True


@pytest.mark.parametrize("gl_loads", [True, False])
def test_warm_up_turns_the_collector_back_on(qloop, monkeypatch, gl_loads: bool) -> None:
    if not gl_loads:
        def broken() -> None:
            raise RuntimeError("no OpenGL here")

        monkeypatch.setattr("desktop_app.ui.preview.loader.import_gl_modules", broken)
    preview = _Preview()
    gc.disable()
    try:
        qloop.run(warm_up_preview(preview))
        assert gc.isenabled()
        assert preview.warmed == gl_loads
    finally:
        gc.enable()

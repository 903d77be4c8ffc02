"""The faster form of PySide6's per-module check gives PySide's answer ("PySide6" in the module's source) for
every module loaded in a test run, and goes in place of PySide's own."""

from __future__ import annotations

import inspect
import sys

import PySide6  # noqa: F401  (its support package is what is patched)

from desktop_app.ui import feature_check


def _pyside_answer(module) -> bool:  # what shibokensupport.feature._mod_uses_pyside computes
    try:
        return "PySide6" in inspect.getsource(module)
    except (TypeError, OSError, SyntaxError):
        return False


def test_same_answer_as_pyside_for_every_loaded_module() -> None:
    import desktop_app.core.jobs.store
    import desktop_app.ui.theme

    modules = [m for name, m in sorted(sys.modules.items())
               if m is not None and (name.startswith(("desktop_app", "PySide6", "json", "asyncio", "numpy")))]
    assert len(modules) > 20
    disagree = [m.__name__ for m in modules if feature_check.uses_pyside(m) != _pyside_answer(m)]
    assert disagree == []
    assert feature_check.uses_pyside(desktop_app.ui.theme)
    assert not feature_check.uses_pyside(desktop_app.core.jobs.store)
    assert not feature_check.uses_pyside(sys)  # built in: no source


def test_install_replaces_pysides_check(monkeypatch) -> None:
    import shibokensupport.feature as feature

    monkeypatch.setattr(feature, "_mod_uses_pyside", feature._mod_uses_pyside)  # restored after the test
    assert feature_check.install()
    assert feature._mod_uses_pyside is feature_check.uses_pyside

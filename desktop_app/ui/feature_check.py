"""A faster form of PySide6's check of every module imported after it.

Once PySide6 is imported, it asks of each newly imported module whether it uses PySide6 (for its per-module
``from __feature__ import`` switches) by reading the module's whole source through ``inspect.getsource``.
``inspect`` resolves the module again and goes through ``linecache``: ~0.12 ms a module, 17 ms over the 139
modules imported before the window is shown (benchmarks/startup.py). The answer is the same plain test on the
file's text: "PySide6" in the source. Here it is made by reading the file's bytes. PySide's own function stays
in place if its private module or name changes (the start is then slower, nothing else).
"""

from __future__ import annotations

import logging
from types import ModuleType

log = logging.getLogger(__name__)


def uses_pyside(module: ModuleType) -> bool:
    """True when ``module``'s source file mentions PySide6; False without a readable .py source (a compiled or
    bundled module, an extension), as PySide's own check answers then."""
    path = getattr(module, "__file__", None)
    if not isinstance(path, str) or not path.endswith(".py"):
        return False
    try:
        with open(path, "rb") as source:
            return b"PySide6" in source.read()
    except OSError:
        return False


def install() -> bool:
    """Put ``uses_pyside`` in place of PySide's check; True when done."""
    try:
        import shibokensupport.feature as feature  # PySide6's embedded support package, present once it is imported
    except ImportError:
        return False
    if not callable(getattr(feature, "_mod_uses_pyside", None)):
        log.debug("PySide6's module check has changed; keeping it")
        return False
    feature._mod_uses_pyside = uses_pyside
    return True

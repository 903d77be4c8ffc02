"""3D preview: the GL viewer widget, the background mesh loader and offscreen thumbnails.

Names are resolved on first use (PEP 562): importing this package must not pull in PyOpenGL and pyqtgraph,
which the main window only needs once a model is shown (benchmarks/startup.py measures it).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop_app.ui.preview.loader import MeshLoader
    from desktop_app.ui.preview.offscreen import render_thumbnail, render_thumbnail_png
    from desktop_app.ui.preview.viewer import PreviewWidget

__all__ = ["MeshLoader", "PreviewWidget", "render_thumbnail", "render_thumbnail_png"]

_HOMES = {"MeshLoader": "loader", "PreviewWidget": "viewer", "render_thumbnail": "offscreen",
          "render_thumbnail_png": "offscreen"}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)

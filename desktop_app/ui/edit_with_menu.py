""""Edit with…": the mesh-to-mesh models (remesh, retexture, rigging, part split) a library item can be sent to.

One menu builder for every place that offers it (the library details, the preview's toolbar), so they list the
same models the same way and both end in ``bus.editWith(model id, item id, version)``: the version the user
is looking at, not always the newest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QMenu

REFINE_CAPABILITY = "3d23d"  # a model whose input is a 3D model


def refine_models(models: Sequence) -> list[tuple[str, str]]:
    """(model id, name) of the available models that take a 3D model, from a ``bus.modelsChanged`` list."""
    return [(m.id, m.name) for m in models if REFINE_CAPABILITY in m.capabilities and m.available]


def popup_edit_with(menu: QMenu, models: Sequence[tuple[str, str]], item_id: str, version: int,
                    chosen: Callable[[str, str, int], object], at: QPoint) -> None:
    """Fill ``menu`` with ``models`` for version ``version`` (0: the newest) of library item ``item_id`` and
    open it at ``at`` (global) without blocking; picking one calls ``chosen(model id, item id, version)``."""
    menu.clear()
    for model_id, name in models:
        action = menu.addAction(name)
        action.triggered.connect(lambda _=False, m=model_id: chosen(m, item_id, version))
    menu.popup(at)

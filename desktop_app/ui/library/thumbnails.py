"""Thumbnails of library items, each rendered from the item's own model file.

Not from the scene the preview shows next: that was another item's picture whenever a result failed to show (an
FBX) or the user opened something else first. Loading again costs a worker a moment, at a small texture size;
the render runs in the thumbnail render thread, and the GUI thread only hands the PNG over.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from desktop_app.core.library.store import Library, LibraryItem
from desktop_app.ui.tasks import blocking, spawn

log = logging.getLogger(__name__)


class ThumbnailMaker(QObject):
    made = Signal(str)  # item id whose thumbnail was just written

    def __init__(self, library: Library, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library

    def request(self, item_id: str) -> None:
        """Render the item's thumbnail in the background (read, load and render off the GUI thread)."""
        spawn(self._make_by_id(item_id), name="save thumbnail")

    async def _make_by_id(self, item_id: str) -> None:
        item = await blocking(self.library.get, item_id)
        if item is not None:
            await self.make(item)

    async def make(self, item: LibraryItem) -> None:
        """Render ``item``'s thumbnail from its own model file, loaded for this alone."""
        path = item.model_path
        if path is None:
            return
        from desktop_app.core.mesh.load import load_scene_arrays  # the mesh stack: not at start-up
        from desktop_app.ui.preview.offscreen import render_thumbnail_png  # the GL stack: not at start-up

        try:
            scene = await blocking(load_scene_arrays, path, 512)
        except Exception as exc:  # a format the preview cannot show: the item keeps its placeholder tile
            log.info("no thumbnail for %s: %s", item.id, type(exc).__name__)
            return
        png = await render_thumbnail_png(scene, 256)  # rendered in the render thread, not here
        await blocking(self.library.set_thumbnail, item.id, png)
        self.made.emit(item.id)

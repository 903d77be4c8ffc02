"""The base class of the preview's mesh item: pyqtgraph's GLGraphicsItem, or in the headless `render` command a
minimal stand-in, because importing pyqtgraph (its package and its opengl package import every plot and widget
module) costs ~0.3 s of a ~1.5 s render and the render never shows a pyqtgraph view.

The choice is made once per process, when gl_mesh_item is first imported: the render command calls
:func:`use_headless_base` before it imports the offscreen renderer; the app never does, so the preview's items
are real GLGraphicsItems that GLViewWidget can hold.
"""

from __future__ import annotations

import sys
from typing import Any

from OpenGL import GL
from PySide6 import QtCore, QtGui

_headless = False


def use_headless_base() -> bool:
    """Make gl_mesh_item's item derive from :class:`HeadlessItem`; False if it was imported already (then it
    keeps pyqtgraph's base, which works everywhere, only slower to import)."""
    global _headless
    if "desktop_app.ui.preview.gl_mesh_item" in sys.modules:
        return False
    _headless = True
    return True


def item_base() -> type:
    if _headless:
        return HeadlessItem
    from pyqtgraph.opengl.GLGraphicsItem import GLGraphicsItem

    return GLGraphicsItem


class HeadlessItem(QtCore.QObject):
    """What an item's paint() uses of GLGraphicsItem (same names and behaviour) for drawing into an offscreen
    framebuffer: GL state options, the view's matrix stacks, update(). No parent items, no transform: the
    offscreen renderer puts the model's transform into the view's modelview itself."""

    def __init__(self, parentItem: Any = None) -> None:
        super().__init__()
        if parentItem is not None:
            raise ValueError("headless items have no parent item")
        self.__view: Any = None
        self.__gl_options: dict[Any, Any] = {}

    def setGLOptions(self, opts: dict[Any, Any]) -> None:
        self.__gl_options = dict(opts)

    def setupGLState(self) -> None:
        """As GLGraphicsItem: ``{GL capability: bool}`` enables or disables it, ``{"glFunction": args}`` calls it."""
        for key, value in self.__gl_options.items():
            if value is None:
                continue
            if isinstance(key, str):
                getattr(GL, key)(*value)
            elif value is True:
                GL.glEnable(key)
            else:
                GL.glDisable(key)

    def _setView(self, view: Any) -> None:
        self.__view = view

    def view(self) -> Any:
        return self.__view

    def update(self) -> None:
        if self.__view is not None:
            self.__view.update()

    def modelViewMatrix(self) -> QtGui.QMatrix4x4:
        return QtGui.QMatrix4x4() if self.__view is None else self.__view.currentModelView()

    def projectionMatrix(self) -> QtGui.QMatrix4x4:
        return QtGui.QMatrix4x4() if self.__view is None else self.__view.currentProjection()

    def mvpMatrix(self) -> QtGui.QMatrix4x4:
        return self.projectionMatrix() * self.modelViewMatrix()

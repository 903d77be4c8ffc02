"""The preview widget: a pyqtgraph GL view with our textured item, a small toolbar and state overlays."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyqtgraph.opengl as gl
from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QAction, QImage, QKeySequence, QMouseEvent, QVector3D
from PySide6.QtWidgets import QGridLayout, QLabel, QToolBar, QVBoxLayout, QWidget

from desktop_app.core.meshes import SceneArrays
from desktop_app.ui.preview.gl_mesh_item import TexturedMeshItem, normalizing_transform
from desktop_app.ui.preview.grid_item import FloorGridItem
from desktop_app.ui.preview.loader import MeshLoader

BACKGROUND = (42, 44, 48)
FOV = 45.0
# (azimuth, elevation) in pyqtgraph's Z-up world; the model's front faces -Y (see normalizing_transform)
VIEWS = {"front": (-90.0, 0.0), "side": (0.0, 0.0), "top": (-90.0, 90.0), "iso": (-55.0, 25.0)}


class _GLView(gl.GLViewWidget):
    """GLViewWidget plus shift+left drag to pan (the usual DCC convention; pyqtgraph uses ctrl)."""

    def mouseMoveEvent(self, ev: QMouseEvent) -> None:
        if ev.buttons() == Qt.MouseButton.LeftButton and ev.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            pos = ev.position()
            last = getattr(self, "mousePos", pos)
            self.mousePos = pos
            self.pan((pos - last).x(), (pos - last).y(), 0, relative="view")
            return
        super().mouseMoveEvent(ev)


class PreviewWidget(QWidget):
    """Shows one model. States: empty, loading, scene, error (see ``state()``)."""

    sceneShown = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._arrays: SceneArrays | None = None
        self._item: TexturedMeshItem | None = None
        self._state = "empty"
        self._loading_path = ""
        self._loader: MeshLoader | None = None
        self._auto_fit = True

        self.view = _GLView(self)
        self.view.setBackgroundColor(BACKGROUND)
        self.view.opts["fov"] = FOV
        self.view.setMinimumSize(120, 90)
        self.view.installEventFilter(self)  # refit the camera when the aspect ratio changes

        self._grid = FloorGridItem()
        self._grid.setDepthValue(10)  # after the opaque mesh, so blending sees it
        self._grid.hide()
        self.view.addItem(self._grid)
        self._grid_on = True

        self.overlay = QLabel(self)
        self.overlay.setObjectName("previewOverlay")
        self.overlay.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.overlay.setWordWrap(True)
        self.overlay.setTextFormat(Qt.TextFormat.RichText)
        self.overlay.setStyleSheet("#previewOverlay { background: rgba(42, 44, 48, 235); color: #e4e4e4;"
                                   " padding: 24px; font-size: 11pt; }")

        stack = QWidget(self)
        grid = QGridLayout(stack)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.view, 0, 0)
        grid.addWidget(self.overlay, 0, 0)  # added last, so drawn on top of the GL view

        self.toolbar = QToolBar(self)
        self.toolbar.setIconSize(QSize(16, 16))
        self._actions: dict[str, QAction] = {}
        self._build_actions()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addWidget(stack, 1)
        self._show_message(self.tr("Your model will appear here"),
                           self.tr("Pick an item in the library or finish a generation to see it in 3D."))
        self._state = "empty"

    # -- public API ------------------------------------------------------------------------------
    def show_scene(self, arrays: SceneArrays) -> None:
        """Upload ``arrays`` (on the GUI thread) and fit the camera. Arrays must come from a worker."""
        self._drop_item()
        self._arrays = arrays
        self._item = TexturedMeshItem(arrays)
        self._item.setTransform(normalizing_transform(arrays))
        self._item.setClay(self._actions["clay"].isChecked())
        self._item.setWireframe(self._actions["wireframe"].isChecked())
        self.view.addItem(self._item)
        self._place_grid()
        self.reset_view()
        self.overlay.hide()
        self._state = "scene"
        self.sceneShown.emit()

    def clear(self) -> None:
        """Remove the model and show the empty state."""
        if self._loader is not None:
            self._loader.cancel()
        self._drop_item()
        self._show_message(self.tr("Your model will appear here"),
                           self.tr("Pick an item in the library or finish a generation to see it in 3D."))
        self._state = "empty"

    def open_file(self, path: str | Path) -> None:
        """Load ``path`` in the background: loading state now, then the model or an error."""
        if self._loader is None:
            self._loader = MeshLoader(self)
            self._loader.loaded.connect(self._on_loaded)
            self._loader.failed.connect(self._on_failed)
        self._loading_path = str(path)
        self.show_loading()
        self._loader.load(path)

    def show_loading(self) -> None:
        self._show_message(self.tr("Loading model…"), "", translucent=self._item is not None)
        self._state = "loading"

    def show_error(self, message: str) -> None:
        self._drop_item()
        self._show_message(self.tr("This model can't be shown"), message)
        self._state = "error"

    def state(self) -> str:
        """One of "empty", "loading", "scene", "error"."""
        return self._state

    def message_text(self) -> str:
        """The overlay's plain text (empty when a scene is visible)."""
        return "" if self.overlay.isHidden() else self.overlay.text()

    def scene(self) -> SceneArrays | None:
        return self._arrays

    def loader(self) -> MeshLoader | None:
        return self._loader

    def fit(self) -> None:
        """Frame the whole model, keeping the current viewing direction."""
        w, h = max(self.view.width(), 1), max(self.view.height(), 1)
        half_h = math.radians(self.view.opts["fov"]) / 2.0
        half_v = math.atan(math.tan(half_h) * h / w)
        distance = 1.08 / math.sin(min(half_h, half_v))  # the normalised model has radius 1
        self.view.setCameraPosition(pos=QVector3D(0, 0, 0), distance=distance)
        self._auto_fit = True

    def reset_view(self) -> None:
        self.view.opts["fov"] = FOV
        self.set_view("iso")

    def set_view(self, name: str) -> None:
        """"front", "side", "top" or "iso"; also fits."""
        azimuth, elevation = VIEWS[name]
        self.view.setCameraPosition(azimuth=azimuth, elevation=elevation)
        self.fit()

    def set_clay(self, clay: bool) -> None:
        self._actions["clay"].setChecked(clay)  # toggled signal does the work, keeps the button in sync

    def set_wireframe(self, wireframe: bool) -> None:
        self._actions["wireframe"].setChecked(wireframe)

    def set_grid(self, visible: bool) -> None:
        self._actions["grid"].setChecked(visible)

    def grab_image(self, size: QSize | None = None) -> QImage:
        """Read back the current frame; with ``size``, render at that size instead of the widget's."""
        if size is None or size == self.view.size():
            return self.view.grabFramebuffer()
        arr = self.view.renderToArray((size.width(), size.height()))  # BGRA, top row first
        self.view.update()  # renderToArray leaves its own viewport behind
        arr = np.ascontiguousarray(arr)
        img = QImage(arr.data, arr.shape[1], arr.shape[0], arr.shape[1] * 4, QImage.Format.Format_ARGB32)
        return img.copy()  # detach from the numpy buffer

    # -- internals -------------------------------------------------------------------------------
    def _build_actions(self) -> None:
        def add(key: str, text: str, tip: str, shortcut: str = "", checkable: bool = False,
                slot=None) -> QAction:
            action = QAction(text, self)
            action.setToolTip(f"{tip} ({shortcut})" if shortcut else tip)
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
                action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.setCheckable(checkable)
            if checkable:
                action.toggled.connect(slot)
            else:
                action.triggered.connect(slot)
            self.addAction(action)  # shortcuts work while the preview (or the GL view) has focus
            self.toolbar.addAction(action)
            self._actions[key] = action
            return action

        add("fit", self.tr("Fit"), self.tr("Frame the whole model"), "F", slot=lambda: self.fit())
        add("reset", self.tr("Reset"), self.tr("Back to the starting view"), "R",
            slot=lambda: self.reset_view())
        self.toolbar.addSeparator()
        add("front", self.tr("Front"), self.tr("Look at the front"), "1", slot=lambda: self.set_view("front"))
        add("side", self.tr("Side"), self.tr("Look at the right side"), "3",
            slot=lambda: self.set_view("side"))
        add("top", self.tr("Top"), self.tr("Look from above"), "7", slot=lambda: self.set_view("top"))
        add("iso", self.tr("3/4"), self.tr("Three-quarter view"), slot=lambda: self.set_view("iso"))
        self.toolbar.addSeparator()
        add("clay", self.tr("Clay"), self.tr("Hide colours and textures to judge the shape"),
            checkable=True, slot=self._apply_clay)
        add("wireframe", self.tr("Wireframe"), self.tr("Show the triangle edges"), checkable=True,
            slot=self._apply_wireframe)
        add("grid", self.tr("Grid"), self.tr("Show a floor grid under the model"), checkable=True,
            slot=self._apply_grid)
        self._actions["grid"].setChecked(True)

    def _apply_clay(self, on: bool) -> None:
        if self._item is not None:
            self._item.setClay(on)

    def _apply_wireframe(self, on: bool) -> None:
        if self._item is not None:
            self._item.setWireframe(on)

    def _apply_grid(self, on: bool) -> None:
        self._grid_on = on
        self._grid.setVisible(on and self._item is not None)

    def _place_grid(self) -> None:
        arrays = self._arrays
        if arrays is None:
            return
        up = 1 if arrays.up == "y" else 2
        floor = (float(arrays.stats.bounds[0][up]) - float(arrays.center[up])) / arrays.radius
        self._grid.resetTransform()
        self._grid.translate(0, 0, floor)
        self._grid.setVisible(self._grid_on)

    def _drop_item(self) -> None:
        if self._item is not None:
            if self.view.isValid():  # free GPU memory now, with the right context current
                self.view.makeCurrent()
                self._item.releaseGL()
                self.view.doneCurrent()
            self.view.removeItem(self._item)
        self._item = None
        self._arrays = None
        self._grid.hide()

    def _show_message(self, title: str, detail: str, translucent: bool = False) -> None:
        text = f"<p style='font-size:14pt; font-weight:600'>{_escape(title)}</p>"
        if detail:
            text += f"<p style='color:#b8b8b8'>{_escape(detail)}</p>"
        self.overlay.setText(text)
        alpha = 150 if translucent else 235
        self.overlay.setStyleSheet(f"#previewOverlay {{ background: rgba(42, 44, 48, {alpha});"
                                   " color: #e4e4e4; padding: 24px; }")
        self.overlay.show()
        self.overlay.raise_()

    def _on_loaded(self, path: str, arrays: object) -> None:
        if path == self._loading_path and isinstance(arrays, SceneArrays):
            self.show_scene(arrays)

    def _on_failed(self, path: str, message: str) -> None:
        if path == self._loading_path:
            self.show_error(message)

    def eventFilter(self, watched: object, event: QEvent) -> bool:
        if watched is self.view:
            kind = event.type()
            if kind in (QEvent.Type.Wheel, QEvent.Type.MouseButtonPress):
                self._auto_fit = False  # the user took the camera; resizes no longer refit
            elif kind == QEvent.Type.Resize and self._item is not None and self._auto_fit:
                self.fit()
        return super().eventFilter(watched, event)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

"""The preview widget: a pyqtgraph GL view with our textured item, a small toolbar and state overlays."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QImage, QVector3D
from PySide6.QtWidgets import (
    QColorDialog,
    QGridLayout,
    QLabel,
    QPushButton,
    QToolBar,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.mesh.formats import UNPREVIEWABLE
from desktop_app.ui.preview.animation_bar import AnimationBar
from desktop_app.ui.preview.camera import CAMERA_KEYS, FOV, VIEWS, fit_distance
from desktop_app.ui.preview.controls import build_actions, controls_help
from desktop_app.ui.preview.facts import FactsPanel, material_summary
from desktop_app.ui.preview.screenshot import ImageSaver, ask_png_path
from desktop_app.ui.preview.shading import BACKGROUND, Shading

if TYPE_CHECKING:  # GL and numpy load with the first model, not with the window
    from desktop_app.ui.preview.offscreen import RenderOptions
    from desktop_app.ui.preview.turntable_dialog import TurntableSaver

if TYPE_CHECKING:
    from desktop_app.core.mesh.arrays import SceneArrays
    from desktop_app.ui.preview.gl_mesh_item import TexturedMeshItem
    from desktop_app.ui.preview.glview import GLView
    from desktop_app.ui.preview.grid_item import FloorGridItem
    from desktop_app.ui.preview.loader import MeshLoader

SPIN_DEGREES_PER_SECOND = 30.0


class PreviewWidget(QWidget):
    """Shows one model. States: empty, loading, scene, error (see ``state()``)."""

    sceneShown = Signal()
    screenshotSaved = Signal(str, str)  # path, error message ("" when saved)
    backgroundChosen = Signal(QColor)  # the user confirmed a colour in the dialog (not live changes)
    shadingChanged = Signal(object)  # the new Shading, after any change (mode, light, exposure...)
    _environmentReady = Signal(str)  # emitted from the prefilter thread; queued to the GUI thread

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._arrays: SceneArrays | None = None
        self._item: TexturedMeshItem | None = None
        self._state = "empty"
        self._loading_path = ""
        self._loader: MeshLoader | None = None
        self._auto_fit = True
        self._shading = Shading()
        self._waiting_scene: SceneArrays | None = None  # loaded, waiting for its environment's prefilter
        self._awaiting_model = False  # the shown model uploads over several turns ("Loading" until it is drawn)
        self._environmentReady.connect(self._on_environment_ready)
        self.turntable: TurntableSaver | None = None

        # The GL view (PyOpenGL + pyqtgraph, ~0.3 s of imports) is made on first use: ``view`` builds it,
        # ``warm_up`` after the window is shown. Until then a plain widget holds its place under the overlay.
        self._view: GLView | None = None
        self._grid: FloorGridItem | None = None
        self._background = QColor(*BACKGROUND)
        self._view_slot = _view_slot(self._background, self)
        self._view_slot.setMinimumSize(120, 90)
        # Hidden: the empty-state message covers it. Where it is a GL widget, being in the window is what it is for
        # (the window is made for OpenGL from the start); drawing it is not, and skipping its frame buffer and
        # first paint takes ~70 ms off the start on software GL (benchmarks/startup.py).
        self._view_slot.hide()
        self._spin = QTimer(self)
        self._spin.setInterval(16)
        self._spin.timeout.connect(self._spin_step)
        self._spin_clock = 0.0
        self._saver: ImageSaver | None = None
        self._dialog: QWidget | None = None
        self._external_path = ""

        self._grid_on = True

        self.overlay = QLabel(self)
        self.overlay.setObjectName("previewOverlay")
        self.overlay.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.overlay.setWordWrap(True)
        self.overlay.setTextFormat(Qt.TextFormat.RichText)
        self.overlay.setStyleSheet("#previewOverlay { background: rgba(42, 44, 48, 235); color: #e4e4e4;"
                                   " padding: 24px; font-size: 11pt; }")

        self.facts = FactsPanel(self)
        self.open_external_button = QPushButton(self.tr("Open in default app"), self)
        self.open_external_button.setToolTip(self.tr("Open the file in the program your system uses for it"))
        self.open_external_button.clicked.connect(self.open_externally)

        stack = QWidget(self)
        grid = QGridLayout(stack)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self._view_slot, 0, 0)
        self._stack = grid
        grid.addWidget(self.facts, 0, 0, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        grid.addWidget(self.overlay, 0, 0)  # added after the view, so drawn on top of it
        below_message = QWidget(self)  # the button sits just under the centred message, not at the edge
        below = QVBoxLayout(below_message)
        below.setContentsMargins(0, 150, 0, 0)
        below.addWidget(self.open_external_button)
        grid.addWidget(below_message, 0, 0, Qt.AlignmentFlag.AlignCenter)
        self._below_message = below_message
        below_message.hide()

        self.toolbar = QToolBar(self)
        self.toolbar.setIconSize(QSize(16, 16))
        self._actions = build_actions(self, self.toolbar)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addWidget(stack, 1)
        self.animation = AnimationBar(self._show_pose, self)  # under the view; only for a model with a clip
        layout.addWidget(self.animation)
        self._show_message(self.tr("Your model will appear here"),
                           self.tr("Pick an item in the library or finish a generation to see it in 3D."))
        self._state = "empty"

    # -- the GL view, made on first use ---------------------------------------------------------
    @property
    def view(self) -> GLView:
        """The GL view; the first access imports the GL stack and puts the view in its slot."""
        if self._view is None:
            self._build_view()
        return self._view  # type: ignore[return-value]

    def setVisible(self, visible: bool) -> None:
        if visible and self.isWindow():  # shown on its own (a test, a tool): see ui/gl_surface.py
            from desktop_app.ui.gl_surface import create_for_gl

            create_for_gl(self)
        super().setVisible(visible)

    def has_view(self) -> bool:
        return self._view is not None

    def warm_up(self) -> None:
        """Make the GL view now (the window calls this once it is on screen, so a first model opens fast)."""
        if self._view is None:
            self._build_view()

    def _build_view(self) -> None:
        from desktop_app.ui.preview.glview import GLView
        from desktop_app.ui.preview.grid_item import FloorGridItem

        view = GLView(self)
        view.setBackgroundColor(self._background)
        view.opts["fov"] = FOV
        view.setMinimumSize(120, 90)
        view.installEventFilter(self)  # refit the camera when the aspect ratio changes
        view.setAccessibleName(self.tr("3D preview"))
        view.setAccessibleDescription(controls_help())
        view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._grid = FloorGridItem()
        self._grid.setDepthValue(10)  # after the opaque mesh, so blending sees it
        self._grid.hide()
        view.addItem(self._grid)
        self._view = view
        view.setGeometry(self._view_slot.geometry())  # its size now, not after the next layout pass
        self._stack.replaceWidget(self._view_slot, view)
        self._view_slot.deleteLater()
        self._stack.activate()
        if self.isVisible():
            view.show()  # a child added to a shown widget is otherwise shown only in a later event turn
        self.overlay.raise_()
        self.facts.raise_()
        self._below_message.raise_()
        if not self.overlay.isHidden():
            self.overlay.raise_()

    # -- public API ------------------------------------------------------------------------------
    def show_scene(self, arrays: SceneArrays) -> None:
        """Upload ``arrays`` (on the GUI thread) and fit the camera. Arrays must come from a worker."""
        from desktop_app.ui.preview import gl_upload
        from desktop_app.ui.preview.gl_mesh_item import TexturedMeshItem, normalizing_transform

        self._drop_item()
        self._arrays = arrays
        self._waiting_scene = None
        self._item = TexturedMeshItem(arrays)
        self._item.setTransform(normalizing_transform(arrays))
        self._item.setShading(self._shading)
        self.view.addItem(self._item)
        # The floor comes with the model's first paint (a big one's proxy; drawn, and its program compiled, in
        # the upload's first paint it cost a big model's first turn ~30 ms: benchmarks/responsiveness.py). A big
        # model's facts wait for it too: until then the "Loading" message shows, never a floor and facts with
        # no model on them.
        self._item.firstFrame.connect(self._on_first_frame)
        self._awaiting_model = gl_upload.scene_bytes(arrays) > gl_upload.SLICE_BYTES  # a sliced upload
        self._place_grid()
        self.reset_view()
        if self._awaiting_model:
            self._show_message(self.tr("Loading model…"), "")
        else:
            self.overlay.hide()
        self._below_message.hide()
        self.facts.set_stats(arrays.stats, material_summary(arrays.parts))
        # a big model's check waits for its upload to end (facts.start_print_check says why), then for the
        # paint that upload asks for (a timer turn comes after the paint event already posted)
        self.facts.check_print(arrays, self._loading_path or None, start=not self._awaiting_model)
        if self._awaiting_model:
            self._item.uploaded.connect(lambda: QTimer.singleShot(1, self.facts, self.facts.start_print_check))
        self.facts.setVisible(self._model_drawn() and self._actions["facts"].isChecked())
        self._state = "scene"
        self._apply_spin(self._actions["spin"].isChecked())
        self.animation.watch(arrays, self.view)
        self.sceneShown.emit()

    def clear(self) -> None:
        """Remove the model and show the empty state."""
        if self._loader is not None:
            self._loader.cancel()
        self._waiting_scene = None
        self._drop_item()
        self._show_message(self.tr("Your model will appear here"),
                           self.tr("Pick an item in the library or finish a generation to see it in 3D."))
        self._state = "empty"

    def open_file(self, path: str | Path) -> None:
        """Load ``path`` in the background: loading state now, then the model or an error."""
        if self._loader is None:
            from desktop_app.ui.preview.loader import MeshLoader

            self._loader = MeshLoader(self)
            self._loader.loaded.connect(self._on_loaded)
            self._loader.failed.connect(self._on_failed)
        self._loading_path = str(path)
        suffix = Path(path).suffix.lower()
        if suffix in UNPREVIEWABLE:  # nothing to load: say so at once and offer the system's viewer
            self._loader.cancel()
            self.show_error(self.tr("%1 files can't be shown in this preview. You can open this one in the "
                                    "program your system uses for it.").replace("%1", UNPREVIEWABLE[suffix]))
            self._external_path = str(path)
            self.open_external_button.show()
            self._below_message.show()
            self._below_message.raise_()
            return
        self.show_loading()
        self._loader.load(path)
        self._prepare_environment(self._shading.environment)  # alongside the model's load

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
        distance = fit_distance(self.view.opts["fov"], self.view.width(), self.view.height())
        self.view.setCameraPosition(pos=QVector3D(0, 0, 0), distance=distance)
        self._auto_fit = True

    def zoom(self, factor: float) -> None:
        """Multiply the camera distance by ``factor`` (< 1 moves closer)."""
        self.view.setCameraParams(distance=self.view.opts["distance"] * factor)
        self._auto_fit = False

    def camera(self) -> dict:
        """The camera as plain values (for linking views and tests)."""
        center = self.view.opts["center"]
        return {**{k: float(self.view.opts[k]) for k in CAMERA_KEYS},
                "center": (center.x(), center.y(), center.z())}

    def set_camera(self, camera: dict) -> None:
        if camera == self.camera():
            return
        self.view.setCameraParams(center=QVector3D(*camera["center"]),
                                  **{k: camera[k] for k in CAMERA_KEYS})
        self._auto_fit = False

    def set_spin(self, on: bool) -> None:
        self._actions["spin"].setChecked(on)

    def spinning(self) -> bool:
        return self._spin.isActive()

    def set_facts_visible(self, visible: bool) -> None:
        self._actions["facts"].setChecked(visible)

    def set_background(self, color: QColor) -> None:
        if color.isValid():
            self._background = QColor(color)
            if self._view is not None:  # else the view takes it when it is made
                self._view.setBackgroundColor(color)

    def background(self) -> QColor:
        return QColor(self._background)

    def choose_background(self) -> None:
        dialog = QColorDialog(self._background, self)
        dialog.setWindowTitle(self.tr("Background colour"))
        dialog.currentColorChanged.connect(self.set_background)  # live preview while choosing
        previous = QColor(self._background)
        dialog.rejected.connect(lambda: self.set_background(previous))
        dialog.colorSelected.connect(self._on_background_chosen)
        self._dialog = dialog
        dialog.open()

    def _on_background_chosen(self, color: QColor) -> None:
        self.set_background(color)
        if color.isValid():
            self.backgroundChosen.emit(QColor(color))

    def save_screenshot(self) -> None:
        """Ask where to save (Qt asks before replacing a file), then write the current frame as PNG."""
        if self._state != "scene":
            return
        stem = Path(self._arrays.source).stem if self._arrays and self._arrays.source else "model"
        self._dialog = ask_png_path(self, f"{stem}.png", self.save_screenshot_to)

    def save_screenshot_to(self, path: str | Path) -> None:
        """Write the current frame to ``path`` in a worker; ``screenshotSaved`` reports the outcome."""
        if self._saver is None:
            self._saver = ImageSaver(self)
            self._saver.saved.connect(self.screenshotSaved)
        self._saver.save(self.grab_image(), path)

    def open_externally(self) -> None:
        if self._external_path:
            QDesktopServices.openUrl(QUrl.fromLocalFile(self._external_path))

    def shutdown(self) -> None:
        """Stop the workers (before the application quits; any thread may call it)."""
        if self._loader is not None:
            self._loader.shutdown()
        if self._saver is not None:
            self._saver.shutdown()
        if self.turntable is not None:
            self.turntable.shutdown()

    def reset_view(self) -> None:
        self.view.opts["fov"] = FOV
        self.view.opts["center"] = QVector3D(0, 0, 0)
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

    def set_mode(self, mode: str) -> None:
        """"lit" (full material), "clay", "normals" or "texture" (base colour only, unlit)."""
        for key in ("clay", "normals", "texture"):
            if key != mode:
                self._actions[key].setChecked(False)
        if mode in ("clay", "normals", "texture"):
            self._actions[mode].setChecked(True)

    def shading(self) -> Shading:
        return self._shading

    def shading_shown(self) -> bool:
        """False while a new light is still being prepared (the model shows the previous one meanwhile)."""
        return self._item is None or self._item.shading() == self._shading

    def set_shading(self, shading: Shading) -> None:
        """Change how the model is shaded (light, exposure, mode...); the controls follow. A light whose
        prefilter is not ready yet is prepared in a worker and applied when it is."""
        shading = shading.normalized()
        if shading == self._shading:
            return
        self._shading = shading
        self._sync_controls()
        if self._item is not None:  # else the next model's load prepares the light
            if _ibl().is_ready(shading.environment):
                self._push_shading()
            else:
                self._prepare_environment(shading.environment)
        self.shadingChanged.emit(shading)

    def save_turntable(self) -> None:
        """Ask where to save, then render the model spinning (WebP/GIF) in the render thread, with progress."""
        if self._state != "scene" or self._arrays is None:
            return
        if self.turntable is None:
            from desktop_app.ui.preview.turntable_dialog import TurntableSaver

            self.turntable = TurntableSaver(self)
        self.turntable.ask_and_save(self._arrays, self.turntable_options())

    def turntable_options(self) -> RenderOptions:
        """The preview's look for a turntable: its shading, elevation and starting angle, its background."""
        from desktop_app.ui.preview.offscreen import RenderOptions

        camera = self.camera()
        background = None if self._shading.background else QColor(self._background)
        return RenderOptions(shading=self._shading,
                             azimuth=camera["azimuth"], elevation=camera["elevation"], background=background)

    def set_grid(self, visible: bool) -> None:
        self._actions["grid"].setChecked(visible)

    def grab_image(self, size: QSize | None = None) -> QImage:
        """Read back the current frame; with ``size``, render at that size instead of the widget's."""
        if self._item is not None:
            if not self.view.isValid():
                self.view.grabFramebuffer()  # creates the GL context
            self.view.makeCurrent()  # a grab asks for the model now: finish a sliced upload in this turn
            self._item.settle()
            self.view.doneCurrent()
        if size is None or size == self.view.size():
            return self.view.grabFramebuffer()
        item = self._item
        if item is not None:
            item.direct = True  # tiles of their own matrices, each drawn in full (not read as a camera move)
        try:
            arr = self.view.renderToArray((size.width(), size.height()))  # BGRA, top row first
        finally:
            if item is not None:
                item.direct = False
        self.view.update()  # renderToArray leaves its own viewport behind
        import numpy as np

        arr = np.ascontiguousarray(arr)
        img = QImage(arr.data, arr.shape[1], arr.shape[0], arr.shape[1] * 4, QImage.Format.Format_ARGB32)
        return img.copy()  # detach from the numpy buffer

    # -- internals -------------------------------------------------------------------------------
    def _apply_mode(self, mode: str, on: bool) -> None:
        if on:
            self.set_shading(replace(self._shading, mode=mode))
        elif self._shading.mode == mode:
            self.set_shading(replace(self._shading, mode="lit"))

    def _apply_wireframe(self, on: bool) -> None:
        self.set_shading(replace(self._shading, wireframe=on))

    def _push_shading(self) -> None:
        if self._item is not None:
            self._item.setShading(self._shading)

    def _sync_controls(self) -> None:
        for key in ("clay", "normals", "texture"):
            action = self._actions[key]
            if action.isChecked() != (self._shading.mode == key):
                action.blockSignals(True)
                action.setChecked(self._shading.mode == key)
                action.blockSignals(False)
        wire = self._actions["wireframe"]
        if wire.isChecked() != self._shading.wireframe:
            wire.blockSignals(True)
            wire.setChecked(self._shading.wireframe)
            wire.blockSignals(False)
        self.light_controls.sync()

    def _prepare_environment(self, name: str) -> None:
        """Prefilter ``name`` in a worker (~1 s the first time); ``_environmentReady`` follows on this thread."""
        ibl = _ibl()
        if ibl.is_ready(name):
            return
        ibl.prepare_async(name, lambda n=name: self._emit_ready(n))

    def _emit_ready(self, name: str) -> None:
        try:
            self._environmentReady.emit(name)
        except RuntimeError:  # the widget is gone
            pass

    def _on_environment_ready(self, name: str) -> None:
        if name != self._shading.environment:
            return
        self._push_shading()
        if self._waiting_scene is not None:
            self.show_scene(self._waiting_scene)

    def _apply_grid(self, on: bool) -> None:
        self._grid_on = on
        if self._grid is not None and self._grid.visible() != (on and self._floor_due()):
            self._grid.setVisible(on and self._floor_due())

    def _floor_due(self) -> bool:
        """The floor shows from the model's first paint on (that paint draws it too: it is drawn after the model)."""
        return self._item is not None and self._item.frames_drawn > 0

    def _model_drawn(self) -> bool:
        """What describes the model (its facts) may show: it is drawn, or it is drawn at once (a small one)."""
        return self._item is not None and (self._item.frames_drawn > 0 or not self._awaiting_model)

    def _apply_spin(self, on: bool) -> None:
        if on and self._item is not None and self.isVisible():
            self._spin_clock = time.monotonic()
            self._spin.start()
        else:
            self._spin.stop()

    def _spin_step(self) -> None:
        now = time.monotonic()
        step, self._spin_clock = min(now - self._spin_clock, 0.1), now  # by time, so slow frames don't slow it
        self.view.orbit(-SPIN_DEGREES_PER_SECOND * step, 0.0)

    def _apply_facts(self, on: bool) -> None:
        self.facts.setVisible(on and self._model_drawn())
        if self.facts.isVisible():
            self.facts.raise_()

    def _place_grid(self) -> None:
        arrays = self._arrays
        if arrays is None:
            return
        up = 1 if arrays.up == "y" else 2
        floor = (float(arrays.stats.bounds[0][up]) - float(arrays.center[up])) / arrays.radius
        if self._grid is None:
            return
        self._grid.resetTransform()
        self._grid.translate(0, 0, floor)
        self._grid.setVisible(self._grid_on and self._floor_due())

    def _drop_item(self) -> None:
        if self._item is not None:
            if self.view.isValid():  # free GPU memory now, with the right context current
                self.view.makeCurrent()
                self._item.releaseGL()
                self.view.doneCurrent()
            self.view.removeItem(self._item)
        self._item = None
        self._arrays = None
        if self._grid is not None:
            self._grid.hide()
        self._spin.stop()
        self.animation.detach()
        self.facts.set_stats(None)  # also stops a printability check of the model that was shown
        self.facts.hide()
        self._below_message.hide()
        self._external_path = ""

    def _show_message(self, title: str, detail: str, translucent: bool = False) -> None:
        text = f"<p style='font-size:14pt; font-weight:600'>{_escape(title)}</p>"
        if detail:
            text += f"<p style='color:#b8b8b8'>{_escape(detail)}</p>"
        self.overlay.setText(text)
        # opaque until the GL view exists: what lies behind then is the window, not the (hidden) place-holder
        alpha = 150 if translucent else 235 if self._view is not None else 255
        self.overlay.setStyleSheet(f"#previewOverlay {{ background: rgba(42, 44, 48, {alpha});"
                                   " color: #e4e4e4; padding: 24px; }")
        self.overlay.show()
        self.overlay.raise_()

    def _on_loaded(self, path: str, arrays: object) -> None:
        from desktop_app.core.mesh.arrays import SceneArrays  # imported by the loader's worker already

        if path == self._loading_path and isinstance(arrays, SceneArrays):
            if _ibl().is_ready(self._shading.environment):
                self.show_scene(arrays)
            else:  # its first paint would compute the light on this thread: wait for the worker instead
                self._waiting_scene = arrays
                self._prepare_environment(self._shading.environment)

    def _show_pose(self, poses: list | None) -> None:
        """An animation frame (or None: the model as loaded) for the model on screen."""
        if self._item is not None:
            self._item.setPose(poses)

    def _on_first_frame(self) -> None:
        """The model drew its first pixels (in a paint: the floor, set visible now, is drawn in the same one)."""
        if self._state == "scene":
            self.overlay.hide()
        if self._grid is not None and self._grid_on:
            self._grid.setVisible(True, repaint=False)  # drawn after the model in this very paint
        if self._actions["facts"].isChecked():
            self.facts.setVisible(True)
            if self.overlay.isHidden():
                self.facts.raise_()

    def _on_failed(self, path: str, message: str) -> None:
        if path == self._loading_path:
            self.show_error(message)

    def hideEvent(self, event: QEvent) -> None:
        self._spin.stop()  # no timer runs for a view nobody sees
        self.animation.pause()
        super().hideEvent(event)

    def showEvent(self, event: QEvent) -> None:
        super().showEvent(event)
        self._apply_spin(self._actions["spin"].isChecked())

    def eventFilter(self, watched: object, event: QEvent) -> bool:
        if watched is self._view and self._view is not None:
            kind = event.type()
            if kind in (QEvent.Type.Wheel, QEvent.Type.MouseButtonPress):
                self._auto_fit = False  # the user took the camera; resizes no longer refit
            elif kind == QEvent.Type.Resize and self._item is not None and self._auto_fit:
                self.fit()
            elif kind == QEvent.Type.ToolTip and self._facts_tooltip(event):
                return True
        return super().eventFilter(watched, event)


    def _facts_tooltip(self, event: QEvent) -> bool:
        """The facts panel lets the mouse through to the view, so the view shows its tooltip (the printability
        problems) when the pointer is over it."""
        facts = self.facts
        if not facts.isVisible() or not facts.toolTip() or self._view is None:
            return False
        if not facts.rect().contains(facts.mapFromGlobal(event.globalPos())):  # type: ignore[attr-defined]
            return False
        QToolTip.showText(event.globalPos(), facts.toolTip(), facts)  # type: ignore[attr-defined]
        return True


def _view_slot(color: QColor, parent: QWidget) -> QWidget:
    """Holds the GL view's place until it is made. Where the window can be made for OpenGL without a GL widget
    (ui/gl_surface.py, X11) a plain widget; elsewhere a GL widget itself (cheap: no PyOpenGL, no pyqtgraph), so
    the window is created for OpenGL composition. Adding the first GL widget to a shown window makes Qt recreate
    the native window, which flickers and drops its keyboard focus (tests/gl/test_preview_slot.py)."""
    from desktop_app.ui.gl_surface import defers_gl

    if defers_gl():
        return QWidget(parent)
    from PySide6.QtOpenGLWidgets import QOpenGLWidget

    class ViewSlot(QOpenGLWidget):
        def paintGL(self) -> None:
            gl = self.context().functions()
            gl.glClearColor(color.redF(), color.greenF(), color.blueF(), 1.0)
            gl.glClear(0x4000)  # GL_COLOR_BUFFER_BIT

    return ViewSlot(parent)


def _ibl():  # -> module
    """ibl.py (numpy) on first use: the window starts without numpy."""
    from desktop_app.ui.preview import ibl

    return ibl


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

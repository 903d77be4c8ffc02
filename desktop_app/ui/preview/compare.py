"""Compare models side by side: one preview per model, cameras linked so every view shows the same angle, and
one lighting (environment, exposure, mode) shared by every view, so differences are the models' own."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QRect, QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QColor, QFont, QImage, QKeySequence, QPainter
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.library.store import LibraryItem
from desktop_app.ui.preview.light_controls import LightControls
from desktop_app.ui.preview.screenshot import ImageSaver, ask_png_path
from desktop_app.ui.preview.shading import Shading
from desktop_app.ui.preview.viewer import PreviewWidget
from desktop_app.ui.tasks import blocking, spawn

MAX_MODELS = 4  # more than four side by side leaves each too small to judge


class CompareWindow(QWidget):
    """A window of previews in a row. Moving one camera moves the others while "Link cameras" is on."""

    screenshotSaved = Signal(str, str)  # path, error message ("" when saved)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle(self.tr("Compare models"))
        self.setObjectName("compareWindow")
        self.resize(1400, 760)
        self._previews: list[PreviewWidget] = []
        self._titles: list[QLabel] = []
        self._cost_labels: list[QLabel] = []
        self._names: list[str] = []
        self._costs: list[str] = []
        self._shading = Shading()
        self._syncing = False
        self._saver: ImageSaver | None = None
        self._dialog: QWidget | None = None

        self.toolbar = QToolBar(self)
        self.toolbar.setIconSize(QSize(16, 16))
        self._actions: dict[str, QAction] = {}
        self._build_actions()
        self.panels = QWidget(self)
        self._row = QHBoxLayout(self.panels)
        self._row.setContentsMargins(4, 4, 4, 4)
        self._row.setSpacing(6)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.panels, 1)

    # -- public API ------------------------------------------------------------------------------
    def show_models(self, entries: Sequence[tuple[str, Path] | tuple[str, Path, str]]) -> None:
        """Show each (title, model file[, cost text]) in its own view, in order; at most four."""
        entries = list(entries)[:MAX_MODELS]
        while len(self._previews) > len(entries):
            self._remove_last()
        while len(self._previews) < len(entries):
            self._add_panel()
        self._names, self._costs = [], []
        for entry, preview, label, cost_label in zip(entries, self._previews, self._titles, self._cost_labels,
                                                     strict=True):
            title, path = entry[0], entry[1]
            cost = entry[2] if len(entry) > 2 else ""
            self._names.append(title)
            self._costs.append(cost)
            label.setText(title)
            cost_label.setText(self.tr("Cost: %1").replace("%1", cost))
            cost_label.setVisible(bool(cost))
            label.setToolTip(str(path))
            preview.open_file(path)

    def shading(self) -> Shading:
        return self._shading

    def set_shading(self, shading: Shading) -> None:
        """The same light, exposure and mode in every view."""
        self._shading = shading.normalized()
        self._each(lambda p: p.set_shading(self._shading))
        self.light_controls.sync()
        for key, on in (("clay", self._shading.mode == "clay"), ("wireframe", self._shading.wireframe)):
            action = self._actions[key]
            if action.isChecked() != on:
                action.blockSignals(True)
                action.setChecked(on)
                action.blockSignals(False)

    def previews(self) -> list[PreviewWidget]:
        return list(self._previews)

    def linked(self) -> bool:
        return self._actions["link"].isChecked()

    def set_linked(self, linked: bool) -> None:
        self._actions["link"].setChecked(linked)

    def save_screenshot(self) -> None:
        self._dialog = ask_png_path(self, "compare.png", self.save_screenshot_to)

    def save_screenshot_to(self, path: str | Path) -> None:
        """Write all views side by side, each under a caption with its model and cost, to ``path`` (PNG,
        encoded in a worker)."""
        if self._saver is None:
            self._saver = ImageSaver(self)
            self._saver.saved.connect(self.screenshotSaved)
        frames = [preview.grab_image() for preview in self._previews]
        self._saver.save(captioned_row(frames, self._names, self._costs), path)

    def shutdown(self) -> None:
        """Stop the loaders and the image writer (before the application quits; any thread may call it)."""
        for preview in self._previews:
            preview.shutdown()
        if self._saver is not None:
            self._saver.shutdown()

    # -- internals -------------------------------------------------------------------------------
    def _build_actions(self) -> None:
        def add(key: str, text: str, tip: str, slot: Callable, shortcut: str = "",
                checkable: bool = False) -> None:
            action = QAction(text, self)
            action.setToolTip(f"{tip} ({shortcut})" if shortcut else tip)
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
            action.setCheckable(checkable)
            (action.toggled if checkable else action.triggered).connect(slot)
            self.toolbar.addAction(action)
            self.addAction(action)
            self._actions[key] = action

        add("link", self.tr("Link cameras"), self.tr("Move all views together"), self._apply_link, "L", True)
        self.toolbar.addSeparator()
        add("fit", self.tr("Fit"), self.tr("Frame every model"), lambda: self._each(lambda p: p.fit()))
        add("reset", self.tr("Reset"), self.tr("Back to the starting view"),
            lambda: self._each(lambda p: p.reset_view()))
        for name, text in (("front", self.tr("Front")), ("side", self.tr("Side")), ("top", self.tr("Top")),
                           ("iso", self.tr("3/4"))):
            add(name, text, self.tr("Show every model from this side"),
                lambda _=False, n=name: self._each(lambda p: p.set_view(n)))
        self.toolbar.addSeparator()
        add("clay", self.tr("Clay"), self.tr("Hide colours and textures in every view"),
            lambda on: self.set_shading(replace(self._shading, mode="clay" if on else "lit")), checkable=True)
        add("wireframe", self.tr("Wireframe"), self.tr("Show triangle edges in every view"),
            lambda on: self.set_shading(replace(self._shading, wireframe=on)), checkable=True)
        self.light_controls = LightControls(self, self.toolbar, self.shading, self.set_shading)
        add("spin", self.tr("Spin"), self.tr("Turn the models slowly together"), self._apply_spin, checkable=True)
        add("screenshot", self.tr("Screenshot…"), self.tr("Save all views side by side as a PNG image"),
            self.save_screenshot, "Ctrl+S")
        self._actions["link"].setChecked(True)

    def _each(self, fn: Callable[[PreviewWidget], None]) -> None:
        self._syncing = True  # every view gets the command itself; no echo through the link
        try:
            for preview in self._previews:
                fn(preview)
        finally:
            self._syncing = False

    def _add_panel(self) -> None:
        panel = QWidget(self.panels)
        box = QVBoxLayout(panel)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        title = QLabel(panel)
        title.setObjectName("compareTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title.setStyleSheet("#compareTitle { font-weight: 600; padding: 4px 4px 0 4px; }")
        cost = QLabel(panel)
        cost.setObjectName("compareCost")
        cost.setAlignment(Qt.AlignmentFlag.AlignCenter)
        cost.hide()
        preview = PreviewWidget(panel)
        preview.toolbar.hide()  # the window's toolbar drives all views; each view's keys still work
        preview.set_shading(self._shading)
        preview.shadingChanged.connect(self._on_shading)  # a key pressed in one view changes them all
        preview.view.cameraChanged.connect(lambda p=preview: self._on_camera(p))
        preview.sceneShown.connect(lambda p=preview: self._on_scene(p))
        box.addWidget(title)
        box.addWidget(cost)
        box.addWidget(preview, 1)
        self._row.addWidget(panel, 1)
        self._previews.append(preview)
        self._titles.append(title)
        self._cost_labels.append(cost)

    def _remove_last(self) -> None:
        preview, title = self._previews.pop(), self._titles.pop()
        self._cost_labels.pop()
        preview.set_spin(False)
        preview.shutdown()
        panel = title.parentWidget()
        self._row.removeWidget(panel)
        panel.deleteLater()

    def _on_camera(self, source: PreviewWidget) -> None:
        if self._syncing or not self.linked() or source.state() != "scene":
            return
        camera = source.camera()
        self._syncing = True
        try:
            for preview in self._previews:
                if preview is not source and preview.state() == "scene":
                    preview.set_camera(camera)
        finally:
            self._syncing = False

    def _on_shading(self, shading: Shading) -> None:
        if not self._syncing and shading != self._shading:
            self.set_shading(shading)

    def _on_scene(self, preview: PreviewWidget) -> None:
        leader = next((p for p in self._previews if p is not preview and p.state() == "scene"), None)
        if leader is not None and self.linked():  # a late arrival joins the others' angle
            preview.set_camera(leader.camera())
        self._apply_spin(self._actions["spin"].isChecked())

    def _apply_link(self, on: bool) -> None:
        if on and self._previews:
            self._on_camera(self._previews[0])
        self._apply_spin(self._actions["spin"].isChecked())

    def _apply_spin(self, on: bool) -> None:
        # linked: one view spins and the link turns the rest, so they never drift apart
        for i, preview in enumerate(self._previews):
            preview.set_spin(on and (i == 0 or not self.linked()))

    def closeEvent(self, event: QCloseEvent) -> None:
        for preview in self._previews:
            preview.set_spin(False)
        super().closeEvent(event)


def show_compare(window: CompareWindow | None, paths: Sequence[Path], titles: Sequence[str] | None = None,
                 costs: Sequence[str] | None = None) -> CompareWindow:
    """Open (or reuse) the compare window on ``paths``; titles default to the file names, costs to none."""
    if window is None:
        window = CompareWindow()
    names = list(titles or [])
    names += [Path(p).stem for p in list(paths)[len(names):]]
    prices = list(costs or []) + [""] * len(paths)
    window.show_models([(name, Path(path), price) for name, path, price in zip(names, paths, prices,
                                                                                strict=False)])
    window.show()
    window.raise_()
    window.activateWindow()
    return window


def _tr(text: str) -> str:
    return QCoreApplication.translate("Compare", text)


def item_cost_text(item: LibraryItem) -> str:
    """What making ``item`` cost, for captions: the recorded credits, "free" for local generators."""
    if item.provider == "local":
        return _tr("free (made on this computer)")
    if item.cost is None:
        return _tr("cost not recorded")
    return f"{item.cost:g} {item.cost_unit}".strip()


def captioned_row(frames: list[QImage], titles: list[str], costs: list[str]) -> QImage:
    """The views side by side, each with a caption strip above it: model name, then its cost."""
    gap, strip = 6, 46
    width = sum(f.width() for f in frames) + gap * max(0, len(frames) - 1)
    height = max((f.height() for f in frames), default=0) + strip
    out = QImage(max(width, 1), max(height, 1), QImage.Format.Format_RGB32)
    out.fill(QColor(30, 31, 34))
    painter = QPainter(out)
    try:
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        x = 0
        for frame, title, cost in zip(frames, titles, costs + [""] * len(frames), strict=False):
            bold = QFont(painter.font())
            bold.setPixelSize(16)
            bold.setBold(True)
            painter.setFont(bold)
            painter.setPen(QColor(235, 235, 235))
            painter.drawText(QRect(x, 2, frame.width(), 24), int(Qt.AlignmentFlag.AlignCenter), title)
            small = QFont(bold)
            small.setBold(False)
            small.setPixelSize(13)
            painter.setFont(small)
            painter.setPen(QColor(180, 180, 180))
            painter.drawText(QRect(x, 24, frame.width(), 20), int(Qt.AlignmentFlag.AlignCenter),
                             _tr("Cost: %1").replace("%1", cost) if cost else "")
            painter.drawImage(x, strip, frame)
            x += frame.width() + gap
    finally:
        painter.end()
    return out


def install_library_compare(library_view: QWidget,
                            open_compare: Callable[..., None]) -> QAction:
    """Compare side by side from the library: its context menu's "Compare" and Ctrl+K (2-4 selected items).

    ``library_view`` is the LibraryView: its ``selected_ids()``, ``compareRequested`` and ``library`` are used;
    the items are read off the GUI thread.
    """
    action = QAction(_tr("Compare side by side"), library_view)
    action.setToolTip(_tr("Select two to four models (Ctrl+click), then compare them with linked cameras"))
    action.setShortcut(QKeySequence("Ctrl+K"))
    action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    library_view.addAction(action)

    async def show(ids: list[str]) -> None:
        library = library_view.library  # type: ignore[attr-defined]
        items = await blocking(lambda: [library.get(item_id) for item_id in ids])
        items = [item for item in items if item is not None and item.model_path is not None]
        if len(items) >= 2:
            open_compare([item.model_path for item in items], [item.title for item in items],
                         [item_cost_text(item) for item in items])

    def compare(ids: list[str]) -> None:
        if len(ids) < 2:
            box = QMessageBox(QMessageBox.Icon.Information, _tr("Compare"),
                              _tr("Select two to four models in the library (hold Ctrl and click), then choose "
                                  "Compare side by side."), QMessageBox.StandardButton.Ok, library_view)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()
            return
        spawn(show(list(ids)[:MAX_MODELS]), name="compare")

    action.triggered.connect(lambda: compare(library_view.selected_ids()))  # type: ignore[attr-defined]
    library_view.compareRequested.connect(compare)  # type: ignore[attr-defined]
    return action

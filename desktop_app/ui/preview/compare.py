"""Compare models side by side: one preview per model, cameras linked so every view shows the same angle."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.preview.screenshot import ImageSaver, ask_png_path
from desktop_app.ui.preview.viewer import PreviewWidget
from desktop_app.ui.tasks import spawn

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
    def show_models(self, entries: Sequence[tuple[str, Path]]) -> None:
        """Show each (title, model file) in its own view, in order; at most four."""
        entries = list(entries)[:MAX_MODELS]
        while len(self._previews) > len(entries):
            self._remove_last()
        while len(self._previews) < len(entries):
            self._add_panel()
        for (title, path), preview, label in zip(entries, self._previews, self._titles, strict=True):
            label.setText(title)
            label.setToolTip(str(path))
            preview.open_file(path)

    def previews(self) -> list[PreviewWidget]:
        return list(self._previews)

    def linked(self) -> bool:
        return self._actions["link"].isChecked()

    def set_linked(self, linked: bool) -> None:
        self._actions["link"].setChecked(linked)

    def save_screenshot(self) -> None:
        self._dialog = ask_png_path(self, "compare.png", self.save_screenshot_to)

    def save_screenshot_to(self, path: str | Path) -> None:
        """Write all views, side by side as on screen, to ``path`` (PNG, in a worker)."""
        if self._saver is None:
            self._saver = ImageSaver(self)
            self._saver.saved.connect(self.screenshotSaved)
        self._saver.save(self.panels.grab().toImage(), path)

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
            lambda on: self._each(lambda p: p.set_clay(on)), checkable=True)
        add("wireframe", self.tr("Wireframe"), self.tr("Show triangle edges in every view"),
            lambda on: self._each(lambda p: p.set_wireframe(on)), checkable=True)
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
        title.setStyleSheet("#compareTitle { font-weight: 600; padding: 4px; }")
        preview = PreviewWidget(panel)
        preview.toolbar.hide()  # the window's toolbar drives all views; each view's keys still work
        preview.set_clay(self._actions["clay"].isChecked())
        preview.set_wireframe(self._actions["wireframe"].isChecked())
        preview.view.cameraChanged.connect(lambda p=preview: self._on_camera(p))
        preview.sceneShown.connect(lambda p=preview: self._on_scene(p))
        box.addWidget(title)
        box.addWidget(preview, 1)
        self._row.addWidget(panel, 1)
        self._previews.append(preview)
        self._titles.append(title)

    def _remove_last(self) -> None:
        preview, title = self._previews.pop(), self._titles.pop()
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


def show_compare(window: CompareWindow | None, paths: Sequence[Path],
                 titles: Sequence[str] | None = None) -> CompareWindow:
    """Open (or reuse) the compare window on ``paths``; titles default to the file names."""
    if window is None:
        window = CompareWindow()
    names = list(titles or [])
    names += [Path(p).stem for p in list(paths)[len(names):]]
    window.show_models(list(zip(names, (Path(p) for p in paths), strict=False)))
    window.show()
    window.raise_()
    window.activateWindow()
    return window


def _tr(text: str) -> str:
    return QCoreApplication.translate("Compare", text)


def install_library_compare(library_view: QWidget,
                            open_compare: Callable[[list[Path], list[str]], None]) -> QAction:
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
        items = await asyncio.to_thread(lambda: [library.get(item_id) for item_id in ids])
        items = [item for item in items if item is not None and item.model_path is not None]
        if len(items) >= 2:
            open_compare([item.model_path for item in items], [item.title for item in items])

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

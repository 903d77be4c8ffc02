"""The preview's actions: toolbar buttons with keyboard shortcuts, each documented in its tooltip."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QActionGroup, QCursor, QKeySequence
from PySide6.QtWidgets import QToolBar, QToolTip

from desktop_app.ui.preview.light_controls import LightControls

if TYPE_CHECKING:
    from desktop_app.ui.preview.viewer import PreviewWidget


def _tr(text: str) -> str:
    return QCoreApplication.translate("PreviewControls", text)


def controls_help() -> str:
    return "\n".join([
        _tr("Left drag: orbit · Shift+left or middle drag: pan · Wheel: zoom"),
        _tr("Arrow keys: orbit · + / −: zoom · F: fit · R: reset"),
        _tr("1: front · 3: side · 7: top · 5: three-quarter view"),
        _tr("C: clay · N: normals · U: texture only · W: wireframe · G: grid · T: spin · I: facts"),
        _tr("E: next light · B: light as background · [ / ]: turn the light · S: save screenshot"),
    ])


def build_actions(preview: PreviewWidget, toolbar: QToolBar) -> dict[str, QAction]:
    """Create the preview's actions on ``preview`` (shortcuts work while it has focus) and fill ``toolbar``."""
    actions: dict[str, QAction] = {}

    def add(key: str, text: str, tip: str, shortcuts: tuple[str, ...] = (), slot: Callable | None = None,
            checkable: bool = False, on_toolbar: bool = True) -> QAction:
        action = QAction(text, preview)
        action.setToolTip(f"{tip} ({shortcuts[0]})" if shortcuts else tip)
        action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.setCheckable(checkable)
        if slot is not None:
            (action.toggled if checkable else action.triggered).connect(slot)
        preview.addAction(action)
        if on_toolbar:
            toolbar.addAction(action)
        actions[key] = action
        return action

    add("fit", _tr("Fit"), _tr("Frame the whole model"), ("F",), lambda: preview.fit())
    add("reset", _tr("Reset"), _tr("Back to the starting view"), ("R",), lambda: preview.reset_view())
    toolbar.addSeparator()
    add("front", _tr("Front"), _tr("Look at the front"), ("1",), lambda: preview.set_view("front"))
    add("side", _tr("Side"), _tr("Look at the right side"), ("3",), lambda: preview.set_view("side"))
    add("top", _tr("Top"), _tr("Look from above"), ("7",), lambda: preview.set_view("top"))
    add("iso", _tr("3/4"), _tr("Three-quarter view"), ("5",), lambda: preview.set_view("iso"))
    add("zoom_in", _tr("Zoom in"), _tr("Move closer"), ("+", "="), lambda: preview.zoom(1 / 1.25),
        on_toolbar=False)
    add("zoom_out", _tr("Zoom out"), _tr("Move away"), ("-",), lambda: preview.zoom(1.25), on_toolbar=False)
    toolbar.addSeparator()
    modes = QActionGroup(preview)
    modes.setExclusionPolicy(QActionGroup.ExclusionPolicy.ExclusiveOptional)  # none checked: full material
    for key, text, tip, shortcut in (
        ("clay", _tr("Clay"), _tr("Hide colours and textures to judge the shape"), "C"),
        ("normals", _tr("Normals"), _tr("Show the surface directions (normal maps included) as colours"), "N"),
        ("texture", _tr("Texture"), _tr("Show only the base colour and textures, without light"), "U"),
    ):
        modes.addAction(add(key, text, tip, (shortcut,), lambda on, k=key: preview._apply_mode(k, on),
                            checkable=True))
    add("wireframe", _tr("Wireframe"), _tr("Show the triangle edges"), ("W",), preview._apply_wireframe,
        checkable=True)
    add("grid", _tr("Grid"), _tr("Show a floor grid under the model"), ("G",), preview._apply_grid,
        checkable=True)
    add("spin", _tr("Spin"), _tr("Turn the model slowly, like a turntable"), ("T",), preview._apply_spin,
        checkable=True)
    add("facts", _tr("Facts"), _tr("Show triangles, vertices, textures, size and more"), ("I",),
        preview._apply_facts, checkable=True)
    toolbar.addSeparator()
    preview.light_controls = LightControls(preview, toolbar, preview.shading, preview.set_shading)
    actions.update(preview.light_controls.actions)
    toolbar.addSeparator()
    add("background", _tr("Background…"), _tr("Choose the background colour"), (),
        lambda: preview.choose_background())
    add("screenshot", _tr("Screenshot…"), _tr("Save the current view as a PNG image"), ("S",),
        lambda: preview.save_screenshot())
    add("turntable", _tr("Turntable…"), _tr("Save an animation of the model spinning (WebP or GIF)"),
        ("Ctrl+T",), lambda: preview.save_turntable())
    add("help", _tr("?"), controls_help(), (),
        lambda: QToolTip.showText(QCursor.pos(), controls_help(), toolbar))
    actions["help"].setToolTip(controls_help())
    actions["grid"].setChecked(True)
    actions["facts"].setChecked(True)
    return actions

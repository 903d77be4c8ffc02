"""The lighting controls shared by the preview and the compare window: a "Light" menu and an exposure slider.

Both edit one ``Shading`` through a getter and a setter, so the preview and compare (which applies a change to
every view) use the same widgets, texts and shortcuts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QSlider, QToolBar, QToolButton, QWidget

from desktop_app.ui.preview.shading import ENVIRONMENTS, EXPOSURE_RANGE, Shading

ROTATE_STEP = 15.0  # degrees per key press
EXPOSURE_STEPS = 10  # slider ticks per EV stop


def _tr(text: str) -> str:
    return QCoreApplication.translate("PreviewLight", text)


def environment_names() -> dict[str, str]:
    return {"studio": _tr("Studio"), "outdoor": _tr("Outdoor")}


class LightControls:
    """Creates the actions on ``owner`` (their shortcuts work while it has focus) and adds a "Light" button
    and the exposure slider to ``toolbar``."""

    def __init__(self, owner: QWidget, toolbar: QToolBar, get: Callable[[], Shading],
                 set_: Callable[[Shading], None]) -> None:
        self._get, self._set = get, set_
        self._syncing = False
        self.actions: dict[str, QAction] = {}
        menu = QMenu(_tr("Light"), owner)
        self.menu = menu
        envs = QActionGroup(owner)
        names = environment_names()
        for name in ENVIRONMENTS:
            action = self._add(owner, menu, f"env_{name}", names.get(name, name),
                               _tr("Light the model with this environment"), checkable=True)
            envs.addAction(action)
            action.triggered.connect(lambda _=False, n=name: self._change(environment=n))
        self._add(owner, menu, "next_environment", _tr("Next environment"), _tr("Switch to the next environment"),
                  ("E",)).triggered.connect(self._next_environment)
        menu.addSeparator()
        self._add(owner, menu, "env_background", _tr("Show environment as background"),
                  _tr("Show the light's surroundings behind the model"), ("B",), checkable=True
                  ).toggled.connect(lambda on: self._change(background=on))
        self._add(owner, menu, "shadow", _tr("Ground shadow"), _tr("A soft shadow under the model"),
                  checkable=True).toggled.connect(lambda on: self._change(shadow=on))
        self._add(owner, menu, "rotate_left", _tr("Turn light left"), _tr("Turn the environment around the model"),
                  ("[",)).triggered.connect(lambda: self._turn(-ROTATE_STEP))
        self._add(owner, menu, "rotate_right", _tr("Turn light right"), _tr("Turn the environment around the model"),
                  ("]",)).triggered.connect(lambda: self._turn(ROTATE_STEP))
        self._add(owner, menu, "reset_light", _tr("Reset light"), _tr("Default environment, angle and exposure"),
                  ).triggered.connect(self._reset)
        menu.addSeparator()
        quality = menu.addMenu(_tr("Quality"))
        qualities = QActionGroup(owner)
        for key, text, tip in (
            ("auto", _tr("Automatic"), _tr("Full quality, or the faster path on software OpenGL")),
            ("high", _tr("High"), _tr("Full image-based light (slower on software OpenGL)")),
            ("fast", _tr("Fast"), _tr("Cheaper reflections: smoother on slow computers")),
        ):
            action = self._add(owner, quality, f"quality_{key}", text, tip, checkable=True)
            qualities.addAction(action)
            action.triggered.connect(lambda _=False, k=key: self._change(quality=k))

        button = QToolButton(toolbar)
        button.setText(_tr("Light"))
        button.setToolTip(_tr("Environment light, background, shadow and quality"))
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        button.setMenu(menu)
        button.setAccessibleName(_tr("Light"))
        toolbar.addWidget(button)
        self.button = button

        box = QWidget(toolbar)
        row = QHBoxLayout(box)
        row.setContentsMargins(4, 0, 4, 0)
        row.setSpacing(4)
        label = QLabel(_tr("Exposure"), box)
        slider = QSlider(Qt.Orientation.Horizontal, box)
        lo, hi = EXPOSURE_RANGE
        slider.setRange(int(lo * EXPOSURE_STEPS), int(hi * EXPOSURE_STEPS))
        slider.setSingleStep(1)
        slider.setPageStep(EXPOSURE_STEPS)
        slider.setFixedWidth(90)
        slider.setToolTip(_tr("Exposure: brighter or darker, in photographic stops (double-click: reset)"))
        slider.setAccessibleName(_tr("Exposure"))
        slider.valueChanged.connect(lambda v: self._change(exposure=v / EXPOSURE_STEPS))
        slider.mouseDoubleClickEvent = lambda _e: slider.setValue(0)  # type: ignore[method-assign]
        label.setBuddy(slider)
        row.addWidget(label)
        row.addWidget(slider)
        toolbar.addWidget(box)
        self.exposure = slider
        self.sync()

    def _add(self, owner: QWidget, menu: QMenu, key: str, text: str, tip: str, shortcuts: tuple[str, ...] = (),
             checkable: bool = False) -> QAction:
        action = QAction(text, owner)
        action.setToolTip(f"{tip} ({shortcuts[0]})" if shortcuts else tip)
        action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.setCheckable(checkable)
        owner.addAction(action)
        menu.addAction(action)
        self.actions[key] = action
        return action

    def sync(self) -> None:
        """Show the current shading in the widgets (after a change from elsewhere) without echoing it back."""
        shading = self._get()
        self._syncing = True
        try:
            for name in ENVIRONMENTS:
                self.actions[f"env_{name}"].setChecked(shading.environment == name)
            self.actions["env_background"].setChecked(shading.background)
            self.actions["shadow"].setChecked(shading.shadow)
            for key in ("auto", "high", "fast"):
                self.actions[f"quality_{key}"].setChecked(shading.quality == key)
            self.exposure.setValue(round(shading.exposure * EXPOSURE_STEPS))
        finally:
            self._syncing = False

    def _change(self, **changes: object) -> None:
        if self._syncing:
            return
        self._set(replace(self._get(), **changes))  # type: ignore[arg-type]

    def _next_environment(self) -> None:
        current = self._get().environment
        index = ENVIRONMENTS.index(current) if current in ENVIRONMENTS else -1
        self._change(environment=ENVIRONMENTS[(index + 1) % len(ENVIRONMENTS)])
        self.sync()

    def _turn(self, degrees: float) -> None:
        self._change(rotation=(self._get().rotation + degrees) % 360.0)

    def _reset(self) -> None:
        current = self._get()
        self._set(replace(Shading(), mode=current.mode, wireframe=current.wireframe, quality=current.quality,
                          background=current.background, shadow=current.shadow))
        self.sync()

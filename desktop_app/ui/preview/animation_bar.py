"""The preview's playback bar for a model with an animation (a rigged result): Play/Pause, time, clip, Loop.

Shown only when the model on screen has a clip to play (core/mesh/gltf_animation.py reads it, in a worker, after the
model is shown). Playing ticks at ``FPS``; each tick asks a worker for the pose at the current time (newest
frame wins: ``Op(...).latest``) and the GL item re-sends only the moving parts' vertex buffers. Paused at 0 s,
the model is shown as it was loaded (its bind pose); paused elsewhere, at that moment of the clip.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QSlider, QToolButton, QWidget

from desktop_app.ui.tasks import Op, supersede

if TYPE_CHECKING:
    from desktop_app.core.mesh.arrays import SceneArrays
    from desktop_app.core.mesh.gltf_animation import Posing

log = logging.getLogger(__name__)

FPS = 30
SLIDER_STEPS_PER_SECOND = 100  # the slider counts hundredths of a second
GLTF_SUFFIXES = (".glb", ".gltf")


def read_posing(path: str, arrays: SceneArrays) -> Posing | None:
    """The file's animation bound to its loaded arrays, or None (worker thread: reads the file)."""
    from desktop_app.core.library.versions import has_animation
    from desktop_app.core.mesh.gltf_animation import read_posing as read

    if not has_animation(Path(path)):  # reads only the JSON: most models stop here
        return None
    return read(Path(path), arrays)


class AnimationBar(QWidget):
    """``apply(poses | None)`` puts a frame on screen (None: the model as loaded)."""

    def __init__(self, apply: Callable[[list | None], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("animationBar")
        self._apply = apply
        self._posing: Posing | None = None
        self._arrays: object | None = None
        self._clip = 0
        self._time = 0.0  # seconds into the clip
        self._clock = 0.0  # monotonic time at which _time was set while playing
        self._busy = False  # a frame is being computed
        self._wanted = False  # a newer frame was asked for meanwhile
        self._key = f"animation-{id(self)}"
        self.frames_shown = 0  # tests and benchmarks watch it

        self._timer = QTimer(self)
        self._timer.setInterval(1000 // FPS)
        self._timer.timeout.connect(self._tick)

        self.play_button = QToolButton(self)
        self.play_button.setCheckable(True)
        self.play_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.play_button.toggled.connect(self._on_play_toggled)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setAccessibleName(self.tr("Animation time"))
        self.slider.valueChanged.connect(self._on_slider)
        self.slider.sliderPressed.connect(self._on_drag_start)  # the timer must not pull the handle away
        self.slider.sliderReleased.connect(self._on_drag_end)
        self._resume = False
        self.time_label = QLabel(self)
        self.clip_label = QLabel(self)
        self.clip_box = QComboBox(self)
        self.clip_box.setAccessibleName(self.tr("Animation clip"))
        self.clip_box.setToolTip(self.tr("Which animation of the model to play"))
        self.clip_box.currentIndexChanged.connect(self.set_clip)
        self.loop_box = QCheckBox(self.tr("Loop"), self)
        self.loop_box.setChecked(True)
        self.loop_box.setToolTip(self.tr("Start again from the beginning at the end of the clip"))

        row = QHBoxLayout(self)
        row.setContentsMargins(6, 2, 6, 2)
        row.setSpacing(6)
        row.addWidget(self.play_button)
        row.addWidget(self.slider, 1)
        row.addWidget(self.time_label)
        row.addWidget(self.clip_label)
        row.addWidget(self.clip_box)
        row.addWidget(self.loop_box)

        # Space plays and pauses while the 3D view has the focus (the view takes the action when a clip is shown);
        # nothing else in the preview uses Space, and a focused button or box keeps its own Space.
        self.toggle_action = QAction(self.tr("Play or pause the animation"), self)
        self.toggle_action.setShortcut(QKeySequence(Qt.Key.Key_Space))
        self.toggle_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.toggle_action.triggered.connect(self.toggle)
        self._sync_button()
        self.hide()

    # -- the model shown ---------------------------------------------------------------------------------
    def watch(self, arrays: SceneArrays, view: QWidget) -> None:
        """A model was shown: look for its animation in a worker; the bar appears if there is one."""
        self.detach()
        source = getattr(arrays, "source", "") or ""
        if Path(source).suffix.lower() not in GLTF_SUFFIXES:
            return
        self._arrays = arrays
        (Op(read_posing, source, arrays).latest(f"{self._key}-read").owner(self)
         .success(lambda posing: self._attach(arrays, posing, view)).failure(self._on_failed)
         .named("read animation").run())

    def _attach(self, arrays: SceneArrays, posing: Posing | None, view: QWidget) -> None:
        if posing is None or arrays is not self._arrays:
            return
        self._posing = posing
        self.clip_box.blockSignals(True)
        self.clip_box.clear()
        self.clip_box.addItems([clip.name for clip in posing.clips])
        self.clip_box.setCurrentIndex(0)
        self.clip_box.blockSignals(False)
        several = len(posing.clips) > 1
        self.clip_box.setVisible(several)
        self.clip_label.setVisible(not several)
        self.clip_label.setText(posing.clips[0].name)
        self._clip = 0
        self._time = 0.0
        self._set_range()
        if self.toggle_action not in view.actions():
            view.addAction(self.toggle_action)
        self.show()

    def detach(self) -> None:
        """The model is gone (another one, an error, cleared): no bar, no timer, no late frame."""
        self._timer.stop()
        supersede(self._key)
        supersede(f"{self._key}-read")
        self._posing = None
        self._arrays = None
        self._busy = self._wanted = False
        self.play_button.blockSignals(True)
        self.play_button.setChecked(False)
        self.play_button.blockSignals(False)
        self._sync_button()
        self.hide()

    def attached(self) -> bool:
        return self._posing is not None

    # -- playback ------------------------------------------------------------------------------------------
    def playing(self) -> bool:
        return self._timer.isActive()

    def current_time(self) -> float:
        return self._time

    def duration(self) -> float:
        return self._posing.clips[self._clip].duration if self._posing is not None else 0.0

    def play(self) -> None:
        if self._posing is not None and not self.playing():
            self.play_button.setChecked(True)

    def pause(self) -> None:
        if self.playing():
            self.play_button.setChecked(False)

    def toggle(self) -> None:
        if self._posing is not None:
            self.play_button.setChecked(not self.play_button.isChecked())

    def seek(self, seconds: float) -> None:
        """Show the clip at ``seconds`` (playing goes on from there; 0 while paused: the model as loaded)."""
        self._time = min(max(0.0, seconds), self.duration())
        self._clock = time.monotonic()
        self._show_time()
        self._request()

    def set_clip(self, index: int) -> None:
        if self._posing is None or not 0 <= index < len(self._posing.clips) or index == self._clip:
            return
        self._clip = index
        self._time = 0.0
        self._clock = time.monotonic()
        supersede(self._key)  # a frame of the other clip must not land after this
        self._busy = False
        self._set_range()
        self._request()

    def _on_play_toggled(self, on: bool) -> None:
        if on and self._posing is not None:
            if self._time >= self.duration():  # played to the end without looping: start over
                self._time = 0.0
            self._clock = time.monotonic()
            self._timer.start()
            self._request()
        else:
            self._timer.stop()
        self._sync_button()

    def _tick(self) -> None:
        now = time.monotonic()
        self._time += now - self._clock
        self._clock = now
        length = self.duration()
        if self._time >= length:
            if self.loop_box.isChecked() and length > 0:
                self._time %= length
            else:
                self._time = length
                self.pause()
        self._show_time()
        self._request()

    def _request(self) -> None:
        """Ask a worker for the pose now (one at a time: a tick during a slow frame is folded into the next)."""
        if self._posing is None:
            return
        if not self.playing() and self._time <= 0.0:
            supersede(self._key)  # stopped at the start: the model as loaded, not a late frame
            self._busy = self._wanted = False
            self._apply(None)
            self.frames_shown += 1
            return
        if self._busy:
            self._wanted = True
            return
        self._busy = True
        posing = self._posing
        (Op(posing.pose, self._clip, self._time).latest(self._key).owner(self).success(self._on_frame)
         .failure(self._on_failed).finished(self._frame_done).named("animation frame").run())

    def _on_frame(self, poses: list) -> None:
        self._apply(poses)
        self.frames_shown += 1

    def _frame_done(self) -> None:
        self._busy = False
        if self._wanted:
            self._wanted = False
            self._request()

    def _on_failed(self, message: str) -> None:
        log.warning("the animation cannot be played: %s", message)
        self.detach()
        self._apply(None)

    # -- widgets ------------------------------------------------------------------------------------------
    def _set_range(self) -> None:
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(1, round(self.duration() * SLIDER_STEPS_PER_SECOND)))
        self.slider.blockSignals(False)
        self.slider.setEnabled(self.duration() > 0)
        self._show_time()

    def _show_time(self) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(round(self._time * SLIDER_STEPS_PER_SECOND))
        self.slider.blockSignals(False)
        self.time_label.setText(self.tr("%1 / %2 s").replace("%1", f"{self._time:.1f}")
                                .replace("%2", f"{self.duration():.1f}"))

    def _on_slider(self, value: int) -> None:
        self.seek(value / SLIDER_STEPS_PER_SECOND)

    def _on_drag_start(self) -> None:
        self._resume = self.playing()
        self.pause()

    def _on_drag_end(self) -> None:
        if self._resume:
            self._resume = False
            self.play()

    def _sync_button(self) -> None:
        on = self.play_button.isChecked()
        self.play_button.setText(self.tr("Pause") if on else self.tr("Play"))
        self.play_button.setToolTip(self.tr("Pause the animation (Space)") if on
                                    else self.tr("Play the model's animation (Space)"))
        self.play_button.setAccessibleName(self.play_button.text())

    def hideEvent(self, event: Any) -> None:
        self.pause()  # no timer runs for a preview nobody sees
        super().hideEvent(event)

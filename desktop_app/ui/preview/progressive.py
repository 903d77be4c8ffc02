"""The first frame of a big model, drawn in chunks over several event-loop turns, then kept while nothing changes.

Under software GL (Mesa llvmpipe, our floor) one draw of a 500k-triangle textured model takes 150-300 ms and
the driver cannot split it; but we can: chunks of at most ``CHUNK_TRIANGLES`` triangles are drawn into an
offscreen framebuffer (colour and depth), one chunk per turn with a glFinish so each turn pays for its own
rasterising, and when the last is done the item copies (blits) the result into the view in one cheap step,
depth included, so the floor grid drawn after it is still hidden behind the model. The result is kept: later
repaints with the same camera, size and look (an overlay going away, a window exposed) blit it again instead
of drawing. It is built for every still frame of a model of more than ``WHOLE_GRANULES`` granules (a few
thousand triangles): the first after a load,
whenever the camera comes to rest (while it moves, the item draws the model's light proxy from
core/mesh/proxy.py; meanwhile that proxy stays on screen) and after any change of look, background or size,
a newer change or a camera move dropping a build under way. The one exception is a grab (screenshot,
``settle``): it wants the pixels in this paint, so that paint draws the whole model into the framebuffer at
once and presents it, which keeps it for the repaints after it.

A model with no proxy (under core/mesh/proxy.py's size, yet over that) shows its last frame while a
new look is built for the same camera: the frame a build completed, or one drawn whole in a paint, copied from
the view as it stands after the model's draw (same size and format: a plain memory copy, ~0.3 ms at
1440x900), which also serves a repaint of the same frame. Without it each paint of a restyle drew nothing of
the model: toggling wireframe or the background blinked it away for the whole build.

A model with a proxy shows the proxy meanwhile. On its arrival the proxy is drawn out of a paint, by the upload's
turn that makes the coarsest level visible, into a framebuffer of its own, and the paints present it: on llvmpipe
the proxy's pixels cost 13-20 ms (800x600 to 1440x900) and the paint's composition 10-25 ms more, which together
brushed 50 ms. A moving camera's last proxy frame is copied (~0.3 ms) and presented when the camera rests. After
a restyle (a new look or background, the camera and size as they were) the paint presents the frame already kept
for that view (the completed one, or the old look's proxy), a turn of its own draws the new look's proxy, and the
paint presenting that starts the build: drawn in the restyle's paint, the proxy's pixels (22-40 ms at 1000x700)
and the window's composition made one slice. Work and the paints it asks for go in different turns
(``repaint_later``, ``after_paint``): Qt's loop delivers a posted paint before its timers, so a paint asked for at
once ran in one slice with the turn that asked. In the main window at 1366x768, the longest slice of a display
change went from 30-35 ms to 21-24 ms (no other load); under benchmarks/responsiveness.py's polling jobs it is
set by the window's composition, which every widget's repaint costs in a window holding a GL view (12-13 ms at
1366x768, 25-30 ms at 1920x1080 on llvmpipe) and which shares turns with ours.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import shiboken6
from OpenGL import GL
from PySide6.QtCore import QObject, QTimer
from PySide6.QtOpenGL import QOpenGLFramebufferObject, QOpenGLFramebufferObjectFormat

if TYPE_CHECKING:
    from desktop_app.ui.preview.gl_mesh_item import TexturedMeshItem

CHUNK_TRIANGLES = 50_000  # the most one turn draws: ~20-40 ms of llvmpipe work on a quiet 2-core laptop
WIRE_CHUNK_DIVISOR = 4  # wireframe draws every triangle again as lines: smaller chunks keep each turn short
# A turn draws whole granules (a twentieth of a chunk: 2,500 triangles, 625 in wireframe), as many as its
# measured speed fits in STEP_BUDGET_S: on a loaded machine (another process on the cores) a fixed
# 50k-triangle turn took 60-90 ms, and a 10k-triangle granule still 100 ms at a load average of 6.
GRANULES_PER_CHUNK = 20
# A still frame of at most this many granules (12,500 triangles) is drawn whole in its paint; more are built in
# chunks. Not a whole chunk: a paint's rasterising is followed by the window's composition (10-25 ms on
# llvmpipe), and a 50k-triangle first frame drawn whole made a 50-69 ms slice at 800x600. What a frame costs
# there is mostly its pixels: the 3k-triangle proxy filled a 1440x900 view in 20 ms.
WHOLE_GRANULES = 5
# 20 ms, not 30: the turn's estimate comes from the last turn, and under load a turn runs up to ~1.5x over it
STEP_BUDGET_S = 0.020


def next_turn(receiver: QObject, slot: Callable[[], None]) -> None:
    """Run ``slot`` in a later event-loop turn, after the timers and events already due.

    Not ``QTimer.singleShot(0, ...)``: that posts an event, and Qt's event dispatcher runs timers at idle
    priority while posted events keep coming, so a chain of posted steps ran two or more at a time before the
    next timer (benchmarks/stall_probe.py saw 60-110 ms slices made of two 30-50 ms steps). A 1 ms timer is
    queued behind the timers already due, so every step is a slice of its own."""
    QTimer.singleShot(1, receiver, slot)


def repaint_later(item: TexturedMeshItem) -> None:
    """Ask for ``item``'s repaint from a turn that has just drawn: in a turn of its own, not at once.

    ``update()`` posts the paint, and Qt's loop delivers posted events at the start of its next pass, before any
    timer: a paint asked for at once ran back to back with the turn that asked, a 30 ms draw and the paint's
    20 ms composition making one 50 ms slice (a 1 ms timer beside a 30 ms turn and a 20 ms paint ticked 51 ms
    apart; with the repaint asked for a turn later, 30 and 20 ms apart)."""
    next_turn(item, partial(_repaint, item))


def _repaint(item: TexturedMeshItem) -> None:
    view = item.view()
    if view is not None and shiboken6.isValid(view):  # the window may have closed meanwhile
        item.update()


def after_paint(receiver: QObject, slot: Callable[[], None]) -> None:
    """From a paint: run ``slot`` in a later pass of the loop than the paint's. A timer started in a paint is due
    by the time that same pass reaches its timers (the window's composition follows the paint), so the paint, its
    composition and the slot ran as one slice; a timer started by a timer is never due in the pass that runs it."""
    next_turn(receiver, lambda: next_turn(receiver, slot))


class ProgressiveFrame:
    def __init__(self) -> None:
        self._now = False  # the next paint must show the whole model (a grab)
        self._armed = False  # build the next frame in chunks even if its camera is new (see ``paint``)
        self._seen: tuple | None = None  # the camera of the last still frame asked for
        # the last frame drawn whole in its paint: asked again as it is (an overlay hidden, a window grab), it
        # is drawn whole again; taken for a restyle, it was rebuilt in chunks with nothing shown meanwhile (no
        # proxy), and a grab in that paint got the floor without the model
        self._plain: tuple | None = None
        self._key: tuple | None = None
        self._done = False
        self._frame: tuple | None = None
        self._plan: GranulePlan | None = None
        self._next = 0
        self._viewport = (0, 0, 0, 0)
        self._background = (0.0, 0.0, 0.0, 1.0)
        self._fbo: QOpenGLFramebufferObject | None = None
        # the last whole frame of a model without proxy, shown while a new look is built for its camera; its
        # key's viewport and camera must match the build's
        self._front: QOpenGLFramebufferObject | None = None
        self._front_key: tuple | None = None
        self._capture: tuple | None = None  # this paint's frame, drawn whole by the item, is to become the front
        # a model with a proxy: the proxy's frame for a key, drawn in a turn (or copied from a moving paint)
        self._proxy_fbo: QOpenGLFramebufferObject | None = None
        self._proxy_key: tuple | None = None
        self._broken = False  # the driver refused the copy once: draw normally from then on
        self._blit_mask = int(GL.GL_COLOR_BUFFER_BIT | GL.GL_DEPTH_BUFFER_BIT | GL.GL_STENCIL_BUFFER_BIT)
        self._granules_per_step = GRANULES_PER_CHUNK  # adapted to the measured speed during each build
        self._build = 0  # which build the queued step belongs to: a newer one drops an older one's chain
        # a restyle's build waiting for its proxy: the kept frame its paints show until then (its steps start
        # after the paint that presents the proxy); None for any other build
        self._stand_in_fbo: QOpenGLFramebufferObject | None = None

    def arm(self) -> None:
        """Build the next frame in chunks (a big upload just finished, the camera came to rest)."""
        self._armed = True

    def building(self) -> bool:
        return self._key is not None and not self._done

    def cancel(self) -> None:
        """Stop building; the next paint shows the whole model (a grab wants pixels now): the kept frame if it
        matches, else one drawn at once."""
        self._now = True
        if self.building():
            self._key = None

    def forget(self) -> None:
        """The camera moved or the model took another pose: the kept frames (and the one being built) are of no
        further use; a kept copy of the same camera would show the old pose."""
        self._key, self._done, self._now, self._armed = None, False, False, False
        self._front_key = self._capture = self._proxy_key = self._stand_in_fbo = None

    def release(self) -> None:
        """Free the framebuffers (with the view's context current)."""
        self._fbo = self._front = self._proxy_fbo = self._stand_in_fbo = None
        self._key = self._front_key = self._capture = self._proxy_key = None
        self._done = False

    @staticmethod
    def key(item: TexturedMeshItem, frame: tuple, viewport: tuple[int, int, int, int]) -> tuple:
        """What a kept frame shows: viewport, background, look and the camera's matrices."""
        view = item.view()
        background = tuple(float(c) for c in view.opts["bgcolor"]) if view is not None else (0.0, 0.0, 0.0, 1.0)
        return (viewport, background, item.look(), *(np.asarray(m).tobytes() for m in frame))

    def show_proxy(self, key: tuple) -> bool:
        """Present the proxy frame drawn for ``key`` in a turn (from a paint); False if there is none."""
        return self._proxy_key == key and self._present(self._proxy_fbo, key[0])

    def draw_proxy(self, item: TexturedMeshItem, frame: tuple, key: tuple, level: int) -> None:
        """Draw proxy ``level`` of ``item`` for ``key`` into the proxy framebuffer, out of a paint (the view's
        context current): the paints that follow present it."""
        w, h = key[0][2:]
        target = int(GL.glGetIntegerv(GL.GL_DRAW_FRAMEBUFFER_BINDING))
        viewport = [int(v) for v in GL.glGetIntegerv(GL.GL_VIEWPORT)]
        fbo = self._proxy_fbo = self._sized(self._proxy_fbo, w, h)
        fbo.bind()
        try:
            GL.glViewport(0, 0, w, h)
            GL.glClearColor(*key[1])
            GL.glClear(GL.GL_COLOR_BUFFER_BIT | GL.GL_DEPTH_BUFFER_BIT | GL.GL_STENCIL_BUFFER_BIT)
            item.draw_proxy_level(frame, level)  # measured to the last pixel (lod.py): this turn pays for it
            self._proxy_key = key
        finally:
            GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, target)
            GL.glViewport(*viewport)

    def drawn_whole(self) -> None:
        """The item drew this paint's frame whole into the view (after ``paint`` returned None): keep a copy when
        a restyle of it would be built in chunks with no proxy to show meanwhile."""
        key, self._capture = self._capture, None
        if key is not None:
            self._front, copied = self._copy_view(self._front, key[0])
            self._front_key = key if copied else None

    def drawn_proxy(self, item: TexturedMeshItem, frame: tuple) -> None:
        """The item drew its proxy in this paint (a moving camera): keep a copy, so that the paint when the camera
        comes to rest, which starts the full frame's build, presents it instead of drawing the proxy again."""
        if self._broken:
            return
        viewport = tuple(int(v) for v in GL.glGetIntegerv(GL.GL_VIEWPORT))
        self._proxy_fbo, copied = self._copy_view(self._proxy_fbo, viewport)
        self._proxy_key = self.key(item, frame, viewport) if copied else None

    def _copy_view(self, fbo: QOpenGLFramebufferObject | None,
                   viewport: tuple) -> tuple[QOpenGLFramebufferObject, bool]:
        """Copy what the paint has drawn so far in ``viewport`` into ``fbo`` (made or remade at the viewport's size;
        same format: a memory copy); the framebuffer, and whether the copy was made."""
        x, y, w, h = viewport
        source = int(GL.glGetIntegerv(GL.GL_DRAW_FRAMEBUFFER_BINDING))  # before making one: that binds another
        read = int(GL.glGetIntegerv(GL.GL_READ_FRAMEBUFFER_BINDING))
        fbo = self._sized(fbo, w, h)
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, source)
        GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, fbo.handle())
        try:
            GL.glGetError()
            GL.glBlitFramebuffer(x, y, x + w, y + h, 0, 0, w, h, self._blit_mask, GL.GL_NEAREST)
            return fbo, GL.glGetError() == GL.GL_NO_ERROR
        finally:
            GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, read)
            GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, source)

    def paint(self, item: TexturedMeshItem, frame: tuple) -> str | None:
        """Called from the item's paint: "presented" (the kept frame is on screen), "building" (chunks are
        under way: draw the proxy if there is one, else nothing) or None (draw the model in full)."""
        if self._broken:
            return None
        viewport = tuple(int(v) for v in GL.glGetIntegerv(GL.GL_VIEWPORT))
        key = self.key(item, frame, viewport)
        background = key[1]
        now, self._now = self._now, False
        self._capture = None
        if key == self._key:
            if self._done:
                return "presented" if self._present(self._fbo, self._viewport) else None
            return self._meanwhile(item, key)  # this very frame: keep the GPU for the chunks
        # A new look, background or size (the camera as in the last still frame), a new camera of a model with a
        # proxy to show meanwhile, or an armed one (the first frame, the camera at rest): (re)build the kept frame,
        # in chunks unless a grab waits. Else (a small model's moving camera: it has no proxy) draw at once.
        if key == self._plain and not (now or self._armed):
            if self._front_key == key and self._present(self._front, key[0]):
                return "presented"  # its copy, kept when it was drawn
            return None
        restyled, self._seen = self._seen == key[3:], key[3:]
        armed, self._armed = self._armed, False
        stand_in = self._stand_in(item, key) if restyled and not now else None
        if self._key is not None and self._done and not item.has_proxy():
            # the completed frame becomes the one shown while the next is built; its framebuffer is reused
            self._front, self._fbo, self._front_key = self._fbo, self._front, self._key
        self._key, self._done, self._plain = None, False, key
        plan = self._plan_for(item)
        if not (restyled or armed or now or item.has_proxy()):
            if plan.count > WHOLE_GRANULES and not item.has_proxy():
                self._capture = key  # a restyle of it would be built in chunks: keep this frame to show then
            return None
        if plan.count <= WHOLE_GRANULES:
            return None  # small enough to draw at once
        self._key, self._frame, self._plan, self._next, self._plain = key, frame, plan, 0, None
        self._viewport, self._background = viewport, background
        if now:  # all of it in this paint, into the framebuffer, so the repaints after the grab present it
            self._draw_turn(item, plan.count)
            self._next, self._done = plan.count, True
            return "presented" if self._present(self._fbo, self._viewport) else None
        # the first turn also draws the environment and the shadow, and the new look may need its shader
        # variant compiled: it draws one granule; the turns after it size themselves by their measured speed
        self._granules_per_step = 1
        self._build += 1
        self._stand_in_fbo = None
        if stand_in is not None and self._present(stand_in, viewport):
            # the same view in a new look, a model with a proxy: this paint shows the old look again (a copy),
            # a turn of its own draws the new look's proxy, and the paint presenting that starts the build. The
            # proxy drawn in this paint cost 22-40 ms of pixels at 1000x700 before the window's composition
            # (12-30 ms): single slices of 43-60 ms under load (benchmarks/responsiveness.py)
            self._stand_in_fbo = stand_in
            after_paint(item, partial(self._restyle_proxy, item, self._build))
            return "presented"
        after_paint(item, partial(self._step, item, self._build))
        return self._meanwhile(item, key)

    def _stand_in(self, item: TexturedMeshItem, key: tuple) -> QOpenGLFramebufferObject | None:
        """For a new look of the view the last still frame showed (same camera and size) of a model with a proxy:
        a kept frame of that view to show while the new look's proxy is drawn, the completed one or its proxy's;
        None when there is none (the paint draws the new look's proxy itself)."""
        if not item.has_proxy():
            return None
        for fbo, kept, complete in ((self._fbo, self._key, self._done), (self._proxy_fbo, self._proxy_key, True)):
            if fbo is not None and kept is not None and complete and kept[0] == key[0] and kept[3:] == key[3:]:
                return fbo
        return None

    def _restyle_proxy(self, item: TexturedMeshItem, build: int) -> None:
        """A turn of its own: draw the new look's proxy (the still frame's level) into the proxy framebuffer and
        ask for the paint that presents it, which starts the build (``_meanwhile``)."""
        if build != self._build or not self.building() or self._frame is None or self._key is None:
            return
        view = item.view()
        if view is None or not shiboken6.isValid(view) or not view.isValid():
            return
        level = item.still_proxy_level()
        if level >= 0:
            view.makeCurrent()
            try:
                self.draw_proxy(item, self._frame, self._key, level)
            finally:
                view.doneCurrent()
        else:  # no level to draw: the build starts now, and its paints draw the proxy, as without a stand-in
            self._stand_in_fbo = None
            next_turn(item, partial(self._step, item, build))
        repaint_later(item)

    def _plan_for(self, item: TexturedMeshItem) -> GranulePlan:
        chunk = CHUNK_TRIANGLES // (WIRE_CHUNK_DIVISOR if item.look().wireframe else 1)
        return GranulePlan(item.draw_plan(), 3 * max(1, chunk // GRANULES_PER_CHUNK))  # a turn draws several

    def _meanwhile(self, item: TexturedMeshItem, key: tuple) -> str:
        """While ``key``'s frame is built: "presented" when something is on screen again (the proxy frame drawn
        for it out of a paint; for a model without proxy, its last whole frame of this camera and size), else
        "building" (the item draws its proxy in the paint, if it has one)."""
        if self._stand_in_fbo is not None:  # a restyle's build, waiting for its proxy
            if not self.show_proxy(key) and self._present(self._stand_in_fbo, key[0]):
                return "presented"  # a repaint before the proxy's turn (a change can ask for two): the old frame
                # again, not the proxy drawn in this paint
            self._stand_in_fbo = None  # the proxy is on screen (or the stand-in failed): build after this paint
            after_paint(item, partial(self._step, item, self._build))
            return "presented" if self._proxy_key == key else "building"
        if self.show_proxy(key):
            return "presented"
        front = self._front_key
        if (not item.has_proxy() and front is not None and front[0] == key[0] and front[3:] == key[3:]
                and self._present(self._front, key[0])):
            return "presented"
        return "building"

    def _step(self, item: TexturedMeshItem, build: int) -> None:
        if build != self._build or not self.building() or self._frame is None:
            return  # dropped (camera moved, a grab), or replaced by a newer build with a chain of its own
        view = item.view()
        if view is None or not shiboken6.isValid(view) or not view.isValid():
            return  # the view went (its window closed) while this step waited
        view.makeCurrent()
        try:
            end = self._take()
            start = time.perf_counter()
            self._draw_turn(item, end)
            GL.glFinish()  # software GL rasterises lazily: make this turn pay for its own chunk
            self._adapt(end - self._next, time.perf_counter() - start)
        finally:
            view.doneCurrent()
        self._next = end
        if self._plan is not None and self._next < self._plan.count:
            next_turn(item, partial(self._step, item, build))
        else:
            self._done = True
            repaint_later(item)

    def _draw_turn(self, item: TexturedMeshItem, end: int) -> None:
        """Draw the plan's granules from the next one up to ``end`` into the framebuffer, then bind back what
        was bound (in a paint: the view's own framebuffer and viewport)."""
        assert self._frame is not None and self._plan is not None
        x, y, w, h = self._viewport
        target = int(GL.glGetIntegerv(GL.GL_DRAW_FRAMEBUFFER_BINDING))
        fbo = self._framebuffer(w, h)
        fbo.bind()
        try:
            GL.glViewport(0, 0, w, h)
            if self._next == 0:
                GL.glClearColor(*self._background)
                GL.glClear(GL.GL_COLOR_BUFFER_BIT | GL.GL_DEPTH_BUFFER_BIT)
            item.draw(self._frame, self._plan.pieces(self._next, end), first=self._next == 0)
        finally:
            GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, target)
            GL.glViewport(x, y, w, h)

    def _take(self) -> int:
        """Where this turn ends: as many granules as the last turn's speed fits, all faces or all lines.
        Wireframe lines come after every face and cost the rasteriser several times more per triangle, so the
        first turn of lines measures again from one granule (a turn sized by the faces' speed took 100+ ms on
        lines)."""
        assert self._plan is not None
        first = self._next
        if first > 0 and self._plan.is_wire(first) != self._plan.is_wire(first - 1):
            self._granules_per_step = 1
        return min(first + self._granules_per_step, self._plan.kind_end(first))

    def _adapt(self, granules: int, seconds: float) -> None:
        """Granules for the next turn: what the last turn's speed fits in STEP_BUDGET_S, one to a whole chunk."""
        fits = int(STEP_BUDGET_S * granules / max(seconds, 1e-6))
        self._granules_per_step = max(1, min(GRANULES_PER_CHUNK, fits))

    def _framebuffer(self, width: int, height: int) -> QOpenGLFramebufferObject:
        self._fbo = self._sized(self._fbo, width, height)
        return self._fbo

    @staticmethod
    def _sized(fbo: QOpenGLFramebufferObject | None, width: int, height: int) -> QOpenGLFramebufferObject:
        """``fbo`` if it has this size, else a new one (the old one freed first)."""
        if fbo is not None and (fbo.width(), fbo.height()) == (width, height):
            return fbo
        del fbo
        fmt = QOpenGLFramebufferObjectFormat()
        fmt.setAttachment(QOpenGLFramebufferObject.Attachment.CombinedDepthStencil)  # as QOpenGLWidget's
        return QOpenGLFramebufferObject(width, height, fmt)

    def _present(self, fbo: QOpenGLFramebufferObject | None, viewport: tuple) -> bool:
        """Copy a kept frame (the one built, or the front) into the view. The stencil goes along when the driver
        takes it: a copy of whole pixels of one format is a plain memory copy in Mesa, while depth without the
        stencil it shares them with is a shader pass (on llvmpipe its first use compiled for 13-15 ms of the GUI
        thread's CPU, and each copy then took 1-3 ms against well under 1)."""
        if fbo is None:
            return False
        x, y, w, h = viewport
        target = int(GL.glGetIntegerv(GL.GL_DRAW_FRAMEBUFFER_BINDING))
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, fbo.handle())
        try:
            while True:
                GL.glGetError()  # start clean: we check this blit's outcome below
                GL.glBlitFramebuffer(0, 0, w, h, x, y, x + w, y + h, self._blit_mask, GL.GL_NEAREST)
                if GL.glGetError() == GL.GL_NO_ERROR:
                    return True
                if not self._blit_mask & GL.GL_STENCIL_BUFFER_BIT:  # e.g. depth formats differ on this driver
                    self._broken = True
                    self._key, self._done = None, False
                    return False
                self._blit_mask &= ~GL.GL_STENCIL_BUFFER_BIT  # the view has no stencil (or another format)
        finally:
            GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, target)


class GranulePlan:
    """The draw cut into granules of ``size`` indices, faces first, then lines, without a Python object per
    granule: a 2M-triangle wireframe plan has 6,400 granules, and a list of lists of tuples for them made
    enough garbage for a full collection of the heap (50-75 ms) in the paint that started a rebuild. Granules
    never mix faces and lines; within a kind they run across parts, in the order of ``spans``."""

    def __init__(self, spans: list[tuple[int, int, int, bool]], size: int) -> None:
        self.size = size
        self._kinds = [[(part, first, count) for part, first, count, wire in spans if wire == kind]
                       for kind in (False, True)]
        faces, lines = (sum(count for _, _, count in kind) for kind in self._kinds)
        self._face_granules = -(-faces // size)
        self.count = self._face_granules + -(-lines // size)

    def is_wire(self, granule: int) -> bool:
        return granule >= self._face_granules

    def kind_end(self, granule: int) -> int:
        """The first granule after ``granule``'s kind (faces or lines)."""
        return self.count if self.is_wire(granule) else self._face_granules

    def pieces(self, start: int, end: int) -> list[tuple[int, int, int, bool]]:
        """Granules ``start`` to ``end`` (exclusive) as draw pieces (part, first index, index count, wireframe):
        one call per part they cover, faces' and lines' pieces in drawing order."""
        out: list[tuple[int, int, int, bool]] = []
        for wire, lo, hi in ((False, start, min(end, self._face_granules)),
                             (True, max(start, self._face_granules), end)):
            if lo >= hi:
                continue
            offset = self._face_granules if wire else 0
            begin, stop = (lo - offset) * self.size, (hi - offset) * self.size
            at = 0  # where the current span begins in this kind's run of indices
            for part, first, count in self._kinds[wire]:
                a, b = max(begin, at), min(stop, at + count)
                if a < b:
                    out.append((part, first + a - at, b - a, wire))
                at += count
        return out

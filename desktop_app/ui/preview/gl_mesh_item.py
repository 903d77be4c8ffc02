"""A pyqtgraph GL item that draws SceneArrays with glTF PBR materials and image-based light (GLMeshItem has
neither textures nor UVs).

Follows pyqtgraph 0.14's item style: QOpenGLBuffer VBOs, generic attributes, ``u_mvp``/``u_normal``
uniforms from the view's matrix stacks; the programs are in gl_shaders.py (sources in gl_pbr_glsl.py), the
light in gl_environment.py, background and ground shadow in gl_scenery.py, the sliced upload in gl_upload.py
and the first frame of a big model, drawn over several turns, in progressive.py. How it shades (mode,
environment, exposure...) is one ``Shading`` value, the same for the preview, thumbnails, `render` and compare.
"""

from __future__ import annotations

import ctypes
import itertools
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import replace

import numpy as np
import shiboken6
from OpenGL import GL
from PySide6 import QtCore, QtGui
from PySide6.QtOpenGL import QOpenGLFramebufferObject, QOpenGLFramebufferObjectFormat

from desktop_app.core.mesh.arrays import SceneArrays
from desktop_app.core.mesh.proxy import proxy_chain
from desktop_app.ui.preview import gl_upload
from desktop_app.ui.preview.gl_environment import env_matrix, float_cubes, gpu_environment
from desktop_app.ui.preview.gl_item_base import item_base
from desktop_app.ui.preview.gl_scenery import Scenery, column_major
from desktop_app.ui.preview.gl_shaders import ATTRS, context_key, shader_program
from desktop_app.ui.preview.gl_upload import GpuPart, upload_steps
from desktop_app.ui.preview.lod import STILL_BUDGET_S, LodChooser
from desktop_app.ui.preview.progressive import ProgressiveFrame, after_paint, next_turn, repaint_later
from desktop_app.ui.preview.shading import Shading, effective_quality

log = logging.getLogger(__name__)

GLGraphicsItem = item_base()  # pyqtgraph's, except in the headless render command (gl_item_base.py)

WIRE_COLOR = (0.05, 0.06, 0.08, 1.0)
STILL_MS = 250  # the camera counts as still this long after its last move
WARM_FREE_S = 0.002  # a warm-up step this quick found its program (or light, or shadow) made: no turn of its own
# the studio's light reads right at exposure 0 with this scale (a white diffuse surface facing the key light
# lands near 0.8 before tone mapping)
EXPOSURE_SCALE = 0.6
MAP_UNITS = {"mr": 1, "normal": 2, "occlusion": 3, "emissive": 4}  # 0: base colour, 5: cube, 6: BRDF table
SAMPLER_UNITS = (("u_base_tex", 0), ("u_mr_tex", 1), ("u_normal_tex", 2), ("u_occlusion_tex", 3),
                 ("u_emissive_tex", 4), ("u_env_tex", 5), ("u_brdf_lut", 6))
UNIFORMS = ("u_mvp", "u_modelview", "u_normal", *(name for name, _ in SAMPLER_UNITS), "u_base_color", "u_pbr",
            "u_emissive", "u_alpha_cutoff", "u_wire_color", "u_env", "u_exposure", "u_max_lod", "u_sh")


def normalizing_transform(arrays: SceneArrays) -> QtGui.QMatrix4x4:
    """Model -> view-world: centre at the origin, radius 1 (huge extents clip in pyqtgraph, #1105), and
    the model's up axis onto pyqtgraph's +Z (glTF is Y-up; pyqtgraph's camera orbits around Z)."""
    tr = QtGui.QMatrix4x4()
    if arrays.up == "y":
        tr.rotate(90.0, 1.0, 0.0, 0.0)  # +Y -> +Z, and the glTF front (+Z) faces -Y
    scale = 1.0 / arrays.radius
    tr.scale(scale, scale, scale)
    cx, cy, cz = (float(v) for v in arrays.center)
    tr.translate(-cx, -cy, -cz)
    return tr


class TexturedMeshItem(GLGraphicsItem):
    """Draws every part of a SceneArrays. Uploads from the first paint with a current context on: a big scene
    over several turns (``upload_slice`` bytes each), then draws in a paint of its own, so no single event-loop
    turn holds both a long upload and the draw. A big scene with a motion proxy uploads its coarsest level first
    and draws that while the rest uploads."""

    uploaded = QtCore.Signal()  # everything is on the GPU (emitted from paint)
    firstFrame = QtCore.Signal()  # the model (maybe its coarsest proxy) was drawn or presented for the first time

    def __init__(self, arrays: SceneArrays | None = None, parentItem: GLGraphicsItem | None = None,
                 *, texture_limit: int = 0, upload_slice: int | None = None) -> None:
        """``texture_limit`` > 0 caps texture size at upload (thumbnails need no 2K textures);
        ``upload_slice`` 0 uploads everything in the first paint (offscreen renders draw once); None: the
        default ``gl_upload.SLICE_BYTES``."""
        super().__init__(parentItem=parentItem)
        self._texture_limit = texture_limit
        self._upload_slice = gl_upload.SLICE_BYTES if upload_slice is None else upload_slice
        self._pending: Iterator[int] | None = None  # the upload in progress
        self._upload_paints = 0
        self._upload_after_paint = False  # the upload's next slice waits for the paint that shows its proxy
        self._early = False  # the coarsest proxy is up: paints draw it while the rest uploads
        self._warmed: set[tuple[str, tuple[str, ...]]] = set()  # programs this upload's steps made
        self.frames_drawn = 0  # paints that drew the model (benchmarks and tests watch it)
        # True while a grab renders at another size in tiles: each paint draws the whole model straight into
        # what is bound, with no proxy, no kept frame, no camera-move tracking (the tiles' matrices differ)
        self.direct = False
        self._progressive: ProgressiveFrame | None = None if self._upload_slice == 0 else ProgressiveFrame()
        # while the camera moves, a big model's proxy is drawn; the full model once it has been still a moment
        self._proxy_gpu: list[GpuPart] = []  # the level drawn now: one of _proxy_levels
        self._proxy_levels: list[list[GpuPart]] = []  # finest first; the LOD picks by measured frame time
        self._lod: LodChooser | None = None
        self._moving = False
        self._last_frame: tuple | None = None
        self._still = QtCore.QTimer(self)
        self._still.setSingleShot(True)
        self._still.setInterval(STILL_MS)
        self._still.timeout.connect(self._on_still)
        self.setGLOptions({GL.GL_DEPTH_TEST: True, GL.GL_BLEND: False, GL.GL_CULL_FACE: False})
        self._arrays: SceneArrays | None = None
        self._gpu: list[GpuPart] = []
        self._textures: list[int] = []  # owned here: parts sharing an image share one texture
        self._gpu_context: int | None = None
        self._stale = True
        self._shading = Shading()
        self._scenery = Scenery()
        self._renderers: dict[int, str] = {}  # context -> GL_RENDERER (picks the "auto" quality)
        self._watched: set[int] = set()  # contexts whose end is connected to _on_context_gone
        self._pose: list | None = None  # an animation frame: PartPose per moving part (core/mesh/gltf_animation.py)
        self._pose_sent = True
        self._posed: set[int] = set()  # parts whose GPU vertices are not the loaded ones
        if arrays is not None:
            self.setScene(arrays)

    # -- public ----------------------------------------------------------------------------------
    def setScene(self, arrays: SceneArrays) -> None:
        """Replace the scene; the old GPU objects are freed on the next paint (context current then)."""
        self._arrays = arrays
        self._pose = None  # a pose belongs to the scene it was made for
        self._stale = True
        self.update()

    def scene(self) -> SceneArrays | None:
        return self._arrays

    def clear_scene(self) -> None:
        """Drop the scene (after ``releaseGL``): an item kept for the next one holds no model meanwhile."""
        self._arrays, self._pose = None, None
        self._stale = True

    def set_texture_limit(self, limit: int) -> None:
        """Cap texture size at the next upload (> 0; 0: the driver's limit)."""
        self._texture_limit = limit

    def setPose(self, poses: list | None) -> None:
        """Draw these vertices (``PartPose``s: an animation frame) in place of the loaded ones, part by part;
        None: the loaded ones again. Only the moving parts' vertex buffers are re-sent, in the next paint."""
        self._pose = poses
        self._pose_sent = False
        if self._progressive is not None:
            self._progressive.forget()  # a kept frame shows the old pose
        self.update()

    def _send_pose(self) -> None:
        """Copy the pending pose into the vertex buffers (context current, upload complete)."""
        self._pose_sent = True
        assert self._arrays is not None
        posed = {pose.part: pose for pose in self._pose or ()}
        for index in self._posed | set(posed):
            if index >= len(self._gpu):
                continue
            part, pose = self._arrays.parts[index], posed.get(index)
            sources = {"a_position": part.positions, "a_normal": part.normals, "a_tangent": part.tangents}
            if pose is not None:
                sources.update(a_position=pose.positions, a_normal=pose.normals)
                if pose.tangents is not None:
                    sources["a_tangent"] = pose.tangents
            for name, arr in sources.items():
                buf = self._gpu[index].buffers.get(name)
                if buf is not None and arr is not None:
                    data = np.ascontiguousarray(arr, dtype=np.float32)
                    buf.bind()
                    GL.glBufferSubData(GL.GL_ARRAY_BUFFER, 0, data.nbytes, data)
                    buf.release()
        self._posed = set(posed)

    def setShading(self, shading: Shading) -> None:
        shading = shading.normalized()
        if shading != self._shading:  # a big model is redrawn in chunks, its proxy showing meanwhile
            self._shading = shading
            self.update()

    def shading(self) -> Shading:
        return self._shading

    def setClay(self, clay: bool) -> None:
        """Clay on, or back to the full material (from another mode too)."""
        mode = "clay" if clay else ("lit" if self._shading.mode == "clay" else self._shading.mode)
        self.setShading(replace(self._shading, mode=mode))

    def setWireframe(self, wireframe: bool) -> None:
        self.setShading(replace(self._shading, wireframe=bool(wireframe)))

    def look(self) -> Shading:
        """What, besides the camera, changes the picture."""
        return self._shading

    def settle(self) -> None:
        """Make the next paint draw the model in full (a grab wants pixels now). Context must be current."""
        self.finish_upload()
        if self._progressive is not None:
            self._progressive.cancel()
        self._moving, self._last_frame = False, None
        self._still.stop()

    def releaseGL(self) -> None:
        """Free buffers and textures (an upload half done too). Call with this item's context current."""
        if self._progressive is not None:
            self._progressive.release()
        for part in (*self._gpu, *itertools.chain(*self._proxy_levels)):
            for buf in (*part.buffers.values(), part.index):
                buf.destroy()
        if self._textures:
            GL.glDeleteTextures(self._textures)
        self._scenery.release()
        self._textures = []
        self._gpu, self._proxy_gpu, self._proxy_levels = [], [], []
        self._pending, self._early = None, False
        self._gpu_context = None
        self._stale = True

    def uploading(self) -> bool:
        """True while an upload is under way or not yet started (until it ends nothing is drawn but, for a big
        model with a proxy, the coarsest proxy level once that is up)."""
        return self._arrays is not None and (self._stale or self._pending is not None)

    def finish_upload(self) -> None:
        """Upload the rest now, in this turn (before an explicit frame grab). The context must be current."""
        ctx = QtGui.QOpenGLContext.currentContext()
        if ctx is None:
            return
        self._upload_after_paint = False  # nothing left for a slice to do
        if self._stale or self._gpu_context != context_key(ctx):
            self._begin_upload(ctx)
        if self._pending is not None:
            for _ in self._pending:
                pass
            self._pending = None
            self._upload_paints = 1
            self.uploaded.emit()

    # -- GL ----------------------------------------------------------------------------------------
    def _begin_upload(self, ctx: QtGui.QOpenGLContext) -> None:
        key = context_key(ctx)
        if self._gpu_context == key:
            self.releaseGL()
        else:  # first upload, or our old context died (widget reparented): its objects died with it
            self._gpu, self._proxy_gpu, self._proxy_levels, self._textures = [], [], [], []
            self._scenery.forget()
            if key not in self._watched:  # once per context: an item kept for many scenes (offscreen.py)
                self._watched.add(key)
                ctx.aboutToBeDestroyed.connect(self._on_context_gone)
        self._gpu_context = key
        self._stale = False
        self._upload_paints, self._upload_after_paint = 0, False
        self._posed = set()  # the upload sends the loaded vertices
        self._pose_sent = self._pose is None
        self._early, self._warmed = False, set()
        if self._arrays is None:
            self._pending = None
            return
        es2 = ctx.isOpenGLES() and ctx.format().majorVersion() < 3
        max_size = int(GL.glGetIntegerv(GL.GL_MAX_TEXTURE_SIZE))
        if self._texture_limit > 0:
            max_size = min(max_size, self._texture_limit)
        by_image: dict[int, int] = {}
        # one-paint offscreen renders (often a fresh process: the render command) build mipmaps in numpy, not
        # with glGenerateMipmap, whose first call costs software GL ~0.3 s of shader compiling (gl_upload.py)
        full = upload_steps(self._arrays, self._gpu, self._textures, es2=es2, max_size=max_size,
                            slice_bytes=self._upload_slice, by_image=by_image, cpu_mipmaps=self._upload_slice == 0)
        levels = proxy_chain(self._arrays) if self._upload_slice > 0 else []  # offscreen renders never move
        self._proxy_levels = [[] for _ in levels]
        proxies = [upload_steps(level, gpu, self._textures, es2=es2, max_size=max_size,
                                slice_bytes=self._upload_slice, by_image=by_image)
                   for level, gpu in zip(levels, self._proxy_levels, strict=True)]
        self._lod = LodChooser([sum(len(p.indices) for p in level.parts) for level in levels]) if levels else None
        self._proxy_gpu = self._proxy_levels[self._lod.level] if self._lod is not None else []
        if self._upload_slice > 0 and levels:
            # The coarsest proxy first (a few thousand triangles; its textures are the model's, uploaded once for
            # both), what its first frame uses, then it is drawn while the full detail keeps arriving: the new
            # model shows at once in place of the "Loading" message, instead of after all of its upload.
            *finer, coarse = self._proxy_levels
            steps = [proxies[-1], self._warm_programs([coarse], scenery=True), self._show_early(),
                     full, *proxies[:-1], self._warm_programs([self._gpu, *finer], scenery=False)]
        else:
            steps = [full, *proxies]
            if self._upload_slice > 0:  # a sliced upload: the first frame's programs in turns of their own too
                steps.append(self._warm_programs([self._gpu, *self._proxy_levels], scenery=True))
        self._pending = itertools.chain(*steps)

    def _show_early(self) -> Iterator[int]:
        """An upload step: from now on paints show the coarsest proxy (uploaded, its programs warm) until the
        rest is up. This turn draws it, into the kept proxy frame (progressive.py), and asks for a paint, which
        presents it before the next slice: the paint pays for the window's composition, not for the pixels."""
        self._early = True
        view = self.view()
        if self._progressive is not None and view is not None and self._proxy_levels:
            frame = self.next_frame_matrices()  # a paint whose camera has moved since draws its own
            viewport = (0, 0, view.deviceWidth(), view.deviceHeight())  # as Qt sets it for a paint
            self._progressive.draw_proxy(self, frame, self._progressive.key(self, frame, viewport),
                                         len(self._proxy_levels) - 1)
        # the paint in a turn of its own, and the next slice after it: a slice due when the paint came ran in the
        # same pass of the loop, after the paint's composition
        self._upload_after_paint = True
        repaint_later(self)
        yield self._upload_slice

    def _advance_upload(self, everything: bool = False) -> bool:
        """One turn's share of the upload (``everything``: all of it); True when it is complete."""
        assert self._pending is not None
        self._upload_paints += 1
        budget = self._upload_slice if self._upload_slice > 0 and not everything else 1 << 62
        done = 0
        for step in self._pending:
            done += step
            if done >= budget:
                return False
        self._pending = None
        self.uploaded.emit()
        return True

    def _upload_step(self) -> None:
        view = self.view()
        if self._pending is None or view is None or not view.isValid():
            return
        view.makeCurrent()
        try:
            finished = self._advance_upload()
        finally:
            view.doneCurrent()
        if not finished:
            if not self._upload_after_paint:  # else the paint asked for by _show_early schedules it
                next_turn(self, self._upload_step)
            return
        if self._progressive is not None:
            self._progressive.arm()  # the first frame of this big model is drawn over several turns too
        repaint_later(self)

    def _on_still(self) -> None:
        self._moving = False
        view = self.view()
        if view is None or not shiboken6.isValid(view):
            return  # the view went (its window closed) while the timer ran
        if self._progressive is not None:
            self._progressive.arm()  # the full model comes back in chunks, the proxy showing meanwhile
        self.update()

    def _on_context_gone(self) -> None:
        if self._gpu_context is not None:
            self._watched.discard(self._gpu_context)  # a new context may come with the same key
        self._scenery.forget()
        if self._progressive is not None:
            self._progressive.release()  # its kept frames died with the context: never present them in another
        self._gpu, self._proxy_gpu, self._proxy_levels, self._textures = [], [], [], []
        self._pending, self._early = None, False
        self._gpu_context = None
        self._stale = True

    def paint(self) -> None:
        ctx = QtGui.QOpenGLContext.currentContext()
        if ctx is None:
            return
        if self._stale or self._gpu_context != context_key(ctx):
            self._begin_upload(ctx)
        if self._upload_after_paint:  # this paint shows the proxy _show_early drew: the upload goes on after it
            self._upload_after_paint = False
            after_paint(self, self._upload_step)
        if self._pending is not None:
            # a small scene uploads and draws in this paint; a big one goes in timer turns of its own (no
            # repaint, so no window composition, per slice), its first slice too (this paint is followed by
            # the window's composition: 40-90 ms with a slice of 2M triangles' storage in it), and is drawn
            # in a later paint
            if self._upload_paints == 0:
                if self._upload_slice == 0 or gl_upload.scene_bytes(self._arrays) <= self._upload_slice:
                    self._advance_upload(everything=True)
                else:
                    self._upload_paints = 1  # this paint is the upload's first turn: the slices follow it
                    after_paint(self, self._upload_step)
            if self._pending is not None:
                if self._early:
                    self._draw_early()
                return
        if not self._gpu:
            return
        if not self._pose_sent:
            self._send_pose()
        frame = self.frame_matrices()
        if self.direct:  # a render at another size, tile by tile (viewer.grab_image): every tile in full
            self.draw(frame, self.draw_plan())
            self._drawn()
            return
        last, self._last_frame = self._last_frame, frame
        moved = bool(self._proxy_gpu) and last is not None and not all(map(np.array_equal, frame, last))
        if moved:
            self._moving = True  # the camera moved since the last paint: follow it with the proxy
            self._still.start()
            if self._progressive is not None:
                self._progressive.forget()
        state = None
        if not self._moving and self._progressive is not None:
            state = self._progressive.paint(self, frame)  # "presented", "building" or None
        elif self._moving and not moved and self._progressive is not None:  # a repaint, the camera as it was
            viewport = tuple(int(v) for v in GL.glGetIntegerv(GL.GL_VIEWPORT))
            state = "presented" if self._progressive.show_proxy(self._progressive.key(self, frame, viewport)) else None
        if state != "presented":
            proxy = (self._moving or state == "building") and bool(self._proxy_gpu)
            if state != "building" or proxy:
                level = self._proxy_level(still=not self._moving) if proxy else -1
                parts = self._proxy_levels[level] if level >= 0 else self._proxy_gpu if proxy else self._gpu
                start = time.perf_counter()
                self.draw(frame, [(i, 0, p.count, False) for i, p in enumerate(parts)] if proxy
                          else self.draw_plan(), parts)
                if level >= 0:  # moving, or showing while the full frame is built
                    self._measure_proxy(level, time.perf_counter() - start)
                    if self._moving and self._progressive is not None:
                        self._progressive.drawn_proxy(self, frame)  # shown again when the camera rests
                elif state is None and self._progressive is not None:
                    self._progressive.drawn_whole()  # kept, if a restyle would need it meanwhile
        if state != "building" or self._proxy_gpu:
            self._drawn()

    def _draw_early(self) -> None:
        """While the full detail uploads: the coarsest proxy, the only level on the GPU yet, timed like a still
        frame's proxy (its measure seeds the level chosen later)."""
        frame = self.frame_matrices()
        viewport = tuple(int(v) for v in GL.glGetIntegerv(GL.GL_VIEWPORT))
        if self._progressive is None or not self._progressive.show_proxy(self._progressive.key(self, frame, viewport)):
            self.draw_proxy_level(frame, len(self._proxy_levels) - 1)  # the camera moved since it was drawn
        self._drawn()

    def draw_proxy_level(self, frame: tuple[np.ndarray, np.ndarray, np.ndarray], level: int) -> None:
        """Draw proxy ``level`` whole into what is bound, timed to the last pixel for the LOD (lod.py)."""
        parts = self._proxy_levels[level]
        start = time.perf_counter()
        self.draw(frame, [(i, 0, p.count, False) for i, p in enumerate(parts)], parts)
        self._measure_proxy(level, time.perf_counter() - start)

    def still_proxy_level(self) -> int:
        """The proxy level a still camera shows while its full frame is built (-1: none to choose from)."""
        return self._proxy_level(still=True)

    def _proxy_level(self, still: bool) -> int:
        """The proxy level to draw: the moving frame's (lod.py), or for a still camera, while the full frame is
        built, a coarser one within STILL_BUDGET_S; -1 without levels to choose from."""
        current = next((i for i, gpu in enumerate(self._proxy_levels) if gpu is self._proxy_gpu), -1)
        if self._lod is None or current < 0:
            return -1
        return self._lod.choose(STILL_BUDGET_S) if still else current

    def _measure_proxy(self, level: int, queued: float) -> None:
        """Time the proxy draw to the last pixel and pick the next moving frame's level (lod.py)."""
        assert self._lod is not None
        start = time.perf_counter()
        GL.glFinish()  # software GL rasterises lazily; the compositor would wait for it anyway
        self._lod.record(level, queued + time.perf_counter() - start)
        self._proxy_gpu = self._proxy_levels[self._lod.level]

    def _drawn(self) -> None:
        self.frames_drawn += 1
        if self.frames_drawn == 1:
            self.firstFrame.emit()

    def has_proxy(self) -> bool:
        """A light stand-in to draw while the full model's frame is built (big models: core/mesh/proxy.py)."""
        return bool(self._proxy_gpu)

    def frame_matrices(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(mvp, modelview, normal matrix) for this paint, as the shader takes them."""
        return self._frame(self.view().currentProjection(), self.modelViewMatrix())

    def next_frame_matrices(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What ``frame_matrices`` will give in the view's next paint, out of a paint (the view's matrix stacks
        hold the last paint's, without this item's transform): the same products, so the same bits."""
        view = self.view()
        region = view.getViewport()
        return self._frame(view.projectionMatrix(region, region), view.viewMatrix() * self.transform())

    @staticmethod
    def _frame(projection: QtGui.QMatrix4x4, modelview: QtGui.QMatrix4x4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return (np.array((projection * modelview).data(), dtype=np.float32),
                np.array(modelview.data(), dtype=np.float32),
                np.array(modelview.normalMatrix().data(), dtype=np.float32))

    def draw_plan(self) -> list[tuple[int, int, int, bool]]:
        """The whole draw as (part, first index, index count, wireframe) spans, one per part and kind, in drawing
        order: opaque and masked parts first, then see-through ones (blending needs what is behind them drawn),
        then wireframe lines, which must win the depth test. progressive.GranulePlan cuts it into granules."""
        wire_ok = self._shading.wireframe and not QtGui.QOpenGLContext.currentContext().isOpenGLES()  # no lines
        order = sorted(range(len(self._gpu)), key=lambda i: self._blended(self._gpu[i]))
        return [(i, 0, self._gpu[i].count, wire) for wire in ((False, True) if wire_ok else (False,)) for i in order
                if self._gpu[i].count]

    def _blended(self, part: GpuPart) -> bool:
        return (part.source is not None and part.source.alpha_mode == "BLEND"
                and self._shading.mode in ("lit", "texture"))

    def draw(self, frame: tuple[np.ndarray, np.ndarray, np.ndarray], pieces: list[tuple[int, int, int, bool]],
             parts: list[GpuPart] | None = None, first: bool = True) -> None:
        """Draw ``pieces`` of the uploaded scene (or of ``parts``: the proxy) with ``frame``'s matrices into
        whatever framebuffer is bound; ``first`` (the first chunk of a frame) draws the environment behind the
        model and the shadow under it first."""
        parts = self._gpu if parts is None else parts
        self.setupGLState()
        ctx = QtGui.QOpenGLContext.currentContext()
        shading = self._shading
        mvp, mv, normal = frame
        lit = shading.mode in ("lit", "clay")
        fast = self._quality(ctx) == "fast"
        env = gpu_environment(shading.environment, fast) if lit or shading.background else None
        model = np.array(normalizing_transform(self._arrays).data(), dtype=np.float64) if self._arrays else None
        env_rot = env_matrix(mv, model, shading.rotation) if model is not None else np.eye(3)
        exposure = EXPOSURE_SCALE * 2.0 ** shading.exposure
        if first and env is not None and shading.background:
            self._scenery.draw_background(env, env_rot, mvp, mv, exposure)
        if first and shading.shadow and self._arrays is not None and shading.mode != "normals":
            self._scenery.draw_shadow(self._arrays, mvp)
        variant, frame_defines = self._variant(ctx)
        programs: dict[tuple[str, ...], dict[str, int]] = {}  # this draw's variants, their uniforms set

        def use(defines: tuple[str, ...]) -> dict[str, int]:
            """Switch to the variant (compiled on first use in this context) and give its uniforms."""
            program = shader_program(variant, frame_defines + defines)
            GL.glUseProgram(program)
            if defines in programs:
                return programs[defines]
            u = {name: GL.glGetUniformLocation(program, name) for name in UNIFORMS}
            GL.glUniformMatrix4fv(u["u_mvp"], 1, False, mvp)
            GL.glUniformMatrix4fv(u["u_modelview"], 1, False, mv)
            GL.glUniformMatrix3fv(u["u_normal"], 1, False, normal)
            for name, unit in SAMPLER_UNITS:
                GL.glUniform1i(u[name], unit)
            GL.glUniform4f(u["u_wire_color"], *WIRE_COLOR)
            GL.glUniformMatrix3fv(u["u_env"], 1, False, column_major(env_rot))
            GL.glUniform1f(u["u_exposure"], exposure)
            if env is not None:
                GL.glUniform3fv(u["u_sh"], 9, env.sh.ravel())
                GL.glUniform1f(u["u_max_lod"], env.max_lod)
            programs[defines] = u
            return u

        try:
            if env is not None:
                GL.glActiveTexture(GL.GL_TEXTURE5)
                GL.glBindTexture(GL.GL_TEXTURE_CUBE_MAP, env.cube)
                GL.glActiveTexture(GL.GL_TEXTURE6)
                GL.glBindTexture(GL.GL_TEXTURE_2D, env.lut)
            GL.glActiveTexture(GL.GL_TEXTURE0)
            if shading.wireframe:  # push faces back a little so the lines on top win the depth test
                GL.glEnable(GL.GL_POLYGON_OFFSET_FILL)
                GL.glPolygonOffset(1.0, 1.0)
            for index, start, count, wire in pieces:
                if wire:
                    GL.glDisable(GL.GL_POLYGON_OFFSET_FILL)
                    GL.glPolygonMode(GL.GL_FRONT_AND_BACK, GL.GL_LINE)
                self._draw_part(parts[index], use, wire, start, count)
        finally:
            if shading.wireframe and not ctx.isOpenGLES():
                GL.glPolygonMode(GL.GL_FRONT_AND_BACK, GL.GL_FILL)
            GL.glDisable(GL.GL_POLYGON_OFFSET_FILL)
            GL.glDisable(GL.GL_BLEND)
            GL.glDisable(GL.GL_CULL_FACE)
            GL.glDepthMask(GL.GL_TRUE)
            GL.glUseProgram(0)
            for unit in range(7):
                GL.glActiveTexture(GL.GL_TEXTURE0 + unit)
                GL.glBindTexture(GL.GL_TEXTURE_CUBE_MAP if unit == 5 else GL.GL_TEXTURE_2D, 0)
            GL.glActiveTexture(GL.GL_TEXTURE0)

    def _variant(self, ctx: QtGui.QOpenGLContext) -> tuple[str, tuple[str, ...]]:
        """The mesh program and the defines the shading mode adds, for this context."""
        fast = self._quality(ctx) == "fast"
        variant = "mesh_nocube" if not float_cubes(ctx) else "mesh_fast" if fast else "mesh"
        mode_define = {"clay": ("MODE_CLAY",), "normals": ("MODE_NORMALS",), "texture": ("MODE_TEXTURE",)}
        return variant, mode_define.get(self._shading.mode, ())

    def _warm_programs(self, levels: list[list[GpuPart]], scenery: bool) -> Iterator[int]:
        """Make what a first frame of ``levels`` uses on first use, one piece a step (an upload's last steps): its
        programs (the first compile in a process costs llvmpipe's GLSL compiler ~22 ms of GUI-thread CPU, the
        next ones 1-10 ms) and with ``scenery`` the floor grid's line program, the light's cube maps and the
        contact shadow's texture. In the first paints they took 30-45 ms of GUI-thread CPU in the main window
        (benchmarks/responsiveness.py), before the draw and the window's composition. Programs an earlier call
        of this upload made are skipped."""
        ctx = QtGui.QOpenGLContext.currentContext()
        shading = self._shading
        variant, frame_defines = self._variant(ctx)
        wanted = set()
        if scenery:
            wanted.add(("line", ()))  # the floor grid's (grid_item.py), shown with the model
            if shading.shadow and shading.mode != "normals":
                wanted.add(("shadow", ()))
            if shading.background:
                wanted.add(("background" if float_cubes(ctx) else "background_nocube", ()))
        for level in levels:
            for part in level:
                for wire in (False, True) if shading.wireframe and not ctx.isOpenGLES() else (False,):
                    wanted.add((variant, frame_defines + self._part_defines(part, wire)))
        for name, defines in sorted(wanted - self._warmed):
            yield self._timed(shader_program, name, defines)
            self._warmed.add((name, defines))
        if scenery and (shading.mode in ("lit", "clay") or shading.background):
            yield self._timed(gpu_environment, shading.environment, self._quality(ctx) == "fast")
        if scenery and shading.shadow and shading.mode != "normals" and self._arrays is not None:
            yield self._timed(self._scenery.prepare_shadow, self._arrays)
        for n, parts in enumerate(levels):
            yield self._timed(self._warm_draw, parts, first=scenery and n == 0)

    def _timed(self, make: Callable[..., object], *args: object, **kwargs: object) -> int:
        """Run a warm-up step; what it counts for in the turn: a whole slice (a turn of its own) when it did
        work, nothing when it found everything made (a later model in the same view: the programs and the light
        are kept per context), so that such steps do not each cost a turn (~5 ms while a worker holds the GIL)."""
        start = time.perf_counter()
        make(*args, **kwargs)
        return self._upload_slice if time.perf_counter() - start > WARM_FREE_S else 0

    def _warm_draw(self, parts: list[GpuPart], first: bool) -> None:
        """Draw one triangle of each of ``parts`` (and with ``first`` the shadow and the background) into a small
        framebuffer of the view's format that nobody sees: llvmpipe translates each fragment program to machine
        code for its state at its first draw (~18 ms of GUI-thread CPU for a first model), which otherwise went
        into the first paint that showed the model."""
        eye = np.eye(4, dtype=np.float32).ravel()
        frame = (eye, eye, np.eye(3, dtype=np.float32).ravel())
        target = int(GL.glGetIntegerv(GL.GL_DRAW_FRAMEBUFFER_BINDING))
        viewport = [int(v) for v in GL.glGetIntegerv(GL.GL_VIEWPORT)]
        fmt = QOpenGLFramebufferObjectFormat()
        fmt.setAttachment(QOpenGLFramebufferObject.Attachment.CombinedDepthStencil)  # as the kept frame's
        fbo = QOpenGLFramebufferObject(16, 16, fmt)
        try:
            fbo.bind()
            GL.glViewport(0, 0, 16, 16)
            self.draw(frame, [(i, 0, min(3, p.count), False) for i, p in enumerate(parts)], parts, first=first)
        finally:
            GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, target)
            GL.glViewport(*viewport)
            del fbo

    def _quality(self, ctx: QtGui.QOpenGLContext) -> str:
        key = context_key(ctx)
        if key not in self._renderers:
            name = GL.glGetString(GL.GL_RENDERER)
            self._renderers[key] = name.decode(errors="replace") if isinstance(name, bytes) else str(name or "")
        return effective_quality(self._shading.quality, self._renderers[key])

    def _part_inputs(self, part: GpuPart, wire: bool) -> tuple[bool, dict[str, int], str]:
        """(base colour texture used, other maps used, alpha mode) of ``part`` in the current shading."""
        mode = self._shading.mode
        src = part.source
        plain = mode == "clay" or wire
        textured = part.texture != 0 and not plain
        maps = {} if plain or mode == "texture" else dict(part.maps)
        if "a_tangent" not in part.buffers:
            maps.pop("normal", None)
        alpha_mode = src.alpha_mode if src is not None and not plain and mode != "normals" else "OPAQUE"
        return textured, maps, alpha_mode

    def _part_defines(self, part: GpuPart, wire: bool) -> tuple[str, ...]:
        """The program variant's defines for ``part`` (its own, the shading mode's come on top)."""
        if wire:
            return ("WIRE",)
        textured, maps, alpha_mode = self._part_inputs(part, wire)
        colored = "a_color" in part.buffers and self._shading.mode != "clay"
        return tuple(d for d, on in (("HAS_UV", textured or bool(maps)), ("HAS_BASE_TEX", textured),
                                     ("HAS_MR", "mr" in maps), ("HAS_NORMAL_MAP", "normal" in maps),
                                     ("HAS_OCCLUSION", "occlusion" in maps),
                                     ("HAS_EMISSIVE_TEX", "emissive" in maps), ("HAS_COLORS", colored),
                                     ("DECODE_SRGB", part.decode and (textured or "emissive" in maps)),
                                     ("ALPHA_MASK", alpha_mode == "MASK"), ("ALPHA_BLEND", alpha_mode == "BLEND"))
                     if on)

    def _draw_part(self, part: GpuPart, use: Callable[[tuple[str, ...]], dict[str, int]], wire: bool, first: int,
                   count: int) -> None:
        src = part.source
        textured, maps, alpha_mode = self._part_inputs(part, wire)
        u = use(self._part_defines(part, wire))
        GL.glUniform4f(u["u_base_color"], *part.base_color)
        if src is not None:
            GL.glUniform4f(u["u_pbr"], src.metallic, src.roughness, src.normal_scale, src.occlusion_strength)
            GL.glUniform3f(u["u_emissive"], *src.emissive_factor)
            GL.glUniform1f(u["u_alpha_cutoff"], src.alpha_cutoff)
            cull = not src.double_sided and not wire
        else:
            GL.glUniform4f(u["u_pbr"], 0.0, 0.6, 1.0, 1.0)
            GL.glUniform3f(u["u_emissive"], 0.0, 0.0, 0.0)
            cull = False
        if cull:  # a single-sided glTF material: its back faces are not drawn (as in other viewers)
            GL.glEnable(GL.GL_CULL_FACE)
            GL.glCullFace(GL.GL_BACK)
        else:
            GL.glDisable(GL.GL_CULL_FACE)
        if alpha_mode == "BLEND":
            GL.glEnable(GL.GL_BLEND)
            GL.glBlendFuncSeparate(GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA, GL.GL_ONE, GL.GL_ONE_MINUS_SRC_ALPHA)
            GL.glDepthMask(GL.GL_FALSE)
        else:
            GL.glDisable(GL.GL_BLEND)
            GL.glDepthMask(GL.GL_TRUE)
        GL.glBindTexture(GL.GL_TEXTURE_2D, part.texture if textured else 0)
        for key, unit in MAP_UNITS.items():
            GL.glActiveTexture(GL.GL_TEXTURE0 + unit)
            GL.glBindTexture(GL.GL_TEXTURE_2D, maps.get(key, 0))
        GL.glActiveTexture(GL.GL_TEXTURE0)

        enabled = []
        for name, loc in ATTRS.items():
            buf = part.buffers.get(name)
            if buf is None:  # constant attribute instead of an array
                if name == "a_color":
                    GL.glVertexAttrib4f(loc, 1.0, 1.0, 1.0, 1.0)
                elif name == "a_texcoord":
                    GL.glVertexAttrib2f(loc, 0.0, 0.0)
                elif name == "a_tangent":
                    GL.glVertexAttrib4f(loc, 1.0, 0.0, 0.0, 1.0)
                continue
            buf.bind()
            size = {"a_color": 4, "a_tangent": 4, "a_texcoord": 2}.get(name, 3)
            GL.glVertexAttribPointer(loc, size, GL.GL_FLOAT, False, 0, None)
            buf.release()
            GL.glEnableVertexAttribArray(loc)
            enabled.append(loc)
        part.index.bind()
        GL.glDrawElements(GL.GL_TRIANGLES, count, GL.GL_UNSIGNED_INT, ctypes.c_void_p(first * 4))
        part.index.release()
        for loc in enabled:
            GL.glDisableVertexAttribArray(loc)

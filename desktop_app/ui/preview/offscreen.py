"""Thumbnails rendered with the preview's own item and shader, without a window, off the GUI thread.

One offscreen context is created on first use and kept (creating a context costs more than drawing a
thumbnail); each call uploads the scene, draws one frame into a multisampled FBO, reads it back and frees
the GPU objects. That costs ~80 ms at 50k triangles and ~450 ms at 500k on software GL, too long for the
GUI thread, so the context lives in a dedicated worker thread: Qt requires the QOffscreenSurface to be
created on the GUI thread, but a context made current on it may live in any thread. The context is not
shared with the preview's: it needs nothing from them, and a separate share group keeps the driver from
serialising the two threads' work on one lock. Where the platform cannot do GL in threads
(``QOpenGLContext.supportsThreadedOpenGL()``), renders run on the GUI thread as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from OpenGL import GL
from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QIODevice, QThread
from PySide6.QtGui import QColor, QImage, QMatrix4x4, QOffscreenSurface, QOpenGLContext, QSurfaceFormat
from PySide6.QtOpenGL import (
    QOpenGLFramebufferObject,
    QOpenGLFramebufferObjectFormat,
    QOpenGLVertexArrayObject,
)

from desktop_app.core.mesh.arrays import SceneArrays
from desktop_app.ui.preview.camera import FIT_MARGIN, FOV, VIEWS, fit_distance, projection_matrix, view_matrix
from desktop_app.ui.preview.gl_environment import gpu_environment
from desktop_app.ui.preview.gl_fxaa import FxaaPass
from desktop_app.ui.preview.gl_mesh_item import TexturedMeshItem, normalizing_transform
from desktop_app.ui.preview.shading import Shading, effective_quality

THUMB_FOV = 35.0
# edge smoothing: "4x" multisampling (the preview's; thumbnails and GUI turntables), "fxaa" (one pass over the
# image: gl_fxaa.py; the render command's default, ~0.3 s less on a 500k model on software GL) or "none"
ANTIALIASING = ("4x", "fxaa", "none")


@dataclass
class RenderOptions:
    view: str = "iso"  # a key of camera.VIEWS
    background: QColor | None = None  # None: transparent
    clay: bool = False
    wireframe: bool = False
    fov: float = FOV
    margin: float = FIT_MARGIN
    texture_limit: int = 0  # 0: the GPU's limit
    shading: Shading | None = None  # None: the defaults; ``clay``/``wireframe`` above switch those on too
    azimuth: float | None = None  # overrides the view's angles (turntables start from the preview's)
    elevation: float | None = None
    antialias: str = "4x"  # one of ANTIALIASING

    def effective_shading(self) -> Shading:
        shading = self.shading or Shading()
        if self.clay:
            shading = replace(shading, mode="clay")
        if self.wireframe:
            shading = replace(shading, wireframe=True)
        return shading.normalized()


class _FixedView:
    """Just enough of GLViewWidget for an item's paint(): the two matrix stacks' tops."""

    def __init__(self, modelview: QMatrix4x4, projection: QMatrix4x4) -> None:
        self._mv, self._proj = modelview, projection

    def currentModelView(self) -> QMatrix4x4:
        return self._mv

    def currentProjection(self) -> QMatrix4x4:
        return self._proj

    def update(self) -> None:  # items call this on changes; nothing to repaint here
        pass


class _Renderer:
    """The context, VAO and FBO; made and used in one thread only (the thread that constructs it)."""

    def __init__(self, surface: QOffscreenSurface) -> None:
        fmt = QSurfaceFormat.defaultFormat()
        self.surface = surface
        self.context = QOpenGLContext()
        self.context.setFormat(fmt)
        if not self.context.create():
            raise RuntimeError("could not create an OpenGL context for thumbnails")
        self.context.makeCurrent(self.surface)
        self.vao = QOpenGLVertexArrayObject()
        if self.context.format().profile() == QSurfaceFormat.OpenGLContextProfile.CoreProfile:
            self.vao.create()  # core profile draws nothing without a bound VAO
        self.fbo: QOpenGLFramebufferObject | None = None  # the scene is drawn here
        self.fbo_samples = 0
        self.smoothed: QOpenGLFramebufferObject | None = None  # FXAA's output
        self.fxaa = FxaaPass()
        # One mesh item for the renderer's life, given each render's scene: the item is a QObject, and one made
        # and destroyed per render was destroyed in the render thread, where ~QObject holds Qt's signal-slot
        # lock while PySide waits for the GIL; a GUI thread holding the GIL and connecting a signal under the
        # same lock then waited for it: both hung (seen once in a test run, a thumbnail finishing as the compare
        # window opened). It is destroyed with the renderer, while the GUI thread waits for that without the GIL.
        self.item: TexturedMeshItem | None = None
        self.context.doneCurrent()

    def framebuffer(self, width: int, height: int, samples: int = 4) -> QOpenGLFramebufferObject:
        if self.fbo is None or (self.fbo.width(), self.fbo.height(), self.fbo_samples) != (width, height, samples):
            self.fbo = None  # free the old one first: big renders should not hold two buffers
            self.fbo = _framebuffer(width, height, samples, depth=True)
            self.fbo_samples = samples
        return self.fbo

    def smoothed_buffer(self, width: int, height: int) -> QOpenGLFramebufferObject:
        if self.smoothed is None or (self.smoothed.width(), self.smoothed.height()) != (width, height):
            self.smoothed = None
            self.smoothed = _framebuffer(width, height, 0, depth=False)
        return self.smoothed

    def prepare(self, width: int, height: int, options: RenderOptions) -> None:
        """Make what a render with ``options`` needs besides the model: the framebuffer and the light."""
        if not self.context.makeCurrent(self.surface):
            raise RuntimeError("could not make the offscreen OpenGL context current")
        try:
            self.framebuffer(width, height, 4 if options.antialias == "4x" else 0)
            shading = options.effective_shading()
            if shading.mode in ("lit", "clay") or shading.background:  # as TexturedMeshItem.draw picks it
                name = GL.glGetString(GL.GL_RENDERER)
                renderer = name.decode(errors="replace") if isinstance(name, bytes) else str(name or "")
                gpu_environment(shading.environment, effective_quality(shading.quality, renderer) == "fast")
        finally:
            self.context.doneCurrent()

    def render(self, arrays: SceneArrays, width: int, height: int, options: RenderOptions,
               azimuths: list[float] | None = None, on_frame: Callable[[int, QImage], None] | None = None,
               cancelled: Callable[[], bool] | None = None) -> QImage:
        """One image; with ``azimuths``, one frame per camera angle from a single upload (turntables), each
        handed to ``on_frame(index, image)``; ``cancelled()`` is asked between frames. Returns the last."""
        if not self.context.makeCurrent(self.surface):
            raise RuntimeError("could not make the offscreen OpenGL context current")
        if self.item is None:
            self.item = TexturedMeshItem(upload_slice=0)  # uploads and draws in one paint
        item = self.item
        item.set_texture_limit(options.texture_limit)
        item.setScene(arrays)
        item.setShading(options.effective_shading())
        image = QImage()
        fxaa = options.antialias == "fxaa"
        try:
            fbo = self.framebuffer(width, height, 4 if options.antialias == "4x" else 0)
            if self.vao.isCreated():
                self.vao.bind()
            angles = [options.azimuth] if azimuths is None else list(azimuths)
            for index, azimuth in enumerate(angles):
                if cancelled is not None and cancelled():
                    break
                fbo.bind()
                GL.glViewport(0, 0, width, height)
                bg = options.background
                if bg is None:  # transparent: thumbnails sit on any list background
                    GL.glClearColor(0.0, 0.0, 0.0, 0.0)
                else:
                    GL.glClearColor(bg.redF(), bg.greenF(), bg.blueF(), 1.0)
                GL.glClear(GL.GL_COLOR_BUFFER_BIT | GL.GL_DEPTH_BUFFER_BIT)
                modelview, projection = _camera(arrays, width, height, options, azimuth)
                item._setView(_FixedView(modelview, projection))
                item.paint()
                if fxaa:
                    fbo.release()
                    out = self.smoothed_buffer(width, height)
                    out.bind()
                    GL.glViewport(0, 0, width, height)
                    self.fxaa.draw(fbo.texture(), width, height)
                else:
                    out = fbo
                GL.glFinish()
                image = out.toImage()  # resolves a multisampled buffer, flips rows for us
                out.release()
                if on_frame is not None:
                    on_frame(index, image)
            return image
        finally:
            item.releaseGL()
            item.clear_scene()  # the renderer keeps the item, not the model's arrays
            item._setView(None)
            if self.vao.isCreated():
                self.vao.release()
            self.context.doneCurrent()

    def destroy(self) -> None:
        if self.context.makeCurrent(self.surface):
            self.fbo = self.smoothed = None  # deleted while current, so their GL objects are freed
            self.item = None
            self.fxaa.release()
            if self.vao.isCreated():
                self.vao.destroy()
            self.context.doneCurrent()
        self.context = None  # type: ignore[assignment]  # freed here, in the thread it belongs to


def _framebuffer(width: int, height: int, samples: int, depth: bool) -> QOpenGLFramebufferObject:
    fmt = QOpenGLFramebufferObjectFormat()
    if depth:
        fmt.setAttachment(QOpenGLFramebufferObject.Attachment.Depth)
    fmt.setSamples(samples)
    fbo = QOpenGLFramebufferObject(width, height, fmt)
    if not fbo.isValid():
        raise RuntimeError(f"could not create a {width}x{height} offscreen image")
    return fbo


def _camera(arrays: SceneArrays, width: int, height: int, options: RenderOptions,
            azimuth: float | None = None) -> tuple[QMatrix4x4, QMatrix4x4]:
    view_azimuth, elevation = VIEWS[options.view]
    azimuth = view_azimuth if azimuth is None else azimuth
    elevation = elevation if options.elevation is None else options.elevation
    distance = fit_distance(options.fov, width, height, margin=options.margin)
    view = view_matrix(azimuth, elevation, distance)
    return view * normalizing_transform(arrays), projection_matrix(options.fov, width, height, distance)


class _Service:
    """The offscreen surface (GUI thread) and the one thread that owns the context and does every render."""

    def __init__(self) -> None:
        self.surface = QOffscreenSurface()
        self.surface.setFormat(QSurfaceFormat.defaultFormat())
        self.surface.create()
        self.threaded = QOpenGLContext.supportsThreadedOpenGL()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="thumbnail-gl") if self.threaded else None
        self._renderer: _Renderer | None = None  # touched only by the render thread

    def _run(self, fn: Callable[[], Any]) -> Future:
        """``fn`` in the render thread; with no threaded GL here, now, on this (the GUI) thread."""
        if self._pool is not None:
            return self._pool.submit(fn)
        future: Future = Future()
        try:
            future.set_result(fn())
        except Exception as exc:
            future.set_exception(exc)
        return future

    def _renderer_here(self) -> _Renderer:
        if self._renderer is None:  # made in the render thread, which owns its context
            self._renderer = _Renderer(self.surface)
        return self._renderer

    def submit(self, arrays: SceneArrays, width: int, height: int, options: RenderOptions,
               png: bool = False) -> Future:
        return self._run(lambda: self._render(arrays, width, height, options, png))

    def prepare(self, width: int, height: int, options: RenderOptions) -> Future:
        return self._run(lambda: self._renderer_here().prepare(width, height, options))

    def submit_frames(self, arrays: SceneArrays, width: int, height: int, options: RenderOptions,
                      azimuths: list[float], on_frame: Callable[[int, QImage], None],
                      cancelled: Callable[[], bool]) -> Future:
        return self._run(lambda: self._renderer_here().render(arrays, width, height, options, azimuths, on_frame,
                                                               cancelled))

    def _render(self, arrays: SceneArrays, width: int, height: int, options: RenderOptions,
                png: bool) -> QImage | bytes:
        image = self._renderer_here().render(arrays, width, height, options)
        image = image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
        return _png_bytes(image) if png else image

    def _destroy_renderer(self) -> None:
        if self._renderer is not None:
            self._renderer.destroy()
            self._renderer = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.submit(self._destroy_renderer).result()
            self._pool.shutdown(wait=True)
        else:
            self._destroy_renderer()
        self.surface.destroy()


def _png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


_service: _Service | None = None
_service_lock = threading.Lock()


def _get_service() -> _Service:
    global _service
    with _service_lock:
        if _service is None:
            app = QCoreApplication.instance()
            if app is None or QThread.currentThread() is not app.thread():
                raise RuntimeError("the first offscreen render must be started on the GUI thread")
            _service = _Service()
            app.aboutToQuit.connect(release_thumbnail_renderer)
        return _service


def submit_render(arrays: SceneArrays, width: int, height: int, options: RenderOptions | None = None, *,
                  png: bool = False) -> Future:
    """Start rendering ``arrays`` in the render thread; the future holds a QImage (or PNG bytes with ``png``)."""
    return _get_service().submit(arrays, int(width), int(height), options or RenderOptions(), png)


def prepare_render(width: int, height: int, options: RenderOptions | None = None) -> Future:
    """Start making the render thread's context, framebuffer and light for a ``width`` x ``height`` render
    with ``options``, so they are ready when the model is (the render command reads the file meanwhile).
    Optional: a render without it makes them itself. The future holds None, or the error."""
    return _get_service().prepare(int(width), int(height), options or RenderOptions())


def submit_frames(arrays: SceneArrays, width: int, height: int, options: RenderOptions, azimuths: list[float],
                  on_frame: Callable[[int, QImage], None], cancelled: Callable[[], bool] = lambda: False) -> Future:
    """Render one frame per camera azimuth in the render thread, from a single upload of ``arrays``;
    ``on_frame(index, image)`` runs in that thread; ``cancelled()`` is asked between frames."""
    return _get_service().submit_frames(arrays, int(width), int(height), options, list(azimuths), on_frame,
                                        cancelled)


def render_image(arrays: SceneArrays, width: int, height: int, options: RenderOptions | None = None) -> QImage:
    """Render ``arrays`` offscreen with the preview's item and shader, and wait for it (CLI, scripts, tests).

    The GUI should await :func:`render_thumbnail_png` or wrap :func:`submit_render` instead: this blocks.
    """
    return submit_render(arrays, width, height, options).result()


def thumbnail_options(size: int) -> RenderOptions:
    return RenderOptions(fov=THUMB_FOV, margin=1.12, texture_limit=max(64, 2 * int(size)))


def render_thumbnail(arrays: SceneArrays, size: int = 256) -> QImage:
    """Render ``arrays`` from a three-quarter view into a ``size``×``size`` image, transparent background.

    Blocks until done; from the GUI, await :func:`render_thumbnail_png`.
    """
    return render_image(arrays, size, size, thumbnail_options(size))


async def render_thumbnail_png(arrays: SceneArrays, size: int = 256) -> bytes:
    """The library thumbnail as PNG bytes, rendered and encoded in the render thread; the loop keeps running."""
    import asyncio  # here, not at the top: ~0.1 s (ssl) the render command does not need

    future = submit_render(arrays, size, size, thumbnail_options(size), png=True)
    return await asyncio.wrap_future(future)


def release_thumbnail_renderer() -> None:
    """Drop the cached context and stop the render thread (at quit; tests call it to check for leaks)."""
    global _service
    with _service_lock:
        service, _service = _service, None
    if service is not None:
        service.close()

"""Thumbnails rendered with the preview's own item and shader, without a window.

One offscreen context is created on first use and kept (creating a context costs more than drawing a
thumbnail); each call uploads the scene, draws one frame into a multisampled FBO, reads it back and frees
the GPU objects. GUI thread only: QOffscreenSurface must be created there.
"""

from __future__ import annotations

from dataclasses import dataclass

from OpenGL import GL
from PySide6.QtCore import QCoreApplication, QThread
from PySide6.QtGui import QColor, QImage, QMatrix4x4, QOffscreenSurface, QOpenGLContext, QSurfaceFormat
from PySide6.QtOpenGL import (
    QOpenGLFramebufferObject,
    QOpenGLFramebufferObjectFormat,
    QOpenGLVertexArrayObject,
)

from desktop_app.core.meshes import SceneArrays
from desktop_app.ui.preview.camera import FIT_MARGIN, FOV, VIEWS, fit_distance, projection_matrix, view_matrix
from desktop_app.ui.preview.gl_mesh_item import TexturedMeshItem, normalizing_transform

THUMB_FOV = 35.0


@dataclass
class RenderOptions:
    view: str = "iso"  # a key of camera.VIEWS
    background: QColor | None = None  # None: transparent
    clay: bool = False
    wireframe: bool = False
    fov: float = FOV
    margin: float = FIT_MARGIN
    texture_limit: int = 0  # 0: the GPU's limit


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
    def __init__(self) -> None:
        fmt = QSurfaceFormat.defaultFormat()
        self.surface = QOffscreenSurface()
        self.surface.setFormat(fmt)
        self.surface.create()
        self.context = QOpenGLContext()
        self.context.setFormat(fmt)
        if not self.context.create():
            raise RuntimeError("could not create an OpenGL context for thumbnails")
        self.context.makeCurrent(self.surface)
        self.vao = QOpenGLVertexArrayObject()
        if self.context.format().profile() == QSurfaceFormat.OpenGLContextProfile.CoreProfile:
            self.vao.create()  # core profile draws nothing without a bound VAO
        self.fbo: QOpenGLFramebufferObject | None = None
        self.context.doneCurrent()

    def framebuffer(self, width: int, height: int) -> QOpenGLFramebufferObject:
        if self.fbo is None or (self.fbo.width(), self.fbo.height()) != (width, height):
            self.fbo = None  # free the old one first: big renders should not hold two buffers
            fmt = QOpenGLFramebufferObjectFormat()
            fmt.setAttachment(QOpenGLFramebufferObject.Attachment.Depth)
            fmt.setSamples(4)
            self.fbo = QOpenGLFramebufferObject(width, height, fmt)
            if not self.fbo.isValid():
                self.fbo = None
                raise RuntimeError(f"could not create a {width}x{height} offscreen image")
        return self.fbo

    def render(self, arrays: SceneArrays, width: int, height: int, options: RenderOptions) -> QImage:
        if not self.context.makeCurrent(self.surface):
            raise RuntimeError("could not make the offscreen OpenGL context current")
        item = TexturedMeshItem(arrays, texture_limit=options.texture_limit)
        item.setClay(options.clay)
        item.setWireframe(options.wireframe)
        try:
            fbo = self.framebuffer(width, height)
            fbo.bind()
            if self.vao.isCreated():
                self.vao.bind()
            GL.glViewport(0, 0, width, height)
            bg = options.background
            if bg is None:  # transparent: thumbnails sit on any list background
                GL.glClearColor(0.0, 0.0, 0.0, 0.0)
            else:
                GL.glClearColor(bg.redF(), bg.greenF(), bg.blueF(), 1.0)
            GL.glClear(GL.GL_COLOR_BUFFER_BIT | GL.GL_DEPTH_BUFFER_BIT)
            modelview, projection = _camera(arrays, width, height, options)
            item._setView(_FixedView(modelview, projection))
            item.paint()
            GL.glFinish()
            image = fbo.toImage()  # resolves the multisampled buffer, flips rows for us
            fbo.release()
            return image
        finally:
            item.releaseGL()
            item._setView(None)
            if self.vao.isCreated():
                self.vao.release()
            self.context.doneCurrent()

    def destroy(self) -> None:
        if self.context.makeCurrent(self.surface):
            self.fbo = None  # deleted while current, so its GL objects are freed
            if self.vao.isCreated():
                self.vao.destroy()
            self.context.doneCurrent()
        self.surface.destroy()


def _camera(arrays: SceneArrays, width: int, height: int, options: RenderOptions) -> tuple[QMatrix4x4, QMatrix4x4]:
    azimuth, elevation = VIEWS[options.view]
    distance = fit_distance(options.fov, width, height, margin=options.margin)
    view = view_matrix(azimuth, elevation, distance)
    return view * normalizing_transform(arrays), projection_matrix(options.fov, width, height, distance)


_renderer: _Renderer | None = None


def render_image(arrays: SceneArrays, width: int, height: int, options: RenderOptions | None = None) -> QImage:
    """Render ``arrays`` offscreen with the preview's item and shader (GUI thread only)."""
    global _renderer
    app = QCoreApplication.instance()
    if app is None or QThread.currentThread() is not app.thread():
        raise RuntimeError("offscreen rendering must happen on the GUI thread")
    if _renderer is None:
        _renderer = _Renderer()
        app.aboutToQuit.connect(release_thumbnail_renderer)
    options = options or RenderOptions()
    image = _renderer.render(arrays, int(width), int(height), options)
    return image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)


def render_thumbnail(arrays: SceneArrays, size: int = 256) -> QImage:
    """Render ``arrays`` from a three-quarter view into a ``size``×``size`` image, transparent background.

    Fast enough to call on the GUI thread (tens of ms for 100k triangles on software GL).
    """
    options = RenderOptions(fov=THUMB_FOV, margin=1.12, texture_limit=max(64, 2 * int(size)))
    return render_image(arrays, size, size, options)


def release_thumbnail_renderer() -> None:
    """Drop the cached context (called at quit; tests may call it to check for leaks)."""
    global _renderer
    if _renderer is not None:
        _renderer.destroy()
        _renderer = None

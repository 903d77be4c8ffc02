"""Thumbnails rendered with the preview's own item and shader, without a window.

One offscreen context is created on first use and kept (creating a context costs more than drawing a
thumbnail); each call uploads the scene, draws one frame into a multisampled FBO, reads it back and frees
the GPU objects. GUI thread only: QOffscreenSurface must be created there.
"""

from __future__ import annotations

import math

from OpenGL import GL
from PySide6.QtCore import QCoreApplication, QThread
from PySide6.QtGui import QImage, QMatrix4x4, QOffscreenSurface, QOpenGLContext, QSurfaceFormat
from PySide6.QtOpenGL import (
    QOpenGLFramebufferObject,
    QOpenGLFramebufferObjectFormat,
    QOpenGLVertexArrayObject,
)

from desktop_app.core.meshes import SceneArrays
from desktop_app.ui.preview.gl_mesh_item import TexturedMeshItem, normalizing_transform

THUMB_FOV = 35.0
THUMB_VIEW = (-55.0, 25.0)  # same three-quarter view as the preview's "iso"


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

    def framebuffer(self, size: int) -> QOpenGLFramebufferObject:
        if self.fbo is None or self.fbo.width() != size:
            fmt = QOpenGLFramebufferObjectFormat()
            fmt.setAttachment(QOpenGLFramebufferObject.Attachment.Depth)
            fmt.setSamples(4)
            self.fbo = QOpenGLFramebufferObject(size, size, fmt)
        return self.fbo

    def render(self, arrays: SceneArrays, size: int) -> QImage:
        if not self.context.makeCurrent(self.surface):
            raise RuntimeError("could not make the thumbnail context current")
        item = TexturedMeshItem(arrays, texture_limit=max(64, 2 * size))
        try:
            fbo = self.framebuffer(size)
            fbo.bind()
            if self.vao.isCreated():
                self.vao.bind()
            GL.glViewport(0, 0, size, size)
            GL.glClearColor(0.0, 0.0, 0.0, 0.0)  # transparent: thumbnails sit on any list background
            GL.glClear(GL.GL_COLOR_BUFFER_BIT | GL.GL_DEPTH_BUFFER_BIT)
            modelview, projection = _camera(arrays)
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


def _camera(arrays: SceneArrays) -> tuple[QMatrix4x4, QMatrix4x4]:
    azimuth, elevation = THUMB_VIEW
    distance = 1.12 / math.sin(math.radians(THUMB_FOV) / 2.0)
    view = QMatrix4x4()  # same construction as GLViewWidget.viewMatrix (euler mode)
    view.translate(0.0, 0.0, -distance)
    view.rotate(elevation - 90.0, 1.0, 0.0, 0.0)
    view.rotate(azimuth + 90.0, 0.0, 0.0, -1.0)
    projection = QMatrix4x4()
    projection.perspective(THUMB_FOV, 1.0, distance * 0.01, distance * 10.0)
    return view * normalizing_transform(arrays), projection


_renderer: _Renderer | None = None


def render_thumbnail(arrays: SceneArrays, size: int = 256) -> QImage:
    """Render ``arrays`` from a three-quarter view into a ``size``×``size`` image, transparent background.

    Fast enough to call on the GUI thread (tens of ms for 100k triangles on software GL).
    """
    global _renderer
    app = QCoreApplication.instance()
    if app is None or QThread.currentThread() is not app.thread():
        raise RuntimeError("render_thumbnail must be called on the GUI thread")
    if _renderer is None:
        _renderer = _Renderer()
        app.aboutToQuit.connect(release_thumbnail_renderer)
    return _renderer.render(arrays, int(size)).convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)


def release_thumbnail_renderer() -> None:
    """Drop the cached context (called at quit; tests may call it to check for leaks)."""
    global _renderer
    if _renderer is not None:
        _renderer.destroy()
        _renderer = None

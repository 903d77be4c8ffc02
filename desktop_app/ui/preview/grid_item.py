"""Floor grid for the preview, drawn with our per-context line program.

pyqtgraph's GLGridItem caches one shader program for all contexts, which fails (GL_INVALID_VALUE) as
soon as a second, unshared GL view exists (two preview windows).
"""

from __future__ import annotations

import numpy as np
from OpenGL import GL
from pyqtgraph.opengl.GLGraphicsItem import GLGraphicsItem
from PySide6 import QtGui
from PySide6.QtOpenGL import QOpenGLBuffer

from desktop_app.ui.preview.gl_shaders import context_key, shader_program
from desktop_app.ui.preview.gl_upload import vertex_buffer


class FloorGridItem(GLGraphicsItem):
    """A square line grid in the XY plane (pyqtgraph's GLGridItem shares one program across contexts)."""

    def __init__(self, size: float = 4.0, spacing: float = 0.25,
                 color: tuple[float, float, float, float] = (0.8, 0.8, 0.8, 0.22)) -> None:
        super().__init__()
        self._quiet = False
        self.setGLOptions("translucent")
        self._color = color
        ticks = np.arange(-size / 2, size / 2 + spacing / 2, spacing, dtype=np.float32)
        half = np.float32(size / 2)
        lines = [((t, -half, 0), (t, half, 0)) for t in ticks] + [((-half, t, 0), (half, t, 0)) for t in ticks]
        self._lines = np.ascontiguousarray(np.array(lines, dtype=np.float32).reshape(-1, 3))
        self._vbo: QOpenGLBuffer | None = None
        self._vbo_context: int | None = None

    def setVisible(self, vis: bool, repaint: bool = True) -> None:
        """``repaint`` False: from within a paint of the view, before this item's turn in it (the model's first
        paint shows the floor): drawn in that paint, so no other is asked for (on llvmpipe a repaint of a big
        model's proxy and the window's composition after it took 25-45 ms)."""
        self._quiet = not repaint
        try:
            super().setVisible(vis)
        finally:
            self._quiet = False

    def update(self) -> None:
        if not self._quiet:
            super().update()

    def paint(self) -> None:
        ctx = QtGui.QOpenGLContext.currentContext()
        if ctx is None:
            return
        if self._vbo is None or self._vbo_context != context_key(ctx):
            self._vbo = vertex_buffer(self._lines)  # an old context's buffer died with that context
            self._vbo_context = context_key(ctx)
        self.setupGLState()
        program = shader_program("line")
        GL.glUseProgram(program)
        try:
            GL.glUniformMatrix4fv(GL.glGetUniformLocation(program, "u_mvp"), 1, False,
                                  np.array(self.mvpMatrix().data(), dtype=np.float32))
            GL.glUniform4f(GL.glGetUniformLocation(program, "u_color"), *self._color)
            self._vbo.bind()
            GL.glVertexAttribPointer(0, 3, GL.GL_FLOAT, False, 0, None)
            self._vbo.release()
            GL.glEnableVertexAttribArray(0)
            GL.glDrawArrays(GL.GL_LINES, 0, len(self._lines))
            GL.glDisableVertexAttribArray(0)
        finally:
            GL.glUseProgram(0)

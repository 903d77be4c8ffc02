"""What the mesh item draws around a model: the environment behind it and the soft shadow under it.

Both belong to the item (not to the view) so the preview, thumbnails, `render` and compare, which all draw
through TexturedMeshItem.draw, show the same picture. GPU objects are made on first use in the current
context and freed by ``release`` (with that context current).
"""

from __future__ import annotations

import numpy as np
from OpenGL import GL
from PySide6.QtOpenGL import QOpenGLBuffer

from desktop_app.core.mesh.arrays import SceneArrays
from desktop_app.ui.preview.contact_shadow import contact_shadow
from desktop_app.ui.preview.gl_environment import GpuEnvironment
from desktop_app.ui.preview.gl_shaders import shader_program
from desktop_app.ui.preview.gl_upload import vertex_buffer

SHADOW_STRENGTH = 0.55
BACKGROUND_LOD = 1.0  # the environment behind the model is a little soft, like a lens focused on the model
_QUAD = np.array([[-1, -1], [1, -1], [1, 1], [-1, -1], [1, 1], [-1, 1]], dtype=np.float32)


def column_major(m: np.ndarray) -> np.ndarray:
    """A row-major numpy matrix as the flat column-major float32 array glUniformMatrix*fv(..., False) takes."""
    return np.ascontiguousarray(np.asarray(m, dtype=np.float32).T).ravel()


class Scenery:
    def __init__(self) -> None:
        self._quad: QOpenGLBuffer | None = None
        self._shadow: tuple[int, QOpenGLBuffer, QOpenGLBuffer] | None = None
        self._shadow_for: int | None = None  # id() of the arrays the shadow was made for
        self._no_shadow = False

    def release(self) -> None:
        if self._quad is not None:
            self._quad.destroy()
        if self._shadow is not None:
            GL.glDeleteTextures([self._shadow[0]])
            self._shadow[1].destroy()
            self._shadow[2].destroy()
        self._quad = self._shadow = self._shadow_for = None
        self._no_shadow = False

    def forget(self) -> None:
        """The context died: its objects went with it."""
        self._quad = self._shadow = self._shadow_for = None
        self._no_shadow = False

    def draw_background(self, env: GpuEnvironment, env_rot: np.ndarray, mvp: np.ndarray, mv: np.ndarray,
                        exposure: float) -> None:
        """Fill the viewport with the environment (depth untouched: the model is drawn over it)."""
        if self._quad is None:
            self._quad = vertex_buffer(_QUAD)
        program = shader_program("background" if env.cube else "background_nocube")
        projection = _matrix(mvp) @ np.linalg.inv(_matrix(mv))
        GL.glUseProgram(program)
        GL.glDisable(GL.GL_DEPTH_TEST)
        GL.glDepthMask(GL.GL_FALSE)
        try:
            GL.glUniformMatrix4fv(GL.glGetUniformLocation(program, "u_unproject"), 1, False,
                                  column_major(np.linalg.inv(projection)))
            GL.glUniformMatrix3fv(GL.glGetUniformLocation(program, "u_env"), 1, False, column_major(env_rot))
            GL.glUniform3fv(GL.glGetUniformLocation(program, "u_sh"), 9, env.sh.ravel())
            GL.glUniform1f(GL.glGetUniformLocation(program, "u_exposure"), exposure)
            GL.glUniform1f(GL.glGetUniformLocation(program, "u_lod"), BACKGROUND_LOD)
            GL.glUniform1i(GL.glGetUniformLocation(program, "u_env_tex"), 5)
            GL.glActiveTexture(GL.GL_TEXTURE5)
            GL.glBindTexture(GL.GL_TEXTURE_CUBE_MAP, env.cube)
            self._quad.bind()
            GL.glVertexAttribPointer(0, 2, GL.GL_FLOAT, False, 0, None)
            self._quad.release()
            GL.glEnableVertexAttribArray(0)
            GL.glDrawArrays(GL.GL_TRIANGLES, 0, len(_QUAD))
            GL.glDisableVertexAttribArray(0)
        finally:
            GL.glBindTexture(GL.GL_TEXTURE_CUBE_MAP, 0)
            GL.glActiveTexture(GL.GL_TEXTURE0)
            GL.glDepthMask(GL.GL_TRUE)
            GL.glEnable(GL.GL_DEPTH_TEST)
            GL.glUseProgram(0)

    def prepare_shadow(self, arrays: SceneArrays) -> None:
        """Make the shadow's texture and quad now (a turn of their own), not in the first draw."""
        if self._shadow_for != id(arrays):
            self._make_shadow(arrays)

    def draw_shadow(self, arrays: SceneArrays, mvp: np.ndarray) -> None:
        """The soft shadow on the floor under the model (model space; ``mvp`` is the model's)."""
        if self._shadow_for != id(arrays):
            self._make_shadow(arrays)
        if self._shadow is None:
            return
        tex, positions, uvs = self._shadow
        program = shader_program("shadow")
        GL.glUseProgram(program)
        GL.glEnable(GL.GL_BLEND)
        # colour: darken what is behind; alpha: add coverage, so a transparent thumbnail keeps a soft shadow
        GL.glBlendFuncSeparate(GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA, GL.GL_ONE, GL.GL_ONE_MINUS_SRC_ALPHA)
        GL.glDepthMask(GL.GL_FALSE)
        try:
            GL.glUniformMatrix4fv(GL.glGetUniformLocation(program, "u_mvp"), 1, False, mvp)
            GL.glUniform1f(GL.glGetUniformLocation(program, "u_strength"), SHADOW_STRENGTH)
            GL.glUniform1i(GL.glGetUniformLocation(program, "u_shadow"), 0)
            GL.glActiveTexture(GL.GL_TEXTURE0)
            GL.glBindTexture(GL.GL_TEXTURE_2D, tex)
            for loc, buf, size in ((0, positions, 3), (2, uvs, 2)):
                buf.bind()
                GL.glVertexAttribPointer(loc, size, GL.GL_FLOAT, False, 0, None)
                buf.release()
                GL.glEnableVertexAttribArray(loc)
            GL.glDrawArrays(GL.GL_TRIANGLE_FAN, 0, 4)
            GL.glDisableVertexAttribArray(0)
            GL.glDisableVertexAttribArray(2)
        finally:
            GL.glBindTexture(GL.GL_TEXTURE_2D, 0)
            GL.glDepthMask(GL.GL_TRUE)
            GL.glDisable(GL.GL_BLEND)
            GL.glUseProgram(0)

    def _make_shadow(self, arrays: SceneArrays) -> None:
        if self._shadow is not None:
            GL.glDeleteTextures([self._shadow[0]])
            self._shadow[1].destroy()
            self._shadow[2].destroy()
            self._shadow = None
        self._shadow_for = id(arrays)
        shadow = contact_shadow(arrays)
        if shadow is None:
            return
        tex = int(GL.glGenTextures(1))
        GL.glBindTexture(GL.GL_TEXTURE_2D, tex)
        GL.glPixelStorei(GL.GL_UNPACK_ALIGNMENT, 1)
        rgba = np.ascontiguousarray(np.repeat(shadow.alpha[..., None], 4, axis=2))
        GL.glTexImage2D(GL.GL_TEXTURE_2D, 0, GL.GL_RGBA, rgba.shape[1], rgba.shape[0], 0, GL.GL_RGBA,
                        GL.GL_UNSIGNED_BYTE, rgba)
        for param, value in ((GL.GL_TEXTURE_MIN_FILTER, GL.GL_LINEAR), (GL.GL_TEXTURE_MAG_FILTER, GL.GL_LINEAR),
                             (GL.GL_TEXTURE_WRAP_S, GL.GL_CLAMP_TO_EDGE), (GL.GL_TEXTURE_WRAP_T, GL.GL_CLAMP_TO_EDGE)):
            GL.glTexParameteri(GL.GL_TEXTURE_2D, param, value)
        GL.glBindTexture(GL.GL_TEXTURE_2D, 0)
        self._shadow = (tex, vertex_buffer(shadow.corners), vertex_buffer(shadow.uvs))


def _matrix(flat: np.ndarray) -> np.ndarray:
    """Column-major flat (as QMatrix4x4.data()) -> row-major 4×4."""
    return np.asarray(flat, dtype=np.float64).reshape(4, 4).T

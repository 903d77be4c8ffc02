"""FXAA: edge smoothing as one pass over the finished image, for offscreen renders (the `render` command).

4x multisampling costs software GL (llvmpipe) ~0.3 s more on a 500k-triangle model at 800x600, because it
rasterises every small triangle at four sample positions; this pass costs a few ms whatever the model. It is
the classic FXAA of Timothy Lottes (NVIDIA, 2009/2011) in its short form: where the luma of a pixel's
neighbours changes, it blends along the edge direction, up to ``SPAN_MAX`` pixels. It smooths geometric
edges about as well as 2x multisampling; thin lines (wireframe) and sub-pixel detail stay rougher than with
4x multisampling, which the render command keeps as ``--aa 4x``.

The source image is read from the scene framebuffer's colour texture (bilinear), the result is written to
whatever framebuffer is bound; colour and alpha are blended alike, so a transparent background keeps smooth
(premultiplied) edges.
"""

from __future__ import annotations

import numpy as np
from OpenGL import GL
from PySide6.QtOpenGL import QOpenGLBuffer

from desktop_app.ui.preview.gl_shaders import ATTRS, register_program, shader_program
from desktop_app.ui.preview.gl_upload import vertex_buffer

FXAA_VERTEX = """
IN vec3 a_position;
OUT vec2 v_uv;
void main() {
    v_uv = a_position.xy * 0.5 + 0.5;
    gl_Position = vec4(a_position.xy, 0.0, 1.0);
}
"""

FXAA_FRAGMENT = """
uniform sampler2D u_image;
uniform vec2 u_texel;  // 1 / image size
IN vec2 v_uv;
#define REDUCE_MIN (1.0 / 128.0)
#define REDUCE_MUL (1.0 / 8.0)
#define SPAN_MAX 8.0
void main() {
    const vec3 weights = vec3(0.299, 0.587, 0.114);
    vec4 centre = TEXTURE(u_image, v_uv);
    float nw = dot(TEXTURE(u_image, v_uv + vec2(-1.0, -1.0) * u_texel).rgb, weights);
    float ne = dot(TEXTURE(u_image, v_uv + vec2(1.0, -1.0) * u_texel).rgb, weights);
    float sw = dot(TEXTURE(u_image, v_uv + vec2(-1.0, 1.0) * u_texel).rgb, weights);
    float se = dot(TEXTURE(u_image, v_uv + vec2(1.0, 1.0) * u_texel).rgb, weights);
    float m = dot(centre.rgb, weights);
    float lo = min(m, min(min(nw, ne), min(sw, se)));
    float hi = max(m, max(max(nw, ne), max(sw, se)));
    vec2 dir = vec2(-((nw + ne) - (sw + se)), (nw + sw) - (ne + se));
    float reduce = max((nw + ne + sw + se) * (0.25 * REDUCE_MUL), REDUCE_MIN);
    float scale = 1.0 / (min(abs(dir.x), abs(dir.y)) + reduce);
    dir = clamp(dir * scale, vec2(-SPAN_MAX), vec2(SPAN_MAX)) * u_texel;
    vec4 near = 0.5 * (TEXTURE(u_image, v_uv + dir * (1.0 / 3.0 - 0.5))
                       + TEXTURE(u_image, v_uv + dir * (2.0 / 3.0 - 0.5)));
    vec4 wide = 0.5 * near + 0.25 * (TEXTURE(u_image, v_uv - dir * 0.5) + TEXTURE(u_image, v_uv + dir * 0.5));
    float lw = dot(wide.rgb, weights);
    FRAG_COLOR = (lw < lo || lw > hi) ? near : wide;  // the wide blend crossed another edge: keep the near one
}
"""

register_program("fxaa", FXAA_VERTEX, FXAA_FRAGMENT)

# one triangle covering the viewport (clip space): no seam along a quad's diagonal
_TRIANGLE = np.array([[-1.0, -1.0, 0.0], [3.0, -1.0, 0.0], [-1.0, 3.0, 0.0]], dtype=np.float32)


class FxaaPass:
    """The pass's vertex buffer, made on first use in the current context; free with :meth:`release`."""

    def __init__(self) -> None:
        self._triangle: QOpenGLBuffer | None = None

    def draw(self, texture: int, width: int, height: int) -> None:
        """Smooth the ``width`` x ``height`` colour ``texture`` into the bound framebuffer."""
        if self._triangle is None:
            self._triangle = vertex_buffer(_TRIANGLE)
        program = shader_program("fxaa")
        GL.glDisable(GL.GL_DEPTH_TEST)
        GL.glDisable(GL.GL_BLEND)
        GL.glDisable(GL.GL_CULL_FACE)
        GL.glUseProgram(program)
        GL.glActiveTexture(GL.GL_TEXTURE0)
        GL.glBindTexture(GL.GL_TEXTURE_2D, texture)
        # the edge blend reads between texels: bilinear (framebuffer textures are made nearest)
        GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_MIN_FILTER, GL.GL_LINEAR)
        GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_MAG_FILTER, GL.GL_LINEAR)
        GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_WRAP_S, GL.GL_CLAMP_TO_EDGE)
        GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_WRAP_T, GL.GL_CLAMP_TO_EDGE)
        location = ATTRS["a_position"]
        try:
            GL.glUniform1i(GL.glGetUniformLocation(program, "u_image"), 0)
            GL.glUniform2f(GL.glGetUniformLocation(program, "u_texel"), 1.0 / width, 1.0 / height)
            self._triangle.bind()
            GL.glVertexAttribPointer(location, 3, GL.GL_FLOAT, False, 0, None)
            self._triangle.release()
            GL.glEnableVertexAttribArray(location)
            GL.glDrawArrays(GL.GL_TRIANGLES, 0, 3)
            GL.glDisableVertexAttribArray(location)
        finally:
            GL.glBindTexture(GL.GL_TEXTURE_2D, 0)
            GL.glUseProgram(0)

    def release(self) -> None:
        """Free the vertex buffer (the context that made it must be current)."""
        if self._triangle is not None:
            self._triangle.destroy()
            self._triangle = None

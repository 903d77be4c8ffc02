"""A pyqtgraph GL item that draws SceneArrays textured and lit (GLMeshItem has no texture/UV support).

Follows pyqtgraph 0.14's item style: QOpenGLBuffer VBOs, generic attributes, ``u_mvp``/``u_normal``
uniforms from the view's matrix stacks, and the same shader dialect choice as GLImageItem (GLSL 1.40 on
desktop GL >= 3.1, legacy GLSL otherwise) so it works in compatibility and core contexts alike.
Lighting happens in linear space: base-colour textures are uploaded as sRGB (the GPU linearises them on
sampling) and the result is encoded back to sRGB in the fragment shader.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import numpy as np
from OpenGL import GL
from OpenGL.GL import shaders
from pyqtgraph.opengl.GLGraphicsItem import GLGraphicsItem
from PySide6 import QtCore, QtGui
from shiboken6 import Shiboken

from desktop_app.core.meshes import SceneArrays
from desktop_app.ui.preview import gl_upload
from desktop_app.ui.preview.gl_upload import GpuPart, upload_steps

log = logging.getLogger(__name__)

CLAY_LINEAR = (0.42, 0.42, 0.40, 1.0)
WIRE_COLOR = (0.05, 0.06, 0.08, 1.0)
ATTRS = {"a_position": 0, "a_normal": 1, "a_texcoord": 2, "a_color": 3}

_VERTEX = """
uniform mat4 u_mvp;
uniform mat4 u_modelview;
uniform mat3 u_normal;
IN vec3 a_position;
IN vec3 a_normal;
IN vec2 a_texcoord;
IN vec4 a_color;
OUT vec3 v_pos;
OUT vec3 v_normal;
OUT vec2 v_uv;
OUT vec4 v_color;
void main() {
    v_pos = (u_modelview * vec4(a_position, 1.0)).xyz;
    v_normal = u_normal * a_normal;
    v_uv = a_texcoord;
    v_color = a_color;
    gl_Position = u_mvp * vec4(a_position, 1.0);
}
"""

_FRAGMENT = """
uniform sampler2D u_texture;
uniform vec4 u_base_color;
uniform float u_use_texture;
uniform float u_use_colors;
uniform float u_decode_texture;
uniform float u_wire;
uniform vec4 u_wire_color;
IN vec3 v_pos;
IN vec3 v_normal;
IN vec2 v_uv;
IN vec4 v_color;

vec3 to_linear(vec3 c) {
    return mix(c / 12.92, pow((c + 0.055) / 1.055, vec3(2.4)), step(0.04045, c));
}
vec3 to_srgb(vec3 c) {
    // sqrt-only fit of the sRGB curve (max error < 0.5/255): pow() is costly on software GL (llvmpipe)
    c = clamp(c, 0.0, 1.0);
    vec3 s1 = sqrt(c);
    vec3 s2 = sqrt(s1);
    vec3 s3 = sqrt(s2);
    return clamp(0.662002687 * s1 + 0.684122060 * s2 - 0.323583601 * s3 - 0.0225411470 * c, 0.0, 1.0);
}
void main() {
    if (u_wire > 0.5) { FRAG_COLOR = u_wire_color; return; }
    vec4 albedo = u_base_color;
    if (u_use_texture > 0.5) {
        // trimesh UVs have v=0 at the bottom; the texture rows were uploaded top row first
        vec4 t = TEXTURE(u_texture, vec2(v_uv.x, 1.0 - v_uv.y));
        if (u_decode_texture > 0.5) t.rgb = to_linear(t.rgb);
        albedo *= t;
    } else if (u_use_colors > 0.5) {
        albedo *= vec4(to_linear(v_color.rgb), v_color.a);
    }
    vec3 n = normalize(v_normal);
    if (!gl_FrontFacing) n = -n;  // two-sided: generated meshes often have mixed winding
    vec3 view_dir = normalize(-v_pos);
    // lights are fixed to the camera (view space) so the model is always lit from the front
    vec3 key_dir = normalize(vec3(-0.45, 0.65, 0.62));
    vec3 fill_dir = normalize(vec3(0.7, -0.1, 0.5));
    float key = max(dot(n, key_dir), 0.0);
    float fill = max(dot(n, fill_dir), 0.0);
    vec3 ambient = mix(vec3(0.16, 0.15, 0.14), vec3(0.30, 0.32, 0.36), 0.5 + 0.5 * n.y);
    float h = max(dot(n, normalize(key_dir + view_dir)), 0.0);
    float h8 = h * h; h8 *= h8; h8 *= h8;
    float h32 = h8 * h8; h32 *= h32;
    float spec = key > 0.0 ? h32 * h8 * 0.22 : 0.0;  // h^40 by squaring, cheaper than pow()
    vec3 rgb = albedo.rgb * (ambient + key * vec3(1.0, 0.97, 0.92) * 0.95 + fill * 0.32) + vec3(spec);
    FRAG_COLOR = vec4(to_srgb(rgb), 1.0);
}
"""

_LINE_VERTEX = """
uniform mat4 u_mvp;
IN vec3 a_position;
void main() { gl_Position = u_mvp * vec4(a_position, 1.0); }
"""

_LINE_FRAGMENT = """
uniform vec4 u_color;
void main() { FRAG_COLOR = u_color; }
"""

# Per context: GL programs are not shared between unrelated contexts (two preview windows, the thumbnail
# context). pyqtgraph's own items cache one program globally, which breaks there (GLGridItem included).
_programs: dict[tuple[int, str], int] = {}


def _context_key(ctx: QtGui.QOpenGLContext) -> int:
    return int(Shiboken.getCppPointer(ctx)[0])


def shader_program(name: str = "mesh") -> int:
    """Compile (once per current context) and return the "mesh" or "line" program."""
    ctx = QtGui.QOpenGLContext.currentContext()
    key = (_context_key(ctx), name)
    if key in _programs:
        return _programs[key]
    fmt = ctx.format()
    version = (fmt.majorVersion(), fmt.minorVersion())
    if ctx.isOpenGLES():
        modern = version >= (3, 0)
        header = "#version 300 es\nprecision highp float;\n" if modern else "precision mediump float;\n"
    else:
        modern = version >= (3, 1)
        header = "#version 140\n" if modern else "#version 120\n"
    if modern:
        vdefs = "#define IN in\n#define OUT out\n"
        fdefs = "#define IN in\nout vec4 fragColor;\n#define FRAG_COLOR fragColor\n#define TEXTURE texture\n"
    else:
        vdefs = "#define IN attribute\n#define OUT varying\n"
        fdefs = "#define IN varying\n#define FRAG_COLOR gl_FragColor\n#define TEXTURE texture2D\n"
    vertex, fragment = (_VERTEX, _FRAGMENT) if name == "mesh" else (_LINE_VERTEX, _LINE_FRAGMENT)
    program = shaders.compileProgram(
        shaders.compileShader([header, vdefs, vertex], GL.GL_VERTEX_SHADER),
        shaders.compileShader([header, fdefs, fragment], GL.GL_FRAGMENT_SHADER),
        validate=False,  # validation needs a bound VAO/texture state that does not exist yet
    )
    for attr, loc in ATTRS.items():
        GL.glBindAttribLocation(program, loc, attr)
    GL.glLinkProgram(program)
    if not _programs or all(k[0] != key[0] for k in _programs):
        ctx.aboutToBeDestroyed.connect(lambda ck=key[0]: _forget_context(ck))
    _programs[key] = program
    return program


def _forget_context(ctx_key: int) -> None:
    for key in [k for k in _programs if k[0] == ctx_key]:
        del _programs[key]


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
    over several paints (``upload_slice`` bytes each, a repaint scheduled after each), then draws in a paint of
    its own, so no single event-loop turn holds both a long upload and the draw."""

    uploaded = QtCore.Signal()  # everything is on the GPU (emitted from paint)

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
        self.frames_drawn = 0  # paints that drew the model (benchmarks and tests watch it)
        self.setGLOptions({GL.GL_DEPTH_TEST: True, GL.GL_BLEND: False, GL.GL_CULL_FACE: False})
        self._arrays: SceneArrays | None = None
        self._gpu: list[GpuPart] = []
        self._textures: list[int] = []  # owned here: parts sharing an image share one texture
        self._gpu_context: int | None = None
        self._stale = True
        self._clay = False
        self._wireframe = False
        if arrays is not None:
            self.setScene(arrays)

    # -- public ----------------------------------------------------------------------------------
    def setScene(self, arrays: SceneArrays) -> None:
        """Replace the scene; the old GPU objects are freed on the next paint (context current then)."""
        self._arrays = arrays
        self._stale = True
        self.update()

    def scene(self) -> SceneArrays | None:
        return self._arrays

    def setClay(self, clay: bool) -> None:
        self._clay = bool(clay)
        self.update()

    def setWireframe(self, wireframe: bool) -> None:
        self._wireframe = bool(wireframe)
        self.update()

    def releaseGL(self) -> None:
        """Free buffers and textures (an upload half done too). Call with this item's context current."""
        for part in self._gpu:
            for buf in (*part.buffers.values(), part.index):
                buf.destroy()
        if self._textures:
            GL.glDeleteTextures(self._textures)
        self._textures = []
        self._gpu = []
        self._pending = None
        self._gpu_context = None
        self._stale = True

    def uploading(self) -> bool:
        """True while an upload is under way or not yet started (nothing is drawn until it ends)."""
        return self._arrays is not None and (self._stale or self._pending is not None)

    def finish_upload(self) -> None:
        """Upload the rest now, in this turn (before an explicit frame grab). The context must be current."""
        ctx = QtGui.QOpenGLContext.currentContext()
        if ctx is None:
            return
        if self._stale or self._gpu_context != _context_key(ctx):
            self._begin_upload(ctx)
        if self._pending is not None:
            for _ in self._pending:
                pass
            self._pending = None
            self._upload_paints = 1  # the next paint draws at once
            self.uploaded.emit()

    # -- GL ----------------------------------------------------------------------------------------
    def _begin_upload(self, ctx: QtGui.QOpenGLContext) -> None:
        key = _context_key(ctx)
        if self._gpu_context == key:
            self.releaseGL()
        else:  # first upload, or our old context died (widget reparented): its objects died with it
            self._gpu, self._textures = [], []
            ctx.aboutToBeDestroyed.connect(self._on_context_gone)
        self._gpu_context = key
        self._stale = False
        self._upload_paints = 0
        if self._arrays is None:
            self._pending = None
            return
        es2 = ctx.isOpenGLES() and ctx.format().majorVersion() < 3
        max_size = int(GL.glGetIntegerv(GL.GL_MAX_TEXTURE_SIZE))
        if self._texture_limit > 0:
            max_size = min(max_size, self._texture_limit)
        self._pending = upload_steps(self._arrays, self._gpu, self._textures, es2=es2, max_size=max_size,
                                     slice_bytes=self._upload_slice)

    def _advance_upload(self) -> bool:
        """One paint's share of the upload; True when it is complete."""
        assert self._pending is not None
        self._upload_paints += 1
        budget = self._upload_slice if self._upload_slice > 0 else 1 << 62
        done = 0
        for step in self._pending:
            done += step
            if done >= budget:
                return False
        self._pending = None
        self.uploaded.emit()
        return True

    def _on_context_gone(self) -> None:
        self._gpu, self._textures = [], []
        self._pending = None
        self._gpu_context = None
        self._stale = True

    def paint(self) -> None:
        ctx = QtGui.QOpenGLContext.currentContext()
        if ctx is None:
            return
        if self._stale or self._gpu_context != _context_key(ctx):
            self._begin_upload(ctx)
        # a finished one-paint upload draws now; otherwise the draw gets a turn of its own
        if self._pending is not None and (not self._advance_upload() or self._upload_paints > 1):
            QtCore.QTimer.singleShot(0, self, self.update)
            return
        if not self._gpu:
            return
        self.setupGLState()
        program = shader_program("mesh")
        mvp = np.array(self.mvpMatrix().data(), dtype=np.float32)
        modelview = self.modelViewMatrix()
        mv = np.array(modelview.data(), dtype=np.float32)
        normal = np.array(modelview.normalMatrix().data(), dtype=np.float32)
        wire_ok = self._wireframe and not ctx.isOpenGLES()  # ES has no glPolygonMode

        GL.glUseProgram(program)
        try:
            u = {name: GL.glGetUniformLocation(program, name) for name in (
                "u_mvp", "u_modelview", "u_normal", "u_texture", "u_base_color", "u_use_texture",
                "u_use_colors", "u_decode_texture", "u_wire", "u_wire_color")}
            GL.glUniformMatrix4fv(u["u_mvp"], 1, False, mvp)
            GL.glUniformMatrix4fv(u["u_modelview"], 1, False, mv)
            GL.glUniformMatrix3fv(u["u_normal"], 1, False, normal)
            GL.glUniform1i(u["u_texture"], 0)
            GL.glUniform4f(u["u_wire_color"], *WIRE_COLOR)
            GL.glActiveTexture(GL.GL_TEXTURE0)
            if wire_ok:  # push faces back a little so the lines on top win the depth test
                GL.glEnable(GL.GL_POLYGON_OFFSET_FILL)
                GL.glPolygonOffset(1.0, 1.0)
            for part in self._gpu:
                self._draw_part(part, u, wire=False)
            if wire_ok:
                GL.glDisable(GL.GL_POLYGON_OFFSET_FILL)
                GL.glPolygonMode(GL.GL_FRONT_AND_BACK, GL.GL_LINE)
                try:
                    for part in self._gpu:
                        self._draw_part(part, u, wire=True)
                finally:
                    GL.glPolygonMode(GL.GL_FRONT_AND_BACK, GL.GL_FILL)
        finally:
            GL.glUseProgram(0)
            GL.glBindTexture(GL.GL_TEXTURE_2D, 0)
        self.frames_drawn += 1

    def _draw_part(self, part: GpuPart, u: dict[str, int], wire: bool) -> None:
        textured = part.texture != 0 and not self._clay and not wire
        colored = "a_color" in part.buffers and not self._clay and not wire
        GL.glUniform1f(u["u_wire"], 1.0 if wire else 0.0)
        GL.glUniform1f(u["u_use_texture"], 1.0 if textured else 0.0)
        GL.glUniform1f(u["u_use_colors"], 1.0 if colored else 0.0)
        GL.glUniform1f(u["u_decode_texture"], 1.0 if part.decode else 0.0)
        GL.glUniform4f(u["u_base_color"], *(CLAY_LINEAR if self._clay else part.base_color))
        GL.glBindTexture(GL.GL_TEXTURE_2D, part.texture if textured else 0)

        enabled = []
        for name, loc in ATTRS.items():
            buf = part.buffers.get(name)
            if buf is None:  # constant attribute instead of an array
                if name == "a_color":
                    GL.glVertexAttrib4f(loc, 1.0, 1.0, 1.0, 1.0)
                elif name == "a_texcoord":
                    GL.glVertexAttrib2f(loc, 0.0, 0.0)
                continue
            buf.bind()
            GL.glVertexAttribPointer(loc, 4 if name == "a_color" else 2 if name == "a_texcoord" else 3,
                                     GL.GL_FLOAT, False, 0, None)
            buf.release()
            GL.glEnableVertexAttribArray(loc)
            enabled.append(loc)
        part.index.bind()
        GL.glDrawElements(GL.GL_TRIANGLES, part.count, GL.GL_UNSIGNED_INT, None)
        part.index.release()
        for loc in enabled:
            GL.glDisableVertexAttribArray(loc)

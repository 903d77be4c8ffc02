"""The preview's GLSL programs (glTF PBR mesh, environment background, ground shadow, plain lines), compiled
once per GL context and variant.

The same shader dialect choice as pyqtgraph's GLImageItem (GLSL 1.40 on desktop GL >= 3.1, legacy GLSL
otherwise) so it works in compatibility and core contexts alike. Lighting happens in linear space: colour
textures are uploaded as sRGB (the GPU linearises them on sampling) and the result is encoded back to sRGB.
The PBR sources are in gl_pbr_glsl.py; program names pick a variant: "mesh" (full), "mesh_fast" (software
GL), "mesh_nocube" (no float cube maps), "background", "background_nocube", "shadow" and "line".
"""

from __future__ import annotations

from OpenGL import GL
from OpenGL.GL import shaders
from PySide6 import QtGui
from shiboken6 import Shiboken

from desktop_app.ui.preview import gl_pbr_glsl as glsl

ATTRS = {"a_position": 0, "a_normal": 1, "a_texcoord": 2, "a_color": 3, "a_tangent": 4}

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
_programs: dict[tuple[int, str, tuple[str, ...]], int] = {}


def context_key(ctx: QtGui.QOpenGLContext) -> int:
    return int(Shiboken.getCppPointer(ctx)[0])


_SOURCES = {
    "mesh": (glsl.MESH_VERTEX, glsl.MESH_FRAGMENT, ()),
    "mesh_fast": (glsl.MESH_VERTEX, glsl.MESH_FRAGMENT, ("FAST",)),
    "mesh_nocube": (glsl.MESH_VERTEX, glsl.MESH_FRAGMENT, ("NO_CUBE",)),
    "background": (glsl.BACKGROUND_VERTEX, glsl.BACKGROUND_FRAGMENT, ()),
    "background_nocube": (glsl.BACKGROUND_VERTEX, glsl.BACKGROUND_FRAGMENT, ("NO_CUBE",)),
    "shadow": (glsl.SHADOW_VERTEX, glsl.SHADOW_FRAGMENT, ()),
    "line": (_LINE_VERTEX, _LINE_FRAGMENT, ()),
}


def register_program(name: str, vertex: str, fragment: str) -> None:
    """Add a program kept outside this module (the offscreen-only FXAA pass: gl_fxaa.py)."""
    _SOURCES.setdefault(name, (vertex, fragment, ()))


def shader_program(name: str = "mesh", defines: tuple[str, ...] = ()) -> int:
    """Compile (once per current context) and return the program ``name`` (a key of ``_SOURCES``), with
    ``defines`` added to the variant's own (gl_pbr_glsl.py lists the mesh program's)."""
    ctx = QtGui.QOpenGLContext.currentContext()
    key = (context_key(ctx), name, tuple(defines))
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
    vertex, fragment, own = _SOURCES[name]
    defines_text = "".join(f"#define {d}\n" for d in (*own, *defines))
    lod = "#define TEXTURE_LOD textureLod\n" if modern else "#define TEXTURE_LOD textureCube\n"
    program = shaders.compileProgram(
        shaders.compileShader([header, defines_text, vdefs, vertex], GL.GL_VERTEX_SHADER),
        shaders.compileShader([header, defines_text, fdefs, lod, fragment], GL.GL_FRAGMENT_SHADER),
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

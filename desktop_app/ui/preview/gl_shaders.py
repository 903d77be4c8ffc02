"""The preview's GLSL programs (textured and lit mesh, plain lines), compiled once per GL context.

The same shader dialect choice as pyqtgraph's GLImageItem (GLSL 1.40 on desktop GL >= 3.1, legacy GLSL
otherwise) so it works in compatibility and core contexts alike. Lighting happens in linear space: base-colour
textures are uploaded as sRGB (the GPU linearises them on sampling) and the result is encoded back to sRGB.
"""

from __future__ import annotations

from OpenGL import GL
from OpenGL.GL import shaders
from PySide6 import QtGui
from shiboken6 import Shiboken

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


def context_key(ctx: QtGui.QOpenGLContext) -> int:
    return int(Shiboken.getCppPointer(ctx)[0])


def shader_program(name: str = "mesh") -> int:
    """Compile (once per current context) and return the "mesh" or "line" program."""
    ctx = QtGui.QOpenGLContext.currentContext()
    key = (context_key(ctx), name)
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

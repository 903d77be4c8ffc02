"""The image-based light on the GPU: the prefiltered cube map and the BRDF table, once per GL context.

ibl.py computes the data (numpy); this uploads it as a float16 cube map whose mip levels are the specular
chain (level k = roughness k / (levels - 1)) and a 32×32 RG16F table, and keeps them for the context's life.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from OpenGL import GL
from PySide6 import QtGui

from desktop_app.ui.preview import ibl
from desktop_app.ui.preview.gl_shaders import context_key


@dataclass
class GpuEnvironment:
    cube: int  # 0 when the context has no float cube maps (the shader's NO_CUBE variant)
    lut: int
    max_lod: float
    sh: np.ndarray  # (9, 3) float32


_cache: dict[tuple[int, str, bool], GpuEnvironment] = {}
_watched: set[int] = set()


def float_cubes(ctx: QtGui.QOpenGLContext) -> bool:
    """Half-float, filterable cube maps with explicit LOD reads: desktop GL 3.0+ or OpenGL ES 3.0+."""
    fmt = ctx.format()
    return (fmt.majorVersion(), fmt.minorVersion()) >= (3, 0)


def gpu_environment(name: str, fast: bool) -> GpuEnvironment:
    """The environment ``name`` on the current context (uploaded on first use). ``fast`` reads the cube's
    nearest mip level only (no blend of two levels): cheaper on software GL."""
    ctx = QtGui.QOpenGLContext.currentContext()
    key = (context_key(ctx), name, fast)
    if key in _cache:
        return _cache[key]
    data = ibl.prefiltered(name)
    if not ctx.isOpenGLES() and float_cubes(ctx):
        # filter across cube faces: without it, the small rough levels (4×4 texels a face) show the face edges
        GL.glEnable(GL.GL_TEXTURE_CUBE_MAP_SEAMLESS)
    cube = _cube_texture(data.specular, fast) if float_cubes(ctx) else 0
    # the FAST and NO_CUBE shader variants use an analytic fit instead of the table (gl_pbr_glsl.py): on software
    # GL, computing it (~10-40 ms of numpy) is then skipped; texture 0 is bound in its place
    lut = _lut_texture() if cube and not fast else 0
    env = GpuEnvironment(cube, lut, float(len(data.specular) - 1), data.sh)
    if key[0] not in _watched:
        _watched.add(key[0])
        ctx.aboutToBeDestroyed.connect(lambda ck=key[0]: _forget(ck))  # the objects die with the context
    _cache[key] = env
    return env


def _cube_texture(levels: list[np.ndarray], fast: bool) -> int:
    tex = int(GL.glGenTextures(1))
    GL.glBindTexture(GL.GL_TEXTURE_CUBE_MAP, tex)
    GL.glPixelStorei(GL.GL_UNPACK_ALIGNMENT, 1)
    for level, faces in enumerate(levels):
        n = faces.shape[1]
        for face in range(6):
            pixels = np.ascontiguousarray(faces[face], dtype=np.float16)
            GL.glTexImage2D(GL.GL_TEXTURE_CUBE_MAP_POSITIVE_X + face, level, GL.GL_RGB16F, n, n, 0, GL.GL_RGB,
                            GL.GL_HALF_FLOAT, pixels)
    GL.glTexParameteri(GL.GL_TEXTURE_CUBE_MAP, GL.GL_TEXTURE_BASE_LEVEL, 0)
    GL.glTexParameteri(GL.GL_TEXTURE_CUBE_MAP, GL.GL_TEXTURE_MAX_LEVEL, len(levels) - 1)
    GL.glTexParameteri(GL.GL_TEXTURE_CUBE_MAP, GL.GL_TEXTURE_MAG_FILTER, GL.GL_LINEAR)
    GL.glTexParameteri(GL.GL_TEXTURE_CUBE_MAP, GL.GL_TEXTURE_MIN_FILTER,
                       GL.GL_LINEAR_MIPMAP_NEAREST if fast else GL.GL_LINEAR_MIPMAP_LINEAR)
    for wrap in (GL.GL_TEXTURE_WRAP_S, GL.GL_TEXTURE_WRAP_T, GL.GL_TEXTURE_WRAP_R):
        GL.glTexParameteri(GL.GL_TEXTURE_CUBE_MAP, wrap, GL.GL_CLAMP_TO_EDGE)
    GL.glBindTexture(GL.GL_TEXTURE_CUBE_MAP, 0)
    return tex


def _lut_texture() -> int:
    table = np.ascontiguousarray(ibl.brdf_lut(), dtype=np.float32)
    tex = int(GL.glGenTextures(1))
    GL.glBindTexture(GL.GL_TEXTURE_2D, tex)
    GL.glPixelStorei(GL.GL_UNPACK_ALIGNMENT, 1)
    GL.glTexImage2D(GL.GL_TEXTURE_2D, 0, GL.GL_RG16F, table.shape[1], table.shape[0], 0, GL.GL_RG, GL.GL_FLOAT,
                    table)
    for param, value in ((GL.GL_TEXTURE_MIN_FILTER, GL.GL_LINEAR), (GL.GL_TEXTURE_MAG_FILTER, GL.GL_LINEAR),
                         (GL.GL_TEXTURE_WRAP_S, GL.GL_CLAMP_TO_EDGE), (GL.GL_TEXTURE_WRAP_T, GL.GL_CLAMP_TO_EDGE)):
        GL.glTexParameteri(GL.GL_TEXTURE_2D, param, value)
    GL.glBindTexture(GL.GL_TEXTURE_2D, 0)
    return tex


def env_matrix(modelview: np.ndarray, model: np.ndarray, rotation_deg: float) -> np.ndarray:
    """(3, 3) view space -> environment frame: undo the camera's rotation, then the user's turn of the light.

    ``modelview`` and ``model`` are column-major 4×4 (as QMatrix4x4.data() gives them); the model matrix has a
    uniform scale, so the camera's rotation is what is left of the modelview once it is taken out.
    """
    mv = np.asarray(modelview, dtype=np.float64).reshape(4, 4).T[:3, :3]
    m = np.asarray(model, dtype=np.float64).reshape(4, 4).T[:3, :3]
    view = mv @ np.linalg.inv(m)
    u, _, vt = np.linalg.svd(view)  # the nearest rotation: rounding and scale gone
    view = u @ vt
    a = np.radians(rotation_deg)
    turn = np.array([[np.cos(a), np.sin(a), 0.0], [-np.sin(a), np.cos(a), 0.0], [0.0, 0.0, 1.0]])
    return turn @ view.T


def _forget(ctx_key: int) -> None:
    _watched.discard(ctx_key)
    for key in [k for k in _cache if k[0] == ctx_key]:
        del _cache[key]

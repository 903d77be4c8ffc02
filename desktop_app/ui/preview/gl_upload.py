"""Moving SceneArrays to the GPU in slices, so a big model never holds the GUI thread for one long upload.

Measured under Mesa llvmpipe on a 500k-triangle model: the vertex buffers take a few ms, the 2048² texture
with its mipmaps ~75 ms, and the first draw 140-300 ms. The upload is a generator of steps, each at most about
``slice_bytes`` of copying (buffers filled with glBufferSubData, textures row-band by row-band with
glTexSubImage2D, then the mip levels the loader's worker computed (mipmaps.py) the same way, or, without them,
glGenerateMipmap once at the end), so the caller can spread it over event-loop turns. The draw is sliced apart,
in progressive.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
from OpenGL import GL
from PySide6.QtOpenGL import QOpenGLBuffer

from desktop_app.core.mesh_arrays import MeshPart, SceneArrays
from desktop_app.ui.preview.mipmaps import PREPARED_KEY as MIPMAPS_KEY
from desktop_app.ui.preview.mipmaps import mip_chain

SLICE_BYTES = 4 * 1024 * 1024  # per event-loop turn: ~5-20 ms of copying on software GL


# the part's textures besides the base colour: (MeshPart field, GpuPart.maps key, colour data = sRGB)
EXTRA_MAPS = (("metallic_roughness_texture", "mr", False), ("normal_texture", "normal", False),
              ("occlusion_texture", "occlusion", False), ("emissive_texture", "emissive", True))


@dataclass
class GpuPart:
    buffers: dict[str, QOpenGLBuffer]
    index: QOpenGLBuffer
    count: int
    texture: int  # base colour; 0 = none
    decode: bool  # sRGB textures are plain RGBA (OpenGL ES 2): the shader decodes them
    base_color: tuple[float, float, float, float]
    source: MeshPart | None = None  # the factors, alpha mode and sidedness of its material
    maps: dict[str, int] = field(default_factory=dict)  # "mr", "normal", "occlusion", "emissive" -> texture


def scene_bytes(arrays: SceneArrays) -> int:
    """What an upload of ``arrays`` copies (textures counted once, mipmaps not)."""
    total = 0
    seen: set[int] = set()
    for part in arrays.parts:
        for arr in (part.positions, part.normals, part.uvs, part.colors, part.indices, part.tangents):
            total += 0 if arr is None else arr.nbytes
        for tex in _images(part):
            if id(tex) not in seen:
                seen.add(id(tex))
                total += tex.nbytes
    return total


def _images(part: MeshPart) -> list[np.ndarray]:
    found = [part.texture] + [getattr(part, attr) for attr, _, _ in EXTRA_MAPS]
    return [t for t in found if t is not None]


def upload_steps(arrays: SceneArrays, parts: list[GpuPart], textures: list[int], *, es2: bool, max_size: int,
                 slice_bytes: int = SLICE_BYTES, by_image: dict[tuple[int, bool], int] | None = None,
                 cpu_mipmaps: bool = False) -> Iterator[int]:
    """Create and fill the GPU objects for ``arrays``, yielding the bytes copied after each bounded step.

    GPU objects are appended to ``parts``/``textures`` as soon as they exist, so an upload abandoned half way
    is freed like a finished one. The context must be current whenever the generator is resumed. ``by_image``
    ((image id, sRGB) -> texture) lets a second scene with the same images (the motion proxy) reuse them.
    ``cpu_mipmaps`` builds mipmaps the worker did not prepare in numpy instead of glGenerateMipmap: a fresh
    process on llvmpipe compiles its blit shaders on the first call, ~0.2-0.3 s (the render command).
    """
    limit = slice_bytes if slice_bytes > 0 else 1 << 62
    by_image = {} if by_image is None else by_image

    def texture(pixels: np.ndarray | None, srgb: bool) -> Iterator[int]:
        """Upload ``pixels`` once (parts sharing an image share one texture); the id lands in by_image."""
        if pixels is None or part.uvs is None:
            return
        key = (id(pixels), srgb)
        if key not in by_image:
            levels = _prepared_levels(arrays, pixels, srgb and not es2, srgb, max_size)
            if levels is None and cpu_mipmaps and bool(GL.glGenerateMipmap):
                # averaged on the stored values even for sRGB (~10 ms for 1024², against ~190 ms in linear
                # light): levels 1.. only show where the texture is minified, where that slight darkening of
                # high-contrast detail does not show. None (not a power of two): the driver makes them.
                levels = mip_chain(_shrunk(pixels, max_size), False)
            by_image[key] = tex = _texture(pixels, srgb=srgb and not es2, max_size=max_size, levels=levels)
            textures.append(tex)
            yield from _fill_texture(tex, pixels, max_size, limit, levels)

    for part in arrays.parts:
        sources = {"a_position": part.positions, "a_normal": part.normals}
        if part.uvs is not None and _images(part):
            sources["a_texcoord"] = part.uvs
        if part.colors is not None:
            sources["a_color"] = part.colors
        if part.tangents is not None and part.normal_texture is not None:
            sources["a_tangent"] = part.tangents
        buffers = {name: _buffer(arr) for name, arr in sources.items()}
        index = _buffer(part.indices, QOpenGLBuffer.Type.IndexBuffer)
        yield from texture(part.texture, True)
        maps = {}
        for attr, key, srgb in EXTRA_MAPS:
            pixels = getattr(part, attr)
            yield from texture(pixels, srgb)
            if pixels is not None and part.uvs is not None:
                maps[key] = by_image[(id(pixels), srgb)]
        base = by_image.get((id(part.texture), True), 0) if part.texture is not None and part.uvs is not None else 0
        parts.append(GpuPart(buffers, index, int(part.indices.size), base, es2, part.base_color, part, maps))
        for name, arr in sources.items():
            yield from _fill(buffers[name], arr, limit)
        yield from _fill(index, part.indices, limit)


def vertex_buffer(arr: np.ndarray) -> QOpenGLBuffer:
    """A vertex buffer filled at once (small, fixed data such as the floor grid)."""
    arr = np.ascontiguousarray(arr)
    buf = QOpenGLBuffer(QOpenGLBuffer.Type.VertexBuffer)
    buf.create()
    buf.bind()
    buf.allocate(arr, arr.nbytes)
    buf.release()
    return buf


def _buffer(arr: np.ndarray, kind: QOpenGLBuffer.Type = QOpenGLBuffer.Type.VertexBuffer) -> QOpenGLBuffer:
    buf = QOpenGLBuffer(kind)
    buf.create()
    buf.bind()
    buf.allocate(int(arr.nbytes))  # storage only; _fill copies the data in slices
    buf.release()
    return buf


def _fill(buf: QOpenGLBuffer, arr: np.ndarray, limit: int) -> Iterator[int]:
    data = np.ascontiguousarray(arr).reshape(-1).view(np.uint8)
    target = GL.GL_ELEMENT_ARRAY_BUFFER if buf.type() == QOpenGLBuffer.Type.IndexBuffer else GL.GL_ARRAY_BUFFER
    for start in range(0, len(data), limit):
        chunk = data[start:start + limit]
        buf.bind()
        GL.glBufferSubData(target, start, len(chunk), chunk)
        buf.release()
        yield len(chunk)


def _shrunk(pixels: np.ndarray, max_size: int) -> np.ndarray:
    if max(pixels.shape[:2]) > max_size:  # cheap nearest-texel subsample: thumbnails, or a GPU below the cap
        step = -(-max(pixels.shape[:2]) // max_size)
        pixels = np.ascontiguousarray(pixels[::step, ::step])
    return pixels


def _prepared_levels(arrays: SceneArrays, pixels: np.ndarray, srgb_texture: bool, colour: bool, max_size: int
                     ) -> list[np.ndarray] | None:
    """The mip levels the loader's worker computed for ``pixels`` (mipmaps.py), if they fit this texture: the
    same size on the GPU, averaged in the same space (an sRGB texture averages in linear light; a colour image
    uploaded as plain RGBA, on OpenGL ES 2, averages its encoded values) and mipmaps in use at all."""
    chains = arrays.prepared.get(MIPMAPS_KEY)
    if not chains or srgb_texture != colour or max(pixels.shape[:2]) > max_size or not bool(GL.glGenerateMipmap):
        return None
    return chains.get((id(pixels), colour))


def _texture(pixels: np.ndarray, *, srgb: bool, max_size: int, levels: list[np.ndarray] | None = None) -> int:
    h, w = _shrunk(pixels, max_size).shape[:2]
    tex = int(GL.glGenTextures(1))
    GL.glBindTexture(GL.GL_TEXTURE_2D, tex)
    internal = GL.GL_SRGB8_ALPHA8 if srgb else GL.GL_RGBA
    GL.glTexImage2D(GL.GL_TEXTURE_2D, 0, internal, w, h, 0, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE, None)
    for n, level in enumerate(levels or (), start=1):  # storage only; _fill_texture copies them in bands
        GL.glTexImage2D(GL.GL_TEXTURE_2D, n, internal, level.shape[1], level.shape[0], 0, GL.GL_RGBA,
                        GL.GL_UNSIGNED_BYTE, None)
    GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_WRAP_S, GL.GL_REPEAT)
    GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_WRAP_T, GL.GL_REPEAT)
    GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_MAG_FILTER, GL.GL_LINEAR)
    GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_MIN_FILTER, GL.GL_LINEAR)  # until mipmaps exist
    GL.glBindTexture(GL.GL_TEXTURE_2D, 0)
    return tex


def _fill_texture(tex: int, pixels: np.ndarray, max_size: int, limit: int,
                  levels: list[np.ndarray] | None = None) -> Iterator[int]:
    """Copy the image in bands of about ``limit`` bytes, then its mip levels: ``levels`` (computed in the
    worker) band by band too, else glGenerateMipmap in one step (60-300 ms on llvmpipe for 2048²)."""
    for n, image in enumerate((_shrunk(pixels, max_size), *(levels or ()))):
        h, w = image.shape[:2]
        rows = max(1, limit // max(1, w * 4))
        for top in range(0, h, rows):
            band = np.ascontiguousarray(image[top:top + rows])
            GL.glBindTexture(GL.GL_TEXTURE_2D, tex)
            GL.glPixelStorei(GL.GL_UNPACK_ALIGNMENT, 1)
            GL.glTexSubImage2D(GL.GL_TEXTURE_2D, n, 0, top, w, len(band), GL.GL_RGBA, GL.GL_UNSIGNED_BYTE, band)
            GL.glBindTexture(GL.GL_TEXTURE_2D, 0)
            yield band.nbytes
    if levels:
        GL.glBindTexture(GL.GL_TEXTURE_2D, tex)
        GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_MIN_FILTER, GL.GL_LINEAR_MIPMAP_NEAREST)  # as below
        GL.glBindTexture(GL.GL_TEXTURE_2D, 0)
    elif bool(GL.glGenerateMipmap):  # once, after the last band
        GL.glBindTexture(GL.GL_TEXTURE_2D, tex)
        GL.glGenerateMipmap(GL.GL_TEXTURE_2D)
        # trilinear costs ~15% more on llvmpipe
        GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_MIN_FILTER, GL.GL_LINEAR_MIPMAP_NEAREST)
        GL.glBindTexture(GL.GL_TEXTURE_2D, 0)
        yield pixels.nbytes // 3  # building the smaller levels reads the whole image once more

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

from desktop_app.core.mesh.arrays import MeshPart, SceneArrays
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
            by_image[key] = tex = _texture(pixels, srgb=srgb and not es2, max_size=max_size)
            textures.append(tex)
            yield from _fill_texture(tex, pixels, max_size, limit, levels, srgb=srgb and not es2)

    for part in arrays.parts:
        sources = {"a_position": part.positions, "a_normal": part.normals}
        if part.uvs is not None and _images(part):
            sources["a_texcoord"] = part.uvs
        if part.colors is not None:
            sources["a_color"] = part.colors
        if part.tangents is not None and part.normal_texture is not None:
            sources["a_tangent"] = part.tangents
        # listed before anything is made, so an upload abandoned half way frees what it made
        gpu = GpuPart({}, _buffer(part.indices, QOpenGLBuffer.Type.IndexBuffer), int(part.indices.size), 0, es2,
                      part.base_color, part)
        parts.append(gpu)
        yield _allocated(part.indices.nbytes, limit)
        for name, arr in sources.items():
            gpu.buffers[name] = _buffer(arr)
            yield _allocated(arr.nbytes, limit)
        yield from texture(part.texture, True)
        for attr, key, srgb in EXTRA_MAPS:
            pixels = getattr(part, attr)
            yield from texture(pixels, srgb)
            if pixels is not None and part.uvs is not None:
                gpu.maps[key] = by_image[(id(pixels), srgb)]
        if part.texture is not None and part.uvs is not None:
            gpu.texture = by_image.get((id(part.texture), True), 0)
        for name, arr in sources.items():
            yield from _fill(gpu.buffers[name], arr, limit)
        yield from _fill(gpu.index, part.indices, limit)


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


def _allocated(nbytes: int, limit: int) -> int:
    """What making storage of ``nbytes`` counts for in a slice: llvmpipe zero-fills new storage (a 2048²
    texture with its mip levels ~26 ms, a 24 MB index buffer ~12 ms, against well under 1 ms for copying
    4 MB into it), so a big one ends its turn like a slice of copying."""
    return min(nbytes, limit)


def _texture(pixels: np.ndarray, *, srgb: bool, max_size: int) -> int:
    """The texture with its level 0's storage; _fill_texture makes each mip level's as it reaches it."""
    h, w = _shrunk(pixels, max_size).shape[:2]
    tex = int(GL.glGenTextures(1))
    GL.glBindTexture(GL.GL_TEXTURE_2D, tex)
    GL.glTexImage2D(GL.GL_TEXTURE_2D, 0, _internal(srgb), w, h, 0, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE, None)
    GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_WRAP_S, GL.GL_REPEAT)
    GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_WRAP_T, GL.GL_REPEAT)
    GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_MAG_FILTER, GL.GL_LINEAR)
    GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_MIN_FILTER, GL.GL_LINEAR)  # until mipmaps exist
    GL.glBindTexture(GL.GL_TEXTURE_2D, 0)
    return tex


def _internal(srgb: bool) -> int:
    return GL.GL_SRGB8_ALPHA8 if srgb else GL.GL_RGBA


def _fill_texture(tex: int, pixels: np.ndarray, max_size: int, limit: int,
                  levels: list[np.ndarray] | None = None, *, srgb: bool = False) -> Iterator[int]:
    """Copy the image in bands of about ``limit`` bytes, then its mip levels: ``levels`` (computed in the
    worker) band by band too, each level's storage made in a step of its own, else glGenerateMipmap in one
    step (60-300 ms on llvmpipe for 2048²)."""
    base = _shrunk(pixels, max_size)
    yield _allocated(base.shape[0] * base.shape[1] * 4, limit)  # level 0's storage, made by _texture
    for n, image in enumerate((base, *(levels or ()))):
        h, w = image.shape[:2]
        if n > 0:
            GL.glBindTexture(GL.GL_TEXTURE_2D, tex)
            GL.glTexImage2D(GL.GL_TEXTURE_2D, n, _internal(srgb), w, h, 0, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE, None)
            GL.glBindTexture(GL.GL_TEXTURE_2D, 0)
            yield _allocated(h * w * 4, limit)
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

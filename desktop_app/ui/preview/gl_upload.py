"""Moving SceneArrays to the GPU in slices, so a big model never holds the GUI thread for one long upload.

Measured under Mesa llvmpipe on a 500k-triangle model: the vertex buffers take a few ms, the 2048² texture
with its mipmaps ~75 ms, and the first draw 140-300 ms. The upload is a generator of steps, each at most about
``slice_bytes`` of copying (buffers filled with glBufferSubData, textures row-band by row-band with
glTexSubImage2D, mipmaps generated once at the end), so the caller can spread it over event-loop turns. The
draw cannot be sliced this way; it happens in a turn of its own once everything is on the GPU.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from OpenGL import GL
from PySide6.QtOpenGL import QOpenGLBuffer

from desktop_app.core.mesh_arrays import SceneArrays

SLICE_BYTES = 4 * 1024 * 1024  # per event-loop turn: ~5-20 ms of copying on software GL


@dataclass
class GpuPart:
    buffers: dict[str, QOpenGLBuffer]
    index: QOpenGLBuffer
    count: int
    texture: int  # 0 = none
    decode: bool
    base_color: tuple[float, float, float, float]


def scene_bytes(arrays: SceneArrays) -> int:
    """What an upload of ``arrays`` copies (textures counted once, mipmaps not)."""
    total = 0
    seen: set[int] = set()
    for part in arrays.parts:
        for arr in (part.positions, part.normals, part.uvs, part.colors, part.indices):
            total += 0 if arr is None else arr.nbytes
        if part.texture is not None and id(part.texture) not in seen:
            seen.add(id(part.texture))
            total += part.texture.nbytes
    return total


def upload_steps(arrays: SceneArrays, parts: list[GpuPart], textures: list[int], *, es2: bool, max_size: int,
                 slice_bytes: int = SLICE_BYTES, by_image: dict[int, int] | None = None) -> Iterator[int]:
    """Create and fill the GPU objects for ``arrays``, yielding the bytes copied after each bounded step.

    GPU objects are appended to ``parts``/``textures`` as soon as they exist, so an upload abandoned half way
    is freed like a finished one. The context must be current whenever the generator is resumed. ``by_image``
    (image id -> texture) lets a second scene with the same images (the motion proxy) reuse their textures.
    """
    limit = slice_bytes if slice_bytes > 0 else 1 << 62
    by_image = {} if by_image is None else by_image
    for part in arrays.parts:
        sources = {"a_position": part.positions, "a_normal": part.normals}
        if part.uvs is not None and part.texture is not None:
            sources["a_texcoord"] = part.uvs
        if part.colors is not None:
            sources["a_color"] = part.colors
        buffers = {name: _buffer(arr) for name, arr in sources.items()}
        index = _buffer(part.indices, QOpenGLBuffer.Type.IndexBuffer)
        tex = 0
        if part.texture is not None and part.uvs is not None:
            if id(part.texture) not in by_image:  # parts sharing one image share one texture
                by_image[id(part.texture)] = tex = _texture(part.texture, srgb=not es2, max_size=max_size)
                textures.append(tex)
                yield from _fill_texture(tex, part.texture, max_size, limit)
            tex = by_image[id(part.texture)]
        parts.append(GpuPart(buffers, index, int(part.indices.size), tex, es2, part.base_color))
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


def _texture(pixels: np.ndarray, *, srgb: bool, max_size: int) -> int:
    h, w = _shrunk(pixels, max_size).shape[:2]
    tex = int(GL.glGenTextures(1))
    GL.glBindTexture(GL.GL_TEXTURE_2D, tex)
    internal = GL.GL_SRGB8_ALPHA8 if srgb else GL.GL_RGBA
    GL.glTexImage2D(GL.GL_TEXTURE_2D, 0, internal, w, h, 0, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE, None)
    GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_WRAP_S, GL.GL_REPEAT)
    GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_WRAP_T, GL.GL_REPEAT)
    GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_MAG_FILTER, GL.GL_LINEAR)
    GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_MIN_FILTER, GL.GL_LINEAR)  # until mipmaps exist
    GL.glBindTexture(GL.GL_TEXTURE_2D, 0)
    return tex


def _fill_texture(tex: int, pixels: np.ndarray, max_size: int, limit: int) -> Iterator[int]:
    pixels = _shrunk(pixels, max_size)
    h, w = pixels.shape[:2]
    rows = max(1, limit // max(1, w * 4))
    for top in range(0, h, rows):
        band = np.ascontiguousarray(pixels[top:top + rows])
        GL.glBindTexture(GL.GL_TEXTURE_2D, tex)
        GL.glPixelStorei(GL.GL_UNPACK_ALIGNMENT, 1)
        GL.glTexSubImage2D(GL.GL_TEXTURE_2D, 0, 0, top, w, len(band), GL.GL_RGBA, GL.GL_UNSIGNED_BYTE, band)
        GL.glBindTexture(GL.GL_TEXTURE_2D, 0)
        yield band.nbytes
    if bool(GL.glGenerateMipmap):  # once, after the last band
        GL.glBindTexture(GL.GL_TEXTURE_2D, tex)
        GL.glGenerateMipmap(GL.GL_TEXTURE_2D)
        # trilinear costs ~15% more on llvmpipe
        GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_MIN_FILTER, GL.GL_LINEAR_MIPMAP_NEAREST)
        GL.glBindTexture(GL.GL_TEXTURE_2D, 0)
        yield pixels.nbytes // 3  # building the smaller levels reads the whole image once more

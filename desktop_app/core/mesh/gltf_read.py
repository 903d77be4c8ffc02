"""Read a glTF 2.0 file (.glb or .gltf) into numpy without trimesh: the JSON, its buffers and typed accessors.

Generators deliver GLB; going through trimesh's general scene machinery cost seconds on a 500k-triangle model
(and pulled in scipy). Here each accessor is a numpy view on the file's bytes (strided views included), with
sparse and normalized accessors resolved. Every index, count and offset comes from the file and is checked
against what the file holds, so a hostile file is a ``GltfError``, never a huge allocation or a crash.
"""

from __future__ import annotations

import base64
import json
import struct
from pathlib import Path
from typing import Any

import numpy as np

GLB_MAGIC = b"glTF"
CHUNK_JSON = 0x4E4F534A
CHUNK_BIN = 0x004E4942
COMPONENTS = {5120: np.int8, 5121: np.uint8, 5122: np.int16, 5123: np.uint16, 5125: np.uint32, 5126: np.float32}
WIDTHS = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT2": 4, "MAT3": 9, "MAT4": 16}
# Extensions that change how geometry is stored: a file requiring one cannot be read here (trimesh can't either).
GEOMETRY_EXTENSIONS = {"KHR_draco_mesh_compression", "EXT_meshopt_compression", "KHR_mesh_quantization"}


class GltfError(ValueError):
    """The file is not a readable glTF (damaged, truncated, or using a storage we do not read)."""


class GltfUnsupported(GltfError):
    """Readable, but stored in a way this reader does not handle; another reader may."""


class GltfFile:
    """The parsed JSON plus lazy access to buffers, accessors and image bytes."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.folder = self.path.parent
        raw = self.path.read_bytes()
        self._glb_bin: memoryview | None = None
        if raw[:4] == GLB_MAGIC:
            self.json = self._parse_glb(raw)
        else:
            self.json = _parse_json(raw)
        if not isinstance(self.json, dict):
            raise GltfError("the glTF JSON is not an object")
        required = set(self.json.get("extensionsRequired") or ())
        if required & GEOMETRY_EXTENSIONS:
            raise GltfUnsupported(f"requires {', '.join(sorted(required & GEOMETRY_EXTENSIONS))}")
        self._buffers: dict[int, memoryview] = {}

    # -- containers ----------------------------------------------------------------------------------
    def _parse_glb(self, raw: bytes) -> Any:
        if len(raw) < 20:
            raise GltfError("GLB shorter than its header")
        _, version, length = struct.unpack_from("<4sII", raw, 0)
        if version != 2:
            raise GltfUnsupported(f"GLB version {version}")
        view = memoryview(raw)[: min(length, len(raw))]
        offset, document = 12, None
        while offset + 8 <= len(view):
            size, kind = struct.unpack_from("<II", view, offset)
            body = view[offset + 8: offset + 8 + size]
            if len(body) < size:
                raise GltfError("GLB chunk runs past the end of the file")
            if kind == CHUNK_JSON and document is None:
                document = _parse_json(bytes(body))
            elif kind == CHUNK_BIN and self._glb_bin is None:
                self._glb_bin = body
            offset += 8 + size + (-size % 4)
        if document is None:
            raise GltfError("GLB without a JSON chunk")
        return document

    def _list(self, key: str) -> list:
        value = self.json.get(key) or []
        if not isinstance(value, list):
            raise GltfError(f"'{key}' is not a list")
        return value

    def item(self, key: str, index: Any) -> dict:
        items = self._list(key)
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(items):
            raise GltfError(f"{key}[{index!r}] does not exist")
        value = items[index]
        if not isinstance(value, dict):
            raise GltfError(f"{key}[{index}] is not an object")
        return value

    def buffer(self, index: int) -> memoryview:
        if index not in self._buffers:
            spec = self.item("buffers", index)
            uri = spec.get("uri")
            if uri is None:
                if index != 0 or self._glb_bin is None:
                    raise GltfError(f"buffer {index} has no data")
                data = self._glb_bin
            else:
                data = memoryview(self.read_uri(uri))
            declared = spec.get("byteLength", len(data))
            if not isinstance(declared, int) or declared > len(data):
                raise GltfError(f"buffer {index} is shorter than it declares")
            self._buffers[index] = data[:declared]
        return self._buffers[index]

    def read_uri(self, uri: Any) -> bytes:
        """A data: URI or a file next to the model (never outside its folder)."""
        if not isinstance(uri, str):
            raise GltfError("a uri is not a string")
        if uri.startswith("data:"):
            head, _, payload = uri.partition(",")
            if not head.endswith(";base64"):
                raise GltfUnsupported("non-base64 data URI")
            try:
                return base64.b64decode(payload, validate=False)
            except ValueError as exc:
                raise GltfError("bad base64 data URI") from exc
        from urllib.parse import unquote

        target = (self.folder / unquote(uri)).resolve()
        if not target.is_relative_to(self.folder.resolve()):
            raise GltfError("a uri points outside the model's folder")
        try:
            return target.read_bytes()
        except OSError as exc:
            raise GltfError(f"missing file {uri!r}") from exc

    def view_bytes(self, index: Any) -> tuple[memoryview, int]:
        """A bufferView's bytes and its byteStride (0 when tightly packed)."""
        view = self.item("bufferViews", index)
        data = self.buffer(view.get("buffer"))
        start, length = view.get("byteOffset", 0), view.get("byteLength")
        stride = view.get("byteStride", 0)
        if not all(isinstance(x, int) and x >= 0 for x in (start, length, stride)) or start + length > len(data):
            raise GltfError(f"bufferView {index} lies outside its buffer")
        return data[start: start + length], stride

    # -- accessors -----------------------------------------------------------------------------------
    def accessor(self, index: Any) -> np.ndarray:
        """(count, width) array; floats for normalized integers; sparse substitutions applied."""
        spec = self.item("accessors", index)
        dtype = COMPONENTS.get(spec.get("componentType"))
        width = WIDTHS.get(spec.get("type"))
        count = spec.get("count")
        if dtype is None or width is None or not isinstance(count, int) or count < 0:
            raise GltfError(f"accessor {index} has a bad type or count")
        itemsize = np.dtype(dtype).itemsize
        if "bufferView" in spec:
            data, stride = self.view_bytes(spec["bufferView"])
            offset = spec.get("byteOffset", 0)
            elem = itemsize * width
            stride = stride or elem
            if not isinstance(offset, int) or offset < 0 or stride < elem:
                raise GltfError(f"accessor {index} has a bad offset or stride")
            if count and offset + stride * (count - 1) + elem > len(data):
                raise GltfError(f"accessor {index} runs past its bufferView")
            if count == 0:
                arr = np.zeros((0, width), dtype=dtype)
            else:
                arr = np.ndarray((count, width), dtype=np.dtype(dtype).newbyteorder("<"), buffer=data,
                                 offset=offset, strides=(stride, itemsize))
        else:
            if count > 1 << 28:
                raise GltfError(f"accessor {index} is absurdly large")
            arr = np.zeros((count, width), dtype=dtype)
        sparse = spec.get("sparse")
        if isinstance(sparse, dict):
            arr = self._apply_sparse(arr, sparse, dtype, width, index)
        if spec.get("normalized") and np.issubdtype(arr.dtype, np.integer):
            arr = normalized_to_float(arr)
        return arr

    def _apply_sparse(self, arr: np.ndarray, sparse: dict, dtype: Any, width: int, index: Any) -> np.ndarray:
        n = sparse.get("count")
        idx_spec, val_spec = sparse.get("indices") or {}, sparse.get("values") or {}
        idx_type = COMPONENTS.get(idx_spec.get("componentType"))
        if not isinstance(n, int) or n < 0 or idx_type not in (np.uint8, np.uint16, np.uint32):
            raise GltfError(f"accessor {index} has a bad sparse block")
        indices = self._packed(idx_spec, idx_type, 1, n).ravel().astype(np.int64)
        values = self._packed(val_spec, dtype, width, n)
        if len(indices) and (indices.max() >= len(arr)):
            raise GltfError(f"accessor {index} has sparse indices out of range")
        out = np.array(arr, copy=True)  # the base may be a read-only view on the file
        out[indices] = values
        return out

    def _packed(self, spec: dict, dtype: Any, width: int, count: int) -> np.ndarray:
        data, _ = self.view_bytes(spec.get("bufferView"))
        offset = spec.get("byteOffset", 0)
        size = np.dtype(dtype).itemsize * width * count
        if not isinstance(offset, int) or offset < 0 or offset + size > len(data):
            raise GltfError("a sparse block runs past its bufferView")
        return np.frombuffer(data, dtype=np.dtype(dtype).newbyteorder("<"), count=width * count,
                             offset=offset).reshape(count, width)

    # -- images --------------------------------------------------------------------------------------
    def image_bytes(self, index: Any) -> bytes:
        spec = self.item("images", index)
        if "bufferView" in spec:
            data, _ = self.view_bytes(spec["bufferView"])
            return bytes(data)
        return self.read_uri(spec.get("uri"))


def normalized_to_float(arr: np.ndarray) -> np.ndarray:
    """glTF's rule for normalized integers: unsigned c / max, signed max(c / max, -1)."""
    info = np.iinfo(arr.dtype)
    out = arr.astype(np.float32) / np.float32(info.max)
    if info.min < 0:
        np.maximum(out, -1.0, out=out)
    return out


def _parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise GltfError("the glTF JSON is damaged") from exc

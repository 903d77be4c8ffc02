"""Scenario assets: uploading input images and classifying a job's output assets (scenario.md 2 and 5).

Output lists vary by model: Rodin puts a WEBP preview before its GLB and returns two GLBs with
``material: "All"``; Meshy returns a GLB, an OBJ, its ``.mtl`` under a ``.bin`` name and four texture PNGs.
Files are classified by ``kind``, ``metadata.type``, ``mimeType`` and ``properties.format``, never by name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from desktop_app.core.images import IMAGE_MIME
from desktop_app.core.mesh.formats import RESULT_SUFFIXES
from desktop_app.providers.base import FileKind, RemoteFile

MODEL_FORMATS = frozenset(s[1:] for s in RESULT_SUFFIXES)  # "glb", as Scenario names formats
MIME_EXT = {
    "model/gltf-binary": "glb",
    "model/gltf+json": "gltf",
    "model/obj": "obj",
    "model/fbx": "fbx",
    "application/fbx": "fbx",
    "model/vnd.usdz+zip": "usdz",
    "model/stl": "stl",
    "model/ply": "ply",
    "image/png": "png",
    "image/webp": "webp",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "application/json": "json",
    "text/plain": "txt",
}


def image_mime(name: str) -> str:
    return IMAGE_MIME.get(PurePosixPath(name.lower()).suffix, "image/png")


def part_plan(size: int, min_part: int = 5 * 1024 * 1024, max_parts: int = 10_000) -> list[tuple[int, int]]:
    """(offset, length) of each multipart part: at least 5 MB except the last, at most 10,000 parts."""
    part = max(min_part, -(-size // max_parts))
    plan = [(offset, min(part, size - offset)) for offset in range(0, size, part)]
    return plan or [(0, 0)]


def asset_of(body: Any) -> dict[str, Any]:
    if isinstance(body, dict) and isinstance(body.get("asset"), dict):
        return body["asset"]
    return body if isinstance(body, dict) else {}


def _lower(value: Any) -> str:
    return str(value).strip().lower() if isinstance(value, str) else ""


def _url_name(url: str) -> str:
    try:
        return PurePosixPath(urlsplit(url).path).name
    except ValueError:
        return ""


def _safe_stem(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "asset"


def classify(asset: dict[str, Any]) -> RemoteFile:
    """One output asset as a ``RemoteFile`` (``preferred`` is decided later across all files)."""
    asset_id = str(asset.get("id") or "")
    kind = _lower(asset.get("kind"))
    mime = _lower(asset.get("mimeType"))
    props = asset.get("properties") if isinstance(asset.get("properties"), dict) else {}
    meta = asset.get("metadata") if isinstance(asset.get("metadata"), dict) else {}
    meta_type = _lower(meta.get("type"))
    fmt = _lower(props.get("format")).lstrip(".")
    url = str(asset.get("url") or "")
    url_name = _url_name(url)
    url_ext = PurePosixPath(url_name.lower()).suffix.lstrip(".")

    ext = fmt or MIME_EXT.get(mime, "") or url_ext or "bin"
    if meta_type == "3d-texture-mtl" or fmt == "mtl" or mime in ("model/mtl", "text/mtl"):
        # The OBJ's material file was seen stored as ".bin" with a misleading mime type.
        file_kind, ext = FileKind.OTHER, "mtl"
    elif meta_type.startswith("3d-texture"):
        file_kind = FileKind.TEXTURE
    elif mime.startswith("image/") or kind in ("image", "image-hdr"):
        file_kind = FileKind.IMAGE
    elif kind == "3d" or fmt in MODEL_FORMATS or mime.startswith("model/"):
        file_kind = FileKind.MODEL
    else:
        file_kind = FileKind.OTHER
    if file_kind == FileKind.MODEL and ext not in MODEL_FORMATS:
        ext = MIME_EXT.get(mime, "") if MIME_EXT.get(mime, "") in MODEL_FORMATS else "glb"
    if url_name and url_ext == ext:
        name = url_name
    else:
        index = asset.get("outputIndex")
        stem = f"output-{index}" if isinstance(index, int) and not isinstance(index, bool) else asset_id
        name = f"{_safe_stem(stem)}.{ext}"
    size = props.get("size")
    return RemoteFile(
        key=asset_id,
        name=name,
        kind=file_kind,
        url=url,
        size=int(size) if isinstance(size, int | float) and not isinstance(size, bool) else None,
        mime=mime or ("model/gltf-binary" if ext == "glb" else ""),
    )


def _is_glb(file: RemoteFile) -> bool:
    return file.kind == FileKind.MODEL and (file.mime == "model/gltf-binary" or file.name.lower().endswith(".glb"))


def _mentions_pbr(asset: dict[str, Any]) -> bool:
    """Whether the GLB is Rodin's PBR one, read from fields the SDK really has: ``metadata.fileName``,
    ``metadata.name`` (scenario-sdk types/asset_retrieve_response.py AssetMetadata) and the signed URL's file name.
    Rodin names its two files ``base_basic_pbr.glb`` and ``base_basic_shaded.glb`` (shared/api/rodin.md 4.2)."""
    meta = asset.get("metadata") if isinstance(asset.get("metadata"), dict) else {}
    names = (meta.get("fileName"), meta.get("name"), _url_name(str(asset.get("url") or "")))
    return any(isinstance(n, str) and "pbr" in n.lower() for n in names)


def _output_index(asset: dict[str, Any]) -> float:
    """``outputIndex`` on the asset or in its metadata (both in the SDK); unknown sorts last."""
    meta = asset.get("metadata") if isinstance(asset.get("metadata"), dict) else {}
    for value in (asset.get("outputIndex"), meta.get("outputIndex")):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return float("inf")


def select_outputs(assets: Iterable[dict[str, Any]]) -> list[RemoteFile]:
    """Classify every asset and mark one preferred model: a GLB (a PBR one when Rodin gave two), else the
    first 3D file. Models come first, then images and the rest, each in the service's order."""
    pairs = [(a, classify(a)) for a in assets if isinstance(a, dict) and a.get("id")]
    glbs = sorted(((a, f) for a, f in pairs if _is_glb(f)), key=lambda p: _output_index(p[0]))
    # No name says PBR: the first GLB by outputIndex (a guess; no source says which index Rodin gives PBR).
    choice = next((f for a, f in glbs if _mentions_pbr(a)), None) or next((f for _a, f in glbs), None)
    if choice is None:
        choice = next((f for _a, f in pairs if f.kind == FileKind.MODEL), None)
    order = {FileKind.MODEL: 0, FileKind.IMAGE: 1, FileKind.TEXTURE: 2, FileKind.OTHER: 3}
    out = []
    for _a, f in sorted(pairs, key=lambda p: order[p[1].kind]):
        if choice is not None and f is choice:
            f = RemoteFile(f.key, f.name, f.kind, f.url, f.size, f.mime, preferred=True)
        out.append(f)
    return out

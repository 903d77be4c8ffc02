"""Request rules and result files of the Hyper3D emulator (contract shared/api/rodin.md 2.2-2.4, 4.1).

Kept apart from the HTTP plumbing in ``tests/emulators/hyper3d.py`` so each stays small.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import trimesh

from tests.emulators.common import make_glb, make_image

GEN25 = ("Gen-2.5-Extreme-Low", "Gen-2.5-Low", "Gen-2.5-Medium", "Gen-2.5-High", "Gen-2.5-Extreme-High")
GEN15 = ("Regular", "Detail", "Smooth")
TIERS = (*GEN25, "Gen-2", *GEN15, "Sketch")
ENUMS = {
    "tier": TIERS,
    "geometry_file_format": ("glb", "usdz", "fbx", "obj", "stl"),
    "material": ("PBR", "Shaded", "All", "None"),
    "quality": ("high", "medium", "low", "extra-low"),
    "mesh_mode": ("Quad", "Raw"),
    "condition_mode": ("concat", "fuse"),
    "texture_mode": ("legacy", "extreme-low", "low", "medium", "high", "extreme-high"),
    "geometry_instruct_mode": ("faithful", "creative"),
    "is_symmetric": ("symmetric", "balanced", "asymmetric", "unknown"),
}
BOOLEANS = ("use_original_alpha", "TAPose", "TApose", "preview_render", "mesh_simplify", "mesh_smooth", "use_hyper",
            "hd_texture", "texture_delight", "is_micro")
ARRAYS = ("bbox_condition", "addons", "image_label")
IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"RIFF")
# Old and new spellings of the body-level codes (contract 6.1); ``error_names`` picks the set.
OLD_NAMES = {"API_INSUFFICIENT_FUNDS": "INSUFFICIENT_FUND", "API_NO_ACTIVE_SUBSCRIPTION": "NO_ACTIVE_SUBSCRIPTION",
             "API_SUBSCRIPTION_PLAN_TOO_LOW": "SUBSCRIPTION_PLAN_TOO_LOW"}


class Reject(Exception):
    """A refusal: HTTP status plus the body-level ``error`` code and ``message``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def quality_override_range(tier: str, mesh_mode: str) -> tuple[int, int]:
    """Limits as in resources/schemas/hyper3d-rodin.json; the Gen-2.5 ones come from Hyper3D's live tool schema
    (hyper3d-cli packages/cli/schema/tools.json), Extreme-High's 2M and Gen-1.5's from the docs' tables."""
    if tier in GEN15 or tier == "Sketch":
        return 2000, 200000
    if mesh_mode == "Quad":
        return (1000, 50000) if tier in GEN25 else (1000, 200000)
    if tier == "Gen-2.5-Extreme-High":
        return 20000, 2000000
    return 500, 1000000


def decode_array(name: str, values: list[str]) -> list[Any]:
    """Every form vendor clients send, decoded the same way (contract rule: accept every variant):
    repeated plain fields (rodin-api-mcp, ComfyUI: ``addons=HighPack`` twice, ``bbox_condition`` x3), a comma
    list (rodin3d-skills: ``"100,320,100"``) and a JSON-array string (docs, BlenderMCP: ``[100,320,100]``)."""
    items: list[Any] = []
    for text in values:
        text = text.strip()
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except ValueError as exc:
                raise Reject(500, "UNKNOWN", f"Unexpected token in JSON: {exc}") from None
            items.extend(parsed if isinstance(parsed, list) else [parsed])
        else:
            items.extend(p.strip() for p in text.split(",") if p.strip())
    if name == "bbox_condition":
        try:
            return [int(float(v)) if float(v).is_integer() else float(v) for v in items]
        except (TypeError, ValueError):
            raise Reject(400, "INVALID_REQUEST", "bbox_condition must be three positive integers.") from None
    return [str(v) for v in items]


def validate(raw: dict[str, list[str]], images: list[bytes], *, strict_booleans: bool = True,
             strict_arrays: bool = False, default_tier: str = "Regular") -> dict[str, Any]:
    """Check a submit's text parts like the real service; returns typed fields or raises ``Reject``."""
    if not images and not raw.get("prompt", [""])[0].strip():
        raise Reject(400, "INVALID_REQUEST", "Either images or prompt is required.")
    if len(images) > 5:
        raise Reject(400, "INVALID_REQUEST", "At most 5 images are allowed.")
    if any(not img.startswith(IMAGE_MAGIC) for img in images):
        raise Reject(400, "INVALID_REQUEST", "Unsupported image format.")
    out: dict[str, Any] = {}
    for name, values in raw.items():
        if name in ARRAYS:
            if strict_arrays and (len(values) > 1 or not values[0].lstrip().startswith("[")):
                # Off by default: an unconfirmed 2026-09 report (contract 2.3) that the server JSON.parses them.
                raise Reject(500, "UNKNOWN", f"Unexpected token '{values[0][:1]}', is not valid JSON")
            out[name] = decode_array(name, values)
            continue
        value = values[-1]
        if name in BOOLEANS:
            if value not in ("true", "false") and (strict_booleans or value.lower() not in ("true", "false")):
                raise Reject(400, "INVALID_REQUEST", f"{name} must be true or false.")
            out["TAPose" if name == "TApose" else name] = value.lower() == "true"
        elif name in ENUMS:
            if value not in ENUMS[name]:
                raise Reject(400, "INVALID_REQUEST", f"Invalid value for {name}: {value!r}.")
            out[name] = value
        elif name in ("seed", "quality_override", "height"):
            try:
                out[name] = int(value)
            except ValueError:
                raise Reject(400, "INVALID_REQUEST", f"{name} must be an integer.") from None
        else:
            out[name] = value  # prompt and unknown fields (ignored, as the real service does)
    tier = out.setdefault("tier", default_tier)
    mesh = out.get("mesh_mode", "Raw" if tier in GEN25 else "Quad")
    if not 0 <= out.get("seed", 0) <= 65535:
        raise Reject(400, "INVALID_REQUEST", "seed must be between 0 and 65535.")
    if "quality_override" in out:
        lo, hi = quality_override_range(tier, mesh)
        if tier == "Sketch" or not lo <= out["quality_override"] <= hi:
            raise Reject(400, "INVALID_REQUEST", f"quality_override must be {lo}-{hi} for {tier} {mesh}.")
    addons = out.get("addons", [])
    if not isinstance(addons, list) or any(a != "HighPack" for a in addons):
        raise Reject(400, "INVALID_REQUEST", "addons may only contain HighPack.")
    if addons and tier in GEN15 and mesh == "Raw":
        raise Reject(400, "INVALID_REQUEST", "HighPack is not available in Raw mode.")
    bbox = out.get("bbox_condition")
    if bbox is not None and (not isinstance(bbox, list) or len(bbox) != 3
                             or not all(isinstance(v, int) and v > 0 for v in bbox)):
        raise Reject(400, "INVALID_REQUEST", "bbox_condition must be three positive integers.")
    if out.get("geometry_instruct_mode") == "creative" and tier not in GEN25[2:]:
        raise Reject(400, "INVALID_REQUEST", "Creative mode needs Gen-2.5 Medium, High or Extreme-High.")
    if len(out.get("image_label", [])) > len(images):
        raise Reject(400, "IMAGE_LABEL_LENGTH_TOO_LONG", "More image labels than images.")
    out["_images"] = len(images)
    return out


def make_file(name: str, seed: int) -> bytes:
    ext = name.rsplit(".", 1)[-1].lower()
    if ext == "glb":
        return make_glb(seed=seed)
    if ext in ("webp", "png", "jpg"):
        return make_image({"webp": "WEBP", "png": "PNG", "jpg": "JPEG"}[ext], size=64, seed=seed)
    if ext in ("obj", "stl"):
        data = trimesh.creation.icosphere(subdivisions=2).export(file_type=ext)
        return data.encode() if isinstance(data, str) else data
    if ext == "fbx":
        return b"Kaydara FBX Binary  \x00\x1a\x00" + bytes(64)
    if ext == "usdz":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("model.usdc", b"PXR-USDC" + bytes(32))
        return buf.getvalue()
    return b"emulator file"

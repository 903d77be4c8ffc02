"""Scenario model records: 3D filtering, availability, bundled fallbacks and the on-disk schema cache.

List records (``GET /v1/models``) carry no ``inputs``; the schema comes from ``GET /v1/models/{id}`` and is
cached by ``updatedAt`` (scenario.md 6.4). Three schemas ship with the app for first launch and offline use.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import re
from pathlib import Path
from typing import Any

from desktop_app.providers.base import ModelInfo
from desktop_app.resources import resource_path

log = logging.getLogger(__name__)

PROVIDER = "scenario"
PREFIX = "scenario:"
BUNDLED_IDS = ("model_trellis-2", "model_hunyuan-3d-v2-1", "model_rodin-hyper3d-v2-5")
THREE_D_CAPS = ("img23d", "txt23d", "3d23d")  # 3d23d: mesh in, mesh out (refine: remesh, retexture, rig)
NO_KEY_REASON = "Add your Scenario key in Settings"
# scenario-sdk types/model_retrieve_response.py: "accessRestrictions: 0: Free plan 25: Starter plan 50: Pro plan
# 75: Max plan 100: Enterprise plan". Records carry no "restricted" flag; only a quote or a submit tells.
PLAN_NAMES = {0: "Free", 25: "Starter", 50: "Pro", 75: "Max", 100: "Enterprise"}


def qualify(model_id: str) -> str:
    return model_id if model_id.startswith(PREFIX) else PREFIX + model_id


def unqualify(model_id: str) -> str:
    return model_id[len(PREFIX):] if model_id.startswith(PREFIX) else model_id


def model_record(raw: Any) -> dict[str, Any]:
    """The model object from a ``{"model": {...}}`` reply, a bare record, or a bundled file."""
    if isinstance(raw, dict) and isinstance(raw.get("model"), dict):
        return raw["model"]
    return raw if isinstance(raw, dict) else {}


def capabilities(record: dict[str, Any]) -> tuple[str, ...]:
    """Rule 9: entries are strings or ``{"type": ...}`` objects."""
    out = []
    for entry in record.get("capabilities") or ():
        value = entry.get("type") if isinstance(entry, dict) else entry
        if isinstance(value, str) and value and value not in out:
            out.append(value)
    return tuple(out)


def is_3d(record: dict[str, Any]) -> bool:
    return any(c in THREE_D_CAPS for c in capabilities(record))


def deprecated_by(record: dict[str, Any]) -> str | None:
    """Rule 10: a ``deprecated:<replacementId>`` tag marks a retired model ("" when no replacement named)."""
    for tag in record.get("tags") or ():
        if isinstance(tag, str) and tag.startswith("deprecated"):
            return tag.partition(":")[2].strip()
    return None


def plan_note(record: dict[str, Any]) -> str:
    """Which plan the model asks for. We cannot read the account's plan, so this is a note, not a block:
    the dryRun quote or the submit tells a user whose plan is too low, before anything is charged."""
    level = record.get("accessRestrictions")
    if isinstance(level, int | float) and not isinstance(level, bool) and level > 0:
        name = PLAN_NAMES.get(int(level))
        return f"Needs the {name} Scenario plan or above." if name else "Needs a paid Scenario plan."
    return ""


def model_info(record: dict[str, Any], *, unlocked: set[str] | frozenset[str] = frozenset()) -> ModelInfo:
    model_id = str(record.get("id") or "")
    description = str(record.get("shortDescription") or record.get("description") or "").strip()
    description = re.sub(r"\s+", " ", description)
    if len(description) > 200:
        description = description[:197].rstrip() + "..."
    replacement = deprecated_by(record)
    if replacement is not None:
        note = f"Deprecated; use {qualify(replacement)} instead." if replacement else "Deprecated."
        description = f"{note} {description}".strip()
    reason = ""
    note = "" if model_id in unlocked else plan_note(record)
    if note:
        description = f"{note} {description}".strip()
    caps = tuple(c for c in capabilities(record) if c in THREE_D_CAPS) or ("img23d",)
    return ModelInfo(
        id=qualify(model_id),
        name=str(record.get("name") or "").strip() or display_name(model_id),
        provider=PROVIDER,
        description=description,
        capabilities=caps,
        available=not reason,
        unavailable_reason=reason,
        needs_account=True,
    )


def display_name(model_id: str) -> str:
    """A person's name for a model the live list gives no name: the bundled schema's, else the id made readable
    ("model_tripo-v3-0-texturing" -> "Tripo v3 0 texturing"), never the raw id."""
    bare = unqualify(model_id)
    raw = bundled_raw(bare) if bare in BUNDLED_IDS else None
    if raw is not None and str(model_record(raw).get("name") or "").strip():
        return str(model_record(raw)["name"]).strip()
    words = bare.removeprefix("model_").replace("_", " ").replace("-", " ").split()
    return " ".join(words)[:1].upper() + " ".join(words)[1:] if words else bare


def bundled_path(model_id: str) -> Path:
    return resource_path(f"schemas/scenario-{unqualify(model_id)}.json")


def bundled_raw(model_id: str) -> dict[str, Any] | None:
    path = bundled_path(model_id)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def bundled_infos(*, available: bool, reason: str = "") -> list[ModelInfo]:
    out = []
    for model_id in BUNDLED_IDS:
        raw = bundled_raw(model_id)
        if raw is None:
            log.warning("bundled Scenario schema for %s is missing", model_id)
            continue
        record = dict(model_record(raw), id=model_id)
        info = model_info(record)
        if not available:
            info = ModelInfo(info.id, info.name, info.provider, info.description, info.capabilities,
                             available=False, unavailable_reason=reason, needs_account=True)
        out.append(info)
    return out


def apply_local_overrides(raw: dict[str, Any]) -> dict[str, Any]:
    """Rule 11: Rodin's ``material: "All"`` default returns two GLBs; default to PBR instead."""
    raw = copy.deepcopy(raw)
    record = model_record(raw)
    if "rodin" not in str(record.get("id") or raw.get("id") or ""):
        return raw
    for entry in record.get("inputs") or ():
        if isinstance(entry, dict) and entry.get("name") == "material" and entry.get("default") == "All":
            allowed = entry.get("allowedValues") or []
            if not allowed or "PBR" in allowed:
                entry["default"] = "PBR"
    return raw


def sent_overrides(schema_fields: set[str], raw_id: str) -> dict[str, Any]:
    """Values to send when the user left them unset, so a local default override reaches the service
    (unset optionals are otherwise omitted and the service would apply its own default)."""
    if "rodin" in raw_id and "material" in schema_fields:
        return {"material": "PBR"}
    return {}


class SchemaCache:
    """Raw ``GET /v1/models/{id}`` replies on disk, one JSON file per model, replaced atomically."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory

    def _path(self, model_id: str) -> Path | None:
        if self.directory is None:
            return None
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", unqualify(model_id))
        return self.directory / f"scenario-{safe}.json"

    def get(self, model_id: str) -> dict[str, Any] | None:
        path = self._path(model_id)
        if path is None:
            return None
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return raw if isinstance(raw, dict) else None

    def put(self, model_id: str, raw: dict[str, Any]) -> None:
        path = self._path(model_id)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".json.tmp")
            tmp.write_text(json.dumps(raw), encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:  # a cache that cannot be written only costs a refetch
            log.info("could not cache Scenario schema %s: %s", model_id, type(exc).__name__)

    def updated_at(self, model_id: str) -> str | None:
        raw = self.get(model_id)
        value = model_record(raw).get("updatedAt") if raw else None
        return str(value) if value else None

    def get_list(self) -> list[dict[str, Any]] | None:
        """The last model list seen, so an offline start still shows the account's models."""
        raw = self.get("_models-list")
        records = raw.get("models") if raw else None
        return records if isinstance(records, list) else None

    def put_list(self, records: list[dict[str, Any]]) -> None:
        self.put("_models-list", {"models": records})

"""Model schemas in one normalised form, for every provider.

Scenario serves each model's ``inputs[]`` (see ``shared/api/scenario.md`` section 6); Hyper3D has no schema
endpoint, so its schema is hand-written in the same JSON form with a few extension keys (``enabledIf``,
``disabledReason``, ``rangeIf``, ``advanced``, ``sendAlways``, ``integer``). ``ModelSchema`` turns either into
typed ``Field`` records, checks user values with plain-language messages, and builds request bodies. The
form generator (``ui/generate/param_form.py``), the CLI and the providers all use only this module, never a model name.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path
from typing import Any, TypeVar

from desktop_app.core.errors import MeshwrightError, UnknownModelError, ValidationError
from desktop_app.core.schema.fields import (
    Choice,
    Field,
    FieldType,
    RangeRule,
    Required,
    field_to_json,
    is_empty,
    parse_field,
    same_value,
    selects_to_json,
)
from desktop_app.core.schema.values import coerce_one, quoted, value_error
from desktop_app.resources import resource_path

__all__ = [
    "Choice",
    "Field",
    "FieldType",
    "ModelSchema",
    "RangeRule",
    "Required",
    "load_bundled",
]

T = TypeVar("T")


@dataclass(frozen=True)
class ModelSchema:
    id: str
    name: str
    description: str = ""
    provider: str = ""
    fields: tuple[Field, ...] = ()
    updated_at: str = ""
    capabilities: tuple[str, ...] = ()
    deprecated_by: str | None = None
    _index: dict[str, Field] = dc_field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {f.name: f for f in self.fields})

    # ----------------------------------------------------------------- loading and saving

    @classmethod
    def from_dict(cls, data: dict, model_id: str | None = None) -> ModelSchema:
        """Read our normalised form or a raw Scenario ``GET /v1/models/{id}`` response."""
        if isinstance(data.get("model"), dict):
            data = data["model"]
        raw_inputs: list[dict[str, Any]] = []
        for item in _input_list(data):
            if isinstance(item, dict) and item.get("name") and item["name"] not in {
                i["name"] for i in raw_inputs
            }:
                raw_inputs.append(item)
        names = {str(i["name"]) for i in raw_inputs}
        ui_config = data.get("uiConfig") if isinstance(data.get("uiConfig"), dict) else {}
        selects = ui_config.get("selects") if isinstance(ui_config.get("selects"), dict) else {}
        prompt_name = _prompt_name(raw_inputs)
        fields = tuple(parse_field(i, selects, names, prompt_name) for i in raw_inputs)

        raw_id = str(model_id or data.get("id") or "")
        provider = str(data.get("provider") or (raw_id.split(":", 1)[0] if ":" in raw_id else "scenario"))
        qualified = raw_id if ":" in raw_id or not raw_id else f"{provider}:{raw_id}"
        capabilities = []
        for cap in data.get("capabilities") or ():
            value = cap.get("type") if isinstance(cap, dict) else cap
            if isinstance(value, str) and value:
                capabilities.append(value)
        deprecated_by = data.get("deprecatedBy") or None
        for tag in data.get("tags") or ():
            if isinstance(tag, str) and tag.startswith("deprecated:") and len(tag) > len("deprecated:"):
                replacement = tag.split(":", 1)[1]
                deprecated_by = replacement if ":" in replacement else f"{provider}:{replacement}"
        return cls(
            id=qualified,
            name=str(data.get("name") or raw_id),
            description=str(data.get("description") or data.get("shortDescription") or ""),
            provider=provider,
            fields=fields,
            updated_at=str(data.get("updatedAt") or ""),
            capabilities=tuple(capabilities),
            deprecated_by=deprecated_by,
        )

    @classmethod
    def load(cls, path: Path) -> ModelSchema:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise MeshwrightError(f"The model description {Path(path).name} cannot be read.",
                                  hint=f"({exc})") from exc
        if not isinstance(data, dict):
            raise MeshwrightError(f"The model description {Path(path).name} is not in the expected form.")
        return cls.from_dict(data)

    def to_json(self) -> dict:
        selects = {f.name: s for f in self.fields if (s := selects_to_json(f))}
        out: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "provider": self.provider,
            "updatedAt": self.updated_at,
            "capabilities": list(self.capabilities),
            "inputs": [field_to_json(f) for f in self.fields],
            "uiConfig": {"selects": selects},
        }
        if self.deprecated_by:
            out["deprecatedBy"] = self.deprecated_by
        return out

    # ----------------------------------------------------------------- lookups

    def field(self, name: str) -> Field:
        return self._index[name]

    def defaults(self) -> dict:
        base = {f.name: f.default for f in self._value_fields() if f.default is not None}
        for f in self._value_fields():
            if f.range_if and (d := self.effective_default(f.name, base)) is not None:
                base[f.name] = d
        return base

    def image_fields(self) -> list[Field]:
        return [f for f in self.fields if f.is_image]

    def max_images(self) -> int:
        return sum(f.max_items for f in self.image_fields())

    def min_images(self) -> int:
        total, groups = 0, set()
        for f in self.image_fields():
            if f.required.always:
                total += f.min_items
            elif f.required.if_not_defined and all(
                self._index[n].is_image for n in f.required.if_not_defined
            ):
                # Either-or among image inputs only: one image is needed whatever the prompt says.
                groups.add(frozenset((f.name, *f.required.if_not_defined)))
        return total + len(groups)

    def prompt_field(self) -> Field | None:
        name = _prompt_name([f.raw | {"name": f.name, "type": str(f.type), "prompt": f.prompt}
                             for f in self.fields])
        return self._index[name] if name else None

    def model_fields(self) -> list[Field]:
        return [f for f in self.fields if f.is_model]

    def assign_models(self, models: Sequence[T]) -> dict[str, list[T]]:
        """Share 3D files out over the model inputs in schema order, one per input (a model input that takes
        several is given them all in turn, like images)."""
        out: dict[str, list[T]] = {}
        rest = list(models)
        for f in self.model_fields():
            if rest:
                out[f.name], rest = rest[: f.max_items], rest[f.max_items:]
        return out

    def assign_images(self, images: Sequence[T]) -> dict[str, list[T]]:
        """Share images out over the image inputs in schema order, filling each before the next."""
        out: dict[str, list[T]] = {}
        rest = list(images)
        for f in self.image_fields():
            if rest:
                out[f.name], rest = rest[: f.max_items], rest[f.max_items:]
        return out

    # ----------------------------------------------------------------- conditional rules

    def _current(self, name: str, values: dict) -> Any:
        value = values.get(name)
        return self._index[name].default if value is None else value

    def _holds(self, conditions: tuple[tuple[str, tuple[Any, ...]], ...], values: dict) -> bool:
        return all(
            any(same_value(self._current(sib, values), a) for a in allowed)
            for sib, allowed in conditions
            if sib in self._index  # a condition on an unknown input cannot be judged; ignore it
        )

    def is_enabled(self, name: str, values: dict) -> tuple[bool, str]:
        f = self._index[name]
        if self._holds(f.enabled_if, values):
            return True, ""
        if f.disabled_reason:
            return False, f.disabled_reason
        parts = []
        for sib, allowed in f.enabled_if:
            if sib in self._index:
                s = self._index[sib]
                parts.append(f"{quoted(s.label)} is " + " or ".join(s.choice_label(a) for a in allowed))
        return False, "Only available when " + " and ".join(parts) + "."

    def _range_rule(self, f: Field, values: dict) -> RangeRule | None:
        return next((r for r in f.range_if if self._holds(r.when, values)), None)

    def effective_range(self, name: str, values: dict) -> tuple[float | None, float | None]:
        f = self._index[name]
        rule = self._range_rule(f, values)
        if rule is None:
            return f.min, f.max
        return (f.min if rule.min is None else rule.min), (f.max if rule.max is None else rule.max)

    def effective_default(self, name: str, values: dict) -> Any:
        f = self._index[name]
        rule = self._range_rule(f, values)
        value = f.default if rule is None or rule.default is None else rule.default
        if f.integer and isinstance(value, float) and value.is_integer():
            value = int(value)
        return value

    # ----------------------------------------------------------------- coercion

    def coerce(self, values: dict) -> dict:
        """Turn CLI strings ("true", "12", "0.5", "4K") into each field's type."""
        out, errors = {}, {}
        for name, value in values.items():
            f = self._index.get(name)
            if f is None:
                errors[name] = f"This model has no setting called {quoted(name)}."
                continue
            try:
                out[name] = coerce_one(f, value)
            except ValueError as exc:
                errors[name] = str(exc)
        if errors:
            raise ValidationError(errors)
        return out

    # ----------------------------------------------------------------- validation

    def validate(self, values: dict, image_count: int = 0, model_count: int = 0) -> dict[str, str]:
        errors: dict[str, str] = {}
        for name in values:
            if name not in self._index:
                errors[name] = f"This model has no setting called {quoted(name)}."
        resolved = self._resolved(values)
        counts = {k: len(v) for k, v in self.assign_images(range(image_count)).items()}
        counts.update({k: len(v) for k, v in self.assign_models(range(model_count)).items()})
        if model_count > sum(f.max_items for f in self.model_fields()):
            errors["models"] = ("This model does not take a 3D model." if not self.model_fields()
                                else "This model takes fewer 3D models.")
        most, least = self.max_images(), self.min_images()
        if image_count > most:
            errors["images"] = (
                "This model does not use images. Remove them or choose another model." if most == 0
                else "This model takes only one image." if most == 1
                else f"This model takes at most {most} images."
            )
        elif image_count < least:
            errors["images"] = "Add an image." if least == 1 else f"Add at least {least} images."

        def defined(n: str) -> bool:
            g = self._index[n]
            if g.is_file:
                return counts.get(n, 0) > 0
            return g.type != FieldType.UNSUPPORTED and not is_empty(resolved.get(n))

        for f in self.fields:
            if not self.is_enabled(f.name, resolved)[0] or f.name in errors:
                continue
            key, message = self._required_error(f, defined, resolved)
            if message:
                errors.setdefault(key, message)
            elif defined(f.name) and not f.is_file and f.type != FieldType.UNSUPPORTED:
                message = value_error(f, resolved[f.name], *self.effective_range(f.name, resolved))
                if message:
                    errors[f.name] = message
        return errors

    def _required_error(self, f: Field, defined: Any, resolved: dict) -> tuple[str, str]:
        if defined(f.name):
            return f.name, ""
        req = f.required
        if req.always:
            if f.is_image:
                return "images", ""  # counted above, with the number of images needed
            if f.is_model:
                return f.name, "Add a 3D model (a library item or a model file)."
            if f.is_file or f.type == FieldType.UNSUPPORTED:
                return f.name, f"This model needs {quoted(f.label)}, which Meshwright cannot provide yet."
            return f.name, "Please fill this in."
        set_siblings = [n for n in req.if_defined if defined(n)]
        if set_siblings:
            return f.name, f"Needed when {quoted(self._index[set_siblings[0]].label)} is set."
        if req.when_values and self._required_when(req, resolved):
            return self._required_when_error(f, req)
        if req.if_not_defined and not any(defined(n) for n in req.if_not_defined):
            group = [f, *(self._index[n] for n in req.if_not_defined)]
            if any(g.is_image for g in group):
                others = [g for g in group if not g.is_image]
                if not others:
                    return "images", "Add an image."
                if all(g.prompt for g in others):
                    return "images", "Add an image or write a prompt."
                return "images", "Add an image or fill in " + " or ".join(quoted(g.label) for g in others) + "."
            return f.name, "Fill in this or " + " or ".join(quoted(g.label) for g in group[1:]) + "."
        return f.name, ""

    def required_now(self, name: str, values: dict) -> bool:
        """Whether ``required.conditional`` makes this input required for these values."""
        req = self._index[name].required
        return bool(req.when_values) and self._required_when(req, self._resolved(values))

    def _required_when(self, req: Any, values: dict) -> bool:
        checks = [any(same_value(self._current(sib, values), a) for a in allowed)
                  for sib, allowed in req.when_values]
        return all(checks) if req.when_operator == "and" else any(checks)

    def _required_when_error(self, f: Field, req: Any) -> tuple[str, str]:
        parts = []
        for sib, allowed in req.when_values:
            s = self._index[sib]
            parts.append(f"{quoted(s.label)} is " + " or ".join(s.choice_label(a) for a in allowed))
        joiner = " and " if req.when_operator == "and" else " or "
        key = "images" if f.is_image else f.name
        return key, "Needed when " + joiner.join(parts) + "."

    # ----------------------------------------------------------------- request body

    def _value_fields(self) -> list[Field]:
        return [f for f in self.fields if not f.is_file and f.type != FieldType.UNSUPPORTED]

    def _resolved(self, values: dict) -> dict:
        """The values that would be sent: given ones, plus defaults of inputs that must always be sent."""
        out = {k: v for k, v in values.items() if k in self._index}
        for f in self.fields:
            if out.get(f.name) is None and (f.send_always or f.required.always) and not f.is_file:
                default = self.effective_default(f.name, out)
                if default is not None:
                    out[f.name] = default
        return out

    def build_body(self, values: dict, files: dict[str, list[str]] | None = None) -> dict:
        """Request body (rule 6): unset optionals, "" and [] left out, False and 0 kept, disabled inputs
        left out, numbers coerced, file_array as a list and file as one value."""
        resolved = self._resolved(values)
        files = files or {}
        body: dict[str, Any] = {}
        for f in self.fields:
            if not self.is_enabled(f.name, resolved)[0]:
                continue
            if f.is_file:
                items = files.get(f.name) or []
                items = [items] if isinstance(items, str) else list(items)
                if items:
                    body[f.name] = items if f.type == FieldType.FILE_ARRAY else items[0]
                continue
            value = resolved.get(f.name)
            if value is None or (is_empty(value) and not (f.send_always or f.required.always)):
                continue
            if f.type != FieldType.UNSUPPORTED:
                value = self.coerce({f.name: value})[f.name]
            body[f.name] = list(value) if isinstance(value, tuple) else value
        return body


def _input_list(data: dict) -> list[Any]:
    """``inputs``, or ``parameters`` when a record has no ``inputs`` (Scenario's Blender plugin does the same:
    scenario-labs/blender-plugin scenario/core/api/sdk_adapter.py ``estimate_model``); a name-keyed object is
    turned into a list as that plugin's ``_prepare`` does."""
    raw = data.get("inputs")
    if raw is None:
        raw = data.get("parameters")
    if isinstance(raw, dict):
        raw = [dict(v, name=k) for k, v in raw.items() if isinstance(v, dict)]
    return list(raw) if isinstance(raw, list) else []


def _prompt_name(raw_inputs: list[dict[str, Any]]) -> str | None:
    """The main text prompt: an input called "prompt", else the first one marked ``prompt: true``."""
    strings = [i for i in raw_inputs if i.get("type", "string") == "string"]
    for i in strings:
        if i["name"] == "prompt":
            return "prompt"
    return next((str(i["name"]) for i in strings if i.get("prompt")), None)


def load_bundled(name: str) -> ModelSchema:
    """A schema shipped in ``resources/schemas/<name>.json`` (used offline and on first launch)."""
    path = resource_path(f"schemas/{name}.json")
    if not path.is_file():
        raise UnknownModelError(f"No built-in description for the model {quoted(name)}.")
    return ModelSchema.load(path)

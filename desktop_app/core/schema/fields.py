"""One input of a model schema: the ``Field`` record and how a raw Scenario-style input becomes one.

Split from ``model_schema.py`` so the model-level logic (validation, request bodies) stays readable. Import the
public names from ``desktop_app.core.schema.model_schema``; this module is an implementation detail.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from enum import StrEnum
from typing import Any

# Words in a file input's description that show the "required" flag is wrong (scenario.md 6.3 rule 5).
_LYING_REQUIRED = ("if no", "unless", "when no")
# What the user sees for an enum value "" when the service gives no label (rule 2).
DEFAULT_CHOICE_LABEL = "Default"


class FieldType(StrEnum):
    STRING = "string"
    NUMBER = "number"
    BOOLEAN = "boolean"
    FILE = "file"
    FILE_ARRAY = "file_array"
    STRING_ARRAY = "string_array"
    NUMBER_ARRAY = "number_array"
    UNSUPPORTED = "unsupported"


FILE_TYPES = (FieldType.FILE, FieldType.FILE_ARRAY)
ARRAY_TYPES = (FieldType.FILE_ARRAY, FieldType.STRING_ARRAY, FieldType.NUMBER_ARRAY)


@dataclass(frozen=True)
class Choice:
    """One allowed value. ``value`` keeps the schema's type (a number for numeric enums)."""

    value: Any
    label: str


@dataclass(frozen=True)
class Required:
    """Normalised ``required``: always, when any ``if_defined`` sibling is set, or unless any
    ``if_not_defined`` sibling is set (an either-or group). Truthy only when unconditionally required."""

    always: bool = False
    if_defined: tuple[str, ...] = ()
    if_not_defined: tuple[str, ...] = ()
    # ``required.conditional`` (scenario-sdk types/model_retrieve_response.py ModelInputRequiredConditional):
    # required when sibling inputs hold one of the listed values, combined with ``and`` or ``or``.
    when_values: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    when_operator: str = "or"

    def __bool__(self) -> bool:
        return self.always

    @property
    def conditional(self) -> bool:
        return bool(self.if_defined or self.if_not_defined or self.when_values)

    def to_json(self) -> bool | dict[str, Any]:
        if self.always:
            return {"always": True}
        out: dict[str, Any] = {}
        if self.if_defined:
            out["ifDefined"] = {name: True for name in self.if_defined}
        if self.if_not_defined:
            out["ifNotDefined"] = {name: True for name in self.if_not_defined}
        if self.when_values:
            out["conditional"] = {"values": conditions_to_json(self.when_values), "operator": self.when_operator}
        return out or False


@dataclass(frozen=True)
class RangeRule:
    """``rangeIf`` entry: when every sibling named in ``when`` has one of the listed values, these bounds
    (and default) replace the field's own."""

    when: tuple[tuple[str, tuple[Any, ...]], ...]
    min: float | None = None
    max: float | None = None
    default: Any = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"when": conditions_to_json(self.when)}
        for key in ("min", "max", "default"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out


@dataclass(frozen=True)
class Field:
    name: str
    type: FieldType
    label: str = ""
    description: str = ""
    hint: str = ""
    group: str = ""
    default: Any = None
    min: float | None = None
    max: float | None = None
    step: float | None = None
    integer: bool = False
    min_length: int | None = None
    max_length: int | None = None
    choices: tuple[Choice, ...] | None = None
    prompt: bool = False
    kind: str = ""
    required: Required = Required()
    cost_impact: bool = False
    advanced: bool = False
    send_always: bool = False
    # ((sibling, (allowed values...)), ...): all must hold for the field to be enabled.
    enabled_if: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    disabled_reason: str = ""
    range_if: tuple[RangeRule, ...] = ()
    placeholder: str = ""
    raw: dict[str, Any] = dc_field(default_factory=dict, compare=False, repr=False)

    @property
    def is_file(self) -> bool:
        return self.type in FILE_TYPES

    @property
    def is_image(self) -> bool:
        return self.is_file and self.kind in ("", "image")

    @property
    def is_model(self) -> bool:
        """A 3D-file input (``kind: "3d"`` in the catalog, shared/api/scenario.md 4: e.g. ``model``, ``file3d``,
        ``mesh``): filled from a library item or a model file, uploaded as a 3D asset."""
        return self.is_file and self.kind.lower() in ("3d", "model", "mesh")

    @property
    def max_items(self) -> int:
        """How many files this input takes (5 for a file_array that states no limit)."""
        if self.type == FieldType.FILE:
            return 1
        if self.type == FieldType.FILE_ARRAY:
            return self.max_length if self.max_length is not None else 5
        return 0

    @property
    def min_items(self) -> int:
        return max(self.min_length or 1, 1) if self.is_file else 0

    def choice_label(self, value: Any) -> str:
        for choice in self.choices or ():
            if same_value(choice.value, value):
                return choice.label
        return str(value)


def same_value(a: Any, b: Any) -> bool:
    """Loose equality for enum and condition values: 1024 == "1024", but True != 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b or str(a) == str(b)


def is_empty(value: Any) -> bool:
    """Rule 6: None, "" and empty arrays count as "not set"; False and 0 do not."""
    return value is None or (isinstance(value, str | list | tuple) and len(value) == 0)


def humanise(name: str) -> str:
    """``textureResolution`` -> "Texture resolution", ``hd_texture`` -> "Hd texture", ``TAPose`` -> "TA pose"."""
    words = re.findall(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+", name)
    if not words:
        return name
    words = [w if w.isupper() and len(w) > 1 else w.lower() for w in words]
    return " ".join(words)[0].upper() + " ".join(words)[1:]


def parse_conditions(raw: Any) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    if not isinstance(raw, dict):
        return ()
    out = []
    for sibling, allowed in raw.items():
        values = tuple(allowed) if isinstance(allowed, list | tuple) else (allowed,)
        out.append((str(sibling), values))
    return tuple(out)


def conditions_to_json(conditions: tuple[tuple[str, tuple[Any, ...]], ...]) -> dict[str, list[Any]]:
    return {sibling: list(values) for sibling, values in conditions}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return value


def _integral(value: Any) -> bool:
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _field_type(raw_type: Any) -> FieldType:
    try:
        ftype = FieldType(str(raw_type))
    except ValueError:
        return FieldType.UNSUPPORTED
    return ftype


def _required(raw: Any, sibling_names: set[str]) -> Required:
    if isinstance(raw, bool):
        return Required(always=raw)
    if not isinstance(raw, dict):
        return Required()
    if raw.get("always"):
        return Required(always=True)
    if_defined = tuple(n for n in _names(raw.get("ifDefined")) if n in sibling_names)
    not_defined_raw = _names(raw.get("ifNotDefined"))
    if_not_defined = tuple(n for n in not_defined_raw if n in sibling_names)
    if not_defined_raw and not if_not_defined:
        # The either-or partner is not in the public schema, so nothing can stand in for this input.
        return Required(always=True)
    when: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    operator = "or"
    conditional = raw.get("conditional")
    if isinstance(conditional, dict):
        # A condition on an input the public schema does not show can never hold (nothing can set it).
        when = tuple(c for c in parse_conditions(conditional.get("values")) if c[0] in sibling_names)
        operator = "and" if str(conditional.get("operator") or "").lower() == "and" else "or"
    return Required(if_defined=if_defined, if_not_defined=if_not_defined, when_values=when, when_operator=operator)


def _names(raw: Any) -> list[str]:
    if isinstance(raw, dict):
        return [str(k) for k in raw]
    if isinstance(raw, list | tuple):
        return [str(k) for k in raw]
    if isinstance(raw, str):
        return [raw]
    return []


def parse_field(raw: dict[str, Any], selects: dict[str, Any], sibling_names: set[str],
                prompt_name: str | None) -> Field:
    """Normalise one ``inputs[]`` entry (Scenario's keys plus our extensions)."""
    name = str(raw["name"])
    ftype = _field_type(raw.get("type", "string"))
    default = raw.get("default", raw.get("value"))
    lo, hi, step = _number(raw.get("min")), _number(raw.get("max")), _number(raw.get("step"))
    range_if = tuple(
        RangeRule(parse_conditions(r.get("when")), _number(r.get("min")), _number(r.get("max")),
                  r.get("default"))
        for r in raw.get("rangeIf") or () if isinstance(r, dict)
    )
    integer = False
    if ftype == FieldType.NUMBER:
        if isinstance(raw.get("integer"), bool):
            integer = raw["integer"]
        else:
            # Rule 3: no integer flag exists; integral bounds and default mean a whole-number input.
            present = [v for v in (default, lo, hi, step) if _number(v) is not None]
            present += [v for r in range_if for v in (r.min, r.max, r.default) if _number(v) is not None]
            integer = bool(present) and all(_integral(v) for v in present)
        if integer and _number(default) is not None:
            default = int(default)
    choices = None
    allowed = raw.get("allowedValues")
    if isinstance(allowed, list) and allowed:
        labels = selects.get(name) if isinstance(selects.get(name), dict) else {}
        choices = tuple(
            Choice(v, str(labels.get(str(v), DEFAULT_CHOICE_LABEL if v == "" else v))) for v in allowed
        )
    required = _required(raw.get("required", False), sibling_names - {name})
    description = str(raw.get("description") or "")
    if (required.always and ftype in FILE_TYPES and prompt_name and prompt_name != name
            and any(w in description.lower() for w in _LYING_REQUIRED)):
        # Rule 5: "required" but the description says a prompt can stand in for it.
        required = Required(if_not_defined=(prompt_name,))
    min_length, max_length = raw.get("minLength"), raw.get("maxLength")
    return Field(
        name=name,
        type=ftype,
        label=str(raw.get("label") or humanise(name)),
        description=description,
        hint=str(raw.get("hint") or ""),
        group=str(raw.get("group") or ""),
        default=default,
        min=lo,
        max=hi,
        step=step,
        integer=integer,
        min_length=int(min_length) if _number(min_length) is not None else None,
        max_length=int(max_length) if _number(max_length) is not None else None,
        choices=choices,
        prompt=bool(raw.get("prompt")) and ftype == FieldType.STRING,
        kind=str(raw.get("kind") or ""),
        required=required,
        cost_impact=bool(raw.get("costImpact")),
        advanced=bool(raw.get("advanced")),
        send_always=bool(raw.get("sendAlways")),
        enabled_if=parse_conditions(raw.get("enabledIf")),
        disabled_reason=str(raw.get("disabledReason") or ""),
        range_if=range_if,
        placeholder=str(raw.get("placeholder") or ""),
        raw=dict(raw),
    )


def field_to_json(f: Field) -> dict[str, Any]:
    """The normalised input entry; ``parse_field`` of this gives back an equal ``Field``."""
    raw_type = f.raw.get("type", "unsupported") if f.type == FieldType.UNSUPPORTED else str(f.type)
    out: dict[str, Any] = {"name": f.name, "type": raw_type, "label": f.label}
    optional: dict[str, Any] = {
        "kind": f.kind, "description": f.description, "hint": f.hint, "group": f.group,
        "placeholder": f.placeholder, "disabledReason": f.disabled_reason,
    }
    out.update({k: v for k, v in optional.items() if v})
    if f.default is not None:
        out["default"] = f.default
    for key, value in (("min", f.min), ("max", f.max), ("step", f.step), ("minLength", f.min_length),
                       ("maxLength", f.max_length)):
        if value is not None:
            out[key] = value
    if f.type == FieldType.NUMBER:
        out["integer"] = f.integer
    if f.choices is not None:
        out["allowedValues"] = [c.value for c in f.choices]
    flags = {"prompt": f.prompt, "costImpact": f.cost_impact, "advanced": f.advanced,
             "sendAlways": f.send_always}
    out.update({k: True for k, v in flags.items() if v})
    required = f.required.to_json()
    if required:
        out["required"] = required
    if f.enabled_if:
        out["enabledIf"] = conditions_to_json(f.enabled_if)
    if f.range_if:
        out["rangeIf"] = [r.to_json() for r in f.range_if]
    return out


def selects_to_json(f: Field) -> dict[str, str]:
    """The ``uiConfig.selects`` labels that differ from what ``parse_field`` would infer anyway."""
    out = {}
    for c in f.choices or ():
        implied = DEFAULT_CHOICE_LABEL if c.value == "" else str(c.value)
        if c.label != implied:
            out[str(c.value)] = c.label
    return out

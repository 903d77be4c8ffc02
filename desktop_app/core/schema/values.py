"""Checking and converting single values of a schema field: CLI strings to typed values, and the
plain-language messages shown when a value does not fit. Implementation detail of ``model_schema.py``."""

from __future__ import annotations

import json
import math
from typing import Any

from desktop_app.core.schema.fields import ARRAY_TYPES, Field, FieldType, same_value

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def fmt_number(n: float) -> str:
    if isinstance(n, float) and n.is_integer():
        n = int(n)
    return f"{n:,}" if isinstance(n, int) else f"{n:g}"


def quoted(text: str) -> str:
    return f"\u201c{text}\u201d"


def value_error(f: Field, value: Any, lo: float | None, hi: float | None) -> str:
    """Plain-language complaint about a set value, or "" when it is fine (rule 7)."""
    if f.type == FieldType.BOOLEAN:
        return "" if isinstance(value, bool) else "Must be on or off."
    if f.type in ARRAY_TYPES:
        if not isinstance(value, list | tuple):
            return "Must be a list."
        if f.max_length is not None and len(value) > f.max_length:
            return f"Use at most {f.max_length} items."
        return ""
    if f.type == FieldType.NUMBER and (isinstance(value, bool) or not isinstance(value, int | float)
                                       or not math.isfinite(value)):
        return "Must be a number."
    if f.type == FieldType.STRING and not isinstance(value, str):
        return "Must be text."
    if f.choices is not None:
        if not any(same_value(c.value, value) for c in f.choices):
            return "Choose one of: " + ", ".join(c.label for c in f.choices) + "."
        return ""
    if f.type == FieldType.NUMBER:
        if f.integer and not float(value).is_integer():
            return "Must be a whole number."
        if lo is not None and hi is not None and not lo <= value <= hi:
            return f"Must be between {fmt_number(lo)} and {fmt_number(hi)}."
        if lo is not None and value < lo:
            return f"Must be at least {fmt_number(lo)}."
        if hi is not None and value > hi:
            return f"Must be at most {fmt_number(hi)}."
        return ""
    if f.max_length is not None and len(value) > f.max_length:
        return f"Too long: use at most {f.max_length:,} characters (now {len(value):,})."
    if f.min_length is not None and len(value) < f.min_length:
        return f"Too short: use at least {f.min_length:,} characters."
    return ""


def parse_number(f: Field, value: Any) -> int | float:
    if isinstance(value, bool):
        raise ValueError("Must be a number.")
    if isinstance(value, str):
        try:
            value = float(value.strip().replace("_", ""))
        except ValueError:
            raise ValueError("Must be a number.") from None
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError("Must be a number.")
    if f.integer:
        if not float(value).is_integer():
            raise ValueError("Must be a whole number.")
        return int(value)
    return value


def coerce_one(f: Field, value: Any) -> Any:
    if value is None:
        return None
    if f.type == FieldType.BOOLEAN:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        raise ValueError("Use true or false.")
    if f.type == FieldType.NUMBER:
        if f.choices and isinstance(value, str):
            for c in f.choices:
                if value.strip().lower() in (str(c.value).lower(), c.label.lower()):
                    return c.value
        return parse_number(f, value)
    if f.type == FieldType.STRING:
        text = value if isinstance(value, str) else str(value)
        for c in f.choices or ():
            if text == c.value:
                return text
        for c in f.choices or ():
            if text.strip().lower() in (str(c.value).lower(), c.label.lower()):
                return c.value
        return text
    if f.type in (FieldType.STRING_ARRAY, FieldType.NUMBER_ARRAY):
        items = value
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                try:
                    items = json.loads(text)
                except json.JSONDecodeError:
                    raise ValueError("Write a list like [1, 2, 3] or 1,2,3.") from None
            else:
                items = [part.strip() for part in text.split(",") if part.strip()]
        if not isinstance(items, list | tuple):
            raise ValueError("Must be a list.")
        if f.type == FieldType.NUMBER_ARRAY:
            numbers = [parse_number(Field(f.name, FieldType.NUMBER), x) for x in items]
            # Whole numbers stay ints so "[100, 320, 100]" is sent as written.
            return [int(n) if isinstance(n, float) and n.is_integer() else n for n in numbers]
        return [str(x) for x in items]
    if f.is_file:
        raise ValueError("Images are added separately, not as a setting." if f.is_image
                         else "Meshwright cannot send this kind of file yet.")
    if isinstance(value, str):  # unsupported type: pass JSON through, else keep the text
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value

"""Parameters of the offline relief generator, validated on construction (bad values -> ValidationError)."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any, ClassVar

from desktop_app.core.errors import ValidationError


@dataclass
class ReliefParams:
    depth: float = 0.15  # front height, relative to the subject's longer side
    detail: int = 160  # grid cells across the subject (sqrt of its bounding area); sets the triangle count
    smoothing: float = 2.0  # gaussian sigma on the height field, in cells of the default (160) grid
    base_thickness: float = 0.03  # wall height between the front and back rims, relative to the longer side
    luminance_detail: float = 0.3  # 0: shape only; 1: brightness shapes the surface too
    back: str = "mirror"  # "flat" | "mirror"
    background: str = "auto"  # "auto" | "alpha" | "border"

    RANGES: ClassVar[dict[str, tuple[float, float]]] = {
        "depth": (0.02, 0.5),
        "detail": (32, 512),
        "smoothing": (0.0, 10.0),
        "base_thickness": (0.0, 0.2),
        "luminance_detail": (0.0, 1.0),
    }
    CHOICES: ClassVar[dict[str, tuple[str, ...]]] = {
        "back": ("flat", "mirror"),
        "background": ("auto", "alpha", "border"),
    }

    def __post_init__(self) -> None:
        problems: dict[str, str] = {}
        for name, (lo, hi) in self.RANGES.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not _finite(value):
                problems[name] = "must be a number"
            elif not lo <= value <= hi:
                problems[name] = f"must be between {lo:g} and {hi:g}"
        for name, allowed in self.CHOICES.items():
            if getattr(self, name) not in allowed:
                problems[name] = f"must be one of {', '.join(allowed)}"
        if problems:
            raise ValidationError(problems)
        for name in self.RANGES:
            setattr(self, name, float(getattr(self, name)))
        self.detail = round(self.detail)

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> ReliefParams:
        """Build from form values; keys that are not parameters (like ``image``) are ignored."""
        known = {f.name for f in fields(cls)}
        picked: dict[str, Any] = {}
        for key, value in values.items():
            if key not in known or value is None:
                continue
            if key in cls.RANGES and isinstance(value, str):
                try:
                    value = float(value)
                except ValueError:
                    raise ValidationError({key: "must be a number"}) from None
            picked[key] = value
        return cls(**picked)


def _finite(value: float) -> bool:
    """math.isfinite, with integers too large for a float counted as not finite (numpy is not needed here:
    this module is imported at start-up)."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False

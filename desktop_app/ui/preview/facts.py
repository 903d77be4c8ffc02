"""The model's facts over the preview: counts, textures, size, file size, watertightness."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QLabel, QWidget

if TYPE_CHECKING:
    from desktop_app.core.mesh_arrays import MeshStats

if TYPE_CHECKING:
    from desktop_app.core.mesh_arrays import MeshPart


def _tr(text: str) -> str:
    return QCoreApplication.translate("PreviewFacts", text)


def _count(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.2f} M"
    if n >= 10_000:
        return f"{n / 1000:.1f} k"
    return f"{n:,}"


def _bytes(n: int) -> str:
    for unit, size in (("GB", 1024**3), ("MB", 1024**2), ("kB", 1024)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


def _length(value: float) -> str:
    return f"{value:.3g}"


def material_summary(parts: list[MeshPart]) -> list[str]:
    """The material channels present in any part (in a fixed order), for the "Material" row."""
    found: list[str] = []
    for part in parts:
        for channel in part.material_channels():
            if channel not in found:
                found.append(channel)
    metals = {p.metallic > 0.5 for p in parts if p.has_material}
    if metals == {True}:
        found.insert(0, "metal")
    elif metals == {True, False}:
        found.insert(0, "metal and non-metal")
    return found


def facts_rows(stats: MeshStats, materials: list[str] | None = None) -> list[tuple[str, str]]:
    """(label, value) pairs, translated; the panel and the tests read the same rows. ``materials`` is
    :func:`material_summary` of the parts (None: no row)."""
    if stats.textures:
        sizes = sorted({f"{w}×{h}" for w, h in stats.textures})
        textures = f"{len(stats.textures)} ({', '.join(sizes)})"
    else:
        textures = _tr("none")
    sx, sy, sz = stats.size
    watertight = {True: _tr("yes"), False: _tr("no"), None: _tr("not checked (too large)")}[stats.watertight]
    rows = [
        (_tr("Triangles"), _count(stats.triangles)),
        (_tr("Vertices"), _count(stats.vertices)),
        (_tr("Parts"), str(stats.parts)),
        (_tr("Textures"), textures),
        *([(_tr("Material"), ", ".join(_tr(m) for m in materials) if materials else _tr("plain colour"))]
          if materials is not None else []),
        (_tr("Size"), f"{_length(sx)} × {_length(sy)} × {_length(sz)} " + _tr("units")),
        (_tr("Watertight"), watertight),
    ]
    if stats.file_bytes:
        rows.append((_tr("File"), _bytes(stats.file_bytes)))
    return rows


class FactsPanel(QLabel):
    """A small translucent table in the preview's corner; mouse events pass through to the 3D view."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("previewFacts")
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setStyleSheet("#previewFacts { background: rgba(20, 21, 24, 190); color: #e8e8e8;"
                           " border-radius: 4px; padding: 6px 8px; margin: 6px; }")
        self.setAccessibleName(self.tr("Model facts"))
        self._rows: list[tuple[str, str]] = []
        self.hide()

    def set_stats(self, stats: MeshStats | None, materials: list[str] | None = None) -> None:
        self._rows = facts_rows(stats, materials) if stats is not None else []
        cells = "".join(f"<tr><td style='color:#a8a8a8; padding-right:10px'>{label}</td><td>{value}</td></tr>"
                        for label, value in self._rows)
        self.setText(f"<table cellspacing='0' cellpadding='1'>{cells}</table>")
        self.adjustSize()

    def rows(self) -> list[tuple[str, str]]:
        return list(self._rows)

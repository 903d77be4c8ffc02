"""The model's facts over the preview: counts, textures, size, file size, watertightness, and the printability
verdict (its problems in the tooltip), checked in a worker from the arrays the preview already holds."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QLabel, QWidget

from desktop_app.ui.tasks import Op

if TYPE_CHECKING:
    from desktop_app.core.mesh.arrays import MeshPart, MeshStats, SceneArrays
    from desktop_app.core.printing.verdict import Verdict

log = logging.getLogger(__name__)
PRINT_CHECK_MAX_TRIANGLES = 3_000_000  # as for the watertight row: beyond it the check takes too long to wait for


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


def short_verdict(line: str, keep: int = 2) -> str:
    """The verdict line with at most ``keep`` problems named (the tooltip lists them all)."""
    head, sep, rest = line.partition(": ")
    names = rest.split(", ") if sep else []
    if not line.startswith("Needs repair") or len(names) <= keep:
        return line
    return f"{head}: {', '.join(names[:keep])} " + _tr("+%1 more").replace("%1", str(len(names) - keep))


class FactsPanel(QLabel):
    """A small translucent table in the preview's corner; mouse events pass through to the 3D view (which
    shows this panel's tooltip when hovered over it: see PreviewWidget.eventFilter)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("previewFacts")
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setStyleSheet("#previewFacts { background: rgba(20, 21, 24, 190); color: #e8e8e8;"
                           " border-radius: 4px; padding: 6px 8px; margin: 6px; }")
        self.setAccessibleName(self.tr("Model facts"))
        self._rows: list[tuple[str, str]] = []
        self._base_rows: list[tuple[str, str]] = []
        self._print_row: tuple[str, str] | None = None
        self._print_request = 0  # the newest model's check wins
        self._print_cancel = threading.Event()  # set when another model is shown: a child process check stops
        self._print_pending: tuple | None = None  # a check prepared, its worker not started yet
        self.verdict: Verdict | None = None
        self.hide()

    def set_stats(self, stats: MeshStats | None, materials: list[str] | None = None) -> None:
        self._base_rows = facts_rows(stats, materials) if stats is not None else []
        self._print_request += 1  # a check still running is for the model shown before
        self._print_cancel.set()
        self._print_pending = None
        self._print_row = None
        self.verdict = None
        self.setToolTip("")
        self._render()

    def check_print(self, arrays: SceneArrays, path: str | Path | None = None, *, start: bool = True) -> None:
        """Judge the shown model for printing in a worker, from its arrays (or the cached check of ``path``).
        ``start`` False: the row says "checking…" now, the worker starts with ``start_print_check``."""
        from desktop_app.core.printing.verdict import unknown

        self._print_request += 1
        request = self._print_request
        self._print_cancel.set()
        self._print_cancel = cancel = threading.Event()
        self._print_pending = None
        if arrays.stats.triangles > PRINT_CHECK_MAX_TRIANGLES:
            self._on_verdict(request, unknown("too large to check in the preview (use Print…)"))
            return
        self._print_row = (_tr("Printable"), _tr("checking…"))
        self._render()
        positions = [p.positions for p in arrays.parts]
        indices = [p.indices for p in arrays.parts]
        self._print_pending = (positions, indices, Path(path) if path else None, cancel, request)
        if start:
            self.start_print_check()

    def start_print_check(self) -> None:
        """Start the check ``check_print`` prepared, unless another model's came since. The preview starts a big
        model's once its upload is over: the check's start (a child process, the mesh copied to it) took the
        cores from the rasteriser while the model's first frame was drawn (a 2M model's proxy: 11-22 ms to
        rasterise without it, 22-47 ms with it)."""
        pending, self._print_pending = self._print_pending, None
        if pending is None or pending[4] != self._print_request:
            return
        positions, indices, file, cancel, request = pending
        (Op(self._check, positions, indices, file, cancel).owner(self)
         .success(lambda verdict: self._on_verdict(request, verdict)).named("facts print check").run())

    @staticmethod
    def _check(positions: list, indices: list, path: Path | None, cancel: threading.Event) -> Verdict | None:
        """In a worker: the verdict, or None when another model was shown meanwhile."""
        from desktop_app.core.printing.verdict import Cancelled, parts_verdict, unknown

        try:
            return parts_verdict(positions, indices, path, cancel)
        except Cancelled:
            return None
        except Exception as exc:  # a check that fails must say so, not leave "checking…"
            log.warning("print check of the preview's model failed", exc_info=exc)
            return unknown("the check failed")

    def _on_verdict(self, request: int, verdict: Verdict | None) -> None:
        if verdict is None or request != self._print_request:
            return
        self.verdict = verdict
        self._print_row = (_tr("Printable"), short_verdict(verdict.line))
        self.setToolTip(verdict.tooltip())
        self._render()

    def _render(self) -> None:
        self._rows = [*self._base_rows, *([self._print_row] if self._print_row else [])]
        cells = "".join(f"<tr><td style='color:#a8a8a8; padding-right:10px'>{label}</td><td>{value}</td></tr>"
                        for label, value in self._rows)
        self.setText(f"<table cellspacing='0' cellpadding='1'>{cells}</table>")
        self.adjustSize()

    def rows(self) -> list[tuple[str, str]]:
        return list(self._rows)

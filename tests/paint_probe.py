"""Watches the preview model's draws paint by paint: a big model must never be drawn whole inside one paint, nor
its proxy in the paints of its arrival (issue 16). Shared by the GL and window tests of the chunked redraw."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from desktop_app.ui.preview import gl_mesh_item


def _watch(monkeypatch, on_draw: Callable[[Any, list, Any, bool], None],
           on_paint: Callable[[], None] | None = None) -> None:
    """Patch the mesh item's paint and draw: ``on_paint()`` as each paint starts, ``on_draw(item, pieces, parts,
    inside a paint)`` before each draw."""
    in_paint: list[bool] = []
    real_paint, real_draw = gl_mesh_item.TexturedMeshItem.paint, gl_mesh_item.TexturedMeshItem.draw

    def paint(self) -> None:
        if on_paint is not None:
            on_paint()
        in_paint.append(True)
        try:
            real_paint(self)
        finally:
            in_paint.pop()

    def draw(self, frame, pieces, parts=None, first=True) -> None:
        on_draw(self, pieces, parts, bool(in_paint))
        real_draw(self, frame, pieces, parts, first)

    monkeypatch.setattr(gl_mesh_item.TexturedMeshItem, "paint", paint)
    monkeypatch.setattr(gl_mesh_item.TexturedMeshItem, "draw", draw)


def count_full_draws_in_paint(monkeypatch) -> list[int]:
    """The returned list gets one entry per paint: triangles drawn from the full-detail model inside it (proxies
    and the chunks drawn between paints do not count)."""
    per_paint: list[int] = []

    def on_draw(item: Any, pieces: list, parts: Any, in_paint: bool) -> None:
        if in_paint and parts is None:
            per_paint[-1] += sum(count for _, _, count, _ in pieces) // 3

    _watch(monkeypatch, on_draw, lambda: per_paint.append(0))
    return per_paint


def record_draws(monkeypatch) -> list[tuple[bool, bool]]:
    """The returned list gets (inside a paint, a proxy) per draw of the model after its upload (not the upload's
    unseen warm-up draws, nor what it draws before it is complete)."""
    draws: list[tuple[bool, bool]] = []

    def on_draw(item: Any, pieces: list, parts: Any, in_paint: bool) -> None:
        if not item.uploading():
            draws.append((in_paint, parts is not None))

    _watch(monkeypatch, on_draw)
    return draws

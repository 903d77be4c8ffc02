"""Counts, per paint of the preview's model, the full-detail triangles that paint drew: a big model must never be
drawn whole inside one paint (issue 16). Shared by the GL and window tests of the chunked redraw."""

from __future__ import annotations

from desktop_app.ui.preview import gl_mesh_item


def count_full_draws_in_paint(monkeypatch) -> list[int]:
    """Patch the mesh item's paint and draw; the returned list gets one entry per paint (triangles drawn from
    the full-detail model inside it; proxies and parts do not count)."""
    per_paint: list[int] = []
    in_paint: list[bool] = []
    real_paint, real_draw = gl_mesh_item.TexturedMeshItem.paint, gl_mesh_item.TexturedMeshItem.draw

    def paint(self) -> None:
        per_paint.append(0)
        in_paint.append(True)
        try:
            real_paint(self)
        finally:
            in_paint.pop()

    def draw(self, frame, pieces, parts=None, first=True) -> None:
        if in_paint and parts is None:
            per_paint[-1] += sum(count for _, _, count, _ in pieces) // 3
        real_draw(self, frame, pieces, parts, first)

    monkeypatch.setattr(gl_mesh_item.TexturedMeshItem, "paint", paint)
    monkeypatch.setattr(gl_mesh_item.TexturedMeshItem, "draw", draw)
    return per_paint


def record_draws(monkeypatch) -> list[tuple[bool, bool]]:
    """Patch the mesh item's paint and draw; the returned list gets (inside a paint, a proxy) per draw of the
    model after its upload (not the upload's unseen warm-up draws, nor what it draws before it is complete)."""
    draws: list[tuple[bool, bool]] = []
    in_paint: list[bool] = []
    real_paint, real_draw = gl_mesh_item.TexturedMeshItem.paint, gl_mesh_item.TexturedMeshItem.draw

    def paint(self) -> None:
        in_paint.append(True)
        try:
            real_paint(self)
        finally:
            in_paint.pop()

    def draw(self, frame, pieces, parts=None, first=True) -> None:
        if not self.uploading():
            draws.append((bool(in_paint), parts is not None))
        real_draw(self, frame, pieces, parts, first)

    monkeypatch.setattr(gl_mesh_item.TexturedMeshItem, "paint", paint)
    monkeypatch.setattr(gl_mesh_item.TexturedMeshItem, "draw", draw)
    return draws

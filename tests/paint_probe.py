"""Watches the preview model's draws paint by paint: a big model must never be drawn whole inside one paint, nor
its proxy in the paints of its arrival (issue 16). Shared by the GL and window tests of the chunked redraw."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from desktop_app.core.mesh.arrays import SceneArrays
from desktop_app.core.mesh.load import load_scene_arrays
from desktop_app.core.mesh.proxy import motion_proxies
from desktop_app.ui.preview import gl_mesh_item, gl_upload, progressive
from tests.emulators.common import make_glb


def big_ball(tmp_path: Path, monkeypatch, slice_bytes: int = 64 * 1024, chunk: int | None = 5000) -> SceneArrays:
    """A 20k-triangle textured ball with two proxy levels (4000 and 1000 triangles), treated as a big model:
    uploaded in ``slice_bytes`` slices over many turns, its frame built in chunks of ``chunk`` triangles (None:
    the preview's own chunk size)."""
    path = tmp_path / "ball.glb"
    path.write_bytes(make_glb(texture_size=64, subdivisions=5))
    arrays = load_scene_arrays(path)
    arrays.proxy = motion_proxies(arrays, levels=(4000, 1000))
    monkeypatch.setattr(gl_upload, "SLICE_BYTES", slice_bytes)
    if chunk is not None:
        monkeypatch.setattr(progressive, "CHUNK_TRIANGLES", chunk)
    return arrays


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

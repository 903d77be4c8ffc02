"""glTF PBR shading under Xvfb + Mesa: renders of the sample-style assets in tests/pbr_assets.py compared with
each other (not just "no crash"): metal vs rough, a normal map's effect and direction, emission, alpha mask,
single-sided culling, the unlit and normals views, the light's controls, and the software-GL fast path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QColor

from desktop_app.core.mesh.load import load_scene_arrays
from desktop_app.ui.preview.offscreen import RenderOptions, render_image
from desktop_app.ui.preview.shading import Shading, effective_quality
from tests import pbr_assets
from tests.gl.conftest import image_array

pytestmark = pytest.mark.gl

BG = (42, 44, 48)
SIZE = (240, 200)


@pytest.fixture(autouse=True)
def _app(qapp) -> None:
    """The offscreen renderer needs a QApplication (pytest-qt's)."""


def _render(tmp_path: Path, data: bytes, name: str, view: str = "iso", **shading: object) -> np.ndarray:
    path = tmp_path / f"{name}.glb"
    if not path.exists():
        path.write_bytes(data)
    azimuth = shading.pop("azimuth", None)
    options = RenderOptions(view=view, background=QColor(*BG), shading=Shading(**shading),  # type: ignore[arg-type]
                            azimuth=azimuth)  # type: ignore[arg-type]
    return image_array(render_image(load_scene_arrays(path), *SIZE, options))[..., :3].astype(np.int32)


def _model_mask(pixels: np.ndarray) -> np.ndarray:
    """Pixels that differ from the flat background by more than the soft shadow does."""
    return np.abs(pixels - np.array(BG)).max(axis=-1) > 40


def _luma(pixels: np.ndarray) -> np.ndarray:
    return pixels @ np.array([0.2126, 0.7152, 0.0722])


def test_polished_metal_and_rough_dielectric_look_clearly_different(tmp_path: Path) -> None:
    metal = _render(tmp_path, pbr_assets.sphere_glb(1.0, 0.15), "metal")
    rough = _render(tmp_path, pbr_assets.sphere_glb(0.0, 1.0), "rough")
    inside = _model_mask(metal) & _model_mask(rough)
    assert inside.sum() > 0.25 * SIZE[0] * SIZE[1]
    lm, lr = _luma(metal)[inside], _luma(rough)[inside]
    assert np.abs(metal[inside] - rough[inside]).mean() > 25  # not a tint: a different picture
    assert lm.std() > 1.8 * lr.std()  # mirror-like: sharp reflections of the soft boxes, dark elsewhere
    assert lm.max() > 200 and np.percentile(lm, 10) < np.percentile(lr, 10) - 30
    assert lr.std() > 8  # the rough sphere is still shaded (light from one side), not flat


def test_normal_map_changes_the_shading_the_right_way_round(tmp_path: Path) -> None:
    bumpy = _render(tmp_path, pbr_assets.normal_map_plane_glb(True), "bumpy", view="front")
    flat = _render(tmp_path, pbr_assets.normal_map_plane_glb(False), "flat", view="front")
    plane = _model_mask(flat)
    ys, xs = np.nonzero(plane)
    top, bottom, left, right = ys.min(), ys.max(), xs.min(), xs.max()
    assert _luma(flat)[plane].std() < 6  # a flat square under soft light is nearly uniform
    assert np.abs(bumpy[plane] - flat[plane]).mean() > 8 and _luma(bumpy)[plane].std() > 4 * _luma(flat)[plane].std()
    # each of the 4x4 domes is lit like a real bump under the key light (front, upper left): its upper-left
    # quarter brighter than its lower-right one. A flipped green channel or tangent would turn this around.
    luma = _luma(bumpy)
    cell_h, cell_w = (bottom - top) / 4, (right - left) / 4

    def quarter(row: int, col: int, at: float) -> float:
        ya, xa = int(top + (row + at) * cell_h), int(left + (col + at) * cell_w)
        return float(luma[ya:ya + int(cell_h * 0.25), xa:xa + int(cell_w * 0.25)].mean())

    lighter = sum(quarter(r, c, 0.2) > quarter(r, c, 0.55) + 10 for r in range(4) for c in range(4))
    assert lighter == 16


def test_emission_glows_on_the_unlit_side_too(tmp_path: Path) -> None:
    glowing = _render(tmp_path, pbr_assets.emissive_glb(), "emissive", view="front", rotation=180.0)
    plain = _render(tmp_path, pbr_assets.sphere_glb(0.0, 0.8, (0.05, 0.05, 0.05)), "dark", view="front",
                    rotation=180.0)
    r, g, b = (glowing[..., i] for i in range(3))
    green = (g > 150) & (r < 120) & (b < 150)
    assert green.sum() > 1500  # the stripes glow, though the key light is turned round behind the model
    assert (plain[..., 1] > 150).sum() == 0
    h = SIZE[1]
    rows = np.nonzero(green.any(axis=1))[0]
    assert rows.min() < h // 2 < rows.max()  # bands above and below the equator, lit side or not


def test_alpha_mask_cuts_holes_and_texture_view_shows_the_authored_colour(tmp_path: Path) -> None:
    masked = _render(tmp_path, pbr_assets.alpha_mask_glb(), "mask", view="front")
    plane = np.abs(masked - np.array([40, 120, 230])).max(axis=-1) < 90  # the blue, lit
    ys, xs = np.nonzero(plane)
    box = masked[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    holes = (np.abs(box - np.array(BG)).max(axis=-1) < 12).mean()
    assert 0.2 < holes < 0.4  # 16 round holes of radius 10/32 of a cell: 31% of the square
    unlit = _render(tmp_path, b"", "mask", view="front", mode="texture")
    cy, cx = (ys.min() + ys.max()) // 2, (xs.min() + xs.max()) // 2 - int((xs.max() - xs.min()) / 8)
    # between holes, the texture's sRGB colour comes back exactly (linearised on sampling, re-encoded)
    assert np.abs(unlit[cy, cx] - np.array([40, 120, 230])).max() <= 3


def test_single_sided_parts_vanish_from_behind_double_sided_ones_do_not(tmp_path: Path) -> None:
    back = {"azimuth": 90.0}
    one_side = _render(tmp_path, pbr_assets.normal_map_plane_glb(True), "bumpy", view="front", **back)
    two_sides = _render(tmp_path, pbr_assets.alpha_mask_glb(), "mask", view="front", **back)
    assert _model_mask(one_side).sum() == 0  # culled, as glTF's doubleSided: false asks
    assert _model_mask(two_sides).sum() > 3000


def test_normals_view_colours_by_direction(tmp_path: Path) -> None:
    normals = _render(tmp_path, pbr_assets.sphere_glb(1.0, 0.15), "metal", view="front", mode="normals")
    h, w = SIZE[1], SIZE[0]
    centre, right, top = normals[h // 2, w // 2], normals[h // 2, w // 2 + 55], normals[h // 2 - 55, w // 2]
    assert centre[2] > 240 and abs(int(centre[0]) - 128) < 12 and abs(int(centre[1]) - 128) < 12
    assert right[0] > 170 and top[1] > 170  # +x right is red, +y up is green (view space)
    assert right[1] < 150 and top[0] < 150


def test_light_controls_change_the_picture(tmp_path: Path) -> None:
    data = pbr_assets.sphere_glb(1.0, 0.15)
    base = _render(tmp_path, data, "metal")
    brighter = _render(tmp_path, data, "metal", exposure=1.0)
    turned = _render(tmp_path, data, "metal", rotation=120.0)
    outdoor = _render(tmp_path, data, "metal", environment="outdoor")
    backdrop = _render(tmp_path, data, "metal", environment="outdoor", background=True)
    inside = _model_mask(base)
    assert _luma(brighter)[inside].mean() > _luma(base)[inside].mean() + 15
    assert np.abs(turned - base)[inside].mean() > 10 and np.abs(outdoor - base)[inside].mean() > 10
    assert tuple(base[1, 1]) == BG and tuple(backdrop[1, 1]) != BG  # the sky behind the model
    assert backdrop[1, 1, 2] > backdrop[1, 1, 0]  # blue above


def test_fast_path_for_software_gl_stays_close_to_the_full_one(tmp_path: Path) -> None:
    assert effective_quality("auto", "llvmpipe (LLVM 15.0.6, 256 bits)") == "fast"
    assert effective_quality("auto", "NVIDIA GeForce RTX 3060/PCIe/SSE2") == "high"
    assert effective_quality("high", "llvmpipe") == "high"
    data = pbr_assets.metal_rough_grid_glb()
    high = _render(tmp_path, data, "grid", view="front", quality="high")
    fast = _render(tmp_path, data, "grid", view="front", quality="fast")
    inside = _model_mask(high) | _model_mask(fast)
    diff = np.abs(high - fast).max(axis=-1)[inside]
    assert diff.mean() < 10 and np.percentile(diff, 95) < 40  # the same look, cheaper

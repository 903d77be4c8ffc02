"""The preview's shading controls, clicked and typed like a user does: view modes one key away, the Light
menu, exposure, the material facts, and the light remembered across runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from desktop_app.core.mesh.load import load_scene_arrays
from desktop_app.ui.preview import PreviewWidget
from tests import pbr_assets
from tests.gl.conftest import image_array

pytestmark = pytest.mark.gl


def _show(preview: PreviewWidget, tmp_path: Path, data: bytes, name: str = "m.glb") -> None:
    path = tmp_path / name
    path.write_bytes(data)
    preview.show_scene(load_scene_arrays(path))


def _focus(preview: PreviewWidget, qtbot) -> None:
    preview.activateWindow()
    qtbot.waitActive(preview)
    preview.view.setFocus()
    qtbot.waitUntil(preview.view.hasFocus)


def _frame(preview: PreviewWidget) -> np.ndarray:
    return image_array(preview.grab_image())[..., :3].astype(int)


def test_view_modes_are_one_key_away_and_exclusive(preview: PreviewWidget, tmp_path: Path, qtbot) -> None:
    _show(preview, tmp_path, pbr_assets.emissive_glb())
    lit = _frame(preview)
    _focus(preview, qtbot)
    frames = {}
    for key, mode in ((Qt.Key.Key_N, "normals"), (Qt.Key.Key_U, "texture"), (Qt.Key.Key_C, "clay")):
        qtbot.keyClick(preview.view, key)
        assert preview.shading().mode == mode
        assert [k for k in ("clay", "normals", "texture") if preview._actions[k].isChecked()] == [mode]
        frames[mode] = _frame(preview)
    qtbot.keyClick(preview.view, Qt.Key.Key_C)  # the same key again: back to the full material
    assert preview.shading().mode == "lit" and not any(preview._actions[k].isChecked()
                                                       for k in ("clay", "normals", "texture"))
    assert np.abs(_frame(preview) - lit).max() <= 2
    for a, b in (("normals", "texture"), ("texture", "clay"), ("clay", "normals")):
        assert np.abs(frames[a] - frames[b]).mean() > 5
    green = (frames["clay"][..., 1] > 150) & (frames["clay"][..., 0] < 120)
    assert green.sum() == 0  # clay hides the emission too: shape only


def test_light_menu_keys_and_exposure_slider(preview: PreviewWidget, tmp_path: Path, qtbot) -> None:
    _show(preview, tmp_path, pbr_assets.sphere_glb(1.0, 0.15))
    seen = []
    preview.shadingChanged.connect(seen.append)
    before = _frame(preview)
    _focus(preview, qtbot)
    qtbot.keyClick(preview.view, Qt.Key.Key_E)  # next environment
    assert preview.shading().environment == "outdoor"
    assert preview.light_controls.actions["env_outdoor"].isChecked()
    qtbot.keyClick(preview.view, Qt.Key.Key_B)  # environment as background
    assert preview.shading().background and preview.light_controls.actions["env_background"].isChecked()
    qtbot.keyClick(preview.view, Qt.Key.Key_BracketRight)
    assert preview.shading().rotation == 15.0
    qtbot.waitUntil(preview.shading_shown, timeout=20000)  # the outdoor light is prefiltered in a worker
    sky = _frame(preview)
    assert tuple(sky[2, 2]) != tuple(before[2, 2])  # the environment behind the model, not the flat colour
    slider = preview.light_controls.exposure
    slider.setValue(slider.maximum())
    assert preview.shading().exposure == 3.0
    assert _frame(preview).mean() > sky.mean() + 20
    preview.light_controls.actions["reset_light"].trigger()
    assert preview.shading().exposure == 0.0 and preview.shading().environment == "studio"
    assert slider.value() == 0 and len(seen) >= 5


def test_facts_list_the_material_channels(preview: PreviewWidget, tmp_path: Path, textured_glb: Path) -> None:
    preview.show_scene(load_scene_arrays(textured_glb))
    assert dict(preview.facts.rows())["Material"] == "base colour"
    _show(preview, tmp_path, pbr_assets.full_pbr_glb(), "full.glb")
    assert dict(preview.facts.rows())["Material"] == ("base colour, metallic-roughness, normal, occlusion, "
                                                      "emission, alpha blend")
    _show(preview, tmp_path, pbr_assets.metal_rough_grid_glb(), "grid.glb")
    assert dict(preview.facts.rows())["Material"] == "metal and non-metal"
    _show(preview, tmp_path, pbr_assets.sphere_glb(1.0, 0.2), "metal.glb")
    assert dict(preview.facts.rows())["Material"] == "metal"


def test_a_loaded_file_waits_for_its_light_then_shows(preview: PreviewWidget, tmp_path: Path, qtbot) -> None:
    from desktop_app.ui.preview import ibl

    preview.set_shading(preview.shading().__class__(environment="outdoor"))
    path = tmp_path / "m.glb"
    path.write_bytes(pbr_assets.sphere_glb(0.0, 0.5))
    preview.open_file(path)
    qtbot.waitUntil(lambda: preview.state() == "scene", timeout=20000)
    assert ibl.is_ready("outdoor") and preview._waiting_scene is None
    assert preview._item.shading().environment == "outdoor"

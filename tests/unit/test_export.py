"""Export round trips: what is written loads back with the same faces and bounds (scaled when asked)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import trimesh

from desktop_app.core.errors import MeshLoadError
from desktop_app.core.library.export import ExportError, ExportExistsError, ExportOptions, export_model, format_for
from tests.emulators.common import make_glb


@pytest.fixture
def glb(tmp_path: Path) -> Path:
    path = tmp_path / "sphere.glb"
    path.write_bytes(make_glb())  # a textured sphere of radius 1: 320 faces
    return path


def _reload(path: Path) -> trimesh.Trimesh:
    return trimesh.load_scene(str(path), process=False).to_mesh()


@pytest.mark.parametrize("fmt", ["glb", "obj", "stl", "ply"])
def test_round_trip_keeps_faces_and_bounds(glb: Path, tmp_path: Path, fmt: str) -> None:
    original = _reload(glb)
    steps: list[float] = []
    result = export_model(glb, tmp_path / "out" / f"model.{fmt}", ExportOptions(fmt),
                          lambda f, _m: steps.append(f))
    back = _reload(result.files[0])
    assert len(back.faces) == len(original.faces) == result.faces == 320
    assert np.allclose(back.bounds, original.bounds, atol=1e-4)
    assert steps[0] < steps[-1] == 1.0 and steps == sorted(steps)


def test_obj_writes_material_and_texture(glb: Path, tmp_path: Path) -> None:
    result = export_model(glb, tmp_path / "model.obj", ExportOptions("obj"))
    names = sorted(p.name for p in result.files)
    assert "model.obj" in names and "model.mtl" in names
    assert any(n.endswith((".png", ".jpg", ".jpeg")) for n in names), names
    assert "mtllib model.mtl" in (tmp_path / "model.obj").read_text()
    back = trimesh.load_scene(str(tmp_path / "model.obj"))
    mesh = next(iter(back.geometry.values()))
    assert getattr(mesh.visual.material, "image", None) is not None  # the texture came back with it


@pytest.mark.parametrize("fmt", ["stl", "glb"])
def test_scaled_to_millimetres(glb: Path, tmp_path: Path, fmt: str) -> None:
    result = export_model(glb, tmp_path / f"print.{fmt}", ExportOptions(fmt, size_mm=50))
    back = _reload(result.files[0])
    assert float(np.max(back.extents)) == pytest.approx(50.0, rel=1e-4)
    assert np.allclose(back.bounds, np.array([[-25, -25, -25], [25, 25, 25]]), atol=1e-2)
    assert len(back.faces) == 320


def test_decimated_to_a_face_budget(glb: Path, tmp_path: Path) -> None:
    result = export_model(glb, tmp_path / "small.stl", ExportOptions("stl", faces=100, size_mm=20))
    back = _reload(result.files[0])
    assert 50 <= len(back.faces) <= 100 and len(back.faces) == result.faces
    assert float(np.max(back.extents)) == pytest.approx(20.0, rel=1e-3)


def test_never_overwrites_unless_told(glb: Path, tmp_path: Path) -> None:
    dest = tmp_path / "model.stl"
    dest.write_bytes(b"keep me")
    with pytest.raises(ExportExistsError) as info:
        export_model(glb, dest, ExportOptions("stl"))
    assert info.value.paths == [dest] and dest.read_bytes() == b"keep me"
    export_model(glb, dest, ExportOptions("stl", overwrite=True))
    assert len(_reload(dest).faces) == 320


def test_obj_side_files_are_not_overwritten_either(glb: Path, tmp_path: Path) -> None:
    (tmp_path / "model.mtl").write_text("mine")
    with pytest.raises(ExportExistsError):
        export_model(glb, tmp_path / "model.obj", ExportOptions("obj"))
    assert not (tmp_path / "model.obj").exists() and (tmp_path / "model.mtl").read_text() == "mine"


def test_extension_follows_the_format(glb: Path, tmp_path: Path) -> None:
    result = export_model(glb, tmp_path / "print", ExportOptions("stl"))
    assert result.files == [tmp_path / "print.stl"]
    assert format_for(Path("a.PLY")) == "ply" and format_for(Path("a.fbx")) is None


def test_bad_input_gives_plain_errors(glb: Path, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="Unknown export format"):
        export_model(glb, tmp_path / "x.fbx", ExportOptions("fbx"))
    with pytest.raises(ExportError, match="positive"):
        export_model(glb, tmp_path / "x.stl", ExportOptions("stl", size_mm=-3))
    bad = tmp_path / "bad.glb"
    bad.write_bytes(b"not a model at all" * 10)
    with pytest.raises(MeshLoadError):
        export_model(bad, tmp_path / "x.stl", ExportOptions("stl"))
    assert not (tmp_path / "x.stl").exists()

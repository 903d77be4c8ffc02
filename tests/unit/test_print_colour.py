"""Colour 3MF: per-triangle colours from a texture or vertex colours, written as m:colorgroup and read back."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import trimesh
from PIL import Image

from desktop_app.core.printing.colour import transfer_colours
from desktop_app.core.printing.export import export_printable
from desktop_app.core.printing.threemf import CORE_NS, MATERIAL_NS, encode_3mf, read_3mf, read_3mf_colours

RED, BLUE = [255, 0, 0, 255], [0, 0, 255, 255]


def _textured_box(path: Path) -> None:
    """A box whose texture is red on the left half and blue on the right; -x vertices map left, +x right."""
    box = trimesh.creation.box([1, 1, 1])
    uv = np.column_stack([np.where(box.vertices[:, 0] > 0, 0.75, 0.25), np.full(len(box.vertices), 0.5)])
    pixels = np.zeros((16, 16, 3), np.uint8)
    pixels[:, :8] = RED[:3]
    pixels[:, 8:] = BLUE[:3]
    material = trimesh.visual.material.PBRMaterial(baseColorTexture=Image.fromarray(pixels))
    box.visual = trimesh.visual.TextureVisuals(uv=uv, material=material)
    path.write_bytes(trimesh.Scene(box).export(file_type="glb"))


def _side_colours(path: Path) -> tuple[np.ndarray, np.ndarray]:
    data = path.read_bytes()
    v, f, _unit = read_3mf(data)
    colours = read_3mf_colours(data)
    assert colours is not None and len(colours) == len(f)
    x = v[f].mean(axis=1)[:, 0]
    return colours[x < -0.45 * np.ptp(v[:, 0])], colours[x > 0.45 * np.ptp(v[:, 0])]


def test_texture_is_sampled_per_triangle_and_read_back(tmp_path: Path) -> None:
    _textured_box(tmp_path / "box.glb")
    out = tmp_path / "box.3mf"
    export_printable(tmp_path / "box.glb", out, "3mf", 50, colour=True)
    left, right = _side_colours(out)
    assert len(left) == 2 and len(right) == 2
    assert (left == RED).all() and (right == BLUE).all()
    plain = tmp_path / "plain.3mf"
    export_printable(tmp_path / "box.glb", plain, "3mf", 50)  # colour stays opt-in
    assert read_3mf_colours(plain.read_bytes()) is None


def test_colours_follow_a_hollowed_and_flattened_model(tmp_path: Path) -> None:
    _textured_box(tmp_path / "box.glb")
    out = tmp_path / "box.3mf"
    result = export_printable(tmp_path / "box.glb", out, "3mf", 60, colour=True, hollow_mm=5)
    assert any(n.startswith("Hollowed") for n in result.placement)
    left, right = _side_colours(out)
    assert len(left) and len(right) and (left == RED).all() and (right == BLUE).all()


def test_vertex_colours_and_uncoloured_models(tmp_path: Path) -> None:
    sphere = trimesh.creation.icosphere(subdivisions=2)
    sphere.visual.vertex_colors = np.where(sphere.vertices[:, [0]] > 0, [0, 255, 0, 255], [255, 255, 0, 255])
    sphere.export(tmp_path / "s.ply")
    export_printable(tmp_path / "s.ply", tmp_path / "s.3mf", "3mf", 40, colour=True)
    data = (tmp_path / "s.3mf").read_bytes()
    v, f, _ = read_3mf(data)
    colours = read_3mf_colours(data)
    x = v[f].mean(axis=1)[:, 0]
    assert (colours[x > 5] == [0, 255, 0, 255]).all() and (colours[x < -5] == [255, 255, 0, 255]).all()
    trimesh.creation.box().export(tmp_path / "grey.stl")
    result = export_printable(tmp_path / "grey.stl", tmp_path / "grey.3mf", "3mf", 40, colour=True)
    assert any("no colour" in n for n in result.placement)
    assert read_3mf_colours((tmp_path / "grey.3mf").read_bytes()) is None


def test_colour_3mf_has_the_structure_the_spec_requires() -> None:
    box = trimesh.creation.box()
    colours = np.tile(np.array([[10, 20, 30, 255]], np.uint8), (len(box.faces), 1))
    colours[::2] = RED
    data = encode_3mf(box.vertices, box.faces, colours=colours)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert {"[Content_Types].xml", "_rels/.rels", "3D/3dmodel.model"} <= set(z.namelist())
        root = ElementTree.fromstring(z.read("3D/3dmodel.model"))
    assert root.tag == f"{{{CORE_NS}}}model" and root.get("unit") == "millimeter"
    assert "requiredextensions" not in root.attrib  # readers without the extension still get the geometry
    resources = root.find(f"{{{CORE_NS}}}resources")
    group = resources.find(f"{{{MATERIAL_NS}}}colorgroup")
    assert group is not None and group.get("id") == "2"
    names = [c.get("color") for c in group.findall(f"{{{MATERIAL_NS}}}color")]
    assert all(len(n) == 9 and n.startswith("#") for n in names) and "#FF0000FF" in names
    assert list(resources).index(group) < list(resources).index(resources.find(f"{{{CORE_NS}}}object"))
    obj = resources.find(f"{{{CORE_NS}}}object")
    assert obj.get("pid") == "2" and int(obj.get("pindex")) < len(names)  # required once triangles have pids
    tris = obj.findall(f"{{{CORE_NS}}}mesh/{{{CORE_NS}}}triangles/{{{CORE_NS}}}triangle")
    assert all(t.get("pid") == "2" and 0 <= int(t.get("p1")) < len(names) for t in tris)
    back = read_3mf_colours(data)
    assert (back[::2] == RED).all() and (back[1::2] == [0, 17, 17, 255]).all()  # 4 bits a channel


def test_transfer_takes_the_nearest_triangle() -> None:
    centres = np.array([[0, 0, 0], [10, 0, 0]], float)
    colours = np.array([RED, BLUE], np.uint8)
    mesh = trimesh.Trimesh([[1, 0, 0], [1, 1, 0], [1, 0, 1], [9, 0, 0], [9, 1, 0], [9, 0, 1]], [[0, 1, 2], [3, 4, 5]])
    assert transfer_colours(centres, colours, mesh).tolist() == [RED, BLUE]

"""Printability check, repair, placement and 3MF on broken generated-looking meshes made here."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
import trimesh

from desktop_app.core.printing.check import check_mesh
from desktop_app.core.printing.export import export_printable
from desktop_app.core.printing.place import place_on_plate
from desktop_app.core.printing.repair import repair_mesh
from desktop_app.core.printing.threemf import encode_3mf, read_3mf
from tests.print_meshes import blob, broken


def test_clean_blob_is_printable_even_with_split_seams() -> None:
    from tests.print_meshes import unweld

    check = check_mesh(unweld(blob(), np.random.default_rng(3)))
    assert check.printable and check.watertight and check.volume_mm3 and check.volume_mm3 > 0


def test_check_names_every_problem() -> None:
    check = check_mesh(broken(holes=6, flipped=40, shells=3, zero_area=5, fin=True))
    codes = {p.code for p in check.problems}
    assert codes == {"holes", "flipped", "shells", "degenerate", "non_manifold"}
    # the fin's single face hangs off a non-manifold edge, so it counts as a loose piece as well as the crumbs
    assert check.holes >= 1 and check.tiny_shells == 4 and check.degenerate_faces == 5
    assert check.non_manifold_edges == 1 and not check.watertight and check.volume_mm3 is None
    assert all(p.text and p.meaning for p in check.problems)


def test_inside_out_is_found_and_turned() -> None:
    body = blob()
    body.invert()
    assert [p.code for p in check_mesh(body).problems] == ["inside_out"]
    fixed = repair_mesh(body)
    assert check_mesh(fixed.mesh).printable and not fixed.rebuilt


def test_repair_keeps_shape_without_rebuild() -> None:
    mesh = broken(fin=False)
    result = repair_mesh(mesh)
    after = check_mesh(result.mesh)
    assert after.printable, after.problems
    assert not result.rebuilt and any("hole" in s for s in result.steps)
    assert after.volume_mm3 == pytest.approx(check_mesh(blob()).volume_mm3, rel=0.02)


def test_a_fin_is_cut_off_as_debris() -> None:
    result = repair_mesh(broken(fin=True, subdivisions=3))
    assert check_mesh(result.mesh).printable and not result.rebuilt


def test_boxes_touching_on_an_edge_need_the_rebuild() -> None:
    a = trimesh.creation.box(extents=(1, 1, 1))
    b = trimesh.creation.box(extents=(1, 1, 1))
    b.apply_translation([1, 1, 0])  # shares one whole edge with a: four faces on it, non-manifold
    both = trimesh.util.concatenate([a, b])
    assert check_mesh(both).non_manifold_edges > 0
    result = repair_mesh(both)
    after = check_mesh(result.mesh)
    assert result.rebuilt and after.printable, after.problems
    assert after.volume_mm3 == pytest.approx(2.0, rel=0.15)


def test_placement_stands_on_plate_centred_and_sized() -> None:
    mesh = blob()
    mesh.apply_translation([5, -3, 2])
    place_on_plate(mesh, 120.0)
    lo, hi = mesh.bounds
    assert lo[2] == pytest.approx(0, abs=1e-9)
    assert (lo[:2] + hi[:2]) == pytest.approx([0, 0], abs=1e-9)
    assert float(np.max(mesh.extents)) == pytest.approx(120.0, abs=1e-6)
    assert mesh.extents[2] == pytest.approx(120.0)  # the tall Y-up body now stands along Z


def test_3mf_package_and_round_trip() -> None:
    box = trimesh.creation.box(extents=(10, 20, 30))
    data = encode_3mf(box.vertices, box.faces, name='a "box" & <co>')
    with zipfile.ZipFile(__import__("io").BytesIO(data)) as z:
        assert {"[Content_Types].xml", "_rels/.rels", "3D/3dmodel.model"} <= set(z.namelist())
        assert b'unit="millimeter"' in z.read("3D/3dmodel.model")
    v, f, unit = read_3mf(data)
    assert unit == "millimeter" and np.allclose(v, box.vertices, atol=1e-5) and (f == box.faces).all()


@pytest.mark.parametrize("fmt", ["3mf", "stl"])
def test_printable_export_of_a_non_watertight_mesh(tmp_path: Path, fmt: str) -> None:
    source = tmp_path / "gen.stl"
    source.write_bytes(broken().export(file_type="stl"))
    result = export_printable(source, tmp_path / f"out.{fmt}", fmt, 75.0)
    assert not result.before.printable and result.after.printable
    if fmt == "3mf":
        v, f, unit = read_3mf(result.path.read_bytes())
        assert unit == "millimeter"
        back = trimesh.Trimesh(v, f, process=False)
    else:
        back = trimesh.load(str(result.path), force="mesh")
    back.merge_vertices()
    assert back.is_watertight and check_mesh(back).printable
    assert float(back.bounds[0][2]) == pytest.approx(0, abs=1e-4)
    assert abs(float(np.max(back.extents)) - 75.0) <= 0.5


def test_overlapping_pieces_are_found_and_merged_exactly() -> None:
    a = trimesh.creation.icosphere(subdivisions=3, radius=0.5)
    b = a.copy()
    b.apply_translation([0.6, 0, 0])
    both = trimesh.util.concatenate([a, b])
    before = check_mesh(both)
    assert [p.code for p in before.problems] == ["overlap"] and before.overlapping_shells == 2
    result = repair_mesh(both)
    after = check_mesh(result.mesh)
    assert after.printable and after.shells == 1 and not result.rebuilt
    assert after.volume_mm3 < 2 * check_mesh(a).volume_mm3 * 0.95  # the shared lens counted once


def test_pieces_apart_are_not_a_problem() -> None:
    a = trimesh.creation.icosphere(subdivisions=2, radius=0.5)
    b = a.copy()
    b.apply_translation([2, 0, 0])
    assert check_mesh(trimesh.util.concatenate([a, b])).printable

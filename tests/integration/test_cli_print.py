"""``library check`` and ``library export --printable`` as a real process on a broken generated mesh."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import trimesh

from desktop_app.core.printing.check import check_mesh
from desktop_app.core.printing.threemf import read_3mf
from tests.integration.test_cli import cli
from tests.print_meshes import broken


def _import(tmp_path: Path) -> str:
    source = tmp_path / "generated.glb"
    source.write_bytes(trimesh.Scene(broken()).export(file_type="glb"))
    result = cli("library", "import", str(source), "--title", "Generated", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["item"]


def test_check_export_printable_and_check_after(tmp_path: Path, isolated_home: Path) -> None:
    item = _import(tmp_path)
    before = cli("library", "check", item, "--json")
    assert before.returncode == 0, before.stderr
    report = json.loads(before.stdout)
    assert not report["printable"] and {p["code"] for p in report["problems"]} >= {"holes", "flipped", "shells"}
    plain = cli("library", "check", item, "--size-mm", "50")
    assert "Problem:" in plain.stdout and "50.0" in plain.stdout

    out = tmp_path / "print.3mf"
    result = cli("library", "export", item, "--format", "3mf", "--printable", "--size-mm", "60", "--out", str(out),
                 "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["before"]["problems"] and summary["after"]["printable"] and summary["repairs"]
    v, f, unit = read_3mf(out.read_bytes())
    back = trimesh.Trimesh(v, f, process=False)
    back.merge_vertices()
    assert unit == "millimeter" and back.is_watertight and check_mesh(back).printable
    assert float(back.bounds[0][2]) == pytest.approx(0, abs=1e-4) and abs(float(np.max(back.extents)) - 60) <= 0.5

    # the repair is kept in the item as a print version; the original model is unchanged
    listed = {i["item"]: i for i in json.loads(cli("library", "--json").stdout)}
    assert summary["kept_in_library"].startswith("outputs/print/")
    folder = Path(listed[item]["model_file"]).parents[1]
    assert (folder / summary["kept_in_library"]).is_file()
    assert not json.loads(cli("library", "check", item, "--json").stdout)["printable"]


def test_printable_errors_are_error_lines(tmp_path: Path, isolated_home: Path) -> None:
    item = _import(tmp_path)
    for args in (["--format", "glb", "--printable"], ["--format", "3mf", "--size-mm", "-3"],
                 ["--format", "3mf", "--faces", "100"]):
        result = cli("library", "export", item, *args, "--out", str(tmp_path / "x.3mf"))
        assert result.returncode == 2 and result.stderr.startswith("error: "), result.stderr
        assert "Traceback" not in result.stderr
    tiny = cli("library", "export", item, "--format", "stl", "--printable", "--out", str(tmp_path / "tiny.stl"))
    assert tiny.returncode == 0 and "warning: without --size-mm" in tiny.stderr
    missing = cli("library", "check", "nope")
    assert missing.returncode == 2 and "No library item 'nope'" in missing.stderr


def test_export_flat_and_hollow_3mf(tmp_path: Path, isolated_home: Path) -> None:
    item = _import(tmp_path)
    out = tmp_path / "hollow.3mf"
    result = cli("library", "export", item, "--orient", "flat", "--hollow", "2", "--format", "3mf", "--printable",
                 "--size-mm", "60", "--colour", "--out", str(out), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert any(n.startswith("Laid flat") for n in summary["placement"])
    assert any(n.startswith("Hollowed with 2 mm walls") for n in summary["placement"])
    assert any("no colour" in n for n in summary["placement"])  # this generated mesh is grey
    v, f, _unit = read_3mf(out.read_bytes())
    back = trimesh.Trimesh(v, f, process=False)
    back.merge_vertices()
    assert back.is_watertight and check_mesh(back).printable
    assert len(back.split(only_watertight=False)) == 2  # outer skin + cavity
    assert float(back.bounds[0][2]) == pytest.approx(0, abs=1e-4) and abs(float(np.max(back.extents)) - 60) <= 0.5
    solid = cli("library", "export", item, "--format", "3mf", "--printable", "--size-mm", "60",
                "--out", str(tmp_path / "solid.3mf"), "--json")
    assert json.loads(solid.stdout)["after"]["volume_mm3"] > 2 * float(back.volume)

    for args in (["--hollow", "-1", "--format", "3mf"], ["--orient", "flat", "--format", "glb"],
                 ["--orient", "sideways", "--format", "3mf"], ["--colour", "--format", "stl", "--printable"]):
        bad = cli("library", "export", item, *args, "--out", str(tmp_path / "x.3mf"))
        assert bad.returncode == 2 and bad.stderr.startswith(("error: ", "usage: ")), bad.stderr
        assert "Traceback" not in bad.stderr

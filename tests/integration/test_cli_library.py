"""``library`` commands as a real process: import, list, export (scaled, no overwrite), rebuild-index."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import trimesh

from tests.emulators.common import make_glb
from tests.integration.test_cli import cli


def test_import_list_export_rebuild(tmp_path: Path, isolated_home: Path) -> None:
    source = tmp_path / "statue.glb"
    source.write_bytes(make_glb())
    result = cli("library", "import", str(source), "--title", "Statue", "--json")
    assert result.returncode == 0, result.stderr
    item = json.loads(result.stdout)
    assert item["title"] == "Statue" and Path(item["model_file"]).is_relative_to(isolated_home)

    listed = json.loads(cli("library", "--json").stdout)
    assert [i["item"] for i in listed] == [item["item"]]

    out = tmp_path / "print.stl"
    result = cli("library", "export", item["item"], "--format", "stl", "--out", str(out), "--size-mm", "80",
                 "--json")
    assert result.returncode == 0, result.stderr
    assert "%]" in result.stderr  # progress goes to stderr
    mesh = trimesh.load(str(out))
    assert len(mesh.faces) == 320 and float(np.max(mesh.extents)) == pytest.approx(80, rel=1e-4)
    assert json.loads(result.stdout)["faces"] == 320

    before = out.read_bytes()
    refused = cli("library", "export", item["item"], "--out", str(out), "--faces", "100")
    assert refused.returncode == 2 and refused.stderr.startswith("error: Not overwriting print.stl")
    assert "Traceback" not in refused.stderr and out.read_bytes() == before
    forced = cli("library", "export", item["item"], "--out", str(out), "--faces", "100", "--force")
    assert forced.returncode == 0, forced.stderr
    assert len(trimesh.load(str(out)).faces) <= 100

    library = isolated_home / "data" / "library"
    for name in ("index.sqlite3", "index.sqlite3-wal", "index.sqlite3-shm"):
        (library / name).unlink(missing_ok=True)
    rebuilt = cli("library", "rebuild-index")
    assert rebuilt.returncode == 0 and "1 item" in rebuilt.stdout
    assert [i["title"] for i in json.loads(cli("library", "--json").stdout)] == ["Statue"]


@pytest.mark.parametrize("args, message", [
    (["library", "export", "no-such-item", "--out", "x.stl"], "No library item 'no-such-item'"),
    (["library", "import", "missing.glb"], "error: "),
    (["library", "import", "notes.txt"], "not a model file"),
])
def test_bad_input_is_an_error_line(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    args = [str(tmp_path / a) if a.endswith((".glb", ".txt")) else a for a in args]
    result = cli(*args)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def _import(tmp_path: Path, title: str) -> str:
    source = tmp_path / f"{title}.glb"
    source.write_bytes(make_glb())
    result = cli("library", "import", str(source), "--title", title, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["item"]


def test_delete_trash_restore(tmp_path: Path, isolated_home: Path) -> None:
    item = _import(tmp_path, "Statue")
    assert json.loads(cli("library", "trash", "--json").stdout) == []
    deleted = cli("library", "delete", item)
    assert deleted.returncode == 0 and json.loads(cli("library", "--json").stdout) == []

    trash = json.loads(cli("library", "trash", "--json").stdout)
    assert [(e["item"], e["title"]) for e in trash] == [(item, "Statue")] and trash[0]["size"] > 0
    assert Path(trash[0]["folder"]).is_relative_to(isolated_home / "data" / "library" / "trash")
    assert item in cli("library", "trash").stdout

    restored = cli("library", "restore", item, "--json")
    assert restored.returncode == 0, restored.stderr
    assert json.loads(restored.stdout)["title"] == "Statue"
    assert [i["item"] for i in json.loads(cli("library", "--json").stdout)] == [item]
    assert json.loads(cli("library", "trash", "--json").stdout) == []

    for args, message in ((["restore", item], f"No deleted item '{item}'"),
                          (["delete", "no-such-item"], "No library item 'no-such-item'")):
        result = cli("library", *args)
        assert result.returncode == 2 and result.stderr.startswith("error: ") and message in result.stderr
        assert "Traceback" not in result.stderr


def test_move_library(tmp_path: Path, isolated_home: Path) -> None:
    item = _import(tmp_path, "Statue")
    old = isolated_home / "data" / "library"
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "notes.txt").write_text("mine")
    for target, message in ((old / "inside", "outside the current library"), (occupied, "an empty folder"),
                            (occupied / "notes.txt", "not a file")):
        result = cli("library", "move", "--to", str(target))
        assert result.returncode == 2 and result.stderr.startswith("error: ") and message in result.stderr
        assert "Traceback" not in result.stderr
    assert sorted(p.name for p in occupied.iterdir()) == ["notes.txt"] and not (old / "inside").exists()

    dest = tmp_path / "bigger disk" / "library"
    moved = cli("library", "move", "--to", str(dest))
    assert moved.returncode == 0, moved.stderr
    assert "[100%]" in moved.stderr and str(dest) in moved.stdout
    # The next run uses the new folder (saved in the settings); the old one is kept untouched.
    listed = json.loads(cli("library", "--json").stdout)
    assert [i["item"] for i in listed] == [item] and Path(listed[0]["folder"]).is_relative_to(dest)
    assert (old / "items" / item / "item.json").is_file()

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

"""Importing model files into the library and moving the library: nothing lost, nothing outside it touched."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.core.errors import MeshLoadError, MeshwrightError
from desktop_app.core.library.export import ExportOptions, export_model
from desktop_app.core.library.files import LibraryMoveError, import_model, move_library
from desktop_app.core.library.store import Library
from tests.emulators.common import make_glb


@pytest.fixture
def lib(tmp_path: Path):
    library = Library(tmp_path / "lib")
    yield library
    library.close()


@pytest.fixture
def glb(tmp_path: Path) -> Path:
    path = tmp_path / "my_sphere.glb"
    path.write_bytes(make_glb())
    return path


def test_import_glb(lib: Library, glb: Path) -> None:
    item = import_model(lib, glb)
    assert item.title == "my sphere" and item.status == "imported" and item.model_id == "import:glb"
    assert item.model_path.read_bytes() == glb.read_bytes() and glb.exists()  # copied, not moved
    assert lib.get(item.id).files[0].sha256 and lib.rows()[0].status == "imported"
    assert not list(lib.root.glob(".import-*"))  # staging cleaned up


def test_import_obj_brings_its_material_and_texture(lib: Library, glb: Path, tmp_path: Path) -> None:
    src = tmp_path / "src"
    export_model(glb, src / "thing.obj", ExportOptions("obj"))
    item = import_model(lib, src / "thing.obj", title="Thing")
    names = sorted(Path(f.name).name for f in item.files)
    assert "thing.obj" in names and "thing.mtl" in names and len(names) == 3
    assert item.title == "Thing"


def test_import_refuses_what_is_not_a_model(lib: Library, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(MeshwrightError, match="not a model file"):
        import_model(lib, tmp_path / "notes.txt")
    (tmp_path / "broken.glb").write_bytes(b"garbage" * 20)
    with pytest.raises(MeshLoadError):
        import_model(lib, tmp_path / "broken.glb")
    with pytest.raises(MeshLoadError):
        import_model(lib, tmp_path / "missing.stl")
    assert lib.count() == 0 and not list(lib.items_dir.iterdir())


def test_move_copies_everything_then_switches(lib: Library, glb: Path, tmp_path: Path) -> None:
    first = import_model(lib, glb, title="One")
    second = import_model(lib, glb, title="Two")
    trashed = lib.delete(second.id)
    old_root = lib.root
    steps: list[float] = []
    dest = move_library(lib, tmp_path / "elsewhere" / "Library", lambda f, _m: steps.append(f))
    assert lib.root == dest and steps[-1] == 1.0
    assert lib.get(first.id).model_path.is_relative_to(dest)
    assert (dest / "trash" / trashed.name).is_dir()  # the recoverable trash came along
    assert (old_root / "items" / first.id / "item.json").exists()  # the old copy is kept
    assert lib.restore(dest / "trash" / trashed.name).id == second.id


def test_move_refuses_bad_targets_and_changes_nothing(lib: Library, glb: Path, tmp_path: Path) -> None:
    import_model(lib, glb)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x.txt").write_text("mine")
    for target in (busy, lib.root, lib.root / "sub", tmp_path):
        with pytest.raises(LibraryMoveError):
            move_library(lib, target)
    assert lib.root == tmp_path / "lib" and lib.count() == 1
    assert (busy / "x.txt").read_text() == "mine" and sorted(p.name for p in busy.iterdir()) == ["x.txt"]

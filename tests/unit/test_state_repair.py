"""Damaged state set aside and rebuilt (journal, index, settings, item.json), paths kept inside their folder,
storage errors named by folder, interrupted exports' .part files removed."""

from __future__ import annotations

import errno
import json
import os
import sqlite3
from pathlib import Path

import pytest

from desktop_app.core.errors import MeshLoadError, MeshwrightError
from desktop_app.core.jobs.store import Job, JobState, JobStore
from desktop_app.core.library.export import ExportOptions, export_model
from desktop_app.core.library.files import import_model
from desktop_app.core.library.item_check import parse_item
from desktop_app.core.library.store import Library, LibraryFile, LibraryItem
from desktop_app.core.mesh.load import check_file
from desktop_app.core.settings import app_paths, load_settings
from desktop_app.core.state_repair import (
    StorageError,
    ensure_folder,
    open_journal,
    storage_error_for,
)
from desktop_app.services import build_services


def _journal_with_unfinished(path: Path) -> None:
    store = JobStore(path)
    job = store.create(Job(id="job_a", model_id="hyper3d:rodin", title="Red chair"))
    store.transition(job.id, JobState.UPLOADING)
    store.transition(job.id, JobState.SUBMITTED, remote={"data": {"task_uuid": "task-42"}})
    store.close()


def test_unreadable_journal_is_set_aside_and_unfinished_jobs_are_named(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    _journal_with_unfinished(path)
    data = bytearray(path.read_bytes())
    page = 4096
    root = data[page * 2: page * 3]  # scribble over a b-tree page that is not the jobs table's first page
    data[page * 2: page * 3] = bytes(b ^ 0x5A for b in root)
    path.write_bytes(bytes(data))
    notices: list[str] = []
    store = open_journal(path, tmp_path / "jobs", notices)
    try:
        assert store.list() == [] and store.quick_check() == ""
    finally:
        store.close()
    (notice,) = notices
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("jobs.sqlite3.damaged-")
             and not p.name.endswith(("-wal", "-shm"))]
    assert len(aside) == 1 and aside[0].name in notice
    assert "library is not affected" in notice
    assert "Red chair" in notice and "task-42" in notice and "\n" not in notice and "***" not in notice
    assert "provider's website" in notice


def test_garbled_journal_becomes_a_new_one_with_a_notice(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    path.write_bytes(os.urandom(8192))
    notices: list[str] = []
    store = open_journal(path, tmp_path / "jobs", notices)
    store.close()
    assert len(notices) == 1 and "was damaged" in notices[0]
    assert any(p.name.startswith("jobs.sqlite3.damaged-") for p in tmp_path.iterdir())


def test_sound_journal_gets_no_notice(tmp_path: Path) -> None:
    _journal_with_unfinished(tmp_path / "jobs.sqlite3")
    notices: list[str] = []
    store = open_journal(tmp_path / "jobs.sqlite3", tmp_path / "jobs", notices)
    assert len(store.list()) == 1 and notices == []
    store.close()


def test_index_folder_in_place_is_set_aside_and_rebuilt(tmp_path: Path) -> None:
    lib = Library(tmp_path / "lib")
    folder = lib.items_dir / "item-1"
    (folder / "outputs").mkdir(parents=True)
    (folder / "outputs" / "model.glb").write_bytes(b"glTF")
    (folder / "item.json").write_text(json.dumps({"title": "One", "model_id": "local:relief", "created_at": 1.0,
                                                  "model_file": "outputs/model.glb"}))
    lib.close()
    for suffix in ("", "-wal", "-shm"):
        Path(str(lib.index_path) + suffix).unlink(missing_ok=True)
    lib.index_path.mkdir()
    again = Library(tmp_path / "lib")
    try:
        assert [i.id for i in again.list()] == ["item-1"]
        assert len(again.notices) == 1 and "rebuilt" in again.notices[0]
    finally:
        again.close()


@pytest.mark.parametrize("content, why", [
    ("[1, 2]", "holds a list"),
    ('{"title": "x", "model_id": "m", "created_at": "yesterday"}', "created_at"),
    ('{"title": "x", "model_id": "m", "created_at": 1, "model_file": "../../secret.glb"}', "outside"),
    ('{"title": "x", "model_id": "m", "created_at": 1, "files": [{"name": "/etc/passwd"}]}', "outside"),
    ('{"title": "x", "model_id": "m", "created_at": 1, "inputs": [7]}', "not text"),
    ('{"title": "x", "model_id": "m"', "not valid"),
])
def test_damaged_item_json_is_listed_as_damaged_with_its_files(tmp_path: Path, content: str, why: str) -> None:
    lib = Library(tmp_path / "lib")
    try:
        folder = lib.items_dir / "item-x"
        (folder / "outputs").mkdir(parents=True)
        (folder / "outputs" / "model.glb").write_bytes(b"glTF....")
        (folder / "item.json").write_text(content)
        assert lib.rebuild_index() == 1
        (item,) = lib.list()
        assert item.damaged and item.id == "item-x" and why in lib.damaged[0][1]
        assert [f.name for f in item.files] == ["item.json", "outputs/model.glb"]
        assert item.model_path == folder / "outputs" / "model.glb"
        assert (folder / "item.json").read_text() == content  # the evidence is never overwritten by listing
    finally:
        lib.close()


def test_paths_from_item_json_never_leave_the_item_folder(tmp_path: Path) -> None:
    folder = tmp_path / "items" / "a"
    folder.mkdir(parents=True)
    (folder / "link.glb").symlink_to(tmp_path / "outside.glb")
    item = LibraryItem("a", "A", "m", 1.0, model_file="link.glb", folder=folder,
                       files=[LibraryFile("../b/x.glb", "model", 1)])
    assert item.model_path is None  # a link out of the folder counts as outside
    assert item.inside("../b/x.glb") is None and item.inside("/etc/passwd") is None
    with pytest.raises(ValueError, match="outside"):
        parse_item({"title": "A", "model_id": "m", "created_at": 1, "model_file": "link.glb"}, folder)


def test_settings_damage_keeps_the_file_aside_and_says_so(tmp_path: Path) -> None:
    paths = app_paths().ensure()
    paths.settings_file.write_text("[1, 2]")
    notices: list[str] = []
    assert load_settings(paths, notices).library_dir == ""
    assert len(notices) == 1 and "settings.json.damaged-" in notices[0]
    assert not paths.settings_file.exists()
    assert any(p.name.startswith("settings.json.damaged-") for p in paths.config_dir.iterdir())


def test_library_setting_pointing_at_a_file_falls_back_to_the_default(tmp_path: Path) -> None:
    paths = app_paths().ensure()
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    paths.settings_file.write_text(json.dumps({"library_dir": str(blocker)}))
    services = build_services(paths, providers={})
    try:
        assert services.library.root == paths.default_library_dir
        assert any(str(blocker) in n and "default library" in n for n in services.notices)
        assert blocker.read_text() == "x"
    finally:
        services.store.close()
        services.library.close()


@pytest.mark.parametrize("code, phrase", [(errno.ENOSPC, "is full"), (errno.EROFS, "read-only"),
                                          (errno.EACCES, "read-only")])
def test_storage_errors_name_the_folder(tmp_path: Path, code: int, phrase: str) -> None:
    found = storage_error_for(OSError(code, os.strerror(code)), tmp_path)
    assert isinstance(found, StorageError) and phrase in found.message and str(tmp_path) in found.message


def test_a_file_in_the_way_of_a_folder_is_named(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StorageError, match="a file is in the way") as excinfo:
        ensure_folder(tmp_path / "file" / "home" / "data")
    assert str(tmp_path / "file") in excinfo.value.message


def test_disk_full_while_journalling_is_not_a_rollback_error(tmp_path: Path, monkeypatch) -> None:
    store = JobStore(tmp_path / "jobs.sqlite3")
    job = store.create(Job(id="job_b", model_id="local:relief"))
    real = store._db

    class FullDisk:
        in_transaction = False

        def execute(self, sql: str, *args):
            if sql == "COMMIT":
                real.execute("ROLLBACK")  # what SQLite does itself when the commit cannot be written
                raise sqlite3.OperationalError("database or disk is full")
            return real.execute(sql, *args)

        def __getattr__(self, name):
            return getattr(real, name)

    full = FullDisk()
    monkeypatch.setattr(type(full), "in_transaction", property(lambda _self: real.in_transaction))
    store._db = full  # type: ignore[assignment]
    with pytest.raises(sqlite3.OperationalError, match="disk is full"):
        store.transition(job.id, JobState.UPLOADING)
    store._db = real
    assert store.require(job.id).state is JobState.DRAFT
    store.close()
    assert isinstance(storage_error_for(sqlite3.OperationalError("database or disk is full"), tmp_path),
                      StorageError)


def test_unreadable_model_file_is_a_message(tmp_path: Path, monkeypatch) -> None:
    model = tmp_path / "locked.glb"
    model.write_bytes(b"glTF" + b"\0" * 20)
    real_open = Path.open

    def refuse(self: Path, *args, **kwargs):  # chmod 000 does not stop root, so refuse the way the OS would
        if self == model:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(MeshLoadError, match="permission denied"):
        check_file(model)
    lib = Library(tmp_path / "lib")
    try:
        with pytest.raises(MeshwrightError, match="permission denied"):
            import_model(lib, model)
    finally:
        lib.close()


def test_gltf_with_references_outside_its_folder_is_refused(tmp_path: Path) -> None:
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    (tmp_path / "secret.bin").write_bytes(b"\0" * 36)
    gltf = model_dir / "scene.gltf"
    gltf.write_text(json.dumps({"asset": {"version": "2.0"}, "buffers": [{"uri": "../secret.bin",
                                                                          "byteLength": 36}]}))
    lib = Library(tmp_path / "lib")
    try:
        with pytest.raises(MeshwrightError, match="outside its own folder"):
            import_model(lib, gltf)
        assert lib.count() == 0
    finally:
        lib.close()


def test_interrupted_export_part_is_removed_at_next_export_and_start(tmp_path: Path) -> None:
    import trimesh

    source = tmp_path / "box.glb"
    trimesh.creation.box().export(source)
    paths = app_paths().ensure()
    ledger = paths.data_dir / "unfinished-exports.txt"
    stale = tmp_path / "out.obj.part"
    for start in ("export", "start"):
        stale.write_text("half an export")  # what a kill -9 during the write leaves
        ledger.write_text(f"{stale.resolve()}\n")
        if start == "export":
            export_model(source, tmp_path / "other.stl", ExportOptions("stl"))
        else:
            services = build_services(paths, providers={})
            services.store.close()
            services.library.close()
        assert not stale.exists() and not ledger.exists(), start
    assert (tmp_path / "other.stl").is_file() and not list(tmp_path.glob("*.part"))

"""Model inputs in the schema, the model-file check and item versions with lineage."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.core.jobs.model_input import check_model_file, is_model_name
from desktop_app.core.library import versions
from desktop_app.core.library.store import Library, LibraryItem
from desktop_app.core.schema.model_schema import ModelSchema
from tests.emulators.rigged_glb import make_rigged_glb
from tests.emulators.scenario_refine import REFINE_MODELS


def _schema(model_id: str) -> ModelSchema:
    record = next(m for m in REFINE_MODELS if m["id"] == model_id)
    return ModelSchema.from_dict({"model": dict(record)}, model_id=model_id)


def test_a_3d_file_input_is_a_model_field_not_an_image() -> None:
    schema = _schema("model_meshy-remesh")
    (field,) = schema.model_fields()
    assert field.name == "model" and field.is_model and not field.is_image
    assert schema.max_images() == 0
    assert "model" in schema.validate({}, model_count=0)
    assert schema.validate({}, model_count=1) == {}
    assert "models" in schema.validate({}, model_count=2)
    assert schema.build_body({}, schema.assign_models(["asset_1"]))["model"] == "asset_1"


def test_model_file_check(tmp_path: Path) -> None:
    good = tmp_path / "a.glb"
    good.write_bytes(make_rigged_glb())
    assert check_model_file(good) == ""
    assert "not found" in check_model_file(tmp_path / "missing.glb")
    (tmp_path / "a.png").write_bytes(b"png")
    assert "not a model file" in check_model_file(tmp_path / "a.png")
    (tmp_path / "empty.obj").write_bytes(b"")
    assert "empty" in check_model_file(tmp_path / "empty.obj")
    assert "MB" in check_model_file(good, limit=10)
    assert is_model_name("m01-x.GLB") and not is_model_name("01-x.png")


def _item(library: Library, tmp_path: Path) -> LibraryItem:
    job = tmp_path / "job0"
    (job / "outputs").mkdir(parents=True)
    (job / "outputs" / "model.glb").write_bytes(b"glTF-original")
    item = LibraryItem(id="item-1", title="Crate", model_id="scenario:model_trellis-2", created_at=1.0,
                       params={"seed": 1}, model_file="outputs/model.glb")
    return library.add(item, job)


def _job(tmp_path: Path, name: str, files: dict[str, bytes]) -> Path:
    job = tmp_path / name
    (job / "outputs").mkdir(parents=True)
    for file_name, data in files.items():
        (job / "outputs" / file_name).write_bytes(data)
    return job


def test_versions_keep_lineage_parts_and_animation(tmp_path: Path) -> None:
    library = Library(tmp_path / "lib")
    item = _item(library, tmp_path)
    assert versions.current_version(item) == 1
    remesh = _job(tmp_path, "job1", {"remeshed.glb": b"glTF-remeshed"})
    versions.write_refine_marker(remesh, item.id, 1)
    assert versions.read_refine_marker(remesh) == (item.id, 1)
    item = versions.add_version(library, item.id, remesh, model_id="scenario:model_meshy-remesh",
                                params={"targetPolycount": 500}, job_id="job1", made_from=1)
    rig = _job(tmp_path, "job2", {"rigged.glb": make_rigged_glb()})
    item = versions.add_version(library, item.id, rig, model_id="scenario:model_meshy-rigging", params={},
                                job_id="job2", made_from=2)
    split = _job(tmp_path, "job3", {"part-0.glb": b"glTF-a", "part-1.glb": b"glTF-b"})
    item = versions.add_version(library, item.id, split, model_id="scenario:model_hunyuan-3d-part", params={},
                                job_id="job3", made_from=3)
    assert not remesh.exists() and not rig.exists()
    item = library.get(item.id)  # from the index, as every reader sees it
    history = versions.lineage(item)
    assert [(v["number"], v["made_from"]) for v in history] == [(1, None), (2, 1), (3, 2), (4, 3)]
    assert history[1]["params"] == {"targetPolycount": 500}
    assert versions.model_path(item, 1).read_bytes() == b"glTF-original"
    assert versions.model_path(item, 2).read_bytes() == b"glTF-remeshed"
    assert history[2]["has_animation"] and versions.has_animation(versions.model_path(item, 3))
    assert not versions.has_animation(versions.model_path(item, 1))
    assert [p.name for p in versions.parts(item)] == ["part-0.glb", "part-1.glb"]
    assert versions.parts(item, 2) == []
    assert item.model_path == versions.model_path(item, 4)
    reread = Library(tmp_path / "lib")  # item.json read back from disk passes the damage check
    reread.rebuild_index()
    assert versions.current_version(reread.get(item.id)) == 4 and not reread.get(item.id).damaged


def test_model_input_for_an_item_or_a_file(tmp_path: Path) -> None:
    library = Library(tmp_path / "lib")
    item = _item(library, tmp_path)
    found = versions.model_input_for(library, item.id)
    assert found.item_id == item.id and found.version == 1 and found.path.name == "model.glb"
    loose = versions.model_input_for(library, str(tmp_path / "x.glb"))
    assert loose.item_id == "" and loose.path == tmp_path / "x.glb"


def test_a_model_ref_names_an_item_a_version_of_it_or_a_file(tmp_path: Path, monkeypatch) -> None:
    """The CLI's --model: ITEM (newest), ITEM@vN (that version), a file; a version or item that does not exist
    is a ValueError saying which versions there are."""
    library = Library(tmp_path / "lib")
    item = _item(library, tmp_path)
    job = _job(tmp_path, "job1", {"remeshed.glb": b"glTF-remeshed"})
    versions.add_version(library, item.id, job, model_id="scenario:model_meshy-remesh", params={}, job_id="job1",
                         made_from=1)
    newest = versions.model_input_from_ref(library, item.id)
    assert (newest.item_id, newest.version, newest.path.read_bytes()) == (item.id, 2, b"glTF-remeshed")
    first = versions.model_input_from_ref(library, f"{item.id}@v1")
    assert (first.item_id, first.version, first.path.read_bytes()) == (item.id, 1, b"glTF-original")
    assert versions.model_input_from_ref(library, f"{item.id}@V2").version == 2
    with pytest.raises(ValueError, match=r"has no version 3 \(it has v1 to v2\)"):
        versions.model_input_from_ref(library, f"{item.id}@v3")
    with pytest.raises(ValueError, match="numbered from v1"):
        versions.model_input_from_ref(library, f"{item.id}@v0")
    with pytest.raises(ValueError, match="no library item nothing-here"):
        versions.model_input_from_ref(library, "nothing-here@v2")
    (tmp_path / "scan@v2").write_bytes(b"glTF")  # a file in the current folder named like a version: that file
    monkeypatch.chdir(tmp_path)
    assert versions.model_input_from_ref(library, "scan@v2").path == Path("scan@v2")
    named = versions.model_input_from_ref(library, str(tmp_path / "x.glb"))
    assert named.item_id == "" and named.path == tmp_path / "x.glb"


def test_an_older_version_as_input_and_the_version_a_shown_file_belongs_to(tmp_path: Path) -> None:
    """Edit with… on v2 of three sends v2 (not the newest) and the result is "from v2"; a part's version is the
    one it belongs to, read from its path alone."""
    library = Library(tmp_path / "lib")
    item = _item(library, tmp_path)
    for n, name in ((1, "remeshed.glb"), (2, "retextured.glb")):
        job = _job(tmp_path, f"job{n}", {name: f"glTF-{name}".encode()})
        item = versions.add_version(library, item.id, job, model_id="scenario:model_meshy-remesh", params={},
                                    job_id=f"job{n}", made_from=n)
    picked = versions.model_input_for(library, item.id, 2)
    assert (picked.version, picked.path.read_bytes()) == (2, b"glTF-remeshed.glb")
    assert versions.model_input_for(library, item.id).version == 3  # none picked: the newest
    with pytest.raises(ValueError, match="no version 9"):
        versions.model_input_for(library, item.id, 9)

    job = _job(tmp_path, "job3", {"r.glb": b"glTF-r"})
    versions.write_refine_marker(job, picked.item_id, picked.version)  # what the scheduler writes for the input
    made_from = versions.read_refine_marker(job)[1]
    item = versions.add_version(library, item.id, job, model_id="scenario:model_meshy-remesh", params={},
                                job_id="job3", made_from=made_from)
    assert versions.version_entry(item, 4)["made_from"] == 2

    item = library.get(item.id)
    for n in (1, 2, 3, 4):
        assert versions.version_of_path(item, versions.model_path(item, n)) == n
    assert versions.version_of_path(item, item.folder / "versions" / "v3" / "outputs" / "part-1.glb") == 3
    assert versions.version_of_path(item, tmp_path / "elsewhere" / "versions" / "v3" / "x.glb") == 1
    assert versions.version_of_path(item, item.folder / "versions" / "v9" / "x.glb") == 1  # no such version
    assert versions.version_of_path(item, None) == 1

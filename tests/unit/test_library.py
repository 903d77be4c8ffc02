import sqlite3

from desktop_app.core.library import Library, LibraryFile, LibraryItem, new_item_id


def add_item(lib, tmp_path, title="Castle", model="local:relief", **kw):
    src = tmp_path / f"job-{title}"
    (src / "outputs").mkdir(parents=True)
    (src / "outputs" / "model.glb").write_bytes(b"glTF")
    item = LibraryItem(id=new_item_id(title), title=title, model_id=model, created_at=kw.pop("created_at", 1.0),
                       files=[LibraryFile("outputs/model.glb", "model", 4)], model_file="outputs/model.glb", **kw)
    return lib.add(item, src)


def test_item_folder_is_the_truth_and_readable(tmp_path):
    lib = Library(tmp_path / "lib")
    item = add_item(lib, tmp_path, params={"prompt": "a red castle"}, job_id="job_1")
    data = (item.folder / "item.json").read_text()
    assert '"title": "Castle"' in data and '"format": "meshwright-item/1"' in data
    assert lib.get(item.id).model_path.read_bytes() == b"glTF"
    assert lib.find_by_job("job_1").id == item.id
    lib.close()


def test_search_and_order(tmp_path):
    lib = Library(tmp_path / "lib")
    add_item(lib, tmp_path, "Castle", created_at=1.0)
    add_item(lib, tmp_path, "Dragon", model="scenario:model_trellis-2", created_at=2.0,
             params={"prompt": "green dragon"})
    assert [i.title for i in lib.list()] == ["Dragon", "Castle"]
    assert [i.title for i in lib.list("trellis")] == ["Dragon"]
    assert [i.title for i in lib.list("GREEN drag")] == ["Dragon"]
    assert lib.list("nothing-like-this") == []
    lib.close()


def test_index_rebuilt_when_deleted_or_corrupt(tmp_path):
    root = tmp_path / "lib"
    lib = Library(root)
    a = add_item(lib, tmp_path, "A")
    lib.update(a.id, tags=["fav"], favorite=True)
    lib.close()
    (root / "index.sqlite3").unlink()
    for extra in ("index.sqlite3-wal", "index.sqlite3-shm"):
        (root / extra).unlink(missing_ok=True)
    lib = Library(root)
    assert lib.get(a.id).favorite is True
    lib.close()
    (root / "index.sqlite3").write_bytes(b"this is not a database" * 100)
    for extra in ("index.sqlite3-wal", "index.sqlite3-shm"):
        (root / extra).unlink(missing_ok=True)
    lib = Library(root)
    assert [i.id for i in lib.list()] == [a.id]
    lib.close()
    sqlite3.connect(str(root / "index.sqlite3")).close()


def test_delete_moves_to_trash(tmp_path):
    lib = Library(tmp_path / "lib")
    a = add_item(lib, tmp_path, "A")
    lib.delete(a.id)
    assert lib.get(a.id) is None and lib.count() == 0
    assert len(list((tmp_path / "lib" / "trash").iterdir())) == 1
    lib.close()

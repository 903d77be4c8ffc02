import json
import sqlite3

import pytest

from desktop_app.core.library import index as library_index
from desktop_app.core.library.store import Library, LibraryFile, LibraryItem, LibraryQuery, new_item_id


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


def test_filters_and_sorts(tmp_path):
    lib = Library(tmp_path / "lib")
    a = add_item(lib, tmp_path, "Castle", created_at=100.0, cost=0.5, cost_unit="credits")
    b = add_item(lib, tmp_path, "apple", model="scenario:model_trellis-2", created_at=200.0, cost=2.0)
    c = add_item(lib, tmp_path, "Boat", model="hyper3d:rodin-regular", created_at=300.0, status="partial")
    lib.update(b.id, favorite=True, tags=["fruit", "red"])
    ids = lambda **kw: [r.id for r in lib.rows(LibraryQuery(**kw))]  # noqa: E731
    assert ids() == [c.id, b.id, a.id]
    assert ids(sort="name", descending=False) == [b.id, c.id, a.id]  # case-insensitive
    assert ids(sort="cost") == [b.id, a.id, c.id]  # no cost sorts last
    assert ids(provider="scenario") == [b.id]
    assert ids(model_id="local:relief") == [a.id]
    assert ids(favorite=True) == [b.id] and ids(text="fruit") == [b.id]
    assert ids(status="partial") == [c.id]
    assert ids(since=150.0, until=250.0) == [b.id]
    assert ids(text="100%_") == []  # LIKE wildcards are literal
    row = lib.rows(LibraryQuery(text="castle"))[0]
    assert (row.title, row.cost, row.cost_unit, row.size, row.favorite) == ("Castle", 0.5, "credits", 4, False)
    assert lib.models() == [("hyper3d", "hyper3d:rodin-regular"), ("local", "local:relief"),
                            ("scenario", "scenario:model_trellis-2")]
    with pytest.raises(ValueError):
        lib.rows(LibraryQuery(sort="colour"))
    lib.close()


def test_migrates_a_version_1_index(tmp_path):
    """An index written by the first release keeps its rows and gains the new columns without a rebuild."""
    root = tmp_path / "lib"
    lib = Library(root)
    a = add_item(lib, tmp_path, "A", cost=1.0, cost_unit="credits")
    b = add_item(lib, tmp_path, "B")
    lib.update(b.id, model_file="")  # a partial result: no model to preview
    lib.close()
    for extra in ("index.sqlite3", "index.sqlite3-wal", "index.sqlite3-shm"):
        (root / extra).unlink(missing_ok=True)
    db = sqlite3.connect(str(root / "index.sqlite3"))
    db.executescript(library_index._V1 + "PRAGMA user_version = 1;")
    for item_id in (a.id, b.id):
        data = json.loads((root / "items" / item_id / "item.json").read_text())
        data.pop("status")
        db.execute("INSERT INTO items (id, title, model_id, provider, created_at, cost, data) VALUES (?,?,?,?,?,?,?)",
                   (item_id, data["title"], data["model_id"], "local", data["created_at"], data["cost"],
                    json.dumps(data)))
    db.commit()
    db.close()
    (root / "items" / a.id / "item.json").rename(root / "items" / a.id / "moved.json")  # proves: no rebuild
    lib = Library(root)
    version = lib._db.execute("PRAGMA user_version").fetchone()[0]
    assert version == library_index.SCHEMA_VERSION == 2
    rows = {r.id: r for r in lib.rows()}
    assert rows[a.id].status == "complete" and rows[a.id].cost_unit == "credits"
    assert rows[b.id].status == "partial"
    assert [r.id for r in lib.rows(LibraryQuery(status="partial"))] == [b.id]
    assert [r.id for r in lib.rows(LibraryQuery(text="B"))] == [b.id]  # the search column was filled
    lib.close()


def test_newer_index_is_replaced_by_a_rebuild(tmp_path):
    root = tmp_path / "lib"
    lib = Library(root)
    a = add_item(lib, tmp_path, "A")
    lib._db.execute("PRAGMA user_version = 99")
    lib.close()
    lib = Library(root)
    assert [r.id for r in lib.rows()] == [a.id]
    lib.close()


def test_rebuild_index_reads_every_folder(tmp_path):
    lib = Library(tmp_path / "lib")
    a = add_item(lib, tmp_path, "A")
    (lib.items_dir / "not-an-item").mkdir()
    lib._db.execute("DELETE FROM items")
    assert lib.count() == 0
    assert lib.rebuild_index() == 1 and lib.get(a.id).title == "A"
    lib.close()


def test_restore_from_trash(tmp_path):
    lib = Library(tmp_path / "lib")
    a = add_item(lib, tmp_path, "A", tags=["x"])
    trashed = lib.delete(a.id)
    assert trashed.is_dir() and lib.get(a.id) is None
    restored = lib.restore(trashed)
    assert restored.id == a.id and lib.get(a.id).tags == ["x"] and not trashed.exists()
    lib.close()

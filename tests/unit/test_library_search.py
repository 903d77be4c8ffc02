"""The search reader: its own connection sees every committed write, follows a moved library, survives a
replaced index file, and answers with tuples and positions the view uses as they are."""

from __future__ import annotations

import threading

from desktop_app.core.library.files import move_library
from desktop_app.core.library.search import ID, TITLE, IndexReader
from desktop_app.core.library.store import Library, LibraryQuery
from tests.unit.test_library import add_item


def test_reader_sees_writes_without_the_library_lock(tmp_path):
    lib = Library(tmp_path / "lib")
    reader = IndexReader(lib)
    castle = add_item(lib, tmp_path, "Castle", created_at=1.0)
    dragon = add_item(lib, tmp_path, "Dragon", model="scenario:model_trellis-2", created_at=2.0)
    result = reader.search(LibraryQuery())
    assert [r[TITLE] for r in result.rows] == ["Dragon", "Castle"]
    assert result.positions == {dragon.id: 0, castle.id: 1}
    assert result.models == [("local", "local:relief"), ("scenario", "scenario:model_trellis-2")]

    lib.update(castle.id, title="Stone castle")
    # A search does not wait while someone holds the library (a move, a result being filed).
    answers = []
    with lib.lock:
        worker = threading.Thread(target=lambda: answers.append(reader.search(LibraryQuery(text="stone"))))
        worker.start()
        worker.join(5)
    assert [r[ID] for r in answers[0].rows] == [castle.id]
    reader.close()
    lib.close()


def test_reader_follows_a_move_and_a_rebuilt_index(tmp_path):
    lib = Library(tmp_path / "lib")
    item = add_item(lib, tmp_path, "Castle")
    reader = IndexReader(lib)
    assert len(reader.search(LibraryQuery()).rows) == 1
    move_library(lib, tmp_path / "moved")
    add_item(lib, tmp_path, "Dragon", created_at=2.0)
    result = reader.search(LibraryQuery())
    assert [r[TITLE] for r in result.rows] == ["Dragon", "Castle"]
    assert result.items_dir == tmp_path / "moved" / "items" and (result.items_dir / item.id).is_dir()

    # The index file is replaced under the reader (deleted and rebuilt): the next search opens the new one.
    lib.close()
    for suffix in ("", "-wal", "-shm"):
        (tmp_path / "moved" / f"index.sqlite3{suffix}").unlink(missing_ok=True)
    lib = Library(tmp_path / "moved")
    add_item(lib, tmp_path, "Vase", created_at=3.0)
    reader.library = lib
    assert [r[TITLE] for r in reader.search(LibraryQuery()).rows] == ["Vase", "Dragon", "Castle"]
    reader.close()
    lib.close()

"""The panels' printability verdict: wording, size at the print scale, the per-file-state cache, arrays."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import trimesh

from desktop_app.core.printing import verdict as printability
from desktop_app.core.printing.check import check_mesh
from desktop_app.core.printing.verdict import (
    PRINT_LONGEST_MM,
    CheckCache,
    file_verdict,
    parts_verdict,
    verdict_from_check,
)
from tests.fresh_python import run_python
from tests.print_meshes import blob, broken


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch) -> None:
    monkeypatch.setattr(printability, "CACHE", CheckCache())


def _glb(path: Path, mesh: trimesh.Trimesh) -> Path:
    path.write_bytes(trimesh.Scene(mesh).export(file_type="glb"))
    return path


def test_broken_mesh_needs_repair_with_counts_and_meanings() -> None:
    v = verdict_from_check(check_mesh(broken(fin=True)))
    assert v.state == "repair"
    assert v.line.startswith("Needs repair: 9 holes, 1 non-manifold edge, 117 flipped edges, 5 zero-area faces")
    assert "4 floating pieces" in v.line
    assert any("slicer cannot tell inside from outside" in meaning for _, meaning in v.problems)
    assert "• 9 hole(s)" in v.tooltip()
    assert max(v.size_mm) == pytest.approx(PRINT_LONGEST_MM) and v.volume_cm3 is None


def test_closed_mesh_is_ready_with_size_and_volume_at_the_print_scale() -> None:
    mesh = trimesh.creation.box((2.0, 1.0, 0.5))
    v = verdict_from_check(check_mesh(mesh))
    assert v.state == "ready" and v.line == "Ready to print" and not v.problems
    assert v.size_mm == pytest.approx((100.0, 50.0, 25.0))
    assert v.volume_cm3 == pytest.approx(125.0)  # 10 x 5 x 2.5 cm


def test_unreadable_and_missing_files_say_cant_tell(tmp_path: Path) -> None:
    bad = tmp_path / "model.glb"
    bad.write_bytes(b"not a model at all")
    v = file_verdict(bad)
    assert v.state == "unknown" and v.line.startswith("Can't tell: model format not checked")
    assert file_verdict(tmp_path / "gone.glb").line == "Can't tell: the model file is missing"
    assert file_verdict(None).state == "unknown"


def test_cache_is_keyed_by_file_state(tmp_path: Path, monkeypatch) -> None:
    path = _glb(tmp_path / "m.glb", broken())
    calls: list[Path] = []
    real = printability.load_mesh
    monkeypatch.setattr(printability, "load_mesh", lambda p: calls.append(p) or real(p))
    assert file_verdict(path).state == "repair"
    assert file_verdict(path).state == "repair" and len(calls) == 1  # same file state: not read again
    _glb(path, blob())
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # a rewrite within the clock's tick counts too
    assert file_verdict(path).line == "Ready to print" and len(calls) == 2


def test_concurrent_callers_share_one_check() -> None:
    cache = CheckCache()
    started = threading.Event()
    runs = []

    def slow():
        runs.append(1)
        started.set()
        time.sleep(0.3)
        return check_mesh(blob(2))

    results = []
    first = threading.Thread(target=lambda: results.append(cache.check("k", slow)))
    first.start()
    started.wait(5)
    results.append(cache.check("k", slow))  # arrives while the first runs: waits for it
    first.join()
    assert len(runs) == 1 and results[0] is results[1]


def test_cache_drops_the_least_recently_used() -> None:
    cache = CheckCache(entries=2)
    check = check_mesh(blob(1))
    for key in ("a", "b"):
        cache.check(key, lambda: check)
    cache.get("a")
    cache.check("c", lambda: check)
    assert cache.get("a") is check and cache.get("b") is None


def test_parts_verdict_matches_the_file_check_and_reuses_it(tmp_path: Path) -> None:
    mesh = broken()
    path = _glb(tmp_path / "m.glb", mesh)
    # the arrays split in two parts, as a preview with two materials holds them
    faces = np.asarray(mesh.faces)
    half = len(faces) // 2
    positions = [np.asarray(mesh.vertices, np.float32)] * 2
    indices = [faces[:half].astype(np.uint32), faces[half:].astype(np.uint32)]
    from_arrays = parts_verdict(positions, indices)
    from_file = file_verdict(path)
    assert from_arrays.line == from_file.line
    assert parts_verdict([], []).state == "unknown"
    assert parts_verdict(positions[:1], [np.zeros((0, 3), np.uint32)], path).line == from_file.line  # cached one


def test_big_files_are_checked_in_a_child_process_with_the_same_answer(tmp_path: Path, monkeypatch) -> None:
    path = _glb(tmp_path / "m.glb", broken())
    in_thread = file_verdict(path)
    monkeypatch.setattr(printability, "CACHE", CheckCache())
    monkeypatch.setattr(printability, "PROCESS_MIN_BYTES", 1)
    monkeypatch.setattr(printability, "load_mesh", None)  # the parent must not load it itself
    assert file_verdict(path).line == in_thread.line
    bad = tmp_path / "bad.glb"
    bad.write_bytes(b"not a model")
    assert file_verdict(bad).line.startswith("Can't tell: model format not checked")


def test_a_cancelled_child_check_stops_at_once(tmp_path: Path, monkeypatch) -> None:
    path = _glb(tmp_path / "m.glb", broken())
    monkeypatch.setattr(printability, "PROCESS_MIN_BYTES", 1)
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()  # before the child has even imported trimesh
    t0 = time.perf_counter()
    with pytest.raises(printability.Cancelled):
        file_verdict(path, cancel)
    assert time.perf_counter() - t0 < 2.0 and not printability._live
    assert printability.CACHE.get(printability.file_key(path)) is None


def test_the_preview_check_of_a_big_model_imports_no_trimesh_in_the_app() -> None:
    # The child process imports it; in the app's process its first import, in a worker, held the GIL for long
    # stretches while the GUI drew the model that had just arrived. Judged in a fresh interpreter.
    script = (
        "import sys\n"
        "import numpy as np\n"
        "from desktop_app.core.printing import verdict\n"
        "verdict.PROCESS_MIN_TRIANGLES = 1\n"
        "positions = [np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], np.float32)]\n"
        "indices = [np.array([[0, 2, 1], [0, 1, 3], [1, 2, 3]], np.uint32)]  # one face missing: open\n"
        "if __name__ == '__main__':\n"
        "    result = verdict.parts_verdict(positions, indices)\n"
        "    print(result.state, 'trimesh' in sys.modules)\n")
    state, imported = run_python(script).split()
    assert state == "repair" and imported == "False"

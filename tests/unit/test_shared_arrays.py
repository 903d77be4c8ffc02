"""A print check in a child process gets the mesh through shared memory (not pickled: that held the GIL, and
so the GUI, ~90 ms for 2M triangles), finds what the in-process check finds and leaves no block behind."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import trimesh

from desktop_app.core import shared_arrays
from desktop_app.core.printing import verdict as printability
from desktop_app.core.printing.check import check_mesh


def _blocks() -> set[str]:
    return set(p.name for p in Path("/dev/shm").iterdir()) if Path("/dev/shm").is_dir() else set()


def test_arrays_round_trip_and_the_blocks_go() -> None:
    before = _blocks()
    arrays = [np.arange(12, dtype=np.float64).reshape(4, 3), np.array([[0, 1, 2]], dtype=np.int64),
              np.zeros((0, 3), dtype=np.int32)]
    blocks, described = shared_arrays.share(arrays)
    assert all(len(repr(d)) < 200 for d in described)  # small to pickle, whatever the size of the data
    back = shared_arrays.attach(described)
    for a, b in zip(arrays, back, strict=True):
        assert b.dtype == a.dtype and np.array_equal(a, b)
    shared_arrays.release(blocks)
    shared_arrays.release(blocks)  # twice is harmless (a cancelled check)
    assert _blocks() <= before


@pytest.mark.skipif(sys.platform == "win32", reason="spawn start-up is slow there; the same code path")
def test_check_in_a_child_matches_the_check_in_process() -> None:
    mesh = trimesh.creation.icosphere(subdivisions=3)
    mesh.vertices *= 20.0
    before = _blocks()
    vertices, faces = np.asarray(mesh.vertices, dtype=np.float64), np.asarray(mesh.faces, dtype=np.int64)
    child = printability.check_in_process("arrays", (vertices, faces))
    here = check_mesh(trimesh.Trimesh(vertices, faces, process=False))
    assert child == here
    assert _blocks() <= before


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the /dev/shm room check is Linux's")
def test_short_shared_memory_falls_back_to_pickling(monkeypatch) -> None:
    """A small /dev/shm (64 MB in a container) would kill the app with SIGBUS when written past its free space:
    share() refuses first, and the check still runs, its mesh pickled as before."""
    import os

    real = os.statvfs

    class Tiny:
        def __init__(self, path: str) -> None:
            stat = real(path)
            self.f_frsize, self.f_bavail = stat.f_frsize, 0

    monkeypatch.setattr(shared_arrays.os, "statvfs", Tiny)
    with pytest.raises(OSError, match="/dev/shm"):
        shared_arrays.share([np.zeros((10, 3))])
    mesh = trimesh.creation.icosphere(subdivisions=2)
    vertices, faces = np.asarray(mesh.vertices, dtype=np.float64), np.asarray(mesh.faces, dtype=np.int64)
    before = _blocks()
    assert printability.check_in_process("arrays", (vertices, faces)) == check_mesh(
        trimesh.Trimesh(vertices, faces, process=False))
    assert _blocks() <= before

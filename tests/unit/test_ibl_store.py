"""The prefiltered environment is kept on disk between processes (ibl.py): the copy read back is the one
computed, a damaged copy is computed again, and a folder that cannot be written only costs time."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from desktop_app.ui.preview import ibl


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """No result from an earlier test in this process."""
    monkeypatch.setattr(ibl, "_cache", {})
    monkeypatch.setattr(ibl, "_computing", {})


def test_a_second_process_reads_what_the_first_computed(fresh: None, monkeypatch: pytest.MonkeyPatch) -> None:
    computed = ibl.prefiltered("studio")
    path = ibl.stored_path("studio")
    assert path is not None and os.path.isfile(path)
    assert Path(path).resolve().is_relative_to(Path(os.environ["MESHWRIGHT_HOME"]).resolve())  # the app's own

    monkeypatch.setattr(ibl, "_cache", {})  # as a new process would start
    monkeypatch.setattr(ibl, "_compute", lambda name: pytest.fail("computed again instead of read"))
    read = ibl.prefiltered("studio")
    assert len(read.specular) == len(computed.specular)
    for a, b in zip(read.specular, computed.specular, strict=True):
        assert a.dtype == np.float16 and np.array_equal(a, b)
    assert np.array_equal(read.sh, computed.sh)
    assert read.background is read.specular[1]


def test_a_damaged_copy_is_computed_again_and_replaced(fresh: None, monkeypatch: pytest.MonkeyPatch) -> None:
    path = ibl.stored_path("outdoor")
    assert path is not None
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Path(path).write_bytes(b"PK\x03\x04 not really a zip")
    calls: list[str] = []
    real = ibl._compute
    monkeypatch.setattr(ibl, "_compute", lambda name: calls.append(name) or real(name))
    result = ibl.prefiltered("outdoor")
    assert calls == ["outdoor"]
    assert result.specular[0].shape == (6, ibl.FACE_SIZE, ibl.FACE_SIZE, 3)
    monkeypatch.setattr(ibl, "_cache", {})
    assert np.array_equal(ibl.prefiltered("outdoor").specular[2], result.specular[2])  # the new copy is good
    assert calls == ["outdoor"]


def test_an_unwritable_cache_folder_only_costs_time(fresh: None, monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    monkeypatch.setattr(ibl, "stored_path", lambda name: str(blocker / f"ibl-{name}.npz"))
    result = ibl.prefiltered("studio")
    assert result.specular[0].shape[0] == 6
    assert blocker.read_text() == "in the way"

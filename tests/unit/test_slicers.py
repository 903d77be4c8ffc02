"""Slicer detection on the three systems, from PATH, /Applications, Program Files and Flatpak folders."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from desktop_app.core.printing import slicers


def _exe(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_path_wins_and_order_is_prusa_orca_bambu_cura(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ultimaker-cura", "orca-slicer"):
        _exe(tmp_path / name)
    monkeypatch.setenv("PATH", str(tmp_path))
    found = slicers.find_slicers("linux")
    assert [s.name for s in found] == ["OrcaSlicer", "Cura"]
    assert found[0].command == [str(tmp_path / "orca-slicer")]


def test_nothing_found_is_an_empty_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    assert slicers.find_slicers("linux") == []


def test_windows_program_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setenv("ProgramFiles", str(tmp_path))
    exe = _exe(tmp_path / "Bambu Studio" / "bambu-studio.exe")
    assert slicers.find_slicers("win32") == [slicers.Slicer("Bambu Studio", [str(exe)])]


def test_macos_app_in_home_applications(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(Path, "home", lambda: tmp_path)
    (tmp_path / "Applications" / "PrusaSlicer.app").mkdir(parents=True)
    found = slicers.find_slicers("darwin")
    assert found[0].name == "PrusaSlicer" and found[0].command[:2] == ["open", "-a"]


def test_linux_flatpak(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _exe(tmp_path / "bin" / "flatpak")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setattr(Path, "home", lambda: tmp_path)
    (tmp_path / ".local/share/flatpak/app/com.ultimaker.cura").mkdir(parents=True)
    found = slicers.find_slicers("linux")
    assert found == [slicers.Slicer("Cura", [str(tmp_path / "bin" / "flatpak"), "run", "com.ultimaker.cura"])]

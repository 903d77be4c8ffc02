"""Find an installed slicer and open a file in it; otherwise show the file (Qt-free).

Looked for, in this order: PrusaSlicer, OrcaSlicer, Bambu Studio, Cura: by command name on PATH, as an app
in /Applications on macOS, under Program Files on Windows, and as a Flatpak on Linux.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Slicer:
    name: str
    command: list[str]  # the file path is appended


# name, PATH commands, macOS app, Windows relative exe paths, Flatpak id
KNOWN = [
    ("PrusaSlicer", ["prusa-slicer", "PrusaSlicer", "prusaslicer"], "PrusaSlicer.app",
     ["Prusa3D/PrusaSlicer/prusa-slicer.exe"], "com.prusa3d.PrusaSlicer"),
    ("OrcaSlicer", ["orca-slicer", "OrcaSlicer", "orcaslicer"], "OrcaSlicer.app",
     ["OrcaSlicer/orca-slicer.exe"], "io.github.softfever.OrcaSlicer"),
    ("Bambu Studio", ["bambu-studio", "BambuStudio", "bambustudio"], "BambuStudio.app",
     ["Bambu Studio/bambu-studio.exe"], "com.bambulab.BambuStudio"),
    ("Cura", ["cura", "UltiMaker-Cura", "ultimaker-cura"], "UltiMaker Cura.app",
     ["UltiMaker Cura/UltiMaker-Cura.exe", "Ultimaker Cura/Cura.exe"], "com.ultimaker.cura"),
]


def find_slicers(platform: str | None = None) -> list[Slicer]:
    """Every slicer found, best first."""
    platform = platform or sys.platform
    found: list[Slicer] = []
    for name, commands, mac_app, win_paths, flatpak in KNOWN:
        slicer = _find_one(platform, name, commands, mac_app, win_paths, flatpak)
        if slicer:
            found.append(slicer)
    return found


def _find_one(platform: str, name: str, commands: list[str], mac_app: str, win_paths: list[str],
              flatpak: str) -> Slicer | None:
    for command in commands:
        path = shutil.which(command)
        if path:
            return Slicer(name, [path])
    if platform == "darwin":
        for base in (Path("/Applications"), Path.home() / "Applications"):
            if (base / mac_app).is_dir():
                return Slicer(name, ["open", "-a", str(base / mac_app)])
    elif platform.startswith("win"):
        for env in ("ProgramFiles", "ProgramFiles(x86)", "LOCALAPPDATA"):
            base = os.environ.get(env)
            for rel in win_paths if base else []:
                exe = Path(base) / rel  # type: ignore[arg-type]
                if exe.is_file():
                    return Slicer(name, [str(exe)])
    else:
        flatpak_bin = shutil.which("flatpak")
        for root in (Path("/var/lib/flatpak/app"), Path.home() / ".local/share/flatpak/app"):
            if flatpak_bin and (root / flatpak).is_dir():
                return Slicer(name, [flatpak_bin, "run", flatpak])
    return None


def open_in_slicer(path: Path, slicer: Slicer) -> None:
    """Start the slicer with ``path`` and return at once (it is not waited for)."""
    kwargs: dict[str, object] = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL,
                                 "stderr": subprocess.DEVNULL}
    if sys.platform.startswith("win"):
        kwargs["creationflags"] = getattr(subprocess, "DETACHED_PROCESS", 0)
    else:
        kwargs["start_new_session"] = True
    process = subprocess.Popen([*slicer.command, str(path)], **kwargs)  # a fixed slicer command, our own file
    # reap it when the user closes the slicer, so no zombie is left behind (and the handle is kept alive)
    threading.Thread(target=process.wait, name=f"slicer {slicer.name}", daemon=True).start()

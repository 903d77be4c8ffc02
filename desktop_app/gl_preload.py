"""Load the system's Mesa GL driver on another core while the app's Python modules import.

The main window is created with an OpenGL surface (ui/gl_surface.py), and on Linux with Mesa that first surface
loads Mesa's driver: one ~25 MB shared object that pulls in LLVM (~37 ms of relocations and constructors loaded
alone; ~20 ms of the window's show() on the benchmark machine, before the first frame). Loading it is independent
of everything else the start does, and ``dlopen`` releases the GIL, so a thread started before the imports takes
it off the start's critical path: when Qt later opens the same file, the dynamic loader finds it loaded (it
matches files by device and inode, so any of the driver's hard-linked names will do). benchmarks/startup.py
measures the effect.

Nothing here imports Qt or changes which driver Qt picks: a failed or skipped preload only means Qt loads the
driver itself, as it would have anyway.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

# Where distributions install Mesa's DRI drivers when LIBGL_DRIVERS_PATH does not say (Debian/Ubuntu multiarch,
# Fedora/openSUSE, Arch).
_DRIVER_DIRS = ("/usr/lib/x86_64-linux-gnu/dri", "/usr/lib/aarch64-linux-gnu/dri", "/usr/lib64/dri", "/usr/lib/dri")
# Every Mesa DRI driver name is a link to one "megadriver" (or, since Mesa 24.2, a stub of libgallium): the
# software one is present on every Mesa install, and it is the driver a machine without a GPU uses.
_DRIVER_NAMES = ("swrast_dri.so", "kms_swrast_dri.so")


def mesa_driver(environ: dict[str, str] | None = None) -> Path | None:
    """The Mesa DRI driver file Qt's first GL surface will load, or None where it would not load Mesa."""
    env = os.environ if environ is None else environ
    if not sys.platform.startswith("linux") or Path("/proc/driver/nvidia/version").exists():
        return None  # NVIDIA's own driver: its GL library is a different one, which a GLX vendor lookup chooses
    dirs = [d for d in env.get("LIBGL_DRIVERS_PATH", "").split(":") if d] or list(_DRIVER_DIRS)
    for folder in dirs:
        for name in _DRIVER_NAMES:
            candidate = Path(folder, name)
            if candidate.is_file():
                return candidate
    return None


def _load(path: Path) -> None:
    import ctypes  # here, not at the top: its import is then off the main thread too

    try:
        ctypes.CDLL(str(path))  # kept loaded for the process's life, as Qt's own load would keep it
    except OSError:
        pass  # a broken or foreign install: Qt will meet the same and report it in its own words


def start() -> threading.Thread | None:
    """Begin loading the GL driver in a background thread; the thread, or None when there is nothing to load."""
    path = mesa_driver()
    if path is None:
        return None
    thread = threading.Thread(target=_load, args=(path,), name="gl driver preload", daemon=True)
    thread.start()
    return thread

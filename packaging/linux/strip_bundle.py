"""Strip symbol tables from the bundle's ELF files where that is safe, to keep the download small.

Libraries that auditwheel rewrote with patchelf (the `<pkg>.libs/` folders of numpy, scipy and Pillow, and the
extension modules whose RPATH points there) break when stripped ("ELF load command address/offset not
page-aligned"), so they are left as they are. What remains is mostly the interpreter (libpython alone sheds
~17 MB of symbols), its lib-dynload modules and wheels without external libraries.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

ELF_MAGIC = b"\x7fELF"


def _is_elf(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(4) == ELF_MAGIC


def patched_by_auditwheel(path: Path) -> bool:
    if any(part.endswith(".libs") for part in path.parts):
        return True
    dynamic = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True, check=False).stdout
    return any(("RPATH" in line or "RUNPATH" in line) and ".libs" in line for line in dynamic.splitlines())


def strip_bundle(root: Path) -> int:
    """Strip what is safe under ``root``; returns the bytes saved. A no-op where binutils is missing."""
    if shutil.which("strip") is None or shutil.which("readelf") is None:
        return 0
    saved = 0
    for path in sorted(root.rglob("*")):
        if path.is_symlink() or not path.is_file() or not _is_elf(path) or patched_by_auditwheel(path):
            continue
        before = path.stat().st_size
        subprocess.run(["strip", "--strip-unneeded", str(path)], check=True, capture_output=True)
        saved += before - path.stat().st_size
    return saved


def link_duplicates(root: Path, min_bytes: int = 64 * 1024) -> int:
    """Replace byte-identical shared libraries with relative symlinks to one copy; returns the bytes saved.

    numpy's and scipy's wheels each ship the same libgfortran and libquadmath; the loader maps one file either
    way (same soname), so a symlink changes nothing at run time. Only ELF files are linked: data files may be
    rewritten in place by whoever owns them.
    """
    by_content: dict[tuple[int, str], list[Path]] = {}
    for path in sorted(root.rglob("*")):
        if path.is_symlink() or not path.is_file() or path.stat().st_size < min_bytes or not _is_elf(path):
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        by_content.setdefault((path.stat().st_size, digest), []).append(path)
    saved = 0
    for (size, _), paths in by_content.items():
        keep, *copies = paths
        for copy in copies:
            copy.unlink()
            copy.symlink_to(os.path.relpath(keep, copy.parent))
            saved += size
    return saved

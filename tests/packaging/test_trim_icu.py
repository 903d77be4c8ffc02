"""packaging/linux/trim_icu.py on a copy of PySide6's own libicudata: smaller, same soname and symbol, and the
data Qt opens (collation, codecs, zones, locale tables) still inside."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _trim_module():
    path = ROOT / "packaging" / "linux" / "trim_icu.py"
    spec = importlib.util.spec_from_file_location("trim_icu", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_trimmed_icu_keeps_what_qt_opens(tmp_path: Path) -> None:
    pyside = pytest.importorskip("PySide6")
    original = next((Path(pyside.__file__).parent / "Qt" / "lib").glob("libicudata.so.*"), None)
    if original is None or not shutil.which("icupkg") or not (shutil.which("cc") or shutil.which("gcc")):
        pytest.skip("needs PySide6's libicudata, icupkg (icu-devtools) and a C compiler")
    lib = tmp_path / "bundle" / "lib" / original.name
    lib.parent.mkdir(parents=True)
    shutil.copyfile(original, lib)
    trim = _trim_module()
    saved = trim.trim_icu(tmp_path / "bundle")
    assert saved > 10 * 1024 * 1024 and lib.stat().st_size == original.stat().st_size - saved
    dynamic = subprocess.run(["readelf", "-d", str(lib)], capture_output=True, text=True, check=True).stdout
    assert f"[{original.name}]" in dynamic  # same soname, so Qt's libraries load it in place of the original
    symbol, data = trim._blob(lib)
    assert symbol == trim._blob(original)[0]
    package = tmp_path / f"{symbol.removesuffix('_dat')}l.dat"
    package.write_bytes(data)
    items = set(subprocess.run(["icupkg", "-l", str(package)], capture_output=True, text=True,
                               check=True).stdout.split())
    assert not any(item.startswith(trim.UNUSED_PREFIXES) for item in items)
    assert {"coll/root.res", "coll/de.res", "zone/fr.res", "root.res", "uts46.nrm", "nfkc.nrm",
            "ibm-943_P15A-2003.cnv"} <= items

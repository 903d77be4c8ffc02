"""Rebuild the bundle's ICU data library (libicudata, 31 MB) with only the data Qt can reach.

Qt Core links ICU 73 and cannot use the system's copy, and libicudata is one exported blob (``icudt73_dat``) in
ICU's common-data format. Qt uses ICU for collation (QCollator: ``coll/``), legacy text codecs
(QStringConverter: ``*.cnv``), case mapping and normalisation (the core ``.icu`` and ``.nrm`` items), time-zone
names (``zone/``) and the root and per-locale ``.res`` tables those fall back through. It has its own CLDR tables
for QLocale (numbers, currencies, language and territory names) and its own text-boundary code, so the
categories below are never opened: break-iterator rules and dictionaries, measurement units, currency names,
language and region display names, transliterators and spelled-out number rules (~15 MB).

Tools: ``icupkg`` (Debian/Ubuntu package icu-devtools; its data format is shared across ICU versions) and a C
compiler to wrap the trimmed blob in a shared library with the same soname and symbol. Without them the library
is left whole and the caller is told so.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

UNUSED_PREFIXES = ("brkitr/", "unit/", "curr/", "lang/", "region/", "translit/", "rbnf/")


def _blob(library: Path) -> tuple[str, bytes]:
    """The exported data symbol's name and bytes (file offset from the section that holds it)."""
    syms = subprocess.run(["readelf", "--dyn-syms", "-W", str(library)], capture_output=True, text=True,
                          check=True).stdout
    match = re.search(r"([0-9a-f]+)\s+(0x[0-9a-f]+|\d+)\s+OBJECT\s+GLOBAL\s+\w+\s+(\d+)\s+(icudt\d+_dat)", syms)
    if match is None:
        raise RuntimeError(f"{library.name}: no icudtNN_dat symbol")
    value, size, section, name = int(match[1], 16), int(match[2], 0), int(match[3]), match[4]
    sections = subprocess.run(["readelf", "-S", "-W", str(library)], capture_output=True, text=True,
                              check=True).stdout
    row = re.search(rf"\[\s*{section}\]\s+\S+\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)", sections)
    if row is None:
        raise RuntimeError(f"{library.name}: section {section} not found")
    offset = value - int(row[1], 16) + int(row[2], 16)
    with library.open("rb") as f:
        f.seek(offset)
        return name, f.read(size)


def trim_icu(bundle: Path) -> int:
    """Trim every libicudata in ``bundle``; returns the bytes saved (0 when the tools are missing)."""
    icupkg, cc = shutil.which("icupkg"), shutil.which("cc") or shutil.which("gcc")
    libraries = [p for p in bundle.rglob("libicudata.so.*") if p.is_file() and not p.is_symlink()]
    if not libraries:
        return 0
    if icupkg is None or cc is None:
        print("warning: icupkg (icu-devtools) or a C compiler is missing: ICU data left whole (+15 MB)")
        return 0
    saved = 0
    for library in libraries:
        symbol, data = _blob(library)
        soname = library.name
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            # icupkg takes the package name (icudt73l: version, little-endian) from the file name
            package = f"{symbol.removesuffix('_dat')}l.dat"
            (work / "small").mkdir()
            full = work / package
            full.write_bytes(data)
            items = subprocess.run([icupkg, "-l", str(full)], capture_output=True, text=True,
                                   check=True).stdout.split()
            drop = [item for item in items if item.startswith(UNUSED_PREFIXES)]
            (work / "drop.txt").write_text("\n".join(drop) + "\n", encoding="utf-8")
            small = work / "small" / package
            subprocess.run([icupkg, "-r", str(work / "drop.txt"), str(full), str(small)], check=True,
                           capture_output=True)
            asm = work / "data.S"
            asm.write_text(
                f'.section .rodata\n.globl {symbol}\n.type {symbol}, @object\n.balign 16\n{symbol}:\n'
                f'.incbin "{small}"\n.size {symbol}, . - {symbol}\n'
                '.section .note.GNU-stack,"",@progbits\n', encoding="utf-8")
            out = work / soname
            subprocess.run([cc, "-shared", "-nostdlib", f"-Wl,-soname,{soname}", "-o", str(out), str(asm)],
                           check=True)
            before = library.stat().st_size
            shutil.copyfile(out, library)
            saved += before - library.stat().st_size
    return saved

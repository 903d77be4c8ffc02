"""The Windows console executable (`meshwright-cli`), and what keeps the bundle small: duplicate libraries
linked once, tools the app never runs left out. A build takes minutes, so `make package-test` covers the rest."""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

from desktop_app import cli

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _entry_cli(args: list[str], home: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(PACKAGING / "entry_cli.py"), *args], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "MESHWRIGHT_HOME": str(home), "PYTHONPATH": str(ROOT)},
                          timeout=120)


def test_console_entry_prints_the_cli_help_without_arguments(tmp_path):
    result = _entry_cli([], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout and "generate" in result.stdout and "render" in result.stdout


def test_console_entry_runs_cli_commands(tmp_path):
    result = _entry_cli(["models"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "local:relief" in result.stdout
    bad = _entry_cli(["schema", "no:such-model"], tmp_path)
    assert bad.returncode == 2 and "error:" in bad.stderr and "Traceback" not in bad.stderr


def test_frozen_usage_names_the_executable(monkeypatch):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "argv", [str(Path("Meshwright") / "meshwright-cli.exe")])
    assert cli._parser().prog == "meshwright-cli"
    monkeypatch.setattr(sys, "frozen", False)
    assert cli._parser().prog == "python -m desktop_app"


def test_spec_builds_a_console_executable_on_windows_in_the_same_folder():
    spec = (PACKAGING / "meshwright.spec").read_text(encoding="utf-8")
    assert 'CLI_EXE = sys.platform == "win32"' in spec
    assert re.search(r'name="meshwright-cli",\s*console=True', spec)
    assert "COLLECT(*executables" in spec  # one folder: the two executables share every library
    iss = (PACKAGING / "windows" / "meshwright.iss").read_text(encoding="utf-8")
    assert 'Name: "addtopath"' in iss and "ChangesEnvironment=yes" in iss
    assert "usPostUninstall" in iss and "RegWriteExpandStringValue" in iss  # uninstall takes it off the PATH
    workflow = (ROOT / ".github" / "workflows" / "package.yml").read_text(encoding="utf-8")
    assert "smoke_test.py dist/Meshwright/meshwright-cli.exe" in workflow


def _elf(path: Path, payload: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x7fELF" + payload)
    return path


def test_identical_libraries_are_linked_once(tmp_path):
    strip = _load(PACKAGING / "linux" / "strip_bundle.py")
    payload = os.urandom(100_000)
    first = _elf(tmp_path / "numpy.libs" / "libgfortran-x.so.5", payload)
    second = _elf(tmp_path / "scipy.libs" / "libgfortran-x.so.5", payload)
    other = _elf(tmp_path / "scipy.libs" / "libother.so", os.urandom(100_000))
    data = [tmp_path / "data" / "a.png", tmp_path / "data" / "b.png"]
    data[0].parent.mkdir()
    for copy in data:  # identical, but not libraries: left alone
        copy.write_bytes(payload)
    assert strip.link_duplicates(tmp_path) == len(payload) + 4
    assert second.is_symlink() and os.readlink(second) == "../numpy.libs/libgfortran-x.so.5"
    assert second.read_bytes() == first.read_bytes()
    assert not first.is_symlink() and not other.is_symlink()
    assert not any(copy.is_symlink() for copy in data)
    assert strip.link_duplicates(tmp_path) == 0  # a second pass finds nothing more


def test_the_app_never_imports_the_tools_the_bundle_leaves_out():
    tree = ast.parse((PACKAGING / "meshwright.spec").read_text(encoding="utf-8"))
    excludes = next(node.value for node in tree.body if isinstance(node, ast.Assign)
                    and getattr(node.targets[0], "id", "") == "EXCLUDES")
    left_out = {node.value for node in ast.walk(excludes) if isinstance(node, ast.Constant)
                and str(node.value).startswith(("pygments", "httpx.", "pyqtgraph."))}
    assert {"pygments", "httpx._main", "pyqtgraph.flowchart"} <= left_out
    used = set()
    for path in (ROOT / "desktop_app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                used |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                used |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    assert not {name for name in used if any(name == x or name.startswith(x + ".") for x in left_out)}


def test_smoke_test_builds_use_fast_compression_and_releases_do_not():
    assert "make package PACKAGE_FLAGS=--fast" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    workflow = (ROOT / ".github" / "workflows" / "package.yml").read_text(encoding="utf-8")
    assert "--fast" not in workflow

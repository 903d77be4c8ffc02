"""The installers' inputs stay consistent: version, icons, desktop and macOS metadata, what the bundle leaves out.

Building the bundle takes minutes, so it is not done here: `make package` and `make package-test` do it
(and .ci/run runs both). These tests check what can go wrong without a build.
"""

from __future__ import annotations

import ast
import importlib.util
import plistlib
import re
import sys
import tomllib
import xml.etree.ElementTree as ET
from importlib import metadata
from pathlib import Path

import pytest
from PIL import Image

import desktop_app
from desktop_app.__main__ import model_argument

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
ICONS = ROOT / "resources" / "icons"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_version_comes_from_pyproject():
    assert desktop_app.__version__ == VERSION


def test_version_without_installed_metadata_reads_pyproject(monkeypatch):
    def missing(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", missing)
    assert desktop_app._version() == VERSION


@pytest.mark.parametrize(("args", "expected"), [
    ([], (True, None)),
    (["--self-test"], (True, None)),
    (["model.glb"], (True, "model.glb")),
    (["/home/a b/Model.GLTF"], (True, "/home/a b/Model.GLTF")),
    (["scan.fbx"], (True, "scan.fbx")),  # the window explains why it cannot show FBX
    (["models"], (False, None)),
    (["generate", "local:relief", "photo.png"], (False, None)),
    (["library", "--search", "x.glb"], (False, None)),
    (["a.glb", "b.glb"], (False, None)),  # not a double-click: the CLI says what it expects
])
def test_a_model_file_on_the_command_line_opens_the_window(args, expected):
    assert model_argument(args) == expected


def test_icons_exist_at_every_size_and_match_their_drawing():
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        with Image.open(ICONS / f"meshwright-{size}.png") as image:
            assert image.size == (size, size) and image.mode == "RGBA"
            assert image.getpixel((size // 2, size // 2))[3] == 255  # drawn, not blank
    with Image.open(ICONS / "meshwright.ico") as ico:
        assert {(16, 16), (32, 32), (256, 256)} <= set(ico.info["sizes"])
    with Image.open(ICONS / "meshwright.icns") as icns:
        assert icns.size[0] >= 512
    svg = (ICONS / "meshwright.svg").read_text(encoding="utf-8")
    assert ET.fromstring(svg).tag.endswith("svg")
    assert svg == _load(PACKAGING / "make_icons.py").svg_text()  # the checked-in SVG is the script's output


def test_desktop_entry_claims_gltf_and_runs_the_launcher():
    entry = (PACKAGING / "linux" / "meshwright.desktop").read_text(encoding="utf-8")
    assert "MimeType=model/gltf-binary;model/gltf+json;" in entry
    assert re.search(r"^Exec=meshwright %f$", entry, re.M) and "Icon=meshwright" in entry
    assert "StartupWMClass=meshwright" in entry  # matches QGuiApplication.setDesktopFileName
    mime = ET.parse(PACKAGING / "linux" / "meshwright-mime.xml").getroot()
    assert {m.get("type") for m in mime} == {"model/gltf-binary", "model/gltf+json"}


def test_debian_control_names_version_and_the_xcb_libraries():
    build = _load(PACKAGING / "build_linux.py")
    control = build.debian_control(VERSION, "amd64", 123)
    assert f"Version: {VERSION}\n" in control and "Installed-Size: 123\n" in control
    depends = re.search(r"^Depends: (.*)$", control, re.M).group(1)
    for lib in ("libxcb-cursor0", "libxkbcommon-x11-0", "libegl1", "libgl1", "libfontconfig1", "libdbus-1-3"):
        assert lib in depends
    # every continuation line of the description starts with a space, and the file ends with a newline
    assert control.endswith("\n") and all(line.startswith(" ") for line in control.split("Description: ")[1]
                                          .splitlines()[1:])


def test_bundle_size_counts_files_and_symlinks_once(tmp_path):
    build = _load(PACKAGING / "build_linux.py")
    (tmp_path / "a").write_bytes(b"x" * 1000)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "link").symlink_to("../a")
    assert 1000 <= build.tree_bytes(tmp_path) < 1100


def test_strip_leaves_auditwheel_libraries_alone(tmp_path):
    strip = _load(PACKAGING / "linux" / "strip_bundle.py")
    wheel_lib = tmp_path / "numpy.libs" / "libscipy_openblas.so"
    wheel_lib.parent.mkdir()
    wheel_lib.write_bytes(b"\x7fELF")
    assert strip.patched_by_auditwheel(wheel_lib)


def test_macos_plist_declares_gltf_documents():
    plist = plistlib.loads((PACKAGING / "macos" / "Info.plist").read_bytes())
    extensions = {ext for doc in plist["CFBundleDocumentTypes"] for ext in doc["CFBundleTypeExtensions"]}
    assert extensions == {"glb", "gltf"}
    assert plist["CFBundleExecutable"] == "Meshwright"  # the spec names the macOS executable so


def test_windows_installer_takes_the_version_and_associates_glb():
    iss = (PACKAGING / "windows" / "meshwright.iss").read_text(encoding="utf-8")
    assert "AppVersion={#AppVersion}" in iss and r"Software\Classes\.glb\OpenWithProgids" in iss
    assert "{uninstallexe}" in iss and "{group}\\Meshwright" in iss
    workflow = (ROOT / ".github" / "workflows" / "package.yml").read_text(encoding="utf-8")
    assert "/DAppVersion=" in workflow and "pyproject.toml" in workflow
    for runner in ("windows-latest", "macos-latest", "ubuntu-22.04"):
        assert f"runs-on: {runner}" in workflow


def _spec_excludes() -> set[str]:
    tree = ast.parse((PACKAGING / "meshwright.spec").read_text(encoding="utf-8"))
    assigned = {node.targets[0].id: node.value for node in tree.body
                if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)}
    names = {node.value for node in ast.walk(assigned["EXCLUDES"]) if isinstance(node, ast.Constant)
             and re.fullmatch(r"scipy(\.[\w.]+)?|PIL\.[\w.]+", str(node.value))}
    qt = assigned["QT_UNUSED"]
    return names | {f"PySide6.{element.value}" for element in qt.elts}


def test_the_app_never_imports_what_the_bundle_leaves_out():
    excluded = _spec_excludes()
    assert {"scipy", "scipy.optimize", "PySide6.QtQml", "PySide6.QtWebEngineCore"} <= excluded
    offenders = []
    for path in (ROOT / "desktop_app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            offenders += [f"{path.name}: {n}" for n in names
                          if any(n == x or n.startswith(x + ".") for x in excluded)]
    assert offenders == []


def test_resources_are_found_in_a_frozen_app(monkeypatch, tmp_path):
    from desktop_app import resources

    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.resource_path("icons/meshwright.svg") == tmp_path / "resources" / "icons" / "meshwright.svg"

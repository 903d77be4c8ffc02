"""`make package` on Linux: freeze the app, check its size, and wrap it as a .deb and a .tar.gz.

    .venv/bin/python packaging/build_linux.py [--no-freeze] [--fast]

Writes dist/Meshwright/ (the one-folder app), dist/meshwright_<version>_<arch>.deb and
dist/meshwright-<version>-linux-<machine>.tar.gz. Fails (exit 1) when the unpacked app exceeds BUDGET_MB.
An AppImage is built too when `appimagetool` happens to be on PATH; nothing is downloaded for it.
Compressing the .deb with xz -6 takes most of the time (~3-4 minutes on two cores, 67 MB); `--fast` uses xz -1
(~20 s, ~9 MB larger) for builds that are only smoke-tested, such as `.ci/run`'s. Release builds keep -6.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "linux"))
from strip_bundle import link_duplicates, strip_bundle
from trim_icu import trim_icu

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
ICONS = ROOT / "resources" / "icons"
BUDGET_MB = 180
MB = 1024 * 1024
# What the bundle leaves to the system (see HOST_LIBS in meshwright.spec) plus the X libraries Qt's xcb plugin
# loads; the xcb ones are bundled too, but a user who deletes the bundled copies still gets a working app.
DEPENDS = [
    "libc6", "libgl1", "libegl1", "libx11-6", "libx11-xcb1", "libxcb1", "libfontconfig1", "libfreetype6",
    "libdbus-1-3", "libglib2.0-0 | libglib2.0-0t64", "zlib1g", "libexpat1", "libgcc-s1", "liblzma5", "libzstd1",
    "libbz2-1.0", "libpng16-16 | libpng16-16t64", "libuuid1",
    "libxkbcommon0", "libxkbcommon-x11-0", "libxcb-cursor0", "libxcb-icccm4", "libxcb-image0", "libxcb-keysyms1",
    "libxcb-randr0", "libxcb-render-util0", "libxcb-render0", "libxcb-shape0", "libxcb-shm0", "libxcb-sync1",
    "libxcb-xfixes0", "libxcb-xkb1", "libxcb-glx0",
]


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def tree_bytes(folder: Path) -> int:
    """Unpacked size as the file manager shows it: file sizes, symlinks not followed."""
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() or p.is_symlink())


def debian_arch() -> str:
    try:
        return subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())


def debian_control(version: str, arch: str, installed_kb: int) -> str:
    meta = project()
    return "\n".join([
        "Package: meshwright",
        f"Version: {version}",
        f"Architecture: {arch}",
        "Maintainer: Meshwright maintainers <meshwright@users.noreply.github.com>",
        f"Installed-Size: {installed_kb}",
        f"Depends: {', '.join(DEPENDS)}",
        "Suggests: gnome-keyring | kwalletmanager",
        "Section: graphics",
        "Priority: optional",
        f"Description: {meta['description'].rstrip('.')}",
        " Drop one to five images on the window, pick a generator (Hyper3D Rodin, Scenario, or the offline",
        " relief generator), and get a textured 3D model in the preview, kept in a local library.",
        "",
    ])


def install_desktop_files(share: Path) -> None:
    """The .desktop entry, the glTF MIME types and the icon in every hicolor size, under ``share``."""
    (share / "applications").mkdir(parents=True, exist_ok=True)
    shutil.copy2(PACKAGING / "linux" / "meshwright.desktop", share / "applications" / "meshwright.desktop")
    (share / "mime" / "packages").mkdir(parents=True, exist_ok=True)
    shutil.copy2(PACKAGING / "linux" / "meshwright-mime.xml", share / "mime" / "packages" / "meshwright.xml")
    for png in ICONS.glob("meshwright-*.png"):
        size = png.stem.rsplit("-", 1)[1]
        target = share / "icons" / "hicolor" / f"{size}x{size}" / "apps"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(png, target / "meshwright.png")
    (share / "icons" / "hicolor" / "scalable" / "apps").mkdir(parents=True, exist_ok=True)
    shutil.copy2(ICONS / "meshwright.svg", share / "icons" / "hicolor" / "scalable" / "apps" / "meshwright.svg")


def build_deb(bundle: Path, out: Path, version: str, xz_level: int = 6) -> Path:
    arch = debian_arch()
    stage = ROOT / "build" / "deb" / f"meshwright_{version}_{arch}"
    shutil.rmtree(stage, ignore_errors=True)
    shutil.copytree(bundle, stage / "usr" / "lib" / "meshwright", symlinks=True)
    (stage / "usr" / "bin").mkdir(parents=True)
    # Relative, so the package also works unpacked anywhere (dpkg -x); the bootloader finds its folder itself.
    (stage / "usr" / "bin" / "meshwright").symlink_to("../lib/meshwright/meshwright")
    install_desktop_files(stage / "usr" / "share")
    doc = stage / "usr" / "share" / "doc" / "meshwright"
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(
        "Meshwright: MIT licence.\nBundled: Qt and PySide6 (LGPL-3.0, as separate replaceable libraries under "
        "/usr/lib/meshwright), Python (PSF-2.0), NumPy and SciPy (BSD-3-Clause), Pillow (MIT-CMU), trimesh, "
        "pyqtgraph, keyring, platformdirs (MIT), httpx, qasync, PyOpenGL (BSD).\n", encoding="utf-8")
    (stage / "DEBIAN").mkdir()
    installed_kb = tree_bytes(stage) // 1024
    (stage / "DEBIAN" / "control").write_text(debian_control(version, arch, installed_kb), encoding="utf-8")
    for path in stage.rglob("*"):  # dpkg wants 0755 dirs and no group/other write bits
        if not path.is_symlink():
            path.chmod((path.stat().st_mode & 0o755) | (0o755 if path.is_dir() else 0o644))
    deb = out / f"meshwright_{version}_{arch}.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zxz", f"-z{xz_level}", "--build", str(stage), str(deb)],
                   check=True, stdout=subprocess.DEVNULL)
    return deb


def build_tarball(bundle: Path, out: Path, version: str) -> Path:
    name = f"meshwright-{version}-linux-{platform.machine()}"
    tarball = out / f"{name}.tar.gz"
    extras = ROOT / "build" / "tar-extras"
    shutil.rmtree(extras, ignore_errors=True)
    install_desktop_files(extras / "share")
    with tarfile.open(tarball, "w:gz", compresslevel=6) as tar:
        tar.add(bundle, arcname=name)
        tar.add(extras / "share", arcname=f"{name}/share")
        tar.add(PACKAGING / "linux" / "install-desktop-entry.sh", arcname=f"{name}/install-desktop-entry.sh")
    return tarball


def build_appimage(bundle: Path, out: Path, version: str) -> Path | None:
    tool = shutil.which("appimagetool")
    if tool is None:
        return None
    appdir = ROOT / "build" / "Meshwright.AppDir"
    shutil.rmtree(appdir, ignore_errors=True)
    shutil.copytree(bundle, appdir / "usr" / "lib" / "meshwright", symlinks=True)
    install_desktop_files(appdir / "usr" / "share")
    shutil.copy2(PACKAGING / "linux" / "meshwright.desktop", appdir / "meshwright.desktop")
    shutil.copy2(ICONS / "meshwright-256.png", appdir / "meshwright.png")
    (appdir / "AppRun").symlink_to("usr/lib/meshwright/meshwright")
    image = out / f"Meshwright-{version}-{platform.machine()}.AppImage"
    subprocess.run([tool, str(appdir), str(image)], check=True, env={**os.environ, "ARCH": platform.machine()})
    return image


def freeze() -> Path:
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN", "--distpath",
                    str(ROOT / "dist"), "--workpath", str(ROOT / "build" / "pyinstaller"),
                    str(PACKAGING / "meshwright.spec")], check=True, cwd=ROOT)
    return ROOT / "dist" / "Meshwright"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-freeze", action="store_true", help="reuse dist/Meshwright from an earlier run")
    parser.add_argument("--fast", action="store_true", help="compress the .deb with xz -1 (smoke-test builds)")
    args = parser.parse_args(argv)
    version = project()["version"]
    started = time.monotonic()
    bundle = ROOT / "dist" / "Meshwright" if args.no_freeze else freeze()
    frozen_at = time.monotonic()
    saved = trim_icu(bundle) + strip_bundle(bundle) + link_duplicates(bundle)
    size = tree_bytes(bundle)
    print(f"bundle: {bundle.relative_to(ROOT)} is {size / MB:.1f} MB unpacked (budget {BUDGET_MB} MB, "
          f"{(BUDGET_MB * MB - size) / MB:.1f} MB to spare; trimming ICU data, stripping and linking duplicates saved "
          f"{saved / MB:.1f} MB)")
    if size > BUDGET_MB * MB:
        print(f"error: the bundle is over its {BUDGET_MB} MB budget", file=sys.stderr)
        return 1
    out = ROOT / "dist"
    artifacts = [build_deb(bundle, out, version, xz_level=1 if args.fast else 6), build_tarball(bundle, out, version)]
    appimage = build_appimage(bundle, out, version)
    artifacts += [appimage] if appimage else []
    for path in artifacts:
        print(f"built: {path.relative_to(ROOT)} ({path.stat().st_size / MB:.1f} MB)")
    if appimage is None:
        print("AppImage skipped: appimagetool is not on PATH")
    print(f"package step took {time.monotonic() - started:.0f} s (freezing {frozen_at - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

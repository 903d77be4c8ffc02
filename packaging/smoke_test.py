"""Smoke-test the built app as a user gets it: run the frozen executable with `--self-test` (needs a display;
`make package-test` wraps it in Xvfb), drive its command line (an offline generation, `render` of the GLB it
made, and `library export` to STL and OBJ once the build has that command) and, given a .deb, check its
metadata and run the app unpacked from it. A console `meshwright-cli` next to the executable is driven too.

    .venv/bin/python packaging/smoke_test.py dist/Meshwright/meshwright [dist/meshwright_X_amd64.deb]

Exit 0 when every check passed; each failure is printed with the app's own output.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw

TIMEOUT_S = 300


def self_test(executable: Path) -> list[str]:
    """Problems found running ``executable --self-test`` in a throw-away MESHWRIGHT_HOME ([] when it passed)."""
    with tempfile.TemporaryDirectory(prefix="meshwright-smoke-") as home:
        env = {**os.environ, "MESHWRIGHT_HOME": home}
        started = time.monotonic()
        try:
            result = subprocess.run([str(executable), "--self-test"], capture_output=True, text=True, env=env,
                                    timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return [f"{executable} --self-test did not finish in {TIMEOUT_S} s"]
        print(f"{executable}: exit {result.returncode} after {time.monotonic() - started:.1f} s")
        print(result.stdout.strip())
        problems = []
        if result.returncode != 0:
            problems.append(f"exit code {result.returncode}\n{result.stderr.strip()}")
        for expected in ("self-test passed", "GLB read", "keyring: "):
            if expected not in result.stdout:
                problems.append(f"no {expected!r} in the output")
        if not (Path(home) / "data" / "library").is_dir():
            problems.append("the self-test did not use MESHWRIGHT_HOME")
        return problems


def _run(args: list, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env, timeout=TIMEOUT_S)


def _drawing(path: Path) -> Path:
    """A shape on a transparent background, which the offline generator always lifts into a model."""
    image = Image.new("RGBA", (256, 256), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((40, 40, 216, 216), fill=(200, 120, 40, 255))
    image.save(path)
    return path


def cli_checks(executable: Path) -> list[str]:
    """Problems found driving the frozen command line: generate offline, render the GLB, export it."""
    with tempfile.TemporaryDirectory(prefix="meshwright-cli-") as home:
        env = {**os.environ, "MESHWRIGHT_HOME": home}
        drawing = _drawing(Path(home) / "drawing.png")
        made = _run([executable, "generate", "local:relief", drawing, "--set", "detail=64", "--json"], env)
        if made.returncode != 0:
            return [f"generate exited {made.returncode}\n{made.stderr.strip()}"]
        item = json.loads(made.stdout.strip().splitlines()[-1])
        model, png = Path(item["model_file"]), Path(home) / "render.png"
        rendered = _run([executable, "render", model, "--out", png, "--size", "320x240"], env)
        if rendered.returncode != 0:
            return [f"render exited {rendered.returncode}\n{rendered.stderr.strip()}"]
        with Image.open(png) as image:
            if image.size != (320, 240) or sum(1 for n in image.convert("L").histogram() if n) < 8:
                return [f"render wrote a {image.size} image with no visible model"]
        print(f"{executable.name}: generate and render OK ({rendered.stdout.strip()})")
        if "export" not in _run([executable, "library", "--help"], env).stdout:
            print(f"{executable.name}: no 'library export' command in this build; export not checked")
            return []
        problems = []
        for out, extra in (("model.stl", []), ("model.obj", ["--faces", "2000"])):  # --faces: decimation
            target = Path(home) / out
            exported = _run([executable, "library", "export", item["item"], "--out", target, *extra], env)
            if exported.returncode != 0 or not target.is_file() or target.stat().st_size < 1000:
                problems.append(f"library export to {out} {' '.join(extra)} failed\n{exported.stderr.strip()}")
        if not problems:
            print(f"{executable.name}: library export to STL and OBJ (with decimation) OK")
        return problems


def console_cli_checks(executable: Path) -> list[str]:
    """The console executable (Windows' `meshwright-cli`): prints the CLI's help without arguments, lists models."""
    with tempfile.TemporaryDirectory(prefix="meshwright-cli-") as home:
        env = {**os.environ, "MESHWRIGHT_HOME": home}
        usage, models = _run([executable], env), _run([executable, "models"], env)
    problems = []
    if usage.returncode != 0 or f"usage: {executable.stem}" not in usage.stdout:
        problems.append(f"{executable.name} without arguments did not print its usage:\n{usage.stdout}{usage.stderr}")
    if models.returncode != 0 or "local:relief" not in models.stdout:
        problems.append(f"{executable.name} models did not list the offline generator:\n{models.stderr}")
    if not problems:
        print(f"{executable.name}: usage and 'models' OK")
    return problems


def check_deb(deb: Path) -> list[str]:
    info = subprocess.run(["dpkg-deb", "--info", str(deb)], capture_output=True, text=True, check=True).stdout
    contents = subprocess.run(["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True,
                              check=True).stdout
    problems = [f"control has no {field}" for field in ("Package: meshwright", "Version:", "Depends:",
                                                         "libxcb-cursor0") if field not in info]
    for path in ("./usr/bin/meshwright", "./usr/lib/meshwright/meshwright",
                 "./usr/share/applications/meshwright.desktop",
                 "./usr/share/icons/hicolor/256x256/apps/meshwright.png",
                 "./usr/share/icons/hicolor/scalable/apps/meshwright.svg"):
        if path not in contents:
            problems.append(f"{path} is missing from the package")
    with tempfile.TemporaryDirectory(prefix="meshwright-deb-") as root:
        subprocess.run(["dpkg-deb", "-x", str(deb), root], check=True)
        desktop = (Path(root) / "usr/share/applications/meshwright.desktop").read_text(encoding="utf-8")
        if "MimeType=model/gltf-binary;model/gltf+json;" not in desktop:
            problems.append("the .desktop file does not claim glTF files")
        if shutil.which("desktop-file-validate"):
            check = subprocess.run(["desktop-file-validate", str(Path(root) / "usr/share/applications/"
                                                                 "meshwright.desktop")], capture_output=True,
                                   text=True)
            if check.returncode != 0:
                problems.append(f"desktop-file-validate: {check.stdout}{check.stderr}")
        problems += self_test(Path(root) / "usr" / "bin" / "meshwright")  # the launcher, as the menu runs it
    return problems


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    executable = Path(argv[0])
    problems = self_test(executable) + cli_checks(executable)
    console = executable.with_name("meshwright-cli" + executable.suffix)
    if console.exists():
        problems += console_cli_checks(console)
    for deb in argv[1:]:
        problems += check_deb(Path(deb))
    for problem in problems:
        print(f"smoke test FAILED: {problem}", file=sys.stderr)
    if not problems:
        print("smoke test passed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

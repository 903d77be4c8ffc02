"""Smoke-test the built app as a user gets it: run the frozen executable with `--self-test` (needs a display;
`make package-test` wraps it in Xvfb) and, given a .deb, check its metadata and run the app unpacked from it.

    .venv/bin/python packaging/smoke_test.py dist/Meshwright/meshwright [dist/meshwright_X_amd64.deb]

Exit 0 when every check passed; each failure is printed with the app's own output.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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
    problems = self_test(Path(argv[0]))
    for deb in argv[1:]:
        problems += check_deb(Path(deb))
    for problem in problems:
        print(f"smoke test FAILED: {problem}", file=sys.stderr)
    if not problems:
        print("smoke test passed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

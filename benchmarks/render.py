"""`meshwright render` of a big textured GLB against f3d rendering the same file, whole processes.

Writes a textured model (a rippled sphere with UVs and a 2048 px PNG texture, the shape of what generators
deliver) at 50k, 500k and 2M triangles, then for each size reports the median wall time and peak memory (max
RSS) of: `python -m desktop_app render`, `f3d --output` (the anchor, when installed: apt-get install f3d) and
`trimesh.load` of the same file (the floor: reading it, nothing drawn). Ratios are against f3d in the same run.
Run under a display with OpenGL (``xvfb-run``), like the app's own render command.

Both draw the same file at the same size into a PNG with their defaults: f3d without anti-aliasing, meshwright
with its default FXAA pass (``--aa fxaa``, a few ms; ``--aa 4x`` multisampling costs ~0.3 s more on software GL).
The machine's load moves every figure; compare the ratios, and repeat (the medians of several runs).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIZES = {"50k": 50_000, "500k": 504_000, "2M": 2_000_000}
TEXTURE = 2048
RENDER_SIZE = (800, 600)


def make_model(path: Path, triangles: int, texture: int = TEXTURE) -> None:
    """A UV-mapped rippled sphere with ``triangles`` faces (an n x n grid, two triangles per cell)."""
    import numpy as np
    import trimesh
    from PIL import Image

    n = max(4, int((triangles / 2) ** 0.5))
    u, v = np.meshgrid(np.linspace(0, 1, n + 1), np.linspace(0, 1, n + 1))
    theta, phi = u * 2 * np.pi, v * np.pi
    r = 1.0 + 0.03 * np.sin(theta * 23) * np.sin(phi * 17)
    xyz = np.stack([r * np.sin(phi) * np.cos(theta), r * np.cos(phi), r * np.sin(phi) * np.sin(theta)], -1)
    idx = np.arange((n + 1) * (n + 1)).reshape(n + 1, n + 1)
    a, b, c, d = idx[:-1, :-1], idx[:-1, 1:], idx[1:, :-1], idx[1:, 1:]
    faces = np.concatenate([np.stack([a, c, b], -1).reshape(-1, 3), np.stack([b, c, d], -1).reshape(-1, 3)])
    rng = np.random.default_rng(0)
    gy, gx = np.mgrid[0:texture, 0:texture]
    pixels = np.stack([(gx * 255 // texture), (gy * 255 // texture), 128 + 60 * np.sin(gx / 40.0)], -1)
    pixels = (pixels + rng.integers(0, 24, pixels.shape)).clip(0, 255).astype(np.uint8)  # a photo-like texture
    material = trimesh.visual.material.PBRMaterial(baseColorTexture=Image.fromarray(pixels))
    mesh = trimesh.Trimesh(xyz.reshape(-1, 3), faces, process=False,
                           visual=trimesh.visual.TextureVisuals(uv=np.column_stack([u.ravel(), v.ravel()]),
                                                                material=material))
    path.write_bytes(trimesh.Scene(mesh).export(file_type="glb"))


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MiB) of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:3]} failed ({proc.returncode}): {err[-800:]}")
    return wall, usage.ru_maxrss / 1024.0


def main() -> int:
    if sys.argv[1:2] == ["--make"]:
        make_model(Path(sys.argv[2]), int(sys.argv[3]))
        return 0
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    wanted = sys.argv[2].split(",") if len(sys.argv) > 2 else list(SIZES)
    f3d = shutil.which("f3d")
    work = Path(tempfile.mkdtemp(prefix="meshwright-render-bench-"))
    env = {**os.environ, "MESHWRIGHT_HOME": str(work / "home"), "PYTHONPYCACHEPREFIX": str(work / "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed app runs from .pyc files
    w, h = RENDER_SIZE
    print(f"render {w}x{h}, texture {TEXTURE} px PNG, median of {runs} (wall s, peak RSS MiB)")
    if not f3d:
        print("f3d is not installed (apt-get install f3d): no anchor, absolute figures only")
    try:
        for name in wanted:
            model = work / f"model_{name}.glb"
            # in a child: a big parent would pass its memory high-water mark on to every process it starts
            subprocess.run([sys.executable, __file__, "--make", str(model), str(SIZES[name])], check=True, env=env)
            tools = {
                "meshwright": [sys.executable, "-m", "desktop_app", "render", str(model), "--out",
                               str(work / "mw.png"), "--size", f"{w}x{h}"],
                "trimesh.load": [sys.executable, "-c", "import sys, trimesh; trimesh.load(sys.argv[1])", str(model)],
            }
            if f3d:
                tools["f3d"] = [f3d, str(model), f"--output={work / 'f3d.png'}", f"--resolution={w},{h}"]
            first = {key: run(cmd, env) for key, cmd in tools.items()}  # warms the file cache and .pyc files
            results: dict[str, list[tuple[float, float]]] = {k: [] for k in tools}
            for _ in range(runs):
                for key, cmd in tools.items():  # interleaved: load bursts hit every tool alike
                    results[key].append(run(cmd, env))
            size_mb = model.stat().st_size / 2**20
            print(f"\n{name} triangles ({size_mb:.0f} MB file):")
            anchor = None
            if "f3d" in results:
                anchor = (statistics.median(r[0] for r in results["f3d"]),
                          statistics.median(r[1] for r in results["f3d"]))
            for key, values in results.items():
                wall = statistics.median(r[0] for r in values)
                rss = statistics.median(r[1] for r in values)
                ratio = f"  {wall / anchor[0]:.2f}x f3d time, {rss / anchor[1]:.2f}x f3d memory" if anchor else ""
                print(f"  {key:13s} {wall:6.2f} s  {rss:7.0f} MiB{ratio}")
            # the first render in a fresh home also prefilters the lighting (~1 s of numpy) and keeps it in the
            # cache folder (ui/preview/ibl.py); every later one, as above, reads it back
            if name == wanted[0]:  # the home is shared by the sizes: only the first size's first run is cold
                print(f"  (meshwright's first run in a fresh home: {first['meshwright'][0]:.2f} s)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

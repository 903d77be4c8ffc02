"""Animation playback in the preview: the cost of one frame, in the worker and on the GUI thread.

For the Scenario emulator's rigged result and a ~20k-vertex rigged sphere:

- pose: ``Posing.pose`` (linear-blend skinning, runs in a worker), median and worst of 60 frames;
- gui: what the GUI thread pays per frame: ``setPose`` (re-send the moving vertex buffers) + a synchronous
  repaint, against the anchor, the same repaint with nothing changed (measured in the same run);
- play: 3 s of real playback through the bar: frames shown per second and the worst lateness of a 10 ms timer
  on the GUI loop (the budget is 50 ms).

Run under a display from the repository root: ``xvfb-run -a -s "-screen 0 1920x1200x24 +extension GLX"
python benchmarks/animation.py``.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")

FRAMES = 60
WIDTH, HEIGHT = 800, 600


def models(folder: Path) -> dict[str, Path]:
    import trimesh

    from tests.animated_glb import rigged_mesh_glb
    from tests.emulators.common import make_glb
    from tests.emulators.scenario_refine import rig

    sphere = trimesh.creation.uv_sphere(radius=1.0, count=[100, 100])  # ~20k vertices
    out = {"emulator rig": folder / "emulator.glb", "20k sphere": folder / "sphere.glb"}
    out["emulator rig"].write_bytes(rig(make_glb(subdivisions=4)))
    out["20k sphere"].write_bytes(rigged_mesh_glb(sphere.vertices, sphere.faces))
    return out


def ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:6.2f} ms, worst {max(values) * 1000:6.2f} ms"


def measure(name: str, path: Path, app) -> None:
    from PySide6.QtCore import QTimer

    from desktop_app.core.mesh.gltf_animation import read_posing
    from desktop_app.core.mesh.load import load_scene_arrays
    from desktop_app.ui.preview.viewer import PreviewWidget

    paints: list[float] = []
    arrays = load_scene_arrays(path)
    posing = read_posing(path, arrays)
    assert posing is not None
    length = posing.clips[0].duration
    vertices = sum(len(arrays.parts[i].positions) for i in posing.moving_parts(0))
    pose_times, poses = [], []
    for k in range(FRAMES):
        start = time.perf_counter()
        poses.append(posing.pose(0, length * k / FRAMES))
        pose_times.append(time.perf_counter() - start)

    widget = PreviewWidget()
    widget.resize(WIDTH, HEIGHT)
    widget.show()
    widget.set_grid(False)
    from desktop_app.ui.preview import ibl

    ibl.prepare_async(widget.shading().environment, lambda: None)
    deadline = time.monotonic() + 60
    while not ibl.is_ready(widget.shading().environment) and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    widget.show_scene(arrays)
    for _ in range(5):
        app.processEvents()
    widget.grab_image()  # upload done, shaders compiled
    view, item = widget.view, widget._item
    assert item is not None
    plain, posed = [], []
    for k in range(FRAMES):  # a grab paints synchronously (and reads back: the same in both)
        start = time.perf_counter()
        view.grabFramebuffer()
        plain.append(time.perf_counter() - start)
        start = time.perf_counter()
        item.setPose(poses[k])
        view.grabFramebuffer()
        posed.append(time.perf_counter() - start)
    item.setPose(None)
    original = item.paint

    def timed_paint() -> None:
        start = time.perf_counter()
        original()
        paints.append(time.perf_counter() - start)

    item.paint = timed_paint  # type: ignore[method-assign]

    # real playback through the bar, with a 10 ms probe timer measuring how late the GUI loop runs
    bar = widget.animation
    deadline = time.monotonic() + 5
    while not bar.attached() and time.monotonic() < deadline:
        app.processEvents()
    def run(action, stop) -> tuple[float, float, list[float]]:
        """(frames per second, worst GUI-loop lateness, item paint times) over 3 s of ``action``."""
        late: list[float] = []
        last = [time.perf_counter()]

        def probe() -> None:
            now = time.perf_counter()
            late.append(max(0.0, now - last[0] - 0.010))
            last[0] = now

        timer = QTimer()
        timer.setInterval(10)
        timer.timeout.connect(probe)
        timer.start()
        paints.clear()
        action()
        start = time.monotonic()
        while time.monotonic() - start < 3.0:
            app.processEvents()
            time.sleep(0.001)
        stop()
        timer.stop()
        return len(paints) / 3.0, max(late, default=0.0), list(paints)

    spin_fps, spin_late, spin_paints = run(lambda: widget.set_spin(True), lambda: widget.set_spin(False))
    fps, worst_late, play_paints = run(bar.play, bar.pause)
    item.paint = original  # type: ignore[method-assign]
    widget.close()
    widget.deleteLater()
    app.processEvents()

    anchor = statistics.median(plain)
    print(f"{name}: {vertices} moving vertices, {sum(len(p.indices) for p in arrays.parts)} triangles")
    print(f"  pose (worker)     {ms(pose_times)}  = {statistics.median(pose_times) / anchor:5.2f}x the anchor")
    print(f"  gui: pose+repaint {ms(posed)}  = {statistics.median(posed) / anchor:5.2f}x the anchor")
    print(f"  anchor: repaint   {ms(plain)}")
    print(f"  playing:  {fps:5.1f} frames/s drawn, GUI loop worst {worst_late * 1000:6.1f} ms late "
          f"(budget 50 ms); item paint {ms(play_paints)}")
    print(f"  spinning: {spin_fps:5.1f} frames/s drawn, GUI loop worst {spin_late * 1000:6.1f} ms late "
          f"(the anchor: the turntable spin, same model); item paint {ms(spin_paints)}")
    print(f"  playing / spinning: worst lateness {worst_late / max(spin_late, 1e-6):.2f}x")


def main() -> int:
    from PySide6.QtGui import QSurfaceFormat
    from PySide6.QtWidgets import QApplication

    fmt = QSurfaceFormat.defaultFormat()
    fmt.setDepthBufferSize(24)
    QSurfaceFormat.setDefaultFormat(fmt)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="meshwright-animation-") as tmp:
        for name, path in models(Path(tmp)).items():
            measure(name, path, app)
    return 0


if __name__ == "__main__":
    sys.exit(main())

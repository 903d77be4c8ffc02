"""Does the panels' printability check of a ~2M-triangle model stall the GUI? (It runs in a worker thread;
the GIL is shared, so a long C call holding it would still freeze the GUI.)

Run: PYTHONPATH=. QT_QPA_PLATFORM=offscreen python benchmarks/printability_stall.py
A Qt timer ticks every 10 ms on the GUI thread while the details panel's check (load + check of a GLB) and then
the facts panel's check (from arrays in memory) run in a worker. Printed: the worst tick lateness in each phase,
as a ratio to the same run's idle lateness (the anchor) and to the 50 ms budget.
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import trimesh
from PySide6.QtCore import QCoreApplication, QTimer

from desktop_app.core.printing.verdict import CheckCache, file_verdict, parts_verdict
from tests.print_meshes import blob, broken


def _model() -> trimesh.Trimesh:
    parts = [broken(holes=40, flipped=400, subdivisions=8)]
    for k in (1, 2):
        b = blob(7, seed=k)
        b.apply_translation([1.5 * k, 0, 0])
        parts.append(b)
    return trimesh.util.concatenate(parts)


def _measure(app: QCoreApplication, work, seconds_idle: float = 0.0) -> tuple[float, float, object]:
    """(worst lateness in ms, wall seconds, result) while ``work`` runs in a thread (or idle for a while)."""
    late: list[float] = []
    last = [time.perf_counter()]
    result: list[object] = []

    def tick() -> None:
        now = time.perf_counter()
        late.append(now - last[0] - 0.010)
        last[0] = now

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    timer.start()
    t0 = time.perf_counter()
    worker = threading.Thread(target=lambda: result.append(work()) if work else time.sleep(seconds_idle))
    worker.start()
    while worker.is_alive():
        app.processEvents()
        time.sleep(0.001)
    timer.stop()
    return max(late, default=0.0) * 1000, time.perf_counter() - t0, result[0] if result else None


def main() -> None:
    app = QCoreApplication.instance() or QCoreApplication(sys.argv)
    mesh = _model()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.glb"
        path.write_bytes(trimesh.Scene(mesh).export(file_type="glb"))
        import desktop_app.core.printing.verdict as printability

        printability.CACHE = CheckCache()
        idle, _, _ = _measure(app, None, 2.0)
        print(f"model: {len(mesh.faces):,} triangles, {path.stat().st_size / 1e6:.0f} MB GLB")
        print(f"idle (anchor): worst tick {idle:.1f} ms late")
        worst, wall, verdict = _measure(app, lambda: file_verdict(path))
        print(f"details check (load + check): {wall:.1f} s; worst tick {worst:.1f} ms late "
              f"({worst / max(idle, 0.1):.1f}x idle, {worst / 50:.2f}x the 50 ms budget); {verdict.line}")
        worst, wall, _ = _measure(app, lambda: file_verdict(path))
        print(f"same file again (cache): {wall * 1000:.1f} ms; worst tick {worst:.1f} ms late")
        positions = [np.asarray(mesh.vertices, np.float32)]
        indices = [np.asarray(mesh.faces, np.uint32)]
        worst, wall, verdict = _measure(app, lambda: parts_verdict(positions, indices))
        print(f"facts check (arrays): {wall:.1f} s; worst tick {worst:.1f} ms late "
              f"({worst / max(idle, 0.1):.1f}x idle, {worst / 50:.2f}x the 50 ms budget); {verdict.line}")


if __name__ == "__main__":
    main()

"""Start-up time: process start to main window shown, against a bare PySide6 window in the same run.

Prints the median of several runs of each and their ratio, then where the app's start goes: the import time of
each top-level package imported before the window is shown (``python -X importtime``, one extra run), and
whether the heavy stacks (trimesh, scipy, pyqtgraph, PyOpenGL) stayed out of it, as they should: they are
imported after the window is up or with the first model. Run under a display (``make benchmarks`` uses Xvfb).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

BARE = """
import sys, time
from PySide6.QtWidgets import QApplication, QMainWindow
from PySide6.QtCore import QTimer
app = QApplication(sys.argv)
w = QMainWindow(); w.resize(1440, 900); w.show()
def shown():
    app.processEvents()
    print(f"shown {time.time():.6f} cpu {time.process_time():.6f}", flush=True)
    app.quit()
QTimer.singleShot(0, shown)
app.exec()
"""


CPU: dict[str, list[float]] = {"bare": [], "app": []}  # process CPU seconds at "shown", per kind of run


def measure(cmd: list[str], env: dict[str, str], kind: str = "") -> float:
    """Seconds from process start to its "shown" line; its CPU time then goes to CPU[kind]. On a machine shared
    with other work the CPU time is the steadier figure (waiting for a core does not count)."""
    start = time.time()
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    for line in out.stdout.splitlines():
        if line.startswith("shown "):
            fields = line.split()
            if kind and len(fields) >= 4:
                CPU[kind].append(float(fields[3]))
            return float(fields[1]) - start
    raise RuntimeError(f"no 'shown' line from {cmd}: {out.stderr[-500:]}")


HEAVY = ("trimesh", "scipy", "pyqtgraph", "OpenGL")
SHOWN_MARK = "meshwright-window-shown"  # desktop_app/app.py writes it to stderr in probe mode


def import_times(env: dict[str, str]) -> dict[str, float]:
    """Seconds spent importing each top-level package's modules before the window was shown."""
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "desktop_app"], capture_output=True,
                         text=True, env=env, timeout=120)
    totals: dict[str, float] = {}
    for line in out.stderr.splitlines():
        if line.startswith(SHOWN_MARK):
            break
        if not line.startswith("import time:") or "|" not in line:
            continue
        own, _, name = line.split("|")
        top = name.strip().split(".")[0]  # each module's own time, summed per package (not nested twice)
        try:
            totals[top] = totals.get(top, 0.0) + int(own.split(":")[1]) / 1e6
        except ValueError:  # the header line
            continue
    return totals


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    home = tempfile.mkdtemp(prefix="meshwright-bench-")
    env = {**os.environ, "MESHWRIGHT_HOME": home, "MESHWRIGHT_STARTUP_PROBE": "1",
           "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
           # an installed app runs from compiled .pyc files; without them every start compiles ~140 modules
           # (~0.15 s): keep them, in a private folder so no __pycache__ lands in the source tree
           "PYTHONPYCACHEPREFIX": os.path.join(home, "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    try:
        return _run(runs, env)
    finally:
        shutil.rmtree(home, ignore_errors=True)  # each run left a home (library, logs, .pyc) in /tmp


def _run(runs: int, env: dict[str, str]) -> int:
    measure([sys.executable, "-m", "desktop_app"], env)  # warm the file cache and .pyc files
    bare: list[float] = []
    app: list[float] = []
    for _ in range(runs):  # interleaved, so a burst of load on a shared machine hits both alike
        bare.append(measure([sys.executable, "-c", BARE], env, "bare"))
        app.append(measure([sys.executable, "-m", "desktop_app"], env, "app"))
    b, a = statistics.median(bare), statistics.median(app)
    print(f"runs: {runs} each")
    print(f"bare PySide6 window shown: {b * 1000:7.0f} ms (median)")
    spread = f"min {min(app) * 1000:.0f}, max {max(app) * 1000:.0f}"
    print(f"Meshwright window shown:   {a * 1000:7.0f} ms (median, {spread})")
    print(f"ratio: {a / b:.2f}x (target <= 3x)")
    if CPU["bare"] and CPU["app"]:
        cb, ca = statistics.median(CPU["bare"]), statistics.median(CPU["app"])
        print(f"CPU time to shown: bare {cb * 1000:.0f} ms, Meshwright {ca * 1000:.0f} ms, ratio {ca / cb:.2f}x "
              "(steadier than the wall clock when the machine is busy)")
    times = import_times(env)
    print("imports before the window is shown (-X importtime inflates them; compare runs, not with the above):")
    for name, seconds in sorted(times.items(), key=lambda kv: -kv[1])[:15]:
        print(f"  {name:28s} {seconds * 1000:7.1f} ms")
    print(f"  {'(all)':28s} {sum(times.values()) * 1000:7.1f} ms")
    early = [name for name in HEAVY if name in times]
    print("heavy stacks imported before showing: " + (", ".join(early) if early else "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Start-up time: process start to main window shown, against a bare PySide6 window in the same run.

Prints the median of several runs of each and their ratio. Run under a display (``make benchmarks`` uses Xvfb).
"""

from __future__ import annotations

import os
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
    print(f"shown {time.time():.6f}", flush=True)
    app.quit()
QTimer.singleShot(0, shown)
app.exec()
"""


def measure(cmd: list[str], env: dict[str, str]) -> float:
    start = time.time()
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    for line in out.stdout.splitlines():
        if line.startswith("shown "):
            return float(line.split()[1]) - start
    raise RuntimeError(f"no 'shown' line from {cmd}: {out.stderr[-500:]}")


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    home = tempfile.mkdtemp(prefix="meshwright-bench-")
    env = {**os.environ, "MESHWRIGHT_HOME": home, "MESHWRIGHT_STARTUP_PROBE": "1",
           "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    measure([sys.executable, "-m", "desktop_app"], env)  # warm the file cache and .pyc files
    bare = [measure([sys.executable, "-c", BARE], env) for _ in range(runs)]
    app = [measure([sys.executable, "-m", "desktop_app"], env) for _ in range(runs)]
    b, a = statistics.median(bare), statistics.median(app)
    print(f"runs: {runs} each")
    print(f"bare PySide6 window shown: {b * 1000:7.0f} ms (median)")
    spread = f"min {min(app) * 1000:.0f}, max {max(app) * 1000:.0f}"
    print(f"Meshwright window shown:   {a * 1000:7.0f} ms (median, {spread})")
    print(f"ratio: {a / b:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

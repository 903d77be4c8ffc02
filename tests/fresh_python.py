"""Run a snippet in a fresh interpreter: for what this test process has imported or loaded already."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_python(script: str, *args: str, timeout: float = 120) -> str:
    """``script``'s standard output; the test fails with its error output if it fails. Run from the checkout's
    root, so ``desktop_app`` is this tree's."""
    out = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=timeout,
                         cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout

"""The packaged-app smoke test, run as a real process: window, offline generation, preview, offscreen render."""

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.gl


@pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="needs an X display (Xvfb in CI)")
def test_self_test_exits_zero_and_leaves_no_thread_behind(isolated_home):
    result = subprocess.run([sys.executable, "-m", "desktop_app", "--self-test"], capture_output=True, text=True,
                            timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "self-test passed" in result.stdout
    assert "QThread" not in result.stderr  # no thread outlived the application
    assert (isolated_home / "data" / "library").exists()  # it used MESHWRIGHT_HOME, nothing else

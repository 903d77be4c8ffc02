"""High-DPI: the main window, the welcome and every Settings tab lay out without cutting text at 2x and 1.5x.

The scale factor only applies to a new process (as on a real screen), so the check runs in a subprocess:
``python -m desktop_app.tools.layout_check`` on the test's X display.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from desktop_app.tools.layout_check import clipped_widgets


@pytest.mark.parametrize("scale", ["2", "1.5"])
def test_windows_lay_out_without_clipped_text_when_scaled(scale, tmp_path):
    env = {**os.environ, "QT_SCALE_FACTOR": scale, "MESHWRIGHT_HOME": str(tmp_path),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    env.pop("QT_QPA_PLATFORM", None)  # the real (Xvfb) display: offscreen cannot host the GL preview
    done = subprocess.run([sys.executable, "-m", "desktop_app.tools.layout_check"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["ratio"] == float(scale)
    assert set(report["clipped"]) == {"main window", "welcome", "settings Accounts", "settings General",
                                      "settings Advanced", "settings Spending"}
    assert {key: cut for key, cut in report["clipped"].items() if cut} == {}


def test_the_check_sees_a_cut_label_and_a_squeezed_button(qtbot):
    box = QWidget()
    qtbot.addWidget(box)
    lay = QHBoxLayout(box)
    cut = QLabel("A label far too long for the narrow space it was given")
    fine = QLabel("OK")
    button = QPushButton("&Test")
    for widget in (cut, fine, button):
        lay.addWidget(widget)
    box.show()
    qtbot.waitExposed(box)
    assert clipped_widgets(box) == []
    cut.setMinimumWidth(0)
    cut.resize(40, cut.height())  # what a too-small fixed size does
    button.resize(button.width(), 8)
    found = clipped_widgets(box)
    assert len(found) == 2
    assert "far too long" in found[0] and "Test" in found[1]

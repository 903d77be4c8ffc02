"""The preview's facts panel judges an opened file for printing from the arrays it loaded (under Xvfb)."""

from __future__ import annotations

from pathlib import Path

import pytest
import trimesh
from PySide6.QtCore import QEvent, QPoint
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip

from desktop_app.core.printing import verdict as printability
from desktop_app.ui.preview import PreviewWidget
from desktop_app.ui.preview.facts import short_verdict
from tests.print_meshes import blob, broken

pytestmark = pytest.mark.gl


def _printable_row(preview: PreviewWidget) -> str:
    return dict(preview.facts.rows()).get("Printable", "")


def test_opened_file_gets_a_verdict_with_its_problems_in_the_tooltip(preview: PreviewWidget, qtbot,
                                                                     tmp_path: Path) -> None:
    printability.CACHE.clear()
    holes = tmp_path / "holes.glb"
    holes.write_bytes(trimesh.Scene(broken()).export(file_type="glb"))
    preview.open_file(holes)
    qtbot.waitUntil(lambda: _printable_row(preview).startswith("Needs repair"), timeout=30000)
    assert _printable_row(preview) == "Needs repair: 8 holes, 117 flipped edges +2 more"
    tip = preview.facts.toolTip()
    assert "• 8 hole(s)" in tip and "floating piece" in tip and "with no area" in tip

    # the view shows that tooltip while the pointer is over the facts (they let the mouse through to it)
    view = preview.view
    inside = view.mapFromGlobal(preview.facts.mapToGlobal(QPoint(10, 10)))
    QApplication.sendEvent(view, QHelpEvent(QEvent.Type.ToolTip, inside, view.mapToGlobal(inside)))
    qtbot.waitUntil(QToolTip.isVisible, timeout=3000)
    assert "8 hole(s)" in QToolTip.text()
    QToolTip.hideText()

    closed = tmp_path / "closed.glb"
    closed.write_bytes(trimesh.Scene(blob(3)).export(file_type="glb"))
    preview.open_file(closed)
    qtbot.waitUntil(lambda: _printable_row(preview) == "Ready to print", timeout=30000)
    assert "One closed" in preview.facts.toolTip()


def test_short_verdict_names_two_problems() -> None:
    assert short_verdict("Ready to print") == "Ready to print"
    two = "Needs repair: 3 holes, 12 non-manifold edges"
    assert short_verdict(two) == two
    assert short_verdict("Needs repair: 1 hole, 2 flipped edges, inside out") == \
        "Needs repair: 1 hole, 2 flipped edges +1 more"

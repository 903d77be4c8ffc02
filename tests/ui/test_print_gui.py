"""The Print dialog clicked through: check, repair (kept in the item), export 3MF, open in a fake slicer."""

from __future__ import annotations

import os
import shutil
import stat
import sys
from pathlib import Path

import numpy as np
import trimesh
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from desktop_app.core.library.store import LibraryFile, LibraryItem, new_item_id
from desktop_app.core.printing.check import check_mesh
from desktop_app.core.printing.threemf import read_3mf
from desktop_app.ui.library.print_dialog import PrintDialog
from desktop_app.ui.main_window import MainWindow
from tests.print_meshes import broken


def _broken_item(window: MainWindow, tmp_path: Path) -> LibraryItem:
    src = tmp_path / "job-broken"
    (src / "outputs").mkdir(parents=True)
    (src / "outputs" / "model.glb").write_bytes(trimesh.Scene(broken()).export(file_type="glb"))
    size = (src / "outputs" / "model.glb").stat().st_size
    item = LibraryItem(id=new_item_id("Broken"), title="Broken blob", model_id="local:relief", created_at=1.7e9,
                       files=[LibraryFile("outputs/model.glb", "model", size)], model_file="outputs/model.glb")
    return window.services.library.add(item, src)


def _fake_slicer(tmp_path: Path, monkeypatch) -> Path:
    """A 'prusa-slicer' on PATH that records the file it was asked to open."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "slicer-args.txt"
    script = bin_dir / "prusa-slicer"
    script.write_text(f"#!{sys.executable}\nimport sys, pathlib\n"
                      f"pathlib.Path({str(log)!r}).write_text(sys.argv[1])\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    assert shutil.which("prusa-slicer") == str(script)
    return log


def test_print_dialog_click_through(main_window: MainWindow, qloop, qtbot, tmp_path, monkeypatch):
    log = _fake_slicer(tmp_path, monkeypatch)
    item = _broken_item(main_window, tmp_path)
    view, details = main_window.library_view, main_window.library.details
    view.reload()
    qloop.until(lambda: view.model.rowCount() == 1, 10, "the item")
    view.select(item.id)
    qloop.until(lambda: details.item is not None and details.buttons["print"].isEnabled(), 10, "the details")
    qtbot.mouseClick(details.buttons["print"], Qt.MouseButton.LeftButton)
    qloop.until(lambda: isinstance(getattr(main_window.library, "print_dialog", None), PrintDialog), 10, "dialog")
    dialog: PrintDialog = main_window.library.print_dialog

    qloop.until(lambda: "Problem:" in dialog.report.text(), 30, "the check")
    assert "hole" in dialog.report.text() and dialog.repair_button.isEnabled()
    qtbot.mouseClick(dialog.repair_button, Qt.MouseButton.LeftButton)
    qloop.until(lambda: "Ready to print" in dialog.report.text(), 60, "the repair")
    assert "Closed" in dialog.report.text() and dialog.kept_name.startswith("outputs/print/")
    kept = main_window.services.library.get(item.id)
    assert any(f.kind == "print" for f in kept.files) and kept.model_file == "outputs/model.glb"
    assert (kept.folder / dialog.kept_name).is_file()

    dialog.size_mm.setValue(42)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    chooser = dialog.findChild(QFileDialog)
    assert chooser is not None
    out = tmp_path / "blob.3mf"
    chooser.fileSelected.emit(str(out))  # what the save dialog sends once a name is chosen
    chooser.close()
    qloop.until(lambda: dialog.slicer_button.isEnabled(), 60, "the export")
    v, f, unit = read_3mf(out.read_bytes())
    back = trimesh.Trimesh(v, f, process=False)
    back.merge_vertices()
    assert unit == "millimeter" and check_mesh(back).printable
    assert abs(float(np.max(back.extents)) - 42) <= 0.5 and abs(float(back.bounds[0][2])) < 1e-4

    qtbot.mouseClick(dialog.slicer_button, Qt.MouseButton.LeftButton)
    qloop.until(lambda: "PrusaSlicer" in dialog.message.text(), 10, "the slicer hand-off")
    qloop.until(lambda: log.exists() and log.read_text() == str(out), 20, "the fake slicer to run")
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)


def test_print_dialog_lay_flat_and_hollow_reach_the_export(main_window: MainWindow, qloop, qtbot, tmp_path):
    item = _broken_item(main_window, tmp_path)
    dialog = PrintDialog(item, main_window.services.library)
    qtbot.addWidget(dialog)
    dialog.show()
    qloop.until(lambda: "Problem:" in dialog.report.text(), 30, "the check")
    assert not dialog.wall_mm.isEnabled()
    dialog.orient.setCurrentIndex(dialog.orient.findData("flat"))
    qtbot.mouseClick(dialog.hollow, Qt.MouseButton.LeftButton)
    assert dialog.hollow.isChecked() and dialog.wall_mm.isEnabled()
    dialog.wall_mm.setValue(3)
    dialog.size_mm.setValue(80)
    out = tmp_path / "hollow.3mf"
    dialog.export_to(out)
    qloop.until(lambda: dialog.slicer_button.isEnabled(), 90, "the export")
    assert "Laid flat" in dialog.report.text() and "Hollowed with 3 mm walls" in dialog.report.text()
    v, f, _unit = read_3mf(out.read_bytes())
    back = trimesh.Trimesh(v, f, process=False)
    back.merge_vertices()
    assert back.is_watertight and len(back.split(only_watertight=False)) == 2
    assert abs(float(np.max(back.extents)) - 80) <= 0.5 and abs(float(back.bounds[0][2])) < 1e-4
    # lying flat: the blob (1.8 long, ~1 wide) rests on its side, so it is lower than it is long
    assert float(back.extents[2]) < 0.8 * float(np.max(back.extents))
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)


def test_print_dialog_colour_reaches_the_3mf(main_window: MainWindow, qloop, qtbot, tmp_path):
    from desktop_app.core.printing.threemf import read_3mf_colours
    from tests.unit.test_print_colour import BLUE, RED, _textured_box

    src = tmp_path / "job-colour"
    (src / "outputs").mkdir(parents=True)
    _textured_box(src / "outputs" / "model.glb")
    size = (src / "outputs" / "model.glb").stat().st_size
    item = main_window.services.library.add(
        LibraryItem(id=new_item_id("Colour"), title="Colour box", model_id="local:relief", created_at=1.7e9,
                    files=[LibraryFile("outputs/model.glb", "model", size)], model_file="outputs/model.glb"), src)
    dialog = PrintDialog(item, main_window.services.library)
    qtbot.addWidget(dialog)
    dialog.show()
    qloop.until(lambda: "Ready to print" in dialog.report.text(), 30, "the check")
    dialog.format.setCurrentIndex(dialog.format.findData("stl"))
    assert not dialog.colour.isEnabled()  # STL has no colour
    dialog.format.setCurrentIndex(dialog.format.findData("3mf"))
    qtbot.mouseClick(dialog.colour, Qt.MouseButton.LeftButton)
    assert dialog.colour.isChecked()
    out = tmp_path / "colour.3mf"
    dialog.export_to(out)
    qloop.until(lambda: dialog.slicer_button.isEnabled(), 60, "the export")
    colours = read_3mf_colours(out.read_bytes())
    assert colours is not None and {tuple(c) for c in colours.tolist()} == {tuple(RED), tuple(BLUE)}
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)

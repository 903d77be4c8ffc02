"""The form's 3D-model input: filled from a library item (through the chooser) or a model file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from desktop_app.core.schema.model_schema import ModelSchema
from desktop_app.ui.generate.model_input import ModelChoice, ModelInputEditor, ModelItemChooser
from desktop_app.ui.generate.param_form import ParamForm
from tests.emulators.scenario_refine import REFINE_MODELS


def _schema(model_id: str) -> ModelSchema:
    record = next(m for m in REFINE_MODELS if m["id"] == model_id)
    return ModelSchema.from_dict({"model": dict(record)}, model_id=model_id)


def test_model_field_from_the_library_chooser(qtbot, tmp_path: Path) -> None:
    form = ParamForm()
    qtbot.addWidget(form)
    form.set_schema(_schema("model_meshy-remesh"))
    assert "model" in form.validate(0)  # required and empty
    editor = form._rows["model"].editor
    assert isinstance(editor, ModelInputEditor) and not editor.library_button.isEnabled()
    glb = tmp_path / "crate.glb"
    glb.write_bytes(b"glTF")
    form.set_model_choices([ModelChoice("item-1", "Crate", glb, version=2), ModelChoice("item-2", "Cup", glb)])
    assert editor.library_button.isEnabled()

    def pick_second() -> None:
        dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, ModelItemChooser) and w.isVisible())
        dialog.list.setCurrentRow(0)
        dialog.accept()

    QTimer.singleShot(100, pick_second)
    qtbot.mouseClick(editor.library_button, Qt.MouseButton.LeftButton)
    (chosen,) = form.model_inputs()
    assert (chosen.item_id, chosen.version, chosen.path) == ("item-1", 2, glb)
    assert editor.label.text() == "Crate (v2)"
    assert form.validate(0) == {}
    assert "model" not in form.values()  # a file input is never sent as a setting


def test_a_dropped_model_file_fills_the_field(qtbot, tmp_path: Path) -> None:
    form = ParamForm()
    qtbot.addWidget(form)
    form.set_schema(_schema("model_hunyuan-3d-part"))
    editor = form._rows["mesh"].editor
    editor._dropped(tmp_path / "picture.png")  # not a model: ignored
    assert form.model_inputs() == []
    editor._dropped(tmp_path / "thing.obj")
    (chosen,) = form.model_inputs()
    assert chosen.path.name == "thing.obj" and chosen.item_id == ""

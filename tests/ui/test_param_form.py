"""ParamForm driven through its real widgets: the form is built from the schema alone."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QToolButton,
    QWidget,
)

from desktop_app.core.schema.model_schema import ModelSchema
from desktop_app.ui.generate.param_form import ParamForm

SCHEMA = {
    "id": "test:form", "name": "Form test", "provider": "test",
    "inputs": [
        {"name": "image", "type": "file_array", "kind": "image", "maxLength": 4,
         "required": {"always": True}, "description": "Used unless no prompt is given"},
        {"name": "prompt", "type": "string", "prompt": True, "default": "", "maxLength": 100,
         "description": "Describe the object."},
        {"name": "tier", "type": "string", "allowedValues": ["Regular", "Gen-2", "Gen-2.5-High"],
         "default": "Regular", "sendAlways": True, "costImpact": True},
        {"name": "mesh_mode", "type": "string", "allowedValues": ["", "Quad", "Raw"], "default": "Quad",
         "label": "Mesh type"},
        {"name": "hd_texture", "type": "boolean", "default": False, "group": "Texture",
         "enabledIf": {"tier": ["Gen-2", "Gen-2.5-High"]}, "disabledReason": "Only for Gen-2 tiers"},
        {"name": "guidance", "type": "number", "min": 0, "max": 10, "default": 7.5, "group": "Texture",
         "hint": "Higher follows the image more closely."},
        {"name": "name_tag", "type": "string", "maxLength": 12, "placeholder": "optional"},
        {"name": "quality_override", "type": "number", "min": 2000, "max": 200000, "advanced": True,
         "rangeIf": [{"when": {"tier": ["Gen-2"], "mesh_mode": ["Raw"]}, "min": 500, "max": 1000000,
                      "default": 500000}]},
        {"name": "seed", "type": "number", "min": 0, "max": 65535, "advanced": True},
        {"name": "mesh", "type": "file", "kind": "3d", "label": "Base mesh"},
        {"name": "loras", "type": "inputs_array"},
    ],
}


@pytest.fixture
def schema() -> ModelSchema:
    return ModelSchema.from_dict(SCHEMA)


@pytest.fixture
def form(qtbot, schema: ModelSchema) -> ParamForm:
    widget = ParamForm()
    qtbot.addWidget(widget)
    widget.set_schema(schema)
    widget.resize(340, 800)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def labels_of(widget: QWidget) -> list[str]:
    return [label.text() for label in widget.findChildren(QLabel)]


def test_widgets_follow_field_types(form: ParamForm, schema: ModelSchema) -> None:
    assert isinstance(form.editor_widget("prompt"), QPlainTextEdit)
    assert isinstance(form.editor_widget("tier"), QComboBox)
    assert isinstance(form.editor_widget("hd_texture"), QCheckBox)
    assert isinstance(form.editor_widget("guidance"), QDoubleSpinBox)
    assert isinstance(form.editor_widget("seed"), QSpinBox)
    line = form.editor_widget("name_tag")
    assert isinstance(line, QLineEdit) and line.maxLength() == 12 and line.placeholderText() == "optional"
    assert form.editor_widget("image") is None  # images come from the drop zone
    assert form.editor_widget("mesh") is not None  # a 3D input has its own field (model_input_widget)
    mesh_mode = form.editor_widget("mesh_mode")
    assert [mesh_mode.itemText(i) for i in range(mesh_mode.count())] == ["Default", "Quad", "Raw"]
    texts = labels_of(form)
    assert "Images: from the drop zone (up to 4)" in texts
    assert "Base mesh" in texts and "Base mesh: not supported yet" not in texts
    assert "Loras: not supported yet" in texts
    assert "Mesh type" in texts and "Name tag" in texts and "Texture" in texts
    assert "Describe the object." in form.editor_widget("prompt").toolTip()
    assert "Higher follows" in form.editor_widget("guidance").toolTip()
    assert form.values() == schema.defaults()


def test_fits_a_narrow_side_panel(qtbot, schema: ModelSchema) -> None:
    area = QScrollArea()
    qtbot.addWidget(area)
    form = ParamForm()
    form.set_schema(schema)
    area.setWidget(form)
    area.setWidgetResizable(True)
    assert form.minimumSizeHint().width() <= 340


def test_advanced_section_is_collapsed_until_toggled(qtbot, form: ParamForm) -> None:
    seed = form.editor_widget("seed")
    assert not seed.isVisible()
    toggle = form.findChild(QToolButton, "advancedToggle")
    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)
    assert seed.isVisible()
    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)
    assert not seed.isVisible()


def test_editing_widgets_changes_values(qtbot, form: ParamForm) -> None:
    def full_prompt(values: dict) -> bool:
        return values.get("prompt") == "a red chair"

    with qtbot.waitSignal(form.changed, check_params_cb=full_prompt):
        qtbot.keyClicks(form.editor_widget("prompt"), "a red chair")
    form.editor_widget("tier").setCurrentIndex(1)
    qtbot.keyClicks(form.editor_widget("name_tag"), "x" * 20)  # capped by maxLength
    spin = form.editor_widget("guidance")
    spin.selectAll()
    qtbot.keyClicks(spin, "3.25")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    form.findChild(QToolButton, "advancedToggle").click()
    seed = form.editor_widget("seed")
    assert "seed" not in form.values()  # no default: shown as "Auto", not sent
    seed.selectAll()
    qtbot.keyClicks(seed, "42")
    qtbot.keyClick(seed, Qt.Key.Key_Return)
    values = form.values()
    assert values["prompt"] == "a red chair"
    assert values["tier"] == "Gen-2"
    assert values["name_tag"] == "x" * 12
    assert values["guidance"] == pytest.approx(3.25)
    assert values["seed"] == 42 and isinstance(values["seed"], int)
    checkbox = form.editor_widget("hd_texture")
    assert checkbox.isEnabled()
    qtbot.mouseClick(checkbox, Qt.MouseButton.LeftButton)
    assert form.values()["hd_texture"] is True


def test_reset_button_restores_defaults(qtbot, form: ParamForm, schema: ModelSchema) -> None:
    qtbot.keyClicks(form.editor_widget("prompt"), "chair")
    form.editor_widget("mesh_mode").setCurrentIndex(2)
    form.set_values({"seed": 7})
    assert form.values()["seed"] == 7
    with qtbot.waitSignal(form.changed):
        qtbot.mouseClick(form.findChild(QPushButton, "resetButton"), Qt.MouseButton.LeftButton)
    assert form.values() == schema.defaults()


def test_set_values_and_clearing(form: ParamForm) -> None:
    form.set_values({"tier": "Gen-2.5-High", "seed": 9, "guidance": 1.5, "unknown": 3})
    values = form.values()
    assert (values["tier"], values["seed"], values["guidance"]) == ("Gen-2.5-High", 9, 1.5)
    form.set_values({"seed": None})
    assert "seed" not in form.values()
    assert form.editor_widget("seed").text() == "Auto"


def test_inline_errors_appear_and_clear(qtbot, form: ParamForm) -> None:
    errors = form.validate(image_count=0)
    assert errors == {"images": "Add an image or write a prompt."}
    assert form.error_text("image") == "Add an image or write a prompt."  # shown by the image note
    form.show_errors({"guidance": "Must be between 0 and 10.", "": "Something else went wrong."})
    assert form.error_text("guidance") == "Must be between 0 and 10."
    assert form.error_text("image") == ""
    assert "Something else went wrong." in labels_of(form)
    spin = form.editor_widget("guidance")
    spin.selectAll()
    qtbot.keyClicks(spin, "4")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert form.error_text("guidance") == ""  # editing a field clears its message
    form.show_errors({"tier": "Choose one of: Regular, Gen-2."})
    assert form.error_text("tier")
    form.show_errors({})
    assert form.error_text("tier") == ""
    qtbot.keyClicks(form.editor_widget("prompt"), "a lamp")
    assert form.validate(image_count=0) == {}


def test_enabled_if_is_applied_live(form: ParamForm) -> None:
    checkbox = form.editor_widget("hd_texture")
    assert not checkbox.isEnabled()
    assert "Only for Gen-2 tiers" in checkbox.toolTip()
    form.editor_widget("tier").setCurrentIndex(1)  # Gen-2
    assert checkbox.isEnabled()
    assert "Only for Gen-2 tiers" not in checkbox.toolTip()
    form.editor_widget("tier").setCurrentIndex(0)
    assert not checkbox.isEnabled()


def test_range_if_changes_spin_box_range(form: ParamForm) -> None:
    spin = form.editor_widget("quality_override")
    assert spin.maximum() == 200000
    assert "quality_override" not in form.values()
    form.editor_widget("tier").setCurrentIndex(1)  # Gen-2
    form.editor_widget("mesh_mode").setCurrentIndex(2)  # Raw
    assert spin.maximum() == 1000000
    assert form.values()["quality_override"] == 500000  # the rule's default
    spin.setValue(900000)
    form.editor_widget("mesh_mode").setCurrentIndex(1)  # Quad: back to the narrow range
    assert spin.maximum() == 200000
    assert form.values()["quality_override"] == 200000  # clamped into the new range


def test_cost_signal_only_for_cost_fields(qtbot, form: ParamForm) -> None:
    with qtbot.assertNotEmitted(form.costInputChanged):
        qtbot.keyClicks(form.editor_widget("prompt"), "vase")
        form.editor_widget("mesh_mode").setCurrentIndex(2)
    with qtbot.waitSignal(form.costInputChanged):
        form.editor_widget("tier").setCurrentIndex(2)


def test_no_schema_shows_a_hint(qtbot) -> None:
    form = ParamForm()
    qtbot.addWidget(form)
    assert form.values() == {}
    assert form.validate(0) == {}
    assert "Choose a model to see its settings." in labels_of(form)
    form.set_schema(ModelSchema.from_dict(SCHEMA), {"tier": "Gen-2"})
    assert form.values()["tier"] == "Gen-2"
    form.set_schema(None)
    assert form.values() == {}

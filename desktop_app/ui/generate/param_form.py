"""A settings form generated from a ``ModelSchema``: the same code draws every model's form.

The form knows fields, never models: widgets come from field types, live enabling from ``enabledIf``, spin
box ranges from ``rangeIf``, and messages from ``ModelSchema.validate``. Images are not edited here (the
drop zone owns them); image inputs only get a short note.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.jobs.model_input import ModelInput
from desktop_app.core.schema.model_schema import Field, ModelSchema
from desktop_app.ui.generate.model_input import ModelChoice, ModelInputEditor
from desktop_app.ui.generate.param_widgets import (
    BoolEditor,
    Editor,
    NumberEditor,
    WheelGuard,
    focus_policy_for,
    make_editor,
    note_text,
)

_NOTE_STYLE = "color: palette(placeholder-text);"


@dataclass
class _Row:
    field: Field
    editor: Editor | None
    label: QLabel | None
    error: QLabel
    tooltip: str
    last_default: Any = None  # effective default at the last refresh, to follow rangeIf defaults


def _tooltip(field: Field) -> str:
    text = "\n\n".join(t for t in (field.description, field.hint) if t)
    # Rich text so Qt wraps long descriptions instead of drawing one screen-wide line.
    return f"<p>{html.escape(text)}</p>".replace("\n", "<br>") if text else ""


class ParamForm(QWidget):
    changed = Signal(dict)
    costInputChanged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._schema: ModelSchema | None = None
        self._rows: dict[str, _Row] = {}
        self._updating = False
        self._last_values: dict[str, Any] = {}
        self._last_models: list[ModelInput] = []
        self._wheel_guard = WheelGuard(self)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self._general_error = self._error_label()
        outer.addWidget(self._general_error)
        self._body = QWidget()
        outer.addWidget(self._body)
        outer.addStretch(1)
        self.set_schema(None)

    # ----------------------------------------------------------------- public API

    def schema(self) -> ModelSchema | None:
        return self._schema

    def set_schema(self, schema: ModelSchema | None, values: dict | None = None) -> None:
        self._schema = schema
        self._rows = {}
        self._general_error.hide()
        old = self._body
        self._body = self._build_body(schema)
        self.layout().replaceWidget(old, self._body)
        old.hide()  # deleteLater waits for the event loop; do not draw the old form meanwhile
        old.deleteLater()
        if schema is None:
            return
        self._updating = True
        try:
            self._apply(schema.defaults())
            if values:
                self._apply(values)
        finally:
            self._updating = False
        self._refresh_states()
        self._last_values = self.values()
        self._last_models = self.model_inputs()
        self.changed.emit(self.values())

    def values(self) -> dict:
        out = {}
        for name, row in self._rows.items():
            if row.editor is not None and (value := row.editor.value()) is not None:
                out[name] = value
        return out

    def set_values(self, values: dict) -> None:
        """Set the named values (names the schema lacks are ignored); ``None`` clears a value."""
        self._updating = True
        try:
            self._apply(values)
        finally:
            self._updating = False
        self._after_change()

    def reset_to_defaults(self) -> None:
        if self._schema is None:
            return
        self._updating = True
        try:
            for row in self._rows.values():
                if row.editor is not None:
                    row.editor.set_value(None)
            self._apply(self._schema.defaults())
        finally:
            self._updating = False
        self.show_errors({})
        self._after_change()

    def show_errors(self, errors: dict[str, str]) -> None:
        """Show each message under its field; messages for no field (images, general) go on top."""
        errors = dict(errors)
        first_image = next((n for n, r in self._rows.items() if r.field.is_image), None)
        if first_image and "images" in errors and "images" not in self._rows:
            # Image-count problems belong next to the note that says where images come from.
            errors.setdefault(first_image, errors.pop("images"))
        for name, row in self._rows.items():
            message = errors.get(name, "")
            row.error.setText(message)
            row.error.setVisible(bool(message))
        general = [msg for key, msg in errors.items() if key not in self._rows and msg]
        self._general_error.setText("\n".join(general))
        self._general_error.setVisible(bool(general))

    def model_inputs(self) -> list[ModelInput]:
        """The 3D models chosen for the model inputs, in schema order (pass to ``Scheduler.create_job``)."""
        found = []
        for row in self._rows.values():
            if row.field.is_model and isinstance(row.editor, ModelInputEditor) and row.editor.model():
                found.append(row.editor.model())
        return found

    def set_model_choices(self, choices: list[ModelChoice]) -> None:
        """The library items the model inputs' "From library..." offers."""
        for row in self._rows.values():
            if isinstance(row.editor, ModelInputEditor):
                row.editor.set_choices(choices)

    def set_model_input(self, choice: ModelChoice) -> None:
        """Prefill the first model input (what "Edit with..." does with the selected item)."""
        editor = next((r.editor for r in self._rows.values() if isinstance(r.editor, ModelInputEditor)), None)
        if editor is not None:
            editor.choose(choice)

    def validate(self, image_count: int) -> dict[str, str]:
        if self._schema is None:
            return {}
        errors = self._schema.validate(self.values(), image_count, model_count=len(self.model_inputs()))
        self.show_errors(errors)
        return errors

    def error_text(self, name: str) -> str:
        """The message shown under a field ("" when none); for tests and accessibility."""
        row = self._rows[name]
        return row.error.text() if row.error.isVisibleTo(self) else ""

    def editor_widget(self, name: str) -> QWidget | None:
        """The widget editing a field (None for note-only fields); lets tests drive the real widgets."""
        editor = self._rows[name].editor
        return editor.widget if editor else None

    # ----------------------------------------------------------------- building

    def _error_label(self) -> QLabel:
        label = QLabel()
        label.setObjectName("dropMessage")  # the app's red message style, readable in light and dark
        label.setWordWrap(True)
        label.hide()
        return label

    def _new_form(self) -> QFormLayout:
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        form.setContentsMargins(0, 0, 0, 0)
        return form

    def _build_body(self, schema: ModelSchema | None) -> QWidget:
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        if schema is None:
            empty = QLabel(self.tr("Choose a model to see its settings."))
            empty.setWordWrap(True)
            empty.setStyleSheet(_NOTE_STYLE)
            layout.addWidget(empty)
            return body
        main_form = self._new_form()
        layout.addLayout(main_form)
        advanced_fields = [f for f in schema.fields if f.advanced]
        self._add_fields(main_form, [f for f in schema.fields if not f.advanced])
        if advanced_fields:
            toggle = QToolButton()
            toggle.setObjectName("advancedToggle")
            toggle.setText(self.tr("Advanced"))
            toggle.setCheckable(True)
            toggle.setAutoRaise(True)
            toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            toggle.setArrowType(Qt.ArrowType.RightArrow)
            section = QWidget()
            section.setObjectName("advancedSection")
            advanced_form = self._new_form()
            section.setLayout(advanced_form)
            self._add_fields(advanced_form, advanced_fields)
            section.hide()

            def on_toggled(opened: bool) -> None:
                toggle.setArrowType(Qt.ArrowType.DownArrow if opened else Qt.ArrowType.RightArrow)
                section.setVisible(opened)

            toggle.toggled.connect(on_toggled)
            layout.addWidget(toggle)
            layout.addWidget(section)
        reset = QPushButton(self.tr("Reset to defaults"))
        reset.setObjectName("resetButton")
        reset.clicked.connect(self.reset_to_defaults)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(reset)
        layout.addSpacing(6)
        layout.addLayout(buttons)
        return body

    def _add_fields(self, form: QFormLayout, fields: list[Field]) -> None:
        # One heading per group, groups in order of first appearance, so a schema that interleaves
        # groups still reads as tidy sections. Ungrouped fields before the first group stay on top.
        order: dict[str, int] = {}
        for field in fields:
            order.setdefault(field.group, len(order))
        fields = sorted(fields, key=lambda f: order[f.group])
        group = ""
        for field in fields:
            if field.group and field.group != group:
                heading = QLabel(field.group)
                font = heading.font()
                font.setBold(True)
                heading.setFont(font)
                heading.setContentsMargins(0, 8, 0, 0)
                form.addRow(heading)
            group = field.group or group
            self._add_field(form, field)

    def _add_field(self, form: QFormLayout, field: Field) -> None:
        editor = make_editor(field, lambda name=field.name: self._on_edited(name))
        error = self._error_label()
        holder = QWidget()
        box = QVBoxLayout(holder)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        tooltip = _tooltip(field)
        label: QLabel | None = None
        if editor is None:
            note = QLabel(note_text(field))
            note.setWordWrap(True)
            note.setStyleSheet(_NOTE_STYLE)
            note.setToolTip(tooltip)
            box.addWidget(note)
            form.addRow(holder)
        else:
            editor.widget.setToolTip(tooltip)
            # A stretched check box would ignore clicks past its text, so it keeps its own width.
            grow = QSizePolicy.Policy.Maximum if isinstance(editor, BoolEditor) else QSizePolicy.Policy.Expanding
            editor.widget.setSizePolicy(grow, editor.widget.sizePolicy().verticalPolicy())
            editor.widget.setFocusPolicy(focus_policy_for(editor))
            editor.widget.installEventFilter(self._wheel_guard)
            box.addWidget(editor.widget)
            if isinstance(editor, BoolEditor):
                form.addRow(holder)  # the check box carries its own label
            else:
                label = QLabel(field.label)
                label.setToolTip(tooltip)
                label.setBuddy(editor.widget)
                label.setWordWrap(True)
                if field.prompt:  # full width for the text box in a narrow panel
                    form.addRow(label)
                    form.addRow(holder)
                else:
                    form.addRow(label, holder)
        box.addWidget(error)
        self._rows[field.name] = _Row(field, editor, label, error, tooltip)

    # ----------------------------------------------------------------- live behaviour

    def _apply(self, values: dict) -> None:
        for name, value in values.items():
            row = self._rows.get(name)
            if row is not None and row.editor is not None:
                row.editor.set_value(value)

    def _on_edited(self, name: str) -> None:
        if self._updating:
            return
        row = self._rows.get(name)
        if row is not None:
            row.error.hide()  # the user is fixing it; re-validation will say if it is still wrong
        self._after_change()

    def _after_change(self) -> None:
        self._refresh_states()
        values = self.values()
        previous, self._last_values = self._last_values, values
        models, self._last_models = self._last_models, self.model_inputs()
        self.changed.emit(values)
        # A new 3D input changes the job that is priced (a quote is only possible once it is there).
        if models != self._last_models or any(
                previous.get(n) != values.get(n) for n, row in self._rows.items() if row.field.cost_impact):
            self.costInputChanged.emit()

    def _refresh_states(self) -> None:
        """Apply enabledIf and rangeIf for the current values (a tier change can disable fields)."""
        schema = self._schema
        if schema is None:
            return
        self._updating = True
        try:
            for name, row in self._rows.items():
                field, editor = row.field, row.editor
                if editor is None:
                    continue
                values = self.values()
                if field.range_if and isinstance(editor, NumberEditor):
                    editor.set_range(*schema.effective_range(name, values))
                    new_default = schema.effective_default(name, values)
                    current = editor.value()
                    if new_default != row.last_default and current == row.last_default:
                        editor.set_value(new_default)  # the user kept the old default: follow the new one
                    row.last_default = new_default
                if field.enabled_if:
                    enabled, reason = schema.is_enabled(name, values)
                    editor.widget.setEnabled(enabled)
                    if row.label is not None:
                        row.label.setEnabled(enabled)
                    tip = row.tooltip if enabled else f"<p>{html.escape(reason)}</p>" + row.tooltip
                    editor.widget.setToolTip(tip)
                    if row.label is not None:
                        row.label.setToolTip(tip)
        finally:
            self._updating = False

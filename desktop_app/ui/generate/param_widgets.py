"""Editors for single schema fields, used by ``ParamForm``.

Each editor wraps one Qt widget and speaks in schema values (``None`` meaning "not set"), so the form never
needs to know which widget a field got. The widget is chosen from the field's type only, never its name.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from desktop_app.core.schema.fields import DEFAULT_CHOICE_LABEL, same_value
from desktop_app.core.schema.model_schema import Field, FieldType
from desktop_app.core.schema.values import coerce_one

_INT_MIN, _INT_MAX = -(2**31) + 1, 2**31 - 1
_FLOAT_LIMIT = 1e12


def tr(text: str, n: int = -1) -> str:
    return QCoreApplication.translate("ParamForm", text, None, n)


class WheelGuard(QObject):
    """Lets the side panel scroll over spin boxes and combo boxes unless the user clicked into them,
    so scrolling the panel never changes a value by accident."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Wheel and isinstance(watched, QWidget) and not watched.hasFocus():
            event.ignore()
            return True
        return super().eventFilter(watched, event)


class Editor:
    """Base: one widget, a value in schema terms, and a callback on user edits."""

    widget: QWidget

    def __init__(self, field: Field, on_edit: Callable[[], None]) -> None:
        self.field = field
        self._on_edit = on_edit

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def set_range(self, lo: float | None, hi: float | None) -> None:
        """Only numeric editors have a range; others ignore it."""

    def _edited(self, *_args: object) -> None:
        self._on_edit()


class ChoiceEditor(Editor):
    def __init__(self, field: Field, on_edit: Callable[[], None]) -> None:
        super().__init__(field, on_edit)
        self._choices = list(field.choices or ())
        box = QComboBox()
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        box.setMinimumContentsLength(6)  # keep long labels from widening the narrow side panel
        for choice in self._choices:
            implied_default = choice.value == "" and choice.label == DEFAULT_CHOICE_LABEL
            box.addItem(tr("Default") if implied_default else choice.label)
        box.currentIndexChanged.connect(self._edited)
        self.widget = box

    def value(self) -> Any:
        index = self.widget.currentIndex()
        return self._choices[index].value if 0 <= index < len(self._choices) else None

    def set_value(self, value: Any) -> None:
        if value is None:
            value = self.field.default
        for index, choice in enumerate(self._choices):
            if same_value(choice.value, value):
                self.widget.setCurrentIndex(index)
                return


class BoolEditor(Editor):
    def __init__(self, field: Field, on_edit: Callable[[], None]) -> None:
        super().__init__(field, on_edit)
        self.widget = QCheckBox(field.label)
        self.widget.toggled.connect(self._edited)

    def value(self) -> Any:
        return self.widget.isChecked()

    def set_value(self, value: Any) -> None:
        self.widget.setChecked(bool(value) if value is not None else bool(self.field.default))


def _decimals(field: Field) -> int:
    places = 0
    for v in (field.step, field.min, field.max, field.default):
        if isinstance(v, float) and math.isfinite(v):
            places = max(places, -Decimal(repr(v)).normalize().as_tuple().exponent)
    return min(max(places, 2), 6)


class NumberEditor(Editor):
    """Spin box. A field without a default can stay unset: one step below the minimum shows "Auto"."""

    def __init__(self, field: Field, on_edit: Callable[[], None]) -> None:
        super().__init__(field, on_edit)
        self.nullable = field.default is None
        lo, hi = field.min, field.max
        self._whole = field.integer and (lo is None or lo >= _INT_MIN) and (hi is None or hi <= _INT_MAX)
        if self._whole:
            spin: QSpinBox | QDoubleSpinBox = QSpinBox()
            self._step: float = int(field.step) if field.step else 1
        else:
            spin = QDoubleSpinBox()
            spin.setDecimals(0 if field.integer else _decimals(field))
            span = (hi - lo) if lo is not None and hi is not None else 100
            self._step = field.step or (1 if field.integer or span > 10 else 0.1 if span > 1 else 0.01)
        spin.setSingleStep(self._step)
        spin.setAccelerated(True)
        spin.setKeyboardTracking(False)  # one change per finished entry, not per keystroke
        if self.nullable:
            spin.setSpecialValueText(tr("Auto"))
        self.widget = spin
        self.set_range(lo, hi)
        spin.valueChanged.connect(self._edited)

    def set_range(self, lo: float | None, hi: float | None) -> None:
        limit_lo, limit_hi = (_INT_MIN, _INT_MAX) if self._whole else (-_FLOAT_LIMIT, _FLOAT_LIMIT)
        lo = limit_lo if lo is None else max(lo, limit_lo)
        hi = limit_hi if hi is None else min(hi, limit_hi)
        was_unset = self.value() is None if hasattr(self, "widget") and self.nullable else False
        if self.nullable:
            lo = lo - self._step
        if self._whole:
            lo, hi = math.floor(lo), math.ceil(hi)
        self.widget.setRange(lo, max(lo, hi))
        if was_unset:
            self.widget.setValue(self.widget.minimum())

    def value(self) -> Any:
        v = self.widget.value()
        if self.nullable and v <= self.widget.minimum():
            return None
        return round(v) if self.field.integer else v

    def set_value(self, value: Any) -> None:
        if value is None:
            value = self.field.default
        if value is None or isinstance(value, bool) or not isinstance(value, int | float):
            self.widget.setValue(self.widget.minimum())  # shows "Auto" when nullable
        else:
            self.widget.setValue(value)


class TextEditor(Editor):
    """Multi-line box for prompts; a line edit for other free text."""

    def __init__(self, field: Field, on_edit: Callable[[], None]) -> None:
        super().__init__(field, on_edit)
        if field.prompt:
            box: QPlainTextEdit | QLineEdit = QPlainTextEdit()
            box.setTabChangesFocus(True)
            line = box.fontMetrics().lineSpacing()
            box.setFixedHeight(line * 4 + 12)
            box.textChanged.connect(self._edited)
        else:
            box = QLineEdit()
            if field.max_length:
                box.setMaxLength(field.max_length)
            box.setClearButtonEnabled(True)
            box.textChanged.connect(self._edited)
        box.setPlaceholderText(field.placeholder)
        self.widget = box

    def value(self) -> Any:
        text = self.widget.toPlainText() if isinstance(self.widget, QPlainTextEdit) else self.widget.text()
        # Empty and without a default means "not set", matching ModelSchema.defaults().
        return None if not text and self.field.default is None else text

    def set_value(self, value: Any) -> None:
        if value is None:
            value = self.field.default
        text = "" if value is None else str(value)
        if isinstance(self.widget, QPlainTextEdit):
            if text != self.widget.toPlainText():
                self.widget.setPlainText(text)
        else:
            self.widget.setText(text)


class ListEditor(Editor):
    """Comma-separated entry for string_array / number_array (rare in 3D models)."""

    def __init__(self, field: Field, on_edit: Callable[[], None]) -> None:
        super().__init__(field, on_edit)
        self.widget = QLineEdit()
        self.widget.setPlaceholderText(field.placeholder or tr("Comma-separated values"))
        self.widget.textChanged.connect(self._edited)

    def value(self) -> Any:
        text = self.widget.text().strip()
        if not text:
            return None if self.field.default is None else []
        try:
            return coerce_one(self.field, text)
        except ValueError:
            return text  # kept as typed so validation can say what is wrong

    def set_value(self, value: Any) -> None:
        if value is None:
            value = self.field.default
        items = value if isinstance(value, list | tuple) else ([] if value is None else [value])
        self.widget.setText(", ".join(str(v) for v in items))


def make_editor(field: Field, on_edit: Callable[[], None]) -> Editor | None:
    """The editor for a field, or None when the form only shows a note (files, unsupported types)."""
    if field.is_model:
        from desktop_app.ui.generate.model_input import ModelInputEditor

        return ModelInputEditor(field, on_edit)  # type: ignore[return-value]  # the same protocol as Editor
    if field.choices is not None and field.type in (FieldType.STRING, FieldType.NUMBER):
        return ChoiceEditor(field, on_edit)
    factories: dict[FieldType, type[Editor]] = {
        FieldType.BOOLEAN: BoolEditor,
        FieldType.NUMBER: NumberEditor,
        FieldType.STRING: TextEditor,
        FieldType.STRING_ARRAY: ListEditor,
        FieldType.NUMBER_ARRAY: ListEditor,
    }
    factory = factories.get(field.type)
    return factory(field, on_edit) if factory else None


def note_text(field: Field) -> str:
    """The read-only line shown for inputs the form does not edit."""
    if field.is_image:
        if field.type == FieldType.FILE:
            return tr("Image: from the drop zone")
        return tr("Images: from the drop zone (up to %n)", field.max_items)
    return tr("{label}: not supported yet").format(label=field.label)


def focus_policy_for(editor: Editor) -> Qt.FocusPolicy:
    return Qt.FocusPolicy.StrongFocus if isinstance(editor, ChoiceEditor | NumberEditor) else \
        editor.widget.focusPolicy()

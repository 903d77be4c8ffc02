"""The versions and parts of the selected library item, in its details.

A refine (remesh, retexture, rigging, part split) adds a version to the item it was made from; this section lists
them ("v3 · Retexture (Meshy 7 Retexture) · from v2 · date", the settings in each row's tooltip), shows a version
or one part in the preview, and opens "Compare with previous" on a version and the one it was made from. It only
asks: the details pass its requests on to the bus. The paths are resolved (and glTF headers read) in a worker.

Both lists are short and elided so the section stays small in the narrow details panel at 1366x768.
"""

from __future__ import annotations

import html
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.library import versions
from desktop_app.core.library.store import LibraryItem
from desktop_app.ui.tasks import Op, supersede

VISIBLE_ROWS = 4  # more scroll: the details panel is narrow and short on a laptop
_ROLE = Qt.ItemDataRole.UserRole


def _tr(text: str) -> str:
    return QCoreApplication.translate("Versions", text)


@dataclass
class VersionRow:
    """One version as the section shows it; ``path`` and ``parts`` already resolved inside the item."""

    number: int
    made_from: int | None
    model_id: str
    params: dict = field(default_factory=dict)
    created_at: float | None = None
    path: Path | None = None
    parts: list[Path] = field(default_factory=list)
    animated: bool = False
    cost: str = ""


def operation(model_id: str, number: int) -> str:
    """What a version's model did, in a word or two, read from its id (the model list has no such field)."""
    if number <= 1:
        return _tr("Original")
    if versions.is_part_model(model_id):
        return _tr("Part split")
    low = model_id.lower()
    for key, text in (("retopo", _tr("Retopology")), ("remesh", _tr("Remesh")), ("texture", _tr("Retexture")),
                      ("rig", _tr("Rigging"))):
        if key in low:
            return text
    return _tr("Edit")


def read_rows(item: LibraryItem) -> list[VersionRow]:
    """Every version of ``item``, oldest first. Blocking (paths are resolved, glTF headers read): a worker's."""
    rows = []
    for entry in versions.lineage(item):
        number = int(entry.get("number") or 1)
        path = versions.model_path(item, number)
        made_from = entry.get("made_from")
        cost = entry.get("cost") if number > 1 else item.cost
        unit = entry.get("cost_unit", "") if number > 1 else item.cost_unit
        rows.append(VersionRow(
            number=number, made_from=made_from if isinstance(made_from, int) else None,
            model_id=str(entry.get("model_id") or ""), params=dict(entry.get("params") or {}),
            created_at=entry.get("created_at"), path=path, parts=versions.parts(item, number),
            animated=bool(entry.get("has_animation")) or bool(number > 1 and path and versions.has_animation(path)),
            cost=f"{cost:g} {unit}".strip() if isinstance(cost, (int, float)) else ""))
    return rows


def _when(stamp: object) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp)) if isinstance(stamp, (int, float)) else ""


def _settings(params: dict) -> str:
    if not params:
        return _tr("default settings")
    return "\n".join(f"  {k} = {v if isinstance(v, str) else json.dumps(v)}"[:160] for k, v in sorted(params.items()))


class VersionsSection(QWidget):
    showFile = Signal(object)  # Path: a version or one part, in the preview
    compareRequested = Signal(list, list, list)  # paths, titles, costs: this version beside the one before

    def __init__(self, names: Callable[[], dict[str, str]], parent: QWidget | None = None) -> None:
        """``names()``: model id -> the name people read (filled once the models are listed)."""
        super().__init__(parent)
        self.setObjectName("libraryVersions")
        self._names = names
        self.item_id = ""
        self.rows: list[VersionRow] = []
        self._latest = f"versions-{id(self)}"  # the newest item's versions win

        self.title = QLabel()
        self.list = QListWidget()
        self.list.setObjectName("versionList")
        self.list.setAccessibleName(_tr("Versions"))
        self.list.setToolTip(_tr("Pick a version to see it in the preview"))
        self.list.currentRowChanged.connect(self._version_picked)
        self.compare_button = QPushButton(_tr("Compare with previous"))
        self.compare_button.setToolTip(_tr("This version beside the version it was made from, cameras linked"))
        self.compare_button.setAutoDefault(False)
        self.compare_button.clicked.connect(self.compare_with_previous)

        self.parts_title = QLabel()
        self.parts_list = QListWidget()
        self.parts_list.setObjectName("partList")
        self.parts_list.setAccessibleName(_tr("Parts"))
        self.parts_list.setToolTip(_tr("Double-click a part to see it alone"))
        self.parts_list.itemDoubleClicked.connect(lambda _item: self.show_part())
        self.parts_list.currentRowChanged.connect(lambda _row: self._update_buttons())
        self.show_part_button = QPushButton(_tr("Show"))
        self.show_part_button.setToolTip(_tr("See the selected part alone in the preview"))
        self.show_all_button = QPushButton(_tr("Show all"))
        self.show_all_button.setToolTip(_tr("See the whole model again"))
        for button in (self.show_part_button, self.show_all_button):
            button.setAutoDefault(False)
        self.show_part_button.clicked.connect(self.show_part)
        self.show_all_button.clicked.connect(self.show_all)

        for box in (self.list, self.parts_list):
            box.setTextElideMode(Qt.TextElideMode.ElideRight)
            box.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            box.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
            box.setUniformItemSizes(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(3)
        lay.addWidget(self.title)
        lay.addWidget(self.list)
        lay.addWidget(self.compare_button, 0, Qt.AlignmentFlag.AlignLeft)
        lay.addWidget(self.parts_title)
        lay.addWidget(self.parts_list)
        part_buttons = QHBoxLayout()
        part_buttons.addWidget(self.show_part_button)
        part_buttons.addWidget(self.show_all_button)
        part_buttons.addStretch(1)
        lay.addLayout(part_buttons)
        self.hide()

    # --- content ----------------------------------------------------------------------------------------

    def show_item(self, item: LibraryItem | None) -> None:
        """List ``item``'s versions and parts (read in a worker); hidden for a single-version, single-mesh item."""
        if item is None or item.damaged or (not item.versions and not versions.is_part_model(item.model_id)):
            supersede(self._latest)  # an earlier item's rows still being read must not appear under this one
            self._clear()
            return
        (Op(read_rows, item).latest(self._latest).owner(self).success(lambda rows: self._fill(item.id, rows))
         .named("item versions").run())

    def _clear(self) -> None:
        self.item_id, self.rows = "", []
        self.list.clear()
        self.parts_list.clear()
        self.hide()

    def _fill(self, item_id: str, rows: list[VersionRow]) -> None:
        # A refresh keeps the version picked; a new version (which the item now opens) is picked instead.
        keep = self.shown_number() if item_id == self.item_id and len(rows) == len(self.rows) else 0
        self.item_id, self.rows = item_id, rows
        if len(rows) < 2 and not any(r.parts for r in rows):
            self.list.clear()
            self.parts_list.clear()
            self.hide()
            return
        self.list.blockSignals(True)  # filling is not picking: the preview stays as it is
        self.list.clear()
        for row in reversed(rows):  # newest first: the one the item opens
            entry = QListWidgetItem(self.row_text(row))
            entry.setData(_ROLE, row.number)
            entry.setToolTip(self.row_tooltip(row))
            self.list.addItem(entry)
        numbers = [r.number for r in reversed(rows)]
        self.list.setCurrentRow(numbers.index(keep) if keep in numbers else 0)
        self.list.blockSignals(False)
        self.title.setText(f"<b>{html.escape(_tr('Versions'))} ({len(rows)})</b>")
        multi = len(rows) > 1
        for widget in (self.title, self.list, self.compare_button):
            widget.setVisible(multi)
        self._fit_height(self.list)
        self._fill_parts()
        self.show()

    def _name(self, model_id: str) -> str:
        if model_id.startswith("import:"):
            return _tr("imported file")
        return self._names().get(model_id, model_id)

    def row_text(self, row: VersionRow) -> str:
        name = self._name(row.model_id)
        bits = [f"v{row.number}", f"{operation(row.model_id, row.number)} ({name})" if name else
                operation(row.model_id, row.number)]
        if row.made_from:
            bits.append(_tr("from v%1").replace("%1", str(row.made_from)))
        if row.created_at:
            bits.append(_when(row.created_at))
        return " · ".join(bits)

    def row_tooltip(self, row: VersionRow) -> str:
        name = self._name(row.model_id) or _tr("unknown model")
        lines = [_tr("Version %1, made by %2").replace("%1", str(row.number)).replace("%2", name)]
        if row.made_from:
            lines.append(_tr("from version %1").replace("%1", str(row.made_from)))
        lines.append(_tr("Settings:"))
        lines.append(_settings(row.params))
        if row.cost:
            lines.append(_tr("Cost: %1").replace("%1", row.cost))
        if row.animated:
            lines.append(_tr("Animated (rigged)"))
        if row.parts:
            lines.append(_tr("Parts: %1").replace("%1", str(len(row.parts))))
        if row.path is not None:
            lines.append(row.path.name)
        return "\n".join(lines)

    def _fill_parts(self) -> None:
        row = self.shown_row()
        found = row.parts if row else []
        self.parts_list.clear()
        for path in found:
            entry = QListWidgetItem(path.name)
            entry.setData(_ROLE, str(path))
            entry.setToolTip(str(path))
            self.parts_list.addItem(entry)
        if found:
            self.parts_list.setCurrentRow(0)
        self.parts_title.setText(f"<b>{html.escape(_tr('Parts'))} ({len(found)})</b>")
        for widget in (self.parts_title, self.parts_list, self.show_part_button, self.show_all_button):
            widget.setVisible(bool(found))
        self._fit_height(self.parts_list)
        self._update_buttons()

    def _fit_height(self, box: QListWidget) -> None:
        rows = max(1, min(box.count(), VISIBLE_ROWS))
        height = box.sizeHintForRow(0) if box.count() else box.fontMetrics().height() + 4
        box.setFixedHeight(rows * max(height, 1) + 2 * box.frameWidth() + 2)

    def _update_buttons(self) -> None:
        row = self.shown_row()
        self.compare_button.setEnabled(self._previous(row) is not None and row is not None and row.path is not None)
        self.show_part_button.setEnabled(self.parts_list.currentRow() >= 0)

    # --- what is picked -----------------------------------------------------------------------------------

    def shown_number(self) -> int:
        """The version picked in the list (0 when none is listed)."""
        entry = self.list.currentItem()
        return int(entry.data(_ROLE)) if entry is not None else 0

    def shown_row(self) -> VersionRow | None:
        number = self.shown_number()
        return next((r for r in self.rows if r.number == number), None)

    def _previous(self, row: VersionRow | None) -> VersionRow | None:
        if row is None or not row.made_from:
            return None
        return next((r for r in self.rows if r.number == row.made_from and r.path is not None), None)

    def _version_picked(self, _row: int) -> None:
        self._fill_parts()
        self.show_all()

    def select_version(self, number: int) -> None:
        """Pick version ``number`` as a click would (it is shown in the preview)."""
        for i in range(self.list.count()):
            if self.list.item(i).data(_ROLE) == number:
                self.list.setCurrentRow(i)

    def show_all(self) -> None:
        row = self.shown_row()
        if row is not None and row.path is not None:
            self.showFile.emit(row.path)

    def show_part(self) -> None:
        entry = self.parts_list.currentItem()
        if entry is not None:
            self.showFile.emit(Path(entry.data(_ROLE)))

    def compare_with_previous(self) -> None:
        row = self.shown_row()
        before = self._previous(row)
        if row is None or before is None or row.path is None or before.path is None:
            return
        pair = [before, row]
        self.compareRequested.emit([r.path for r in pair], [self._caption(r) for r in pair],
                                   [r.cost for r in pair])

    def _caption(self, row: VersionRow) -> str:
        name = self._name(row.model_id)
        return f"v{row.number} · {operation(row.model_id, row.number)}" + (f" ({name})" if name else "")

"""Details of the selected library item: images, model, parameters, ids, cost, timings, files; and its actions.

The panel only shows and asks: every change (rename, tags, favourite) and every action goes out as a
signal, and the library controller does the work off the GUI thread.
"""

from __future__ import annotations

import html
import json
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.library.store import LibraryItem
from desktop_app.ui.edit_with_menu import popup_edit_with
from desktop_app.ui.library.item_model import cost_text, human_size
from desktop_app.ui.library.print_verdict import PrintabilitySection
from desktop_app.ui.library.versions import VersionsSection
from desktop_app.ui.tasks import Op, blocking, spawn

if TYPE_CHECKING:
    from desktop_app.core.printing.verdict import Verdict

INPUT_THUMB = 72
BUTTON_COLUMNS = 3  # three across, not two: two rows fewer, so the versions list starts higher on a laptop
CHECK_DELAY_MS = 150  # arrowing through the list checks only where the selection stops


def print_target(item: LibraryItem) -> tuple[Path | None, str]:
    """The file to judge for printing: the newest repaired copy (Print… keeps each repair as a "print" file)
    or else the model; and a note naming the copy when it is one."""
    repaired = [f for f in item.files if f.kind == "print"]
    if repaired:
        path = item.inside(repaired[-1].name)
        if path is not None:
            return path, f"Checked the repaired copy {repaired[-1].name}; the original model is unchanged."
    return item.model_path, ""


def _input_image(path: Path) -> QImage | None:
    image = QImage(str(path))
    if image.isNull():
        return None
    return image.scaled(INPUT_THUMB, INPUT_THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                        Qt.TransformationMode.SmoothTransformation)


def _when(stamp: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stamp)) if stamp else ""


class LibraryDetails(QWidget):
    openRequested = Signal(object)  # LibraryItem
    rerunRequested = Signal(object)
    editRequested = Signal(object)  # re-run with edits: put images and parameters back into the form
    exportRequested = Signal(str, int)  # item id, version (0: the newest)
    printRequested = Signal(str)  # item id: the Print dialog (check, repair, 3MF, slicer)
    refineRequested = Signal(str, str, int)  # model id, item id, version picked: "Edit with…" that model
    revealRequested = Signal(object, object)  # LibraryItem, the folder of the version shown (None: the item's)
    openFileRequested = Signal(object, object)  # LibraryItem, Path: one of its versions or parts in the preview
    compareFilesRequested = Signal(list, list, list)  # model paths, titles, costs: a version beside its source
    deleteRequested = Signal(list)
    compareRequested = Signal(list)
    changeRequested = Signal(str, dict)  # item id, {field: value}

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("libraryDetails")
        self.item: LibraryItem | None = None
        self.model_names: dict[str, str] = {}  # shared with the window: filled once the models are listed
        self._status_text = {"complete": self.tr("Complete"), "imported": self.tr("Imported"),
                             "partial": self.tr("Partial results (the job failed)"),
                             "damaged": self.tr("Damaged: its item.json is missing or unusable; the files are kept")}
        self._ids: list[str] = []
        self._token = 0
        self._print_token = 0  # the newest selection's check wins: an older one finishing later is dropped
        self._print_cancel = threading.Event()  # set when the selection moves on: a child process check stops
        self._print_timer = QTimer(self)
        self._print_timer.setSingleShot(True)
        self._print_timer.setInterval(CHECK_DELAY_MS)
        self._print_timer.timeout.connect(self._start_print_check)
        self._latest = f"details-images-{id(self)}"  # the newest item's pictures win

        self.title = QLineEdit()
        self.title.setObjectName("detailsTitle")
        self.title.setToolTip(self.tr("Rename: type a new name and press Enter"))
        self.title.setAccessibleName(self.tr("Item name"))
        self.title.editingFinished.connect(self._renamed)
        self.favorite = QToolButton()
        self.favorite.setCheckable(True)
        self.favorite.setText("☆")
        self.favorite.setToolTip(self.tr("Mark as favourite"))
        self.favorite.setAccessibleName(self.tr("Favourite"))
        self.favorite.clicked.connect(self._favorite_clicked)
        self.tags = QLineEdit()
        self.tags.setPlaceholderText(self.tr("Tags, separated by commas"))
        self.tags.setToolTip(self.tr("Tags help you find items; press Enter to keep them"))
        self.tags.setAccessibleName(self.tr("Tags"))
        self.tags.editingFinished.connect(self._tags_edited)
        self.images = QHBoxLayout()
        self.images.setContentsMargins(0, 0, 0, 0)
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.info.setTextFormat(Qt.TextFormat.RichText)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.info.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.hint = QLabel(self.tr("Select an item to see its details."))
        self.hint.setObjectName("emptyHint")
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        specs = [
            ("open", self.tr("Open"), self.tr("Show this model in the preview"), self._open),
            ("rerun", self.tr("Re-run"), self.tr("Make it again with the same images and settings"),
             lambda: self.item and self.rerunRequested.emit(self.item)),
            ("edit", self.tr("Re-run with edits…"), self.tr("Put its images and settings back into the form "
                                                            "to change them first"),
             lambda: self.item and self.editRequested.emit(self.item)),
            ("refine", self.tr("Edit with…"),
             self.tr("Send this model to a model that remeshes, retextures or rigs it; the result becomes a new "
                     "version of this item"),
             self._show_refine_menu),
            ("export", self.tr("Export…"), self.tr("Save the model as GLB, OBJ, STL or PLY, optionally scaled "
                                                   "for 3D printing"),
             lambda: self.item and self.exportRequested.emit(self.item.id, self.versions.shown_number())),
            ("print", self.tr("Print…"), self.tr("Check and repair for 3D printing, size it in millimetres, "
                                                 "save 3MF or STL and open it in your slicer"),
             lambda: self.item and self.printRequested.emit(self.item.id)),
            ("reveal", self.tr("Show folder"), self.tr("Open the item's folder in the file manager"),
             lambda: self.item and self.revealRequested.emit(self.item, self._shown_folder())),
            ("delete", self.tr("Delete"), self.tr("Move to the trash (you can undo this)"),
             lambda: self._ids and self.deleteRequested.emit(list(self._ids))),
            # Last: shown only for several items, so one item's buttons have no hole in the grid.
            ("compare", self.tr("Compare"), self.tr("Look at the selected items side by side"),
             lambda: self.compareRequested.emit(list(self._ids))),
        ]
        for number, (key, text, tip, slot) in enumerate(specs):
            button = QPushButton(text)
            button.setToolTip(tip)
            button.setAutoDefault(False)
            button.clicked.connect(slot)
            self.buttons[key] = button
            grid.addWidget(button, number // BUTTON_COLUMNS, number % BUTTON_COLUMNS)

        self.refine_models: list[tuple[str, str]] = []  # (model id, name) of models that take a 3D model
        self.refine_menu = QMenu(self)

        self.versions = VersionsSection(lambda: self.model_names)
        self.versions.showFile.connect(lambda path: self.item and self.openFileRequested.emit(self.item, path))
        self.versions.compareRequested.connect(self.compareFilesRequested)

        self.printability = PrintabilitySection()
        self.printability.makePrintableRequested.connect(
            lambda: self.item and self.printRequested.emit(self.item.id))

        # The input pictures beside the name and tags, not above them: at 1366x768 the details are ~250 px tall
        # and every row spent up here pushes the versions list (read and picked often) below the fold.
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.favorite)
        naming = QVBoxLayout()
        naming.setContentsMargins(0, 0, 0, 0)
        naming.addLayout(head)
        naming.addWidget(self.tags)
        naming.addStretch(1)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addLayout(self.images)
        top.addLayout(naming, 1)
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top)
        lay.addLayout(grid)
        lay.addWidget(self.versions)
        lay.addWidget(self.printability)
        lay.addWidget(self.info, 1)
        self.body = body
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.addWidget(self.hint)
        outer.addWidget(scroll, 1)
        self._scroll = scroll
        self.show_selection([], None)

    # --- content ----------------------------------------------------------------------------------------

    def show_selection(self, ids: list[str], item: LibraryItem | None) -> None:
        """Show one item in full, or what can be done with several."""
        self._ids = list(ids)
        self.item = item if len(ids) == 1 else None
        several = len(ids) > 1
        self.hint.setVisible(item is None and not several)
        self._scroll.setVisible(item is not None or several)
        self._clear_images()
        if several:
            self.title.setText(self.tr("%n items selected", "", len(ids)))
            self.info.setText("")
        for key, button in self.buttons.items():
            button.setVisible(key in ("compare", "delete") if several else key != "compare")
        for widget in (self.title, self.favorite, self.tags):
            widget.setEnabled(not several)
        self.tags.setVisible(not several)
        self.favorite.setVisible(not several)
        self.printability.setVisible(self.item is not None)
        self._print_token += 1
        self._print_timer.stop()
        self._print_cancel.set()
        self.versions.show_item(self.item)
        if self.item is None:
            return
        item = self.item
        self.title.setText(item.title)
        self._set_favorite(item.favorite)
        self.tags.setText(", ".join(item.tags))
        can_run = item.status not in ("imported", "damaged") and bool(item.inputs or item.params)
        self.buttons["rerun"].setEnabled(can_run)
        self.buttons["edit"].setEnabled(can_run)
        has_model = bool(item.model_path and item.model_file) and not item.damaged
        self.buttons["open"].setEnabled(has_model)
        self.buttons["export"].setEnabled(has_model)
        self.buttons["print"].setEnabled(has_model)
        self.buttons["refine"].setEnabled(has_model and bool(self.refine_models))
        self.printability.button.setEnabled(has_model)
        self.info.setText(self._info_html(item))
        self.refresh_printability(item)
        inputs = [item.inside(name) for name in item.inputs]
        paths = [p for p in inputs if p is not None][:5]
        (Op(lambda: [(p, _input_image(p)) for p in paths]).latest(self._latest).success(self._show_images)
         .named("details images").run())

    def refresh(self, item: LibraryItem) -> None:
        """The shown item changed on disk (a new version, a repaired copy): its facts, versions and check."""
        if self.item is None or item.id != self.item.id:
            return
        self.item = item
        self.info.setText(self._info_html(item))
        self.versions.show_item(item)
        self.refresh_printability(item)

    def reveal_versions(self) -> None:
        """Scroll the details so the versions list (and the parts under it) is in view, as far as it fits: its
        top at the top of the view when the section is taller than the view."""
        section = self.versions
        if not section.isVisible():
            return
        top = section.mapTo(self.body, section.rect().topLeft()).y()
        bar = self._scroll.verticalScrollBar()
        view = self._scroll.viewport().height()
        bottom = top + section.height()
        if bar.value() > top or bottom - bar.value() > view:
            bar.setValue(top if section.height() >= view else bottom - view)

    def _shown_folder(self) -> Path | None:
        """The folder of the version picked in the list (``versions/vN``), or None for the item's own."""
        number = self.versions.shown_number()
        if self.item is None or self.item.folder is None or number <= 1:
            return None
        return self.item.folder / "versions" / f"v{number}"

    # --- Edit with… (mesh-to-mesh models) ----------------------------------------------------------------

    def set_refine_models(self, models: list[tuple[str, str]]) -> None:
        """The models whose input is a 3D model (from the model list); "Edit with…" offers them."""
        self.refine_models = list(models)
        self.buttons["refine"].setEnabled(bool(self.refine_models) and self.item is not None
                                          and self.item.model_path is not None)

    def _show_refine_menu(self) -> None:
        if self.item is None:
            return
        button = self.buttons["refine"]
        # The version picked in the list (still listing another item while this one's rows are read: newest).
        version = self.versions.shown_number() if self.versions.item_id == self.item.id else 0
        popup_edit_with(self.refine_menu, self.refine_models, self.item.id, version, self.refineRequested.emit,
                        button.mapToGlobal(button.rect().bottomLeft()))

    # --- printability (checked in a worker, cached per file state in core/printing/verdict.py) ---------------------

    def refresh_printability(self, item: LibraryItem) -> None:
        """Check ``item`` (the one shown) again, e.g. after a repair added a copy; shown when done."""
        if self.item is None or item.id != self.item.id:
            return
        self.item = item
        self._print_token += 1
        self._print_cancel.set()
        self.printability.show_checking()
        self._print_timer.start()

    def _start_print_check(self) -> None:
        if self.item is None:
            return
        path, note = print_target(self.item)
        token = self._print_token
        self._print_cancel = cancel = threading.Event()
        spawn(self._check_print(token, path, note, cancel), lambda text: self._print_failed(token, text),
              name="printability check")

    async def _check_print(self, token: int, path: Path | None, note: str, cancel: threading.Event) -> None:
        from desktop_app.core.printing.verdict import Cancelled, file_verdict  # numpy: not at the window's start

        try:
            verdict: Verdict = await blocking(file_verdict, path, cancel)
        except Cancelled:
            return  # the selection moved on
        if token == self._print_token:
            self.printability.show_verdict(verdict, note)

    def _print_failed(self, token: int, text: str) -> None:
        from desktop_app.core.printing.verdict import Verdict

        if token == self._print_token:
                self.printability.show_verdict(Verdict("unknown", self.tr("Can't tell: the check failed (%1)")
                                                   .replace("%1", text)))

    def _info_html(self, item: LibraryItem) -> str:
        rows: list[tuple[str, str]] = [
            (self.tr("Model"), self.model_names.get(item.model_id, item.model_id)),
            (self.tr("Status"), self._status_text.get(item.status, item.status)),
            (self.tr("Created"), _when(item.created_at)),
        ]
        if item.started_at and item.finished_at:
            rows.append((self.tr("Took"), f"{max(0.0, item.finished_at - item.started_at):.0f} s"))
        if item.cost is not None:
            rows.append((self.tr("Cost"), cost_text(item.cost, item.cost_unit)))
        if item.job_id:
            rows.append((self.tr("Job id"), item.job_id))
        for key, value in sorted(item.remote.items()):
            rows.append((key, value if isinstance(value, str) else json.dumps(value)))
        text = "".join(f"<tr><td><b>{html.escape(k)}</b>&nbsp;</td><td>{html.escape(str(v))}</td></tr>"
                       for k, v in rows)
        params = "".join(f"<tr><td>{html.escape(str(k))}&nbsp;</td><td>{html.escape(self._value(v))}</td></tr>"
                         for k, v in sorted(item.params.items()))
        files = "".join(f"<tr><td>{html.escape(f.name)}&nbsp;</td><td align='right'>{human_size(f.size)}</td></tr>"
                        for f in item.files)
        out = f"<table>{text}</table>"
        if params:
            out += f"<p><b>{self.tr('Settings')}</b></p><table>{params}</table>"
        if files:
            out += f"<p><b>{self.tr('Files')}</b></p><table>{files}</table>"
        return out

    @staticmethod
    def _value(value: object) -> str:
        text = value if isinstance(value, str) else json.dumps(value)
        return text if len(text) <= 200 else text[:200] + "…"

    def _show_images(self, images: list[tuple[Path, QImage | None]]) -> None:
        for path, image in images:
            label = QLabel()
            label.setToolTip(path.name)
            label.setFixedSize(INPUT_THUMB, INPUT_THUMB)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            if image is not None:
                label.setPixmap(QPixmap.fromImage(image))
            else:
                label.setText(self.tr("(missing)"))
            self.images.addWidget(label)

    def _clear_images(self) -> None:
        while self.images.count():
            entry = self.images.takeAt(0)
            if entry.widget() is not None:
                entry.widget().deleteLater()

    def _set_favorite(self, on: bool) -> None:
        self.favorite.setChecked(on)
        self.favorite.setText("★" if on else "☆")
        self.favorite.setToolTip(self.tr("Favourite (click to unmark)") if on else self.tr("Mark as favourite"))

    # --- edits ------------------------------------------------------------------------------------------

    def _open(self) -> None:
        if self.item is not None:
            self.openRequested.emit(self.item)

    def _renamed(self) -> None:
        title = self.title.text().strip()
        if self.item is None or not title or title == self.item.title:
            if self.item is not None and not title:
                self.title.setText(self.item.title)  # a name cannot be empty: put the old one back
            return
        self.item.title = title
        self.changeRequested.emit(self.item.id, {"title": title})

    def _tags_edited(self) -> None:
        if self.item is None:
            return
        tags = list(dict.fromkeys(t.strip() for t in self.tags.text().split(",") if t.strip()))
        if tags != self.item.tags:
            self.item.tags = tags
            self.changeRequested.emit(self.item.id, {"tags": tags})

    def _favorite_clicked(self, on: bool) -> None:
        if self.item is None:
            return
        self._set_favorite(on)
        self.item.favorite = on
        self.changeRequested.emit(self.item.id, {"favorite": on})

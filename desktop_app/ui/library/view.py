"""The library panel: search as you type, filters, sort, a thumbnail grid or a list, multi-selection.

The search, filters and sort become one ``LibraryQuery`` run in a worker thread with its own index connection
(``core/library/search.py``). One search runs at a time; while it runs, newer keystrokes only replace the next
query to run, so a stale answer is never computed twice nor shown. Applying an answer is a cheap model reset.
Both views share one model and one selection model, so switching keeps the selection.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.library.search import IndexReader, SearchResult
from desktop_app.core.library.store import Library, LibraryItem, LibraryQuery
from desktop_app.ui.library.item_model import THUMB, IdRole, LibraryModel
from desktop_app.ui.library.undo_bar import UndoBar
from desktop_app.ui.tasks import blocking, spawn

DAY = 86400.0


class LibraryView(QWidget):
    """``itemActivated`` carries the opened LibraryItem; ``currentChanged`` the current item id ('' for none)."""

    itemActivated = Signal(object)
    currentChanged = Signal(str)
    picked = Signal(str)  # the user made this item current (click or keys): not a reload, not select()
    selectionChanged = Signal(list)  # selected item ids
    compareRequested = Signal(list)  # 2+ item ids the user wants side by side
    deleteRequested = Signal(list)
    exportRequested = Signal(str)
    importRequested = Signal()
    reloaded = Signal()
    _switched = Signal()  # emitted from a worker thread when the library moved; queued to the GUI thread

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.model = LibraryModel()
        self._generation = 0
        self._want_current = ""
        self._programmatic = 0  # > 0 while the view itself moves the current item (reload, select())
        self._reader = IndexReader(library)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="library-search")
        self._next: tuple[int, LibraryQuery] | None = None  # the newest query not yet started
        self._searching: asyncio.Task[None] | None = None

        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search name, prompt, model or tag"))
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName(self.tr("Search the library"))
        self.favorites = QToolButton()
        self.favorites.setText("★")
        self.favorites.setCheckable(True)
        self.favorites.setToolTip(self.tr("Show favourites only"))
        self.favorites.setAccessibleName(self.tr("Favourites only"))
        self.mode_button = QToolButton()
        self.mode_button.setCheckable(True)
        self.mode_button.setText(self.tr("List"))
        self.mode_button.setToolTip(self.tr("Switch between thumbnails and a list with details (Ctrl+L)"))
        self.mode_button.setShortcut(QKeySequence("Ctrl+L"))
        self.import_button = QToolButton()
        self.import_button.setText(self.tr("Import…"))
        self.import_button.setToolTip(self.tr("Copy model files from your disk into the library"))
        self.model_filter = self._combo(self.tr("Filter by service or model"))
        self.date_filter = self._combo(self.tr("Filter by date"))
        for label, days in ((self.tr("Any time"), 0), (self.tr("Today"), 1), (self.tr("Last 7 days"), 7),
                            (self.tr("Last 30 days"), 30), (self.tr("Last year"), 365)):
            self.date_filter.addItem(label, days)
        self.status_filter = self._combo(self.tr("Filter by status"))
        for label, status in ((self.tr("Any status"), ""), (self.tr("Complete"), "complete"),
                              (self.tr("Partial results"), "partial"), (self.tr("Imported"), "imported"),
                              (self.tr("Damaged"), "damaged")):
            self.status_filter.addItem(label, status)
        self.sort = self._combo(self.tr("Order of the items"))
        for label, key, descending in ((self.tr("Newest first"), "date", True),
                                       (self.tr("Oldest first"), "date", False),
                                       (self.tr("Name A–Z"), "name", False), (self.tr("Name Z–A"), "name", True),
                                       (self.tr("Highest cost"), "cost", True), (self.tr("Lowest cost"), "cost", False),
                                       (self.tr("Largest"), "size", True), (self.tr("Smallest"), "size", False)):
            self.sort.addItem(label, f"{key}:{'desc' if descending else 'asc'}")

        self.grid = QListView()
        self.grid.setObjectName("libraryGrid")
        self.grid.setModel(self.model)
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setIconSize(QSize(THUMB, THUMB))
        self.grid.setGridSize(QSize(THUMB + 20, THUMB + 40))
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setMovement(QListView.Movement.Static)
        self.grid.setUniformItemSizes(True)
        self.grid.setLayoutMode(QListView.LayoutMode.Batched)  # lays out 10,000 cells without a stall
        self.grid.setBatchSize(200)
        self.grid.setWordWrap(True)
        self.grid.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table = QTableView()
        self.table.setObjectName("libraryList")
        self.table.setModel(self.model)
        self.table.setSelectionModel(self.grid.selectionModel())
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setIconSize(QSize(32, 32))
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(36)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        # The panel is narrow: the name gets a fair share, the rest fit their widest possible text, and it scrolls
        # sideways. Widths come from the font, not ResizeToContents: that measured up to 10,000 rows (in Python)
        # at every search, even while the list was hidden.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 180)
        self._fill_model_filter([])
        header.setStretchLastSection(True)
        header.setSectionsClickable(True)
        header.sectionClicked.connect(self._sort_by_column)
        for view in (self.grid, self.table):
            view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
            view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            view.customContextMenuRequested.connect(lambda pos, v=view: self._context_menu(v, pos))
            view.activated.connect(self._activate)
            view.clicked.connect(self._clicked)
        self.grid.setAccessibleName(self.tr("Library thumbnails"))
        self.table.setAccessibleName(self.tr("Library list"))
        self.views = QStackedWidget()
        self.views.addWidget(self.grid)
        self.views.addWidget(self.table)
        self.selection = self.grid.selectionModel()
        self.selection.currentChanged.connect(self._on_current)
        self.selection.selectionChanged.connect(lambda *_a: self.selectionChanged.emit(self.selected_ids()))

        self.empty = QLabel()
        self.empty.setObjectName("emptyHint")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.count_label = QLabel()
        self.count_label.setObjectName("hint")
        self.undo_bar = UndoBar()

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.favorites)
        top.addWidget(self.mode_button)
        top.addWidget(self.import_button)
        filters = QHBoxLayout()
        filters.addWidget(self.model_filter, 1)
        filters.addWidget(self.date_filter, 1)
        more = QHBoxLayout()
        more.addWidget(self.status_filter, 1)
        more.addWidget(self.sort, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addLayout(more)
        layout.addWidget(self.undo_bar)
        layout.addWidget(self.empty)
        layout.addWidget(self.views, 1)
        layout.addWidget(self.count_label)

        # Search as you type; a short pause merges a burst (a paste, a held key) into one search.
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(40)
        self._debounce.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        for combo in (self.model_filter, self.date_filter, self.status_filter, self.sort):
            combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.favorites.toggled.connect(lambda _on: self.reload())
        self.mode_button.toggled.connect(self.set_list_mode)
        self.import_button.clicked.connect(self.importRequested)
        self._switched.connect(self.reload)
        on_switch = self._switched.emit
        library.on_switch.append(on_switch)
        reader, executor = self._reader, self._executor

        def forget(*_args: Any) -> None:
            if on_switch in library.on_switch:
                library.on_switch.remove(on_switch)
            try:
                executor.submit(reader.close)  # in the worker, after any search still running
            except RuntimeError:
                reader.close()  # the interpreter is exiting and has already stopped the worker
            executor.shutdown(wait=False)

        self.destroyed.connect(forget)
        self._show_empty(True)

    def _combo(self, tip: str) -> QComboBox:
        combo = QComboBox()
        combo.setToolTip(tip)
        combo.setAccessibleName(tip)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(6)
        return combo

    # --- querying ---------------------------------------------------------------------------------------

    def query(self) -> LibraryQuery:
        key, descending = self._sort_key()
        days = self.date_filter.currentData() or 0
        scope = self.model_filter.currentData() or ""
        provider, model_id = (scope[2:], "") if scope.startswith("p:") else ("", scope[2:])
        return LibraryQuery(
            text=self.search.text(), provider=provider, model_id=model_id,
            since=time.time() - days * DAY if days else None, favorite=self.favorites.isChecked(),
            status=self.status_filter.currentData() or "", sort=key, descending=descending,
        )

    def reload(self) -> None:
        self._generation += 1
        self._next = (self._generation, self.query())
        if self._searching is None or self._searching.done():
            self._searching = spawn(self._search_newest(), name="library search")

    async def refresh(self) -> None:
        """Reload now and wait for it (for callers that then select what was just filed)."""
        self.reload()
        assert self._searching is not None
        await asyncio.shield(self._searching)

    async def _search_newest(self) -> None:
        loop = asyncio.get_running_loop()
        while self._next is not None:
            (generation, query), self._next = self._next, None
            result: SearchResult = await loop.run_in_executor(self._executor, self._reader.search, query)
            if generation == self._generation:  # else a newer query is already waiting
                self._apply(result)

    def _apply(self, result: SearchResult) -> None:
        query, rows = result.query, result.rows
        current = self.current_id() or self._want_current
        selected = set(self.selected_ids())
        self._programmatic += 1
        try:
            self.model.set_rows(rows, result.items_dir, result.positions)
            self._fill_model_filter(result.models)
            self._restore_selection(selected, current)
        finally:
            self._programmatic -= 1
        filtered = bool(query.text.strip() or query.provider or query.model_id or query.since or query.favorite
                        or query.status)
        self._show_empty(not rows, filtered)
        self.count_label.setText(self.tr("%n item(s)", "", len(rows)))
        self.reloaded.emit()

    def _fit_columns(self, models: list[tuple[str, str]]) -> None:
        header = self.table.horizontalHeader()
        for column, width in self.model.column_widths(self.table.fontMetrics(), [m for _p, m in models]).items():
            header.resizeSection(column, width)

    def _fill_model_filter(self, models: list[tuple[str, str]]) -> None:
        wanted = self.model_filter.currentData() or ""
        entries = [(self.tr("All models"), "")]
        for provider in dict.fromkeys(p for p, _m in models):
            entries.append((provider.capitalize(), f"p:{provider}"))
            names = self.model.model_names
            entries += [("    " + names.get(m, m.split(":", 1)[-1]), f"m:{m}") for p, m in models if p == provider]
        if [self.model_filter.itemData(i) for i in range(self.model_filter.count())] == [d for _t, d in entries]:
            return
        self.model_filter.blockSignals(True)
        self.model_filter.clear()
        for text, data in entries:
            self.model_filter.addItem(text, data)
        self.model_filter.setCurrentIndex(max(0, self.model_filter.findData(wanted)))
        self.model_filter.blockSignals(False)
        self._fit_columns(models)

    def _sort_key(self) -> tuple[str, bool]:
        key, _sep, direction = (self.sort.currentData() or "date:desc").partition(":")
        return key, direction == "desc"

    def _sort_by_column(self, column: int) -> None:
        key = ("name", "", "date", "cost", "size")[column]
        if not key:
            return
        current_key, descending = self._sort_key()
        descending = not descending if key == current_key else key != "name"
        self.sort.setCurrentIndex(self.sort.findData(f"{key}:{'desc' if descending else 'asc'}"))

    # --- selection --------------------------------------------------------------------------------------

    def current_id(self) -> str:
        index = self.selection.currentIndex()
        return index.data(IdRole) if index.isValid() else ""

    def selected_ids(self) -> list[str]:
        rows = sorted({index.row() for index in self.selection.selectedIndexes()})
        return [item_id for item_id in map(self.model.id_at, rows) if item_id is not None]

    def select(self, item_id: str) -> None:
        """Make ``item_id`` current and the only selection (after the next reload if it is not listed yet)."""
        row = self.model.row_of(item_id)
        if row is None:
            self._want_current = item_id
            return
        self._want_current = ""
        index = self.model.index(row, 0)
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self._programmatic += 1
        try:
            self.selection.setCurrentIndex(index, flags)
        finally:
            self._programmatic -= 1
        self.current_view().scrollTo(index)

    def select_ids(self, item_ids: list[str]) -> None:
        """Add the listed items to the selection (those the filters hide are skipped)."""
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        for item_id in item_ids:
            row = self.model.row_of(item_id)
            if row is not None:
                self.selection.select(self.model.index(row, 0), flags)

    def _restore_selection(self, selected: set[str], current: str) -> None:
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        self.select_ids(list(selected))
        row = self.model.row_of(current) if current else None
        if row is not None:
            self._want_current = ""
            self.selection.setCurrentIndex(self.model.index(row, 0), QItemSelectionModel.SelectionFlag.NoUpdate
                                           if selected else flags)
        self.currentChanged.emit(self.current_id())

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        item_id = current.data(IdRole) if current.isValid() else ""
        self.currentChanged.emit(item_id)
        if item_id and not self._programmatic:
            self.picked.emit(item_id)

    def current_view(self) -> QAbstractItemView:
        return self.table if self.mode_button.isChecked() else self.grid

    def set_list_mode(self, on: bool) -> None:
        if self.mode_button.isChecked() != on:
            self.mode_button.setChecked(on)  # comes back here through toggled
            return
        self.mode_button.setText(self.tr("Grid") if on else self.tr("List"))
        self.views.setCurrentWidget(self.table if on else self.grid)

    # --- actions ----------------------------------------------------------------------------------------

    def _clicked(self, index: QModelIndex) -> None:
        if len(self.selected_ids()) == 1:  # a plain click opens; extending a selection does not
            self._activate(index)

    def _activate(self, index: QModelIndex) -> None:
        item_id = index.data(IdRole)
        if item_id:
            spawn(self._open(item_id), name="open library item")

    async def _open(self, item_id: str) -> None:
        item: LibraryItem | None = await blocking(self.library.get, item_id)
        if item is not None:
            self.itemActivated.emit(item)

    def _context_menu(self, view: QAbstractItemView, pos: QPoint) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        menu = QMenu(self)
        open_action = menu.addAction(self.tr("Open in preview"))
        open_action.setEnabled(len(ids) == 1)
        open_action.triggered.connect(lambda: self._activate(self.selection.currentIndex()))
        compare = menu.addAction(self.tr("Compare"))
        compare.setEnabled(len(ids) >= 2)
        compare.setToolTip(self.tr("Select two or more items to compare them"))
        compare.triggered.connect(lambda: self.compareRequested.emit(ids))
        export = menu.addAction(self.tr("Export…"))
        export.setEnabled(len(ids) == 1)
        export.triggered.connect(lambda: self.exportRequested.emit(ids[0]))
        menu.addSeparator()
        delete = QAction(self.tr("Delete %n item(s)", "", len(ids)), menu)
        delete.triggered.connect(lambda: self.deleteRequested.emit(ids))
        menu.addAction(delete)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._menu = menu  # tests read the actions
        menu.popup(view.viewport().mapToGlobal(pos))

    def keyPressEvent(self, event: Any) -> None:
        if event.matches(QKeySequence.StandardKey.Delete) and self.selected_ids():
            self.deleteRequested.emit(self.selected_ids())
            return
        super().keyPressEvent(event)

    def _show_empty(self, empty: bool, filtered: bool = False) -> None:
        if filtered:
            self.empty.setText(self.tr("Nothing in the library matches. Clear the search or the filters."))
        else:
            self.empty.setText(self.tr("Finished models are kept here. Generate one, or import a model file "
                                       "with Import…"))
        self.empty.setVisible(empty)
        self.views.setVisible(not empty)

"""The main window's panels and menus: where each part sits, kept apart from what the parts do."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QScrollArea, QSplitter, QTabWidget, QVBoxLayout, QWidget

from desktop_app.ui.spending_view import open_spending

if TYPE_CHECKING:
    from desktop_app.ui.main_window import MainWindow


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionHeading")
    return label


class Workspaces(QObject):
    """Two workspaces in one window: *Create* (images, model, settings, Generate) and *Library* (every result).

    The preview and the queue strip below it stay in place for both: a GL view must not be re-parented (its
    context would be rebuilt), and the model a user just made or picked should stay in sight while they switch.
    The side column is what changes: narrow for the Create form, wide for the Library grid. Each workspace keeps
    its own splitter sizes, so a user's drag is remembered per workspace (and across runs, see ``state``).
    """

    changed = Signal(int)
    CREATE, LIBRARY = 0, 1

    def __init__(self, tabs: QTabWidget, splitter: QSplitter, right: QSplitter) -> None:
        super().__init__(tabs)
        self.tabs = tabs
        self.splitter = splitter
        self.right = right
        self._sizes: dict[int, list[int]] = {}
        self._current = tabs.currentIndex()
        tabs.currentChanged.connect(self._on_changed)

    def show(self, index: int) -> None:
        self.tabs.setCurrentIndex(index)

    def current(self) -> int:
        return self.tabs.currentIndex()

    def _default_sizes(self, index: int) -> list[int]:
        total = max(self.splitter.width(), 800)
        side = int(total * (0.55 if index == self.LIBRARY else 0.30))
        side = max(side, 360)
        return [side, total - side]

    def _on_changed(self, index: int) -> None:
        self._sizes[self._current] = self.splitter.sizes()
        self._current = index
        self.splitter.setSizes(self._sizes.get(index) or self._default_sizes(index))
        self.changed.emit(index)

    def fit(self) -> None:
        """Sizes for the window's present width (called once the window has its size)."""
        if self._current not in self._sizes:
            self.splitter.setSizes(self._default_sizes(self._current))

    def state(self) -> dict[str, Any]:
        self._sizes[self._current] = self.splitter.sizes()
        return {"workspace": self._current, "sizes": {str(k): v for k, v in self._sizes.items()},
                "queue": self.right.sizes()}

    def restore(self, state: dict[str, Any]) -> None:
        try:
            sizes = {int(k): [int(x) for x in v] for k, v in dict(state.get("sizes", {})).items()}
            queue = [int(x) for x in state.get("queue", [])]
            workspace = int(state.get("workspace", self.CREATE))
        except (TypeError, ValueError, AttributeError):  # a hand-edited settings file: keep the defaults
            return
        self._sizes = {k: v for k, v in sizes.items() if len(v) == 2 and all(x > 0 for x in v)}
        if len(queue) == 2 and all(x >= 0 for x in queue):
            self.right.setSizes(queue)
        if workspace in (self.CREATE, self.LIBRARY):
            if workspace == self._current:
                self.splitter.setSizes(self._sizes.get(workspace) or self._default_sizes(workspace))
            else:
                self.show(workspace)


def _create_page(window: MainWindow) -> QWidget:
    page = QWidget()
    page.setObjectName("sidePanel")
    lay = QVBoxLayout(page)
    lay.addWidget(_heading(window.tr("1  Images")))
    lay.addWidget(window.drop_zone, 1)  # the form gets the room: it is what is read and edited
    lay.addWidget(window.queue_actions.batch_check)
    lay.addWidget(_heading(window.tr("2  Model")))
    lay.addWidget(window.model_combo)
    lay.addWidget(window.model_description)
    lay.addWidget(_heading(window.tr("3  Settings")))
    lay.addWidget(window.presets)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setWidget(window.form)
    lay.addWidget(scroll, 4)
    lay.addWidget(window.cost_label)
    lay.addWidget(window.generate_button)
    lay.addWidget(window.queue_actions.compare_button)
    lay.addWidget(window.generate_hint)
    return page


def _library_page(window: MainWindow) -> QWidget:
    page = QSplitter(Qt.Orientation.Vertical)
    page.setObjectName("libraryPanel")
    page.setChildrenCollapsible(False)
    page.addWidget(window.library_view)
    page.addWidget(window.library.details)
    page.setStretchFactor(0, 3)
    page.setStretchFactor(1, 2)
    page.setSizes([420, 280])  # the details (title, prompt, files, actions) need room to be read
    return page


def build_layout(window: MainWindow) -> Workspaces:
    """Side column with the two workspaces as tabs | preview over a compact queue strip."""
    tabs = QTabWidget()
    tabs.setObjectName("workspaceTabs")
    tabs.setDocumentMode(True)
    tabs.addTab(_create_page(window), window.tr("Create"))
    tabs.addTab(_library_page(window), window.tr("Library"))
    tabs.setTabToolTip(0, window.tr("Images, model and settings: make a new 3D model (Ctrl+1)"))
    tabs.setTabToolTip(1, window.tr("Every model you made or imported: search, open, export (Ctrl+2)"))
    tabs.setMinimumWidth(340)

    queue_box = QWidget()
    queue_box.setObjectName("queueStrip")
    ql = QVBoxLayout(queue_box)
    ql.setContentsMargins(6, 2, 6, 2)
    ql.addWidget(_heading(window.tr("Queue")))
    ql.addWidget(window.queue)
    right = QSplitter(Qt.Orientation.Vertical)
    right.addWidget(window.preview)
    right.addWidget(queue_box)
    right.setStretchFactor(0, 1)
    right.setStretchFactor(1, 0)
    right.setSizes([600, 170])  # a strip of about four jobs; drag it up for more
    right.setCollapsible(0, False)

    splitter = QSplitter(Qt.Orientation.Horizontal)
    splitter.setObjectName("mainSplitter")
    splitter.addWidget(tabs)
    splitter.addWidget(right)
    splitter.setStretchFactor(1, 1)
    splitter.setChildrenCollapsible(False)
    window.setCentralWidget(splitter)
    return Workspaces(tabs, splitter, right)


def build_menus(window: MainWindow) -> None:
    file_menu = window.menuBar().addMenu(window.tr("&File"))
    add = QAction(window.tr("&Add images…"), window, shortcut=QKeySequence.StandardKey.Open)
    add.triggered.connect(window.drop_zone.choose_files)
    open_model = QAction(window.tr("Open &model file…"), window, shortcut=QKeySequence("Ctrl+Shift+O"))
    open_model.triggered.connect(window.choose_model_file)
    paste = QAction(window.tr("&Paste image"), window, shortcut=QKeySequence.StandardKey.Paste)
    paste.triggered.connect(window.drop_zone.paste)
    quit_action = QAction(window.tr("&Quit"), window, shortcut=QKeySequence.StandardKey.Quit)
    quit_action.triggered.connect(window.close)
    for action in (add, open_model, paste):
        file_menu.addAction(action)
    window.library.add_menu_actions(file_menu)
    file_menu.addSeparator()
    file_menu.addAction(window.account.settings_action)
    file_menu.addSeparator()
    file_menu.addAction(quit_action)
    view_menu = window.menuBar().addMenu(window.tr("&View"))
    for index, (name, keys) in enumerate(((window.tr("&Create"), "Ctrl+1"), (window.tr("&Library"), "Ctrl+2"))):
        action = QAction(name, window, shortcut=QKeySequence(keys))
        action.triggered.connect(lambda _=False, i=index: window.workspaces.show(i))
        view_menu.addAction(action)
    spending = QAction(window.tr("&Spending…"), window)
    spending.triggered.connect(lambda: open_spending(window))
    view_menu.addAction(spending)
    help_menu = window.menuBar().addMenu(window.tr("&Help"))
    about = QAction(window.tr("&About Meshwright"), window)
    about.triggered.connect(window.about)
    help_menu.addAction(window.account.welcome_action)
    help_menu.addAction(window.account.log_action)
    help_menu.addAction(about)

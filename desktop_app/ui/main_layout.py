"""The shell's layout and menus: where each panel sits, kept apart from what the panels do."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QSplitter, QTabWidget, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from desktop_app.ui.generate.panel import GeneratePanel
    from desktop_app.ui.library.actions import LibraryActions
    from desktop_app.ui.preview.panel import PreviewPanel
    from desktop_app.ui.queue.panel import QueuePanel
    from desktop_app.ui.settings.panel import AccountWiring


class LazyPage(QWidget):
    """A workspace page whose content is made the first time it is needed, not at start-up.

    The Library workspace (grid, details, their actions) cost about a fifth of the time to the first window; it
    is built right after the window is on screen (MainWindow.start), or earlier when a tab switch, a menu item or
    a caller asks for it (``content``). The page itself stays in the tab bar, so tabs, sizes and tooltips are
    there from the first frame.
    """

    contentBuilt = Signal()  # the content is made and in the page

    def __init__(self, build: Callable[[], QWidget]) -> None:
        super().__init__()
        self._build: Callable[[], QWidget] | None = build
        self._content: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    def built(self) -> bool:
        return self._content is not None

    def content(self) -> QWidget:
        if self._content is None:
            assert self._build is not None
            build, self._build = self._build, None  # a build that asks for the page again must not recurse
            content = build()
            self.layout().addWidget(content)
            content.show()  # at once where the page is on screen; Qt would otherwise show it one event later
            self._content = content
            self.contentBuilt.emit()
        return self._content


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

    @property
    def library_page(self) -> LazyPage:
        return self.tabs.widget(self.LIBRARY)  # type: ignore[return-value]

    def current(self) -> int:
        return self.tabs.currentIndex()

    def _default_sizes(self, index: int) -> list[int]:
        total = max(self.splitter.width(), 800)
        side = int(total * (0.55 if index == self.LIBRARY else 0.30))
        side = max(side, 360)
        return [side, total - side]

    def _on_changed(self, index: int) -> None:
        page = self.tabs.widget(index)
        if isinstance(page, LazyPage):
            page.content()  # the first switch to a workspace not built yet builds it now
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


def build_layout(window: QMainWindow, generate: GeneratePanel, library: LazyPage, preview: PreviewPanel,
                 queue: QueuePanel) -> Workspaces:
    """Side column with the two workspaces as tabs | preview over a compact queue strip. ``library`` is built
    on first use (see LazyPage)."""
    tabs = QTabWidget()
    tabs.setObjectName("workspaceTabs")
    tabs.setDocumentMode(True)
    tabs.addTab(generate, window.tr("Create"))
    tabs.addTab(library, window.tr("Library"))
    tabs.setTabToolTip(0, window.tr("Images, model and settings: make a new 3D model (Ctrl+1)"))
    tabs.setTabToolTip(1, window.tr("Every model you made or imported: search, open, export (Ctrl+2)"))
    tabs.setMinimumWidth(340)

    right = QSplitter(Qt.Orientation.Vertical)
    right.addWidget(preview.widget)
    right.addWidget(queue)
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


def build_menus(window: QMainWindow, workspaces: Workspaces, generate: GeneratePanel,
                library: Callable[[], LibraryActions], preview: PreviewPanel,
                account: AccountWiring) -> tuple[QAction, ...]:
    """``library`` hands the library's actions, building the Library workspace first if it is not built yet:
    its menu items and shortcuts work from the first frame. Returns the library's menu actions."""
    file_menu = window.menuBar().addMenu(window.tr("&File"))
    add = QAction(window.tr("&Add images…"), window, shortcut=QKeySequence.StandardKey.Open)
    add.triggered.connect(generate.drop_zone.choose_files)
    open_model = QAction(window.tr("Open &model file…"), window, shortcut=QKeySequence("Ctrl+Shift+O"))
    open_model.triggered.connect(lambda: preview.choose_model_file(window))
    paste = QAction(window.tr("&Paste image"), window, shortcut=QKeySequence.StandardKey.Paste)
    paste.triggered.connect(generate.drop_zone.paste)
    quit_action = QAction(window.tr("&Quit"), window, shortcut=QKeySequence.StandardKey.Quit)
    quit_action.triggered.connect(window.close)
    for action in (add, open_model, paste):
        file_menu.addAction(action)
    library_actions = library_menu_actions(window, file_menu, library)
    file_menu.addSeparator()
    file_menu.addAction(account.settings_action)
    file_menu.addSeparator()
    file_menu.addAction(quit_action)
    view_menu = window.menuBar().addMenu(window.tr("&View"))
    for index, (name, keys) in enumerate(((window.tr("&Create"), "Ctrl+1"), (window.tr("&Library"), "Ctrl+2"))):
        action = QAction(name, window, shortcut=QKeySequence(keys))
        action.triggered.connect(lambda _=False, i=index: workspaces.show(i))
        view_menu.addAction(action)
    spending = QAction(window.tr("&Spending…"), window)
    spending.triggered.connect(lambda: _open_spending(window))
    view_menu.addAction(spending)
    help_menu = window.menuBar().addMenu(window.tr("&Help"))
    about = QAction(window.tr("&About Meshwright"), window)
    about.triggered.connect(lambda: _show_about(window))
    help_menu.addAction(account.welcome_action)
    help_menu.addAction(account.log_action)
    help_menu.addAction(about)
    return library_actions


def _open_spending(window: QMainWindow) -> None:
    from desktop_app.ui.spending_view import open_spending  # its table and charts: not needed at start-up

    open_spending(window)


def library_menu_actions(window: QMainWindow, menu: Any, library: Callable[[], LibraryActions]) -> tuple[QAction, ...]:
    """File › Import, Export and Library trash. They live on the window (the Library workspace may not be built
    yet) and reach the library's actions through ``library``."""
    import_action = QAction(window.tr("&Import model into library…"), window, shortcut=QKeySequence("Ctrl+I"))
    import_action.triggered.connect(lambda: library().choose_import())
    export_action = QAction(window.tr("&Export model…"), window, shortcut=QKeySequence("Ctrl+E"))
    export_action.triggered.connect(lambda: library().export_current())
    trash_action = QAction(window.tr("Library &trash…"), window)
    trash_action.setToolTip(window.tr("Restore deleted items, or delete them permanently"))
    trash_action.triggered.connect(lambda: library().show_trash())
    for action in (import_action, export_action, trash_action):
        menu.addAction(action)
    return import_action, export_action, trash_action


def _show_about(window: QMainWindow) -> None:
    from desktop_app.ui.about import show_about  # imported when asked for: not needed for the first frame

    show_about(window)

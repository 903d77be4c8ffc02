"""The main window's panels and menus: where each part sits, kept apart from what the parts do."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QScrollArea, QSplitter, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from desktop_app.ui.main_window import MainWindow


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionHeading")
    return label


def build_layout(window: MainWindow) -> None:
    left = QWidget()
    left.setObjectName("sidePanel")
    lay = QVBoxLayout(left)
    lay.addWidget(_heading(window.tr("1  Images")))
    lay.addWidget(window.drop_zone, 2)
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
    lay.addWidget(scroll, 3)
    lay.addWidget(window.cost_label)
    lay.addWidget(window.generate_button)
    lay.addWidget(window.queue_actions.compare_button)
    lay.addWidget(window.generate_hint)
    left.setMinimumWidth(320)

    right = QSplitter(Qt.Orientation.Vertical)
    queue_box = QWidget()
    ql = QVBoxLayout(queue_box)
    ql.setContentsMargins(6, 6, 6, 6)
    ql.addWidget(_heading(window.tr("Queue")))
    ql.addWidget(window.queue)
    library_box = QWidget()
    ll = QVBoxLayout(library_box)
    ll.setContentsMargins(6, 6, 6, 6)
    ll.addWidget(_heading(window.tr("Library")))
    ll.addWidget(window.library_view)
    right.addWidget(queue_box)
    right.addWidget(library_box)
    right.addWidget(window.library.details)
    right.setSizes([240, 420, 300])
    right.setMinimumWidth(300)

    splitter = QSplitter(Qt.Orientation.Horizontal)
    splitter.addWidget(left)
    splitter.addWidget(window.preview)
    splitter.addWidget(right)
    splitter.setStretchFactor(1, 1)
    splitter.setSizes([340, 700, 400])
    splitter.setChildrenCollapsible(False)
    window.setCentralWidget(splitter)


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
    help_menu = window.menuBar().addMenu(window.tr("&Help"))
    about = QAction(window.tr("&About Meshwright"), window)
    about.triggered.connect(window.about)
    help_menu.addAction(window.account.welcome_action)
    help_menu.addAction(window.account.log_action)
    help_menu.addAction(about)

"""The About box: name, version, what the app is built on and under which licences."""

from __future__ import annotations

import platform

from PySide6.QtCore import QCoreApplication, Qt, qVersion
from PySide6.QtWidgets import QMessageBox, QWidget

import desktop_app
from desktop_app import APP_NAME
from desktop_app.ui.app_icon import app_icon

# (component, licence) for everything shipped inside the installers; the Qt entry matters most (LGPL).
THIRD_PARTY = (
    ("Qt", "LGPL-3.0"),
    ("PySide6 / Shiboken6", "LGPL-3.0"),
    ("pyqtgraph", "MIT"),
    ("PyOpenGL", "BSD"),
    ("trimesh", "MIT"),
    ("NumPy, SciPy", "BSD-3-Clause"),
    ("Pillow", "MIT-CMU"),
    ("httpx, qasync", "BSD"),
    ("keyring, platformdirs", "MIT"),
    ("Python", "PSF-2.0"),
)


def _tr(text: str) -> str:
    return QCoreApplication.translate("AboutBox", text)


def about_text() -> tuple[str, str]:
    """(headline, details) as rich text."""
    headline = (_tr("<h3>%1 %2</h3><p>Turn photos and drawings into 3D models, look at them at once, "
                    "and keep every result in a local library.</p>")
                .replace("%1", APP_NAME).replace("%2", desktop_app.__version__))
    import PySide6

    rows = "".join(f"<tr><td>{name}</td><td>&nbsp;{licence}</td></tr>" for name, licence in THIRD_PARTY)
    details = (_tr("<p>Meshwright is free software under the MIT licence.</p>"
                   "<p>Built with Qt %1 through PySide6 %2 on Python %3. Qt and PySide6 are used under the "
                   "GNU LGPL version 3: they ship as separate libraries you may replace, and their source is at "
                   "<a href='https://download.qt.io/official_releases/'>download.qt.io</a>.</p>")
               .replace("%1", qVersion()).replace("%2", PySide6.__version__)
               .replace("%3", platform.python_version()))
    details += _tr("<p>Also inside:</p>") + f"<table>{rows}</table>"
    return headline, details


def show_about(parent: QWidget) -> QMessageBox:
    headline, details = about_text()
    box = QMessageBox(parent)
    box.setWindowTitle(_tr("About %1").replace("%1", APP_NAME))
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(headline)
    box.setInformativeText(details)
    box.setIconPixmap(app_icon().pixmap(96, 96))
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setAccessibleName(_tr("About %1").replace("%1", APP_NAME))
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box

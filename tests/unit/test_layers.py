"""The Qt-free layers stay Qt-free: the CLI, core and providers must work where no display or Qt exists."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "desktop_app"
QT_FREE = ["core", "providers"]


@pytest.mark.parametrize("package", QT_FREE)
def test_no_qt_import_in_source(package):
    offenders = []
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in ("PySide6", "qasync", "pyqtgraph")]
    assert offenders == []


def test_cli_and_core_import_without_loading_qt():
    code = (
        "import sys, desktop_app.cli, desktop_app.services, desktop_app.core.scheduler, desktop_app.core.meshes;"
        "import desktop_app.providers.local, desktop_app.providers.hyper3d, desktop_app.providers.scenario;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'qasync', 'pyqtgraph')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr

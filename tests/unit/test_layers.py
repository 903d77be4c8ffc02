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
        "import sys, desktop_app.cli, desktop_app.services, desktop_app.core.jobs.scheduler;"
        "import desktop_app.core.mesh.load;"
        "import desktop_app.providers.local, desktop_app.providers.hyper3d, desktop_app.providers.scenario;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'qasync', 'pyqtgraph')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def _imports(path: Path) -> list[str]:
    """Every module ``path`` imports, also under ``if TYPE_CHECKING`` (a type is a dependency too)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    return names


SHELL = {"ui/main_window.py"}
PANELS = ("generate", "queue", "library")  # ui/<panel>/: each receives the services and the bus


def test_only_the_shell_imports_the_main_window():
    offenders = [str(path.relative_to(ROOT)) for path in (ROOT / "ui").rglob("*.py")
                 if str(path.relative_to(ROOT)) not in SHELL
                 and any(n.startswith("desktop_app.ui.main_window") for n in _imports(path))]
    assert offenders == [], "panels receive services and the bus, never the main window"


@pytest.mark.parametrize("panel", [*PANELS, "preview"])  # the preview's widgets are shared; its panel too
def test_panels_do_not_import_each_other(panel):
    others = [f"desktop_app.ui.{p}." for p in PANELS if p != panel]
    offenders = [f"{path.name}: {name}" for path in (ROOT / "ui" / panel).rglob("*.py")
                 for name in _imports(path) if any(name.startswith(o) for o in others)]
    assert offenders == [], "panels talk over the bus (ui/bus.py); the shell carries what needs two of them"


def test_core_imports_no_provider():
    offenders = [f"{path.name}: {name}" for path in (ROOT / "core").rglob("*.py") for name in _imports(path)
                 if name.startswith("desktop_app.providers")]
    assert offenders == [], "core uses desktop_app.core.ports; providers are listed in providers/catalog.py"


def test_at_most_two_ui_modules_reach_the_provider_list_and_none_a_provider():
    """The UI learns about services from their descriptions (one list), never from a provider module."""
    reach = {str(path.relative_to(ROOT)): [n for n in _imports(path) if n.startswith("desktop_app.providers")]
             for path in (ROOT / "ui").rglob("*.py")}
    reach = {module: names for module, names in reach.items() if names}
    assert len(reach) <= 2, reach
    concrete = [n for names in reach.values() for n in names
                if n not in ("desktop_app.providers", "desktop_app.providers.catalog")]
    assert concrete == [], concrete


# Background work in the UI goes through ui/tasks.py (Op, blocking, spawn). The named exceptions own a thread
# for a reason: the GL render thread holds a GL context, the library search's SQLite reader holds a connection.
THREAD_EXCEPTIONS = {"tasks.py", "preview/offscreen.py", "library/view.py"}
THREAD_PATTERNS = ("asyncio.to_thread", "ThreadPoolExecutor", "run_in_executor", "threading.Thread(")


def test_ui_background_work_goes_through_the_task_primitive():
    ui = ROOT / "ui"
    offenders = []
    for path in sorted(ui.rglob("*.py")):
        name = path.relative_to(ui).as_posix()
        if name in THREAD_EXCEPTIONS:
            continue
        text = path.read_text(encoding="utf-8")
        offenders += [f"{name}: {p}" for p in THREAD_PATTERNS if p in text]
    assert not offenders, offenders

"""What the window's start imports: the heavy stacks (mesh, GL, numpy) must wait until after it is shown.

Checked in a fresh interpreter, since this test process has imported everything already. The timing itself is
benchmarks/startup.py; this only guards the imports that made the start 11x a bare window."""

from __future__ import annotations

from tests.fresh_python import run_python

# httpx: ~45 ms; the providers' clients are made on first use, so the module can wait for the first request too
HEAVY = ("trimesh", "scipy", "pyqtgraph", "OpenGL", "numpy", "httpx")

PROBE = """
import sys
import desktop_app.app, desktop_app.services, desktop_app.ui.main_window, desktop_app.ui.preview
import desktop_app.providers.hyper3d, desktop_app.providers.scenario, desktop_app.providers.local  # build_services
from desktop_app.ui.preview import PreviewWidget
print(" ".join(sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[1:]))))
"""


def test_window_modules_do_not_import_the_heavy_stacks() -> None:
    assert run_python(PROBE, *HEAVY).split() == []


def test_the_gl_modules_still_import() -> None:
    """The lazy names still resolve (a typo in the package's table would only show when a model opens)."""
    from desktop_app.ui import preview

    assert preview.MeshLoader.__name__ == "MeshLoader"
    assert callable(preview.render_thumbnail) and callable(preview.render_thumbnail_png)

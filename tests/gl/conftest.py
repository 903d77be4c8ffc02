"""GL tests need a real X display with GLX (Xvfb + Mesa llvmpipe); the offscreen QPA cannot host
QOpenGLWidget. Without one they are skipped, not failed, so `pytest tests/unit` works anywhere."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.emulators.common import make_glb


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    display = os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM", "xcb") == "xcb"
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.gl)
            if not display:
                item.add_marker(pytest.mark.skip(reason="needs an X display with GLX (run under xvfb-run)"))


@pytest.fixture(scope="session", autouse=True)
def _release_thumbnail_context() -> Iterator[None]:
    yield
    # drop the cached offscreen context while the QApplication still exists
    from desktop_app.ui.preview.offscreen import release_thumbnail_renderer

    release_thumbnail_renderer()


@pytest.fixture
def textured_glb(tmp_path: Path) -> Path:
    path = tmp_path / "textured.glb"
    path.write_bytes(make_glb(texture_size=64, subdivisions=3))
    return path


def image_array(image) -> np.ndarray:
    """QImage -> (H, W, 4) uint8 RGBA copy."""
    from PySide6.QtGui import QImage

    img = image.convertToFormat(QImage.Format.Format_RGBA8888)
    ptr = img.constBits()
    arr = np.frombuffer(ptr, dtype=np.uint8, count=img.sizeInBytes()).reshape(img.height(),
                                                                               img.bytesPerLine() // 4, 4)
    return arr[:, : img.width()].copy()


def colour_counts(arr: np.ndarray, background: tuple[int, int, int] | None = None) -> dict[str, int]:
    rgb = arr[..., :3].astype(int)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    counts = {
        "red": int(((r > 140) & (g < 90) & (b < 90)).sum()),
        "green": int(((g > 120) & (r < 100) & (b < 100)).sum()),
        "dark": int((rgb.max(axis=-1) < 30).sum()),
        "saturated": int(((rgb.max(axis=-1) - rgb.min(axis=-1)) > 60).sum()),
    }
    if background is not None:
        counts["foreground"] = int((np.abs(rgb - np.array(background)).max(axis=-1) > 12).sum())
    return counts


@pytest.fixture
def preview(qtbot) -> Iterator:
    """A shown 480x400 preview; spin and the loader thread stop afterwards, so nothing outlives the test."""
    from desktop_app.ui.preview.viewer import PreviewWidget

    widget = PreviewWidget()
    qtbot.addWidget(widget)
    widget.resize(480, 400)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.set_spin(False)
    widget.shutdown()

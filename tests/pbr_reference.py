"""The PBR reference sheet: the sample-style assets of tests/pbr_assets.py rendered through the app's own offscreen
renderer (the path of thumbnails and `render`), labelled, on one image.

``python -m tests.pbr_reference docs/screenshots/12-pbr-reference.png`` (under a display) writes the sheet that
is committed and was checked by eye; tests/gl/test_pbr_reference.py renders it again and compares.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

TILE = (320, 240)
CAPTION = 22
COLUMNS = 4


def tiles() -> list[tuple[str, bytes, dict]]:
    """(caption, GLB bytes, render settings) per tile."""
    from tests import pbr_assets as assets

    return [
        ("metal 1 / rough 0.15", assets.sphere_glb(1.0, 0.15), {}),
        ("metal 0 / rough 1", assets.sphere_glb(0.0, 1.0), {}),
        ("roughness 0→1: dielectric, metal", assets.metal_rough_grid_glb(), {"view": "front"}),
        ("same, outdoor light as background", assets.metal_rough_grid_glb(),
         {"view": "front", "environment": "outdoor", "background": True}),
        ("normal map (domes)", assets.normal_map_plane_glb(True), {"view": "front"}),
        ("same plane, no normal map", assets.normal_map_plane_glb(False), {"view": "front"}),
        ("emission (green bands)", assets.emissive_glb(), {}),
        ("alpha mask (round holes)", assets.alpha_mask_glb(), {"view": "front"}),
    ]


def render_sheet():  # -> QImage
    """The sheet as a QImage (a QGuiApplication must exist)."""
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QColor, QFont, QImage, QPainter

    from desktop_app.core.mesh.load import load_scene_arrays
    from desktop_app.ui.preview.offscreen import RenderOptions, render_image
    from desktop_app.ui.preview.shading import Shading

    entries = tiles()
    rows = -(-len(entries) // COLUMNS)
    sheet = QImage(TILE[0] * COLUMNS, (TILE[1] + CAPTION) * rows, QImage.Format.Format_RGB32)
    sheet.fill(QColor(30, 31, 34))
    painter = QPainter(sheet)
    try:
        font = QFont(painter.font())
        font.setPixelSize(13)
        painter.setFont(font)
        painter.setPen(QColor(220, 220, 220))
        with tempfile.TemporaryDirectory() as folder:
            for i, (caption, data, settings) in enumerate(entries):
                path = Path(folder) / f"tile{i}.glb"
                path.write_bytes(data)
                settings = dict(settings)
                view = settings.pop("view", "iso")
                # "high" everywhere, so the sheet does not depend on which GL draws it
                options = RenderOptions(view=view, background=QColor(42, 44, 48),
                                        shading=Shading(quality="high", **settings))
                image = render_image(load_scene_arrays(path), TILE[0], TILE[1], options)
                x, y = (i % COLUMNS) * TILE[0], (i // COLUMNS) * (TILE[1] + CAPTION)
                painter.drawImage(x, y, image)
                painter.drawText(QRect(x, y + TILE[1], TILE[0], CAPTION), int(Qt.AlignmentFlag.AlignCenter), caption)
    finally:
        painter.end()
    return sheet


def main(argv: list[str]) -> int:
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtGui import QGuiApplication

    from desktop_app.ui.preview.offscreen import release_thumbnail_renderer

    out = Path(argv[0]) if argv else Path("docs/screenshots/12-pbr-reference.png")
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    try:
        if not render_sheet().save(str(out), "PNG"):
            print(f"error: could not write {out}", file=sys.stderr)
            return 1
    finally:
        release_thumbnail_renderer()
        del app
    print(f"Wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

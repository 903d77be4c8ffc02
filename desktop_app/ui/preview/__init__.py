"""3D preview: the GL viewer widget, the background mesh loader and offscreen thumbnails."""

from desktop_app.ui.preview.loader import MeshLoader
from desktop_app.ui.preview.offscreen import render_thumbnail, render_thumbnail_png
from desktop_app.ui.preview.viewer import PreviewWidget

__all__ = ["MeshLoader", "PreviewWidget", "render_thumbnail", "render_thumbnail_png"]

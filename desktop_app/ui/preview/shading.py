"""How the preview shades a model, as one value shared by the preview, thumbnails, `render` and compare.

Everything besides the camera that changes the picture lives here, so two renders with equal ``Shading`` (and
camera) are drawn identically wherever they happen, and the progressive frame cache can key on it. Plain Python:
the window imports it at start, before numpy and GL are loaded.
"""

from __future__ import annotations

from dataclasses import dataclass

# the environments ibl.py generates (named here, so the widgets need not import numpy before a model opens)
ENVIRONMENTS = ("studio", "outdoor")
DEFAULT_ENVIRONMENT = "studio"
MODES = ("lit", "clay", "normals", "texture")  # full PBR; shape only; shading normals as colours; base colour
QUALITIES = ("auto", "high", "fast")
SOFTWARE_RENDERERS = ("llvmpipe", "softpipe", "swiftshader", "software rasterizer", "gdi generic", "swrast")
EXPOSURE_RANGE = (-3.0, 3.0)  # EV stops either side of the default
BACKGROUND = (42, 44, 48)  # the preview's flat backdrop (viewer.py re-exports it; the render command uses it)


@dataclass(frozen=True)
class Shading:
    mode: str = "lit"
    wireframe: bool = False
    environment: str = DEFAULT_ENVIRONMENT
    rotation: float = 0.0  # degrees the environment is turned about the up axis
    background: bool = False  # show the environment behind the model instead of the flat colour
    exposure: float = 0.0  # EV: the picture is scaled by 2**exposure before tone mapping
    quality: str = "auto"
    shadow: bool = True  # the soft contact shadow under the model

    def normalized(self) -> Shading:
        """The same with every field inside its range (settings files and command lines are untrusted)."""
        lo, hi = EXPOSURE_RANGE
        return Shading(
            mode=self.mode if self.mode in MODES else "lit",
            wireframe=bool(self.wireframe),
            environment=self.environment if self.environment in ENVIRONMENTS else DEFAULT_ENVIRONMENT,
            rotation=float(self.rotation) % 360.0,
            background=bool(self.background),
            exposure=min(max(float(self.exposure), lo), hi),
            quality=self.quality if self.quality in QUALITIES else "auto",
            shadow=bool(self.shadow),
        )


def is_software(renderer: str) -> bool:
    """True for a CPU rasteriser (Mesa llvmpipe, Windows' GDI fallback, SwiftShader...)."""
    name = renderer.lower()
    return any(s in name for s in SOFTWARE_RENDERERS)


def effective_quality(quality: str, renderer: str) -> str:
    """"high" or "fast": "auto" picks the cheaper path on software GL, where every texture read costs."""
    if quality in ("high", "fast"):
        return quality
    return "fast" if is_software(renderer) else "high"

"""The flat arrays a model is turned into for the preview: parts, their facts, and the whole scene.

Plain data shared by the loader (core/meshes.py), the motion proxy and the GL upload; no behaviour here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

CLAY_COLOR = (0.72, 0.72, 0.70, 1.0)


@dataclass
class MeshPart:
    """One drawable piece: a single material. Colours in ``colors`` are sRGB; ``base_color`` is linear."""

    positions: np.ndarray  # (N, 3) float32, world space (node transforms applied)
    normals: np.ndarray  # (N, 3) float32, unit length
    uvs: np.ndarray | None  # (N, 2) float32, OpenGL convention (v=0 at the image's bottom row)
    colors: np.ndarray | None  # (N, 4) float32 0..1
    indices: np.ndarray  # (M, 3) uint32
    texture: np.ndarray | None  # (H, W, 4) uint8, row 0 = top of the image (as stored in files)
    base_color: tuple[float, float, float, float] = CLAY_COLOR


@dataclass
class MeshStats:
    triangles: int
    vertices: int
    parts: int
    textures: list[tuple[int, int]]  # original (width, height) of each distinct base-colour texture
    bounds: np.ndarray  # (2, 3) min and max corner
    size: tuple[float, float, float]
    watertight: bool | None  # None when not checked (too big)
    file_bytes: int


@dataclass
class SceneArrays:
    parts: list[MeshPart]
    stats: MeshStats
    center: np.ndarray  # (3,) bounding-sphere centre, used to fit the camera
    radius: float
    up: str = "y"  # glTF/OBJ are Y-up; STL is usually Z-up (3D printing)
    source: str = field(default="", compare=False)
    proxy: SceneArrays | None = field(default=None, compare=False, repr=False)  # core/mesh_proxy.py

"""The flat arrays a model is turned into for the preview: parts, their facts, and the whole scene.

Plain data shared by the loader (core/mesh/load.py), the motion proxy and the GL upload; no behaviour here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

CLAY_COLOR = (0.72, 0.72, 0.70, 1.0)


@dataclass
class MeshPart:
    """One drawable piece: a single material. Colours in ``colors`` are sRGB; ``base_color`` is linear.

    The material fields follow glTF 2.0's metallic-roughness model; core/mesh/material.py fills them all (from
    trimesh's PBRMaterial or an OBJ material) in ``apply_material``, so every loader shares one reading. The
    defaults describe a plain dielectric, what a file without materials (STL, PLY) is shown as. Every texture is
    (H, W, 4) uint8 with row 0 = top of the image (as stored in files), sampled with ``uvs``; parts sharing an
    image share the array (the upload then shares one GPU texture).
    """

    positions: np.ndarray  # (N, 3) float32, world space (node transforms applied)
    normals: np.ndarray  # (N, 3) float32, unit length
    uvs: np.ndarray | None  # (N, 2) float32, OpenGL convention (v=0 at the image's bottom row)
    colors: np.ndarray | None  # (N, 4) float32 0..1
    indices: np.ndarray  # (M, 3) uint32
    texture: np.ndarray | None  # base colour (sRGB)
    base_color: tuple[float, float, float, float] = CLAY_COLOR
    metallic: float = 0.0
    roughness: float = 0.6
    metallic_roughness_texture: np.ndarray | None = None  # linear; G = roughness, B = metallic (glTF)
    normal_texture: np.ndarray | None = None  # linear, tangent space, +Y up (glTF)
    normal_scale: float = 1.0
    occlusion_texture: np.ndarray | None = None  # linear; R = ambient occlusion
    occlusion_strength: float = 1.0
    emissive_texture: np.ndarray | None = None  # sRGB
    emissive_factor: tuple[float, float, float] = (0.0, 0.0, 0.0)  # linear
    alpha_mode: str = "OPAQUE"  # "OPAQUE", "MASK" or "BLEND"
    alpha_cutoff: float = 0.5
    double_sided: bool = True  # False: back faces are not drawn (glTF's default for its materials)
    tangents: np.ndarray | None = None  # (N, 4) float32: xyz tangent, w = bitangent sign; with normal_texture
    has_material: bool = False  # the file described a material (False: STL/PLY or a glTF primitive without)

    def material_channels(self) -> list[str]:
        """Names of the material inputs this part has beyond a flat colour (facts panel, tests)."""
        channels = []
        if self.texture is not None:
            channels.append("base colour")
        if self.metallic_roughness_texture is not None:
            channels.append("metallic-roughness")
        if self.normal_texture is not None:
            channels.append("normal")
        if self.occlusion_texture is not None:
            channels.append("occlusion")
        if self.emissive_texture is not None or max(self.emissive_factor) > 0.0:
            channels.append("emission")
        if self.alpha_mode != "OPAQUE":
            channels.append("alpha " + self.alpha_mode.lower())
        if self.colors is not None:
            channels.append("vertex colours")
        return channels


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
    proxy: SceneArrays | None = field(default=None, compare=False, repr=False)  # core/mesh/proxy.py
    # what the preview's loader worker prepares for the GPU so the GUI thread only copies it (e.g. mip levels:
    # ui/preview/mipmaps.py); keys are that module's. Empty everywhere else.
    prepared: dict = field(default_factory=dict, compare=False, repr=False)

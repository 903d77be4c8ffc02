"""glTF sample-style PBR test assets, built in the tests (no files shipped): written as real GLBs by trimesh.

- ``sphere_glb``: one sphere with given metallic / roughness factors;
- ``metal_rough_grid_glb``: two rows of spheres, dielectric above and metal below, roughness 0 -> 1 left to right
  (after Khronos' MetalRoughSpheres);
- ``normal_map_plane_glb``: a flat square whose normal map holds a grid of domes (after NormalTangentTest);
- ``emissive_glb``: a dark sphere with a glowing stripe texture;
- ``alpha_mask_glb``: a double-sided square whose base colour alpha cuts round holes (after AlphaBlendModeTest).
"""

from __future__ import annotations

import numpy as np
import trimesh
from PIL import Image
from trimesh.visual.material import PBRMaterial


def _glb(*meshes: trimesh.Trimesh) -> bytes:
    return trimesh.Scene(list(meshes)).export(file_type="glb")


def _sphere(radius: float = 1.0, count: int = 48, offset: tuple[float, float, float] = (0, 0, 0)) -> trimesh.Trimesh:
    """A latitude-longitude sphere (Y up, as glTF) whose seam column is doubled, so UVs never wrap inside a
    triangle (a wrapped triangle samples the whole texture at its tiniest mip level: a visible line)."""
    rows, cols = count // 2, count
    lat = np.linspace(0.0, np.pi, rows + 1)[:, None]  # from the north pole
    lon = np.linspace(0.0, 2.0 * np.pi, cols + 1)[None, :]
    x = np.sin(lat) * np.sin(lon)
    y = np.cos(lat) * np.ones_like(lon)
    z = np.sin(lat) * np.cos(lon)
    verts = np.stack([x, y, z], axis=-1).reshape(-1, 3) * radius + np.asarray(offset, dtype=np.float64)
    uu, vv = np.meshgrid(np.linspace(0.0, 1.0, cols + 1), np.linspace(1.0, 0.0, rows + 1))
    uv = np.column_stack([uu.ravel(), vv.ravel()])
    faces = []
    for j in range(rows):
        for i in range(cols):
            a, b = j * (cols + 1) + i, (j + 1) * (cols + 1) + i
            faces += [(a, b, b + 1), (a, b + 1, a + 1)]
    normals = np.stack([x, y, z], axis=-1).reshape(-1, 3)  # exact, and equal on both copies of the seam
    mesh = trimesh.Trimesh(verts, np.array(faces), vertex_normals=normals, process=False)
    mesh.visual = trimesh.visual.TextureVisuals(uv=uv)
    return mesh


def _with(mesh: trimesh.Trimesh, material: PBRMaterial) -> trimesh.Trimesh:
    mesh.visual = trimesh.visual.TextureVisuals(uv=mesh.visual.uv, material=material)
    return mesh


def sphere_glb(metallic: float, roughness: float, color: tuple[float, float, float] = (0.9, 0.55, 0.25)) -> bytes:
    material = PBRMaterial(baseColorFactor=(*color, 1.0), metallicFactor=float(metallic),
                           roughnessFactor=float(roughness))
    return _glb(_with(_sphere(), material))


def metal_rough_grid_glb(columns: int = 5) -> bytes:
    spheres = []
    for row, metallic in enumerate((0.0, 1.0)):
        for col in range(columns):
            roughness = col / (columns - 1)
            material = PBRMaterial(baseColorFactor=(0.95, 0.64, 0.54, 1.0) if metallic else (0.8, 0.1, 0.1, 1.0),
                                   metallicFactor=metallic, roughnessFactor=max(roughness, 0.05))
            # glTF is Y-up: rows stack along Y, columns along X
            spheres.append(_with(_sphere(0.45, 32, (col - (columns - 1) / 2, 0.6 - 1.2 * row, 0.0)), material))
    return _glb(*spheres)


def dome_normal_map(size: int = 256, cells: int = 4) -> np.ndarray:
    """(size, size, 3) uint8 tangent-space normals of ``cells``² hemispherical domes (+Y = up in the image)."""
    y, x = np.mgrid[0:size, 0:size].astype(np.float64) + 0.5
    u = (x / size * cells) % 1.0 * 2.0 - 1.0  # -1..1 within each cell, +u to the right
    v = -((y / size * cells) % 1.0 * 2.0 - 1.0)  # +v up in the image (row 0 is the top)
    r2 = u * u + v * v
    inside = r2 < 0.8
    nz = np.sqrt(np.clip(1.0 - r2, 0.0, None))
    n = np.stack([np.where(inside, u, 0.0), np.where(inside, v, 0.0), np.where(inside, nz, 1.0)], axis=-1)
    n /= np.linalg.norm(n, axis=-1, keepdims=True)
    return np.round((n * 0.5 + 0.5) * 255).astype(np.uint8)


def _plane(size: float = 2.0, grid: int = 8) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A square in the XY plane facing +Z (glTF's front), UV (0,0) at the lower left."""
    t = np.linspace(0.0, 1.0, grid + 1)
    uu, vv = np.meshgrid(t, t)
    verts = np.column_stack([(uu.ravel() - 0.5) * size, (vv.ravel() - 0.5) * size, np.zeros(uu.size)])
    uv = np.column_stack([uu.ravel(), vv.ravel()])
    faces = []
    for j in range(grid):
        for i in range(grid):
            a = j * (grid + 1) + i
            faces += [(a, a + 1, a + grid + 2), (a, a + grid + 2, a + grid + 1)]
    return verts, np.array(faces), uv


def normal_map_plane_glb(with_map: bool = True) -> bytes:
    verts, faces, uv = _plane()
    material = PBRMaterial(baseColorFactor=(0.75, 0.75, 0.78, 1.0), metallicFactor=0.0, roughnessFactor=0.45,
                           normalTexture=Image.fromarray(dome_normal_map(), "RGB") if with_map else None)
    mesh = trimesh.Trimesh(verts, faces, process=False)
    mesh.visual = trimesh.visual.TextureVisuals(uv=uv, material=material)
    return _glb(mesh)


def emissive_glb() -> bytes:
    stripes = np.zeros((64, 64, 3), dtype=np.uint8)
    stripes[::16] = stripes[1::16] = stripes[2::16] = stripes[3::16] = (40, 255, 90)  # green bands
    material = PBRMaterial(baseColorFactor=(0.05, 0.05, 0.05, 1.0), metallicFactor=0.0, roughnessFactor=0.8,
                           emissiveTexture=Image.fromarray(stripes, "RGB"), emissiveFactor=(1.0, 1.0, 1.0))
    return _glb(_with(_sphere(), material))


def alpha_mask_glb(mode: str = "MASK") -> bytes:
    verts, faces, uv = _plane()
    y, x = np.mgrid[0:128, 0:128].astype(np.float64) + 0.5
    cx, cy = (x % 32) - 16, (y % 32) - 16
    alpha = np.where(cx * cx + cy * cy < 100, 0, 255).astype(np.uint8)  # round holes on a 4x4 grid
    rgba = np.dstack([np.full_like(alpha, 40), np.full_like(alpha, 120), np.full_like(alpha, 230), alpha])
    material = PBRMaterial(baseColorTexture=Image.fromarray(rgba, "RGBA"), metallicFactor=0.0,
                           roughnessFactor=0.6, alphaMode=mode, alphaCutoff=0.5, doubleSided=True)
    mesh = trimesh.Trimesh(verts, faces, process=False)
    mesh.visual = trimesh.visual.TextureVisuals(uv=uv, material=material)
    return _glb(mesh)


def full_pbr_glb() -> bytes:
    """One square with every channel: base colour, metallic-roughness, normal, occlusion, emission."""
    verts, faces, uv = _plane()
    gray = np.full((16, 16, 3), 128, dtype=np.uint8)
    mr = np.zeros((16, 16, 3), dtype=np.uint8)
    mr[..., 1], mr[..., 2] = 200, 50  # G = roughness, B = metallic
    material = PBRMaterial(baseColorTexture=Image.fromarray(gray, "RGB"), baseColorFactor=(1.0, 0.5, 0.5, 1.0),
                           metallicFactor=0.5, roughnessFactor=0.25,
                           metallicRoughnessTexture=Image.fromarray(mr, "RGB"),
                           normalTexture=Image.fromarray(dome_normal_map(32, 2), "RGB"),
                           occlusionTexture=Image.fromarray(gray, "RGB"),
                           emissiveTexture=Image.fromarray(gray, "RGB"), emissiveFactor=(0.2, 0.3, 0.4),
                           alphaMode="BLEND", doubleSided=False)
    mesh = trimesh.Trimesh(verts, faces, process=False)
    mesh.visual = trimesh.visual.TextureVisuals(uv=uv, material=material)
    return _glb(mesh)

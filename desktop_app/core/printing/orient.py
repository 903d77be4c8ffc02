"""Lay a mesh flat on its largest stable face (Qt-free).

A part can only rest on its convex hull, so the candidate resting faces are the hull's facets, with coplanar
triangles merged into one polygon. A face is stable when the centre of mass, dropped along the face normal,
lands inside that polygon (the support polygon); otherwise the part would tip over. Of the stable faces the
largest wins (more contact, better bed adhesion); near-ties go to the one with the lowest centre of mass.
The hull comes from manifold3d (already shipped for the repair; trimesh's hull needs scipy, which is not).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

ORIENTATIONS = ("keep", "flat")
_TIE = 0.02  # faces within 2 % of the largest area count as equally large


@dataclass
class RestingFace:
    normal: np.ndarray  # outward unit normal (the plate will be below, so this becomes -Z)
    area: float
    com_height: float  # distance of the centre of mass above this face
    stable: bool


def _hull(vertices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import manifold3d

    out = manifold3d.Manifold.hull_points(np.ascontiguousarray(vertices, dtype=np.float32)).to_mesh()
    return np.asarray(out.vert_properties, np.float64)[:, :3], np.asarray(out.tri_verts, np.int64)


def centre_of_mass(mesh: Any) -> np.ndarray:
    """The solid's centre of mass when it is closed; otherwise the area-weighted centre of the surface."""
    if getattr(mesh, "is_volume", False):
        return np.asarray(mesh.center_mass, np.float64)
    tris = np.asarray(mesh.triangles, np.float64)
    areas = np.asarray(mesh.area_faces, np.float64)
    if areas.sum() <= 0:
        return np.asarray(mesh.vertices, np.float64).mean(axis=0)
    return (tris.mean(axis=1) * areas[:, None]).sum(axis=0) / areas.sum()


def resting_faces(mesh: Any) -> list[RestingFace]:
    """Every flat face of the convex hull (coplanar hull triangles merged), with its area and stability."""
    verts, tris = _hull(np.asarray(mesh.vertices, np.float64))
    if len(tris) == 0:
        return []
    com = centre_of_mass(mesh)
    scale = float(np.ptp(verts, axis=0).max()) or 1.0
    a, b, c = verts[tris[:, 0]], verts[tris[:, 1]], verts[tris[:, 2]]
    cross = np.cross(b - a, c - a)
    double_area = np.linalg.norm(cross, axis=1)
    keep = double_area > 1e-12 * scale * scale
    a, b, c, cross, double_area = a[keep], b[keep], c[keep], cross[keep], double_area[keep]
    normals = cross / double_area[:, None]
    offsets = np.einsum("ij,ij->i", normals, a)
    # group coplanar triangles: same normal (to ~0.5 degree) and same plane offset (to 0.1 % of the size)
    key = np.column_stack([np.round(normals / 0.01), np.round(offsets / (1e-3 * scale))]).astype(np.int64)
    _, group = np.unique(key, axis=0, return_inverse=True)
    group = group.ravel()
    faces: list[RestingFace] = []
    for g in range(int(group.max()) + 1):
        members = np.nonzero(group == g)[0]
        weights = double_area[members]
        n = (normals[members] * weights[:, None]).sum(axis=0)
        n /= np.linalg.norm(n)
        d = float((offsets[members] * weights).sum() / weights.sum())
        height = d - float(n @ com)  # the com is inside the hull, so this is >= 0
        foot = com + height * n  # the centre of mass dropped onto the face plane
        stable = _inside_triangles(foot, a[members], b[members], c[members], n, 1e-6 * scale)
        faces.append(RestingFace(n, float(weights.sum() / 2), height, stable))
    return faces


def _inside_triangles(p: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray, n: np.ndarray,
                      tol: float) -> bool:
    """Whether ``p`` (on the plane) lies in one of the coplanar triangles, i.e. in the merged polygon."""
    inside = np.ones(len(a), bool)
    for u, v in ((a, b), (b, c), (c, a)):
        side = np.einsum("ij,j->i", np.cross(v - u, p - u), n)
        inside &= side >= -tol * np.linalg.norm(v - u, axis=1)
    return bool(inside.any())


def best_resting_face(mesh: Any) -> RestingFace | None:
    """The largest stable face (near-ties: lowest centre of mass); None when no face is stable."""
    stable = [f for f in resting_faces(mesh) if f.stable]
    if not stable:
        return None
    largest = max(f.area for f in stable)
    contenders = [f for f in stable if f.area >= (1 - _TIE) * largest]
    return min(contenders, key=lambda f: (f.com_height, -f.area))


def rotation_to_floor(normal: np.ndarray) -> np.ndarray:
    """A 4x4 rotation turning ``normal`` into -Z (the face then lies on the plate)."""
    n = np.asarray(normal, np.float64) / np.linalg.norm(normal)
    target = np.array([0.0, 0.0, -1.0])
    v = np.cross(n, target)
    c = float(n @ target)
    matrix = np.eye(4)
    if np.linalg.norm(v) < 1e-12:
        if c < 0:  # facing +Z: turn half a turn about X
            matrix[:3, :3] = np.diag([1.0, -1.0, -1.0])
        return matrix
    vx = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    matrix[:3, :3] = np.eye(3) + vx + vx @ vx / (1 + c)
    return matrix


def lay_flat(mesh: Any) -> RestingFace | None:
    """Rotate ``mesh`` in place so its largest stable face lies on the plate (facing -Z); returns that face,
    or None (mesh unchanged) when it has no stable face, e.g. an empty or flat mesh."""
    if len(getattr(mesh, "faces", [])) == 0:
        return None
    face = best_resting_face(mesh)
    if face is not None:
        mesh.apply_transform(rotation_to_floor(face.normal))
    return face

"""Generated-looking broken meshes for the print tests: a lumpy blob with holes, flipped faces, floating
debris, zero-area faces, split seams and (optionally) a non-manifold fin, as generators produce them."""

from __future__ import annotations

import numpy as np
import trimesh


def blob(subdivisions: int = 4, seed: int = 1) -> trimesh.Trimesh:
    """A closed lumpy body, 1.8 units tall (Y up, like glTF), about 1 unit wide."""
    rng = np.random.default_rng(seed)
    sphere = trimesh.creation.icosphere(subdivisions=subdivisions, radius=0.5)
    v = np.asarray(sphere.vertices) * [1.0, 1.8, 1.0]
    v *= (1 + 0.08 * np.sin(5 * v[:, [0]]) * np.cos(4 * v[:, [1]]) + 0.01 * rng.standard_normal((len(v), 1)))
    return trimesh.Trimesh(v, sphere.faces, process=False)


def broken(holes: int = 6, flipped: int = 40, shells: int = 3, zero_area: int = 5, fin: bool = False,
           subdivisions: int = 4, seed: int = 1) -> trimesh.Trimesh:
    rng = np.random.default_rng(seed)
    body = blob(subdivisions, seed)
    faces = np.asarray(body.faces).copy()
    verts = np.asarray(body.vertices).copy()
    picks = rng.choice(len(faces), size=holes + flipped, replace=False)
    faces[picks[holes:]] = faces[picks[holes:], ::-1]
    faces = np.delete(faces, picks[:holes], axis=0)
    extra_v, extra_f = [verts], [faces]
    count = len(verts)
    for k in range(shells):  # small floating crumbs beside the body
        crumb = trimesh.creation.icosphere(subdivisions=1, radius=0.03)
        extra_v.append(np.asarray(crumb.vertices) + np.array([0.8 + 0.1 * k, 0.2 * k, 0]))
        extra_f.append(np.asarray(crumb.faces) + count)
        count += len(crumb.vertices)
    for k in range(zero_area):  # zero-area slivers: a repeated corner, and three points on one line
        a, b = faces[k, 0], faces[k, 1]
        extra_f.append(np.array([[a, a, b]]))
    if fin:  # a third face on an existing edge: a non-manifold fin
        a, b = faces[0, 0], faces[0, 1]
        tip = (verts[a] + verts[b]) / 2 + [0, 0, 0.3]
        extra_v.append(tip[None, :])
        extra_f.append(np.array([[a, b, count]]))
        count += 1
    mesh = trimesh.Trimesh(np.concatenate(extra_v), np.concatenate(extra_f), process=False)
    # split every vertex per face on a third of the faces, like UV seams in a GLB
    return unweld(mesh, rng)


def unweld(mesh: trimesh.Trimesh, rng: np.random.Generator) -> trimesh.Trimesh:
    faces = np.asarray(mesh.faces).copy()
    verts = [np.asarray(mesh.vertices)]
    chosen = rng.choice(len(faces), size=len(faces) // 3, replace=False)
    start = len(mesh.vertices)
    corners = faces[chosen].reshape(-1)
    verts.append(np.asarray(mesh.vertices)[corners])
    faces[chosen] = (start + np.arange(len(corners))).reshape(-1, 3)
    return trimesh.Trimesh(np.concatenate(verts), faces, process=False)

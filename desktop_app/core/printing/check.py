"""Printability check: what would stop a slicer or a printer from using a mesh, in plain words (Qt-free).

A printable model is one closed, consistently wound surface: every edge shared by exactly two triangles (no
holes, no "non-manifold" fans), no zero-area triangles, no stray floating pieces, positive volume. Vertices are
welded by position first, because exporters split them at UV seams and that alone is not a defect.
Closed pieces that overlap are found with manifold3d (their union is smaller than the sum of their volumes).
Self-intersections within one piece and wall thickness are not checked: no kept, permissively licensed library
here tells them cheaply.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

TINY_SHELL_SHARE = 0.01  # a shell with less than 1 % of the surface area counts as stray debris


@dataclass
class Problem:
    code: str  # holes, non_manifold, degenerate, flipped, inside_out, shells, empty
    count: int
    text: str  # what was found
    meaning: str  # what it does to a print


@dataclass
class PrintCheck:
    faces: int
    vertices: int
    watertight: bool
    boundary_edges: int
    holes: int
    non_manifold_edges: int
    shells: int
    tiny_shells: int
    overlapping_shells: int  # closed pieces that cut into each other (their union is smaller than their sum)
    degenerate_faces: int
    flipped_edges: int  # edges whose two faces disagree about which side is outside
    inside_out: bool
    volume_mm3: float | None  # only meaningful when watertight
    size_mm: tuple[float, float, float]
    scale: float  # model units -> mm used for size and volume
    problems: list[Problem] = field(default_factory=list)

    @property
    def printable(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["printable"] = self.printable
        return data

    def summary_lines(self) -> list[str]:
        """Plain sentences for the CLI and the dialog."""
        x, y, z = self.size_mm
        lines = [f"Size: {x:.1f} x {y:.1f} x {z:.1f} mm; {self.faces:,} faces."]
        if self.volume_mm3 is not None:
            lines.append(f"Volume: {self.volume_mm3 / 1000:.2f} cm³ of material if printed solid.")
        if not self.problems:
            lines.append("Ready to print: one closed, consistent surface.")
        for p in self.problems:
            lines.append(f"Problem: {p.text} {p.meaning}")
        return lines


def load_mesh(path: Path) -> Any:
    """The model as one trimesh.Trimesh in its own units (node transforms applied)."""
    import trimesh

    from desktop_app.core.errors import MeshLoadError
    from desktop_app.core.mesh.load import check_file, load_trimesh

    check_file(Path(path))
    scene = load_trimesh(Path(path))
    meshes = [g for g in scene.geometry.values() if isinstance(g, trimesh.Trimesh) and len(g.faces)]
    if not meshes:
        raise MeshLoadError("This file has no surfaces to print.")
    mesh = scene.to_mesh() if hasattr(scene, "to_mesh") else scene.dump(concatenate=True)
    return trimesh.Trimesh(mesh.vertices, mesh.faces, process=False)


def welded(mesh: Any) -> Any:
    """A copy with vertices merged by position only (seams and normals ignored)."""
    import trimesh

    copy = trimesh.Trimesh(np.asarray(mesh.vertices, dtype=np.float64), np.asarray(mesh.faces), process=False)
    copy.merge_vertices(merge_tex=True, merge_norm=True)
    return copy


def degenerate_mask(mesh: Any) -> np.ndarray:
    """Faces with (near) zero area or a repeated corner."""
    faces = np.asarray(mesh.faces)
    repeated = (faces[:, 0] == faces[:, 1]) | (faces[:, 1] == faces[:, 2]) | (faces[:, 0] == faces[:, 2])
    scale = float(np.max(mesh.extents)) if len(mesh.vertices) else 1.0
    tiny = np.asarray(mesh.area_faces) <= (scale * scale) * 1e-12
    return repeated | tiny


def edge_counts(faces: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Directed edges (3F, 2), their undirected group ids, and how many faces share each group."""
    directed = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]]).astype(np.int64)
    # One int64 key per undirected edge: np.unique(axis=0) on pairs sorts structured rows in Python-level
    # comparisons and held the GIL ~10 s on 2M triangles (a frozen window); a 1-D unique is ~20x faster.
    span = int(directed.max()) + 1 if len(directed) else 1
    keys = np.minimum(directed[:, 0], directed[:, 1]) * span + np.maximum(directed[:, 0], directed[:, 1])
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    return directed, inverse.reshape(-1), counts


def boundary_loops(faces: np.ndarray) -> list[list[int]]:
    """The holes: chains of edges used by one face only, as vertex loops in the faces' direction."""
    directed, inverse, counts = edge_counts(faces)
    open_edges = directed[counts[inverse] == 1]
    following: dict[int, list[int]] = {}
    for a, b in open_edges.tolist():
        following.setdefault(a, []).append(b)
    loops: list[list[int]] = []
    while following:
        start = next(iter(following))
        loop, current = [start], start
        while True:
            nexts = following.get(current)
            if not nexts:
                break
            nxt = nexts.pop()
            if not nexts:
                del following[current]
            if nxt == start:
                break
            loop.append(nxt)
            current = nxt
        loops.extend(_split_pinched(loop))
    return loops


def _split_pinched(loop: list[int]) -> list[list[int]]:
    """Two holes touching at one vertex walk as one figure-eight; cut it into simple loops there."""
    simple: list[list[int]] = []
    path: list[int] = []
    where: dict[int, int] = {}
    for vertex in loop:
        if vertex in where:
            cut = where[vertex]
            simple.append(path[cut:])
            for v in path[cut + 1:]:
                del where[v]
            path = path[:cut + 1]
            continue
        where[vertex] = len(path)
        path.append(vertex)
    simple.append(path)
    return simple


def shell_labels(mesh: Any) -> tuple[int, np.ndarray]:
    """Connected pieces by shared edges: count and a label per face."""
    from desktop_app.core.relief.raster import components  # not scipy's csgraph: the bundle carries no scipy

    adjacency = np.asarray(mesh.face_adjacency).reshape(-1, 2)
    n = len(mesh.faces)
    if len(adjacency) == 0:
        return n, np.arange(n)
    roots = components(n, adjacency[:, 0], adjacency[:, 1])
    unique, labels = np.unique(roots, return_inverse=True)
    return int(unique.size), labels


def check_mesh(mesh: Any, size_mm: float | None = None) -> PrintCheck:
    """Check one mesh; ``size_mm`` is the longest side it will be printed at (default: 1 unit = 1 mm)."""
    m = welded(mesh)
    faces = np.asarray(m.faces)
    extent = float(np.max(m.extents)) if len(m.vertices) else 0.0
    scale = (size_mm / extent) if (size_mm and extent > 0) else 1.0
    bad = degenerate_mask(m) if len(faces) else np.zeros(0, dtype=bool)
    degenerate = int(bad.sum())
    if degenerate:  # judge the rest on the faces that have a shape: a zero-area face is reported once
        m.update_faces(~bad)
        faces = np.asarray(m.faces)
    directed, inverse, counts = edge_counts(faces) if len(faces) else (np.empty((0, 2)), np.empty(0, int),
                                                                         np.empty(0, int))
    boundary = int((counts == 1).sum())
    non_manifold = int((counts > 2).sum())
    # two faces on one edge agree about outside when they walk it in opposite directions
    flipped = 0
    if len(faces):
        pair_groups = np.flatnonzero(counts == 2)
        in_pair = np.isin(inverse, pair_groups)
        order = np.argsort(inverse[in_pair], kind="stable")
        firsts = directed[in_pair][order][0::2]
        seconds = directed[in_pair][order][1::2]
        flipped = int((firsts[:, 0] == seconds[:, 0]).sum())
    holes = len(boundary_loops(faces)) if boundary else 0
    shells, labels = shell_labels(m) if len(faces) else (0, np.empty(0, int))
    tiny = 0
    if shells > 1:
        areas = np.bincount(labels, weights=np.asarray(m.area_faces), minlength=shells)
        tiny = int((areas < TINY_SHELL_SHARE * areas.sum()).sum())
    watertight = bool(len(faces)) and boundary == 0 and non_manifold == 0
    overlapping = 0
    if watertight and flipped == 0 and shells - tiny > 1:
        from desktop_app.core.printing.repair import shells_union

        volumes = shells_union(m)
        if volumes is not None and volumes[1] < volumes[0] * 0.999:
            overlapping = shells - tiny
    volume = float(m.volume) if watertight and flipped == 0 else None
    inside_out = volume is not None and volume < 0
    check = PrintCheck(
        faces=len(faces), vertices=len(m.vertices), watertight=watertight and flipped == 0,
        boundary_edges=boundary, holes=holes, non_manifold_edges=non_manifold, shells=shells, tiny_shells=tiny,
        overlapping_shells=overlapping,
        degenerate_faces=degenerate, flipped_edges=flipped, inside_out=inside_out,
        volume_mm3=abs(volume) * scale ** 3 if volume is not None else None,
        size_mm=tuple(float(x) * scale for x in m.extents) if len(m.vertices) else (0.0, 0.0, 0.0),  # type: ignore[arg-type]
        scale=scale,
    )
    check.problems = _problems(check)
    return check


def _problems(c: PrintCheck) -> list[Problem]:
    found = []
    if c.faces == 0:
        return [Problem("empty", 0, "The model has no surfaces.", "There is nothing to print.")]
    if c.holes:
        found.append(Problem("holes", c.holes, f"{c.holes} hole(s) in the surface ({c.boundary_edges} open edges).",
                             "A slicer cannot tell inside from outside, so walls may be missing or filled wrongly."))
    if c.non_manifold_edges:
        found.append(Problem("non_manifold", c.non_manifold_edges,
                             f"{c.non_manifold_edges} edge(s) shared by more than two faces (non-manifold).",
                             "Slicers often fail or print stray walls at such edges."))
    if c.flipped_edges:
        found.append(Problem("flipped", c.flipped_edges,
                             f"Some faces point the wrong way ({c.flipped_edges} edges disagree).",
                             "Parts of the model may be treated as empty space and not printed."))
    if c.inside_out:
        found.append(Problem("inside_out", 1, "The whole surface is inside out.",
                             "A slicer may print nothing or only supports."))
    if c.degenerate_faces:
        found.append(Problem("degenerate", c.degenerate_faces,
                             f"{c.degenerate_faces} face(s) with no area.",
                             "They carry no shape but can confuse repair and slicing."))
    if c.overlapping_shells:
        found.append(Problem("overlap", c.overlapping_shells,
                             f"{c.overlapping_shells} closed pieces cut into each other.",
                             "Some slicers print the overlap twice or report errors; Repair merges them."))
    if c.tiny_shells:
        found.append(Problem("shells", c.tiny_shells,
                             f"{c.tiny_shells} small floating piece(s) besides the main model.",
                             "They print as loose blobs or fail for lack of support."))
    return found


def check_file_for_print(path: Path, size_mm: float | None = None) -> PrintCheck:
    """Load ``path`` and check it (blocking: run it off the GUI thread)."""
    return check_mesh(load_mesh(path), size_mm)

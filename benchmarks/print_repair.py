"""Print repair on generated-looking broken meshes: problems found, repair time, result.

Run: PYTHONPATH=. python benchmarks/print_repair.py
The anchor is the check of the same mesh in the same run: repair time is printed as a multiple of it.
"""

from __future__ import annotations

import time

import numpy as np
import trimesh

from desktop_app.core.printing.check import check_mesh
from desktop_app.core.printing.repair import repair_mesh
from tests.print_meshes import broken


def _case(name: str, mesh: trimesh.Trimesh) -> None:
    t0 = time.perf_counter()
    before = check_mesh(mesh)
    check_s = time.perf_counter() - t0
    result = repair_mesh(mesh)
    after = check_mesh(result.mesh)
    found = ", ".join(f"{p.code}={p.count}" for p in before.problems) or "none"
    left = ", ".join(p.code for p in after.problems) or "none"
    vol = f"{after.volume_mm3:.4g}" if after.volume_mm3 else "-"
    print(f"{name:34} faces={before.faces:>7,} found: {found}")
    print(f"{'':34} repair {result.seconds:6.2f} s ({result.seconds / check_s:5.1f}x the check's {check_s:.2f} s), "
          f"rebuilt={result.rebuilt}, after: {left}, watertight={after.watertight}, volume={vol}")


def main() -> None:
    _case("blob 5k: holes+flips+crumbs+slivers", broken(subdivisions=4))
    _case("blob 20k: same, 30 holes", broken(holes=30, flipped=200, subdivisions=5))
    _case("blob 80k: same, 100 holes", broken(holes=100, flipped=800, shells=10, subdivisions=6))
    _case("blob 20k with a non-manifold fin", broken(fin=True, subdivisions=5))
    a = trimesh.creation.icosphere(subdivisions=5, radius=0.5)
    b = a.copy()
    b.apply_translation([0.6, 0, 0])  # two overlapping closed bodies, as multi-part generators emit
    both = trimesh.util.concatenate([a, b])
    _case("two overlapping spheres 40k", both)
    c = trimesh.creation.box(extents=(1, 1, 1))
    d = c.copy()
    d.apply_translation([1, 1, 0])
    _case("boxes sharing an edge (non-manifold)", trimesh.util.concatenate([c, d]))
    np.random.default_rng(0)


if __name__ == "__main__":
    main()

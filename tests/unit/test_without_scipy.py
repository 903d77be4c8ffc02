"""The bundle leaves scipy out (packaging/meshwright.spec): the app's mesh paths must work without it.

Runs in a child process whose import system refuses scipy, as the frozen app's would: a relief from a
fixture picture, loading it for the preview and its facts, exporting it to every format (with decimation), and
the 3D-print check, repair and voxel rebuild.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path

    class NoScipy:
        def find_spec(self, name, path=None, target=None):
            if name == "scipy" or name.startswith("scipy."):
                raise ImportError(f"No module named {name!r} (left out of the bundle)")

    sys.meta_path.insert(0, NoScipy())
    from desktop_app.core.library.export import ExportOptions, export_model
    from desktop_app.core.mesh.load import load_scene_arrays, load_trimesh, mesh_stats
    from desktop_app.core.relief.generate import generate_relief
    from desktop_app.core.relief.params import ReliefParams

    out = Path(sys.argv[2])
    glb = generate_relief(Path(sys.argv[1]), out / "relief.glb", ReliefParams())
    arrays = load_scene_arrays(glb)
    stats = mesh_stats(glb)
    load_trimesh(glb)
    for fmt in ("glb", "obj", "stl", "ply"):
        result = export_model(glb, out / f"copy.{fmt}", ExportOptions(fmt=fmt, size_mm=50.0, faces=2000))
        assert result.files[0].stat().st_size > 0 and result.faces <= 2000, (fmt, result.faces)
    # 3D printing: check, repair and the voxel solid rebuild on two boxes sharing one edge (non-manifold)
    import trimesh
    from desktop_app.core.printing.check import check_mesh
    from desktop_app.core.printing.repair import repair_mesh, voxel_rebuild
    a = trimesh.creation.box(extents=(1, 1, 1))
    b = trimesh.creation.box(extents=(1, 1, 1))
    b.apply_translation((1, 1, 0))
    pair = trimesh.util.concatenate([a, b])
    assert check_mesh(pair).shells == 2
    solid = voxel_rebuild(pair)
    assert solid.is_watertight and 1.6 < solid.volume < 2.6, solid.volume
    assert check_mesh(repair_mesh(trimesh.load(glb, force="mesh")).mesh).printable
    assert not any(m == "scipy" or m.startswith("scipy.") for m in sys.modules)
    print("watertight", stats.watertight)
""")


def test_mesh_paths_work_without_scipy(tmp_path: Path) -> None:
    picture = ROOT / "tests" / "fixtures" / "images" / "typical_misc_crate.png"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(picture), str(tmp_path)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "watertight True" in done.stdout

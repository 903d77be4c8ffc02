"""Which model file suffixes the preview opens and which it names but cannot show (no numpy, no trimesh: the
entry point and the main window ask this before anything heavy is imported)."""

from __future__ import annotations

PREVIEW_FORMATS = (".glb", ".gltf", ".obj", ".stl", ".ply")
# Formats people will meet (services offer them) that trimesh cannot open: say so plainly.
UNPREVIEWABLE = {".fbx": "FBX", ".usdz": "USDZ", ".usd": "USD", ".usda": "USD", ".usdc": "USD",
                 ".blend": "Blender", ".3mf": "3MF", ".dae": "Collada"}

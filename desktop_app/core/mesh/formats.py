"""The one table of model file formats; every other list of model suffixes is derived from it (no numpy, no
trimesh: the entry point and the main window ask this before anything heavy is imported)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ModelFormat:
    suffix: str
    name: str  # what the user reads ("FBX files can't be previewed here")
    preview: bool = False  # trimesh opens it: the preview, thumbnails, export and the print check take it
    export: bool = False  # Export… writes it
    result: bool = False  # a service may hand it back as a job's model
    gltf: bool = False  # read through the glTF loader (materials, PBR textures)
    mime: str = "application/octet-stream"  # sent with a 3D upload (a model given as a job input)
    job_input: bool = False  # can be sent to a mesh-to-mesh model (core/jobs/model_input.py)


TABLE: tuple[ModelFormat, ...] = (
    ModelFormat(".glb", "glTF binary", preview=True, export=True, result=True, gltf=True,
                mime="model/gltf-binary", job_input=True),
    ModelFormat(".gltf", "glTF", preview=True, result=True, gltf=True,
                mime="model/gltf+json", job_input=True),
    ModelFormat(".obj", "OBJ", preview=True, export=True, result=True,
                mime="model/obj", job_input=True),
    ModelFormat(".stl", "STL", preview=True, export=True, result=True,
                mime="model/stl", job_input=True),
    ModelFormat(".ply", "PLY", preview=True, export=True, result=True,
                mime="model/ply", job_input=True),
    # Formats people will meet (services offer them) that trimesh cannot open: say so plainly.
    ModelFormat(".fbx", "FBX", result=True,
                mime="model/fbx", job_input=True),
    ModelFormat(".usdz", "USDZ", result=True),
    ModelFormat(".usd", "USD", result=True),
    ModelFormat(".usda", "USD"),
    ModelFormat(".usdc", "USD"),
    ModelFormat(".blend", "Blender"),
    ModelFormat(".3mf", "3MF", result=True),
    ModelFormat(".dae", "Collada"),
)

PREVIEW_FORMATS = tuple(f.suffix for f in TABLE if f.preview)
UNPREVIEWABLE = {f.suffix: f.name for f in TABLE if not f.preview}
RESULT_SUFFIXES = tuple(f.suffix for f in TABLE if f.result)  # a returned file with one of these is a model
GLTF_SUFFIXES = tuple(f.suffix for f in TABLE if f.gltf)
# Which file the preview opens when a service returns several model formats (PLY may carry colours, STL never).
PREVIEW_PREFERENCE = tuple(sorted(PREVIEW_FORMATS, key=(".glb", ".gltf", ".obj", ".ply", ".stl").index))
JOB_INPUT_MIME = {f.suffix: f.mime for f in TABLE if f.job_input}  # services take FBX though we cannot show it
EXPORT_FORMATS = {f.suffix[1:]: f.suffix for f in TABLE if f.export}  # "glb" -> ".glb"


def name_filter(suffixes: Iterable[str]) -> str:
    """The pattern list of a file dialog's filter: "*.glb *.gltf"."""
    return " ".join(f"*{s}" for s in suffixes)

"""Load model files into flat numpy arrays for the preview (Qt-free; meant to run in a worker thread).

The GUI thread only uploads what this module returns, so everything slow happens here or in the modules it
calls: parsing and flattening the scene's nodes (this module), each mesh's normals, colours and texture
(core/mesh/parts.py, core/mesh/geometry.py) and the model's facts (core/mesh/facts.py). Errors come out as
``MeshLoadError`` with a message a user can act on; the trimesh detail goes to the log, never to the screen.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from desktop_app.core.errors import MeshLoadError
from desktop_app.core.mesh.arrays import MeshPart, MeshStats, SceneArrays
from desktop_app.core.mesh.facts import scene_from_parts
from desktop_app.core.mesh.formats import GLTF_SUFFIXES, PREVIEW_FORMATS, UNPREVIEWABLE
from desktop_app.core.mesh.parts import part_from_mesh

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 2 * 1024**3
MAX_TRIANGLES = 30_000_000  # beyond this llvmpipe (our floor) cannot draw it and RAM runs out


def load_scene_arrays(path: Path, max_texture: int = 2048, *, watertight: bool = True) -> SceneArrays:
    """Read ``path`` and return flat arrays ready for upload. Raises MeshLoadError with a plain message.
    ``watertight=False`` leaves ``stats.watertight`` unchecked (None): ~40 ms on 500k triangles that an image
    render (the render command) never shows."""
    path = Path(path)
    size = check_file(path)
    arrays = _load_arrays(path, max_texture, watertight)
    arrays.stats.file_bytes = size
    arrays.up = "z" if path.suffix.lower() == ".stl" else "y"
    arrays.source = str(path)
    return arrays


def mesh_stats(path: Path) -> MeshStats:
    """Counts, size and watertightness of a model file, without decoding textures into pixels."""
    path = Path(path)
    size = check_file(path)
    arrays = _load_arrays(path, max_texture=0)
    arrays.stats.file_bytes = size
    return arrays.stats


def _load_arrays(path: Path, max_texture: int, watertight: bool = True) -> SceneArrays:
    """glTF through our own reader (core/mesh/gltf_scene.py: numpy straight from the file, a fraction of the time
    and memory); other formats, and glTF stored in ways our reader does not handle, through trimesh."""
    if path.suffix.lower() in GLTF_SUFFIXES:
        from desktop_app.core.mesh.gltf_read import GltfError, GltfUnsupported
        from desktop_app.core.mesh.gltf_scene import load_gltf_arrays

        try:
            return load_gltf_arrays(path, max_texture, MAX_TRIANGLES, watertight=watertight)
        except GltfUnsupported as exc:
            log.info("reading %s with trimesh: %s", path, exc)
        except GltfError as exc:
            log.info("could not read %s: %s", path, exc)
            raise MeshLoadError("This model file couldn't be read.",
                                hint="It may be damaged, incomplete or in an unsupported variant.") from exc
        except MemoryError as exc:
            raise MeshLoadError("The model is too large to open on this computer.") from exc
        except OSError as exc:
            raise MeshLoadError("The model file could not be found or opened.", hint=str(path)) from exc
    return scene_arrays_from_trimesh(load_trimesh(path), max_texture=max_texture)


def scene_arrays_from_trimesh(scene_or_mesh: Any, max_texture: int = 2048) -> SceneArrays:
    """Flatten a trimesh Scene (or a single Trimesh) into parts. ``max_texture=0`` skips texture pixels."""
    import trimesh

    if isinstance(scene_or_mesh, trimesh.Trimesh):
        scene_or_mesh = trimesh.Scene(scene_or_mesh)
    if not isinstance(scene_or_mesh, trimesh.Scene):
        raise MeshLoadError("This file has no surfaces to show.")
    scene = scene_or_mesh

    parts: list[MeshPart] = []
    tex_sizes: dict[int, tuple[int, int]] = {}
    tex_cache: dict[int, np.ndarray | None] = {}
    total = 0
    for node in scene.graph.nodes_geometry:
        transform, geom_name = scene.graph[node]
        geom = scene.geometry.get(geom_name)
        if not isinstance(geom, trimesh.Trimesh) or len(geom.faces) == 0:
            continue  # point clouds and paths have nothing to shade
        total += len(geom.faces)
        if total > MAX_TRIANGLES:
            raise MeshLoadError("This model is too large to preview.",
                                hint=f"It has more than {MAX_TRIANGLES:,} triangles.")
        part, welded = part_from_mesh(geom, np.asarray(transform, dtype=np.float64), max_texture, tex_cache,
                                      tex_sizes)
        if part is not None:
            parts.append(part)
    if not parts:
        raise MeshLoadError("This file has no surfaces to show.", hint="It may be empty or only hold points.")
    return scene_from_parts(parts, list(tex_sizes.values()), welded if len(parts) == 1 else None)



def check_file(path: Path) -> int:
    """The file's size in bytes, once its format, presence and size allow a preview (else MeshLoadError)."""
    suffix = path.suffix.lower()
    if suffix in UNPREVIEWABLE:
        raise MeshLoadError(f"{UNPREVIEWABLE[suffix]} files can't be previewed here.",
                            hint="Download the GLB or OBJ version of the model to see it.")
    if suffix not in PREVIEW_FORMATS:
        raise MeshLoadError(f"“{suffix or path.name}” files can't be previewed.",
                            hint="Supported: " + ", ".join(PREVIEW_FORMATS) + ".")
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:  # readable at all? (permissions, a folder named like a model)
            fh.read(1)
    except PermissionError as exc:
        raise MeshLoadError(f"The model file {path.name} cannot be read: permission denied.",
                            hint=f"Check the file's permissions: {path}") from exc
    except IsADirectoryError as exc:
        raise MeshLoadError(f"{path.name} is a folder, not a model file.", hint=str(path)) from exc
    except OSError as exc:
        raise MeshLoadError("The model file could not be found or opened.", hint=str(path)) from exc
    if size == 0:
        raise MeshLoadError("The model file is empty.", hint="The download may have failed; try again.")
    if size > MAX_FILE_BYTES:
        raise MeshLoadError("The model file is too large to preview.")
    if suffix == ".glb":
        _check_glb_header(path, size)
    return size


def _check_glb_header(path: Path, size: int) -> None:
    """A cheap look at the 12-byte GLB header catches text files and truncated downloads early."""
    with path.open("rb") as fh:
        head = fh.read(12)
    if len(head) < 12 or head[:4] != b"glTF":
        raise MeshLoadError("This file is not a valid GLB model.", hint="It may be damaged or mislabeled.")
    declared = int.from_bytes(head[8:12], "little")
    if declared > size:
        raise MeshLoadError("The model file is incomplete.", hint="The download was cut short; try again.")


def _contained_resolver(path: Path) -> Any:
    """A trimesh resolver that reads only files inside the model's folder (``../../etc/x`` is refused),
    whatever the trimesh version's own default is."""
    import trimesh.resolvers

    class ContainedResolver(trimesh.resolvers.FilePathResolver):
        def get(self, name: str) -> bytes:
            base = Path(self.parent).resolve()
            target = (base / name.strip()).resolve()
            if not target.is_relative_to(base):
                raise MeshLoadError(f"The model refers to a file outside its folder ({name[:80]}).",
                                    hint="Only files beside the model or below it are read.")
            return target.read_bytes()

        def namespaced(self, namespace: str) -> Any:
            inner = ContainedResolver(str(Path(self.parent) / namespace / "_"))
            return inner

    return ContainedResolver(str(Path(path).resolve()))


def load_trimesh(path: Path) -> Any:
    """The file as a trimesh Scene, vertices as stored; any reader failure becomes a plain MeshLoadError."""
    import trimesh

    try:
        # process=False: keep the file's vertices (merging is slow and would weld UV seams). The resolver keeps
        # a glTF's buffers/images and an OBJ's materials inside the model's own folder.
        return trimesh.load_scene(str(path), process=False, resolver=_contained_resolver(path))
    except MeshLoadError:
        raise
    except MemoryError as exc:
        raise MeshLoadError("The model is too large to open on this computer.") from exc
    except Exception as exc:  # trimesh raises many types on bad input; all mean "can't read it"
        log.info("trimesh could not read %s: %r", path, exc)
        raise MeshLoadError("This model file couldn't be read.",
                            hint="It may be damaged, incomplete or in an unsupported variant.") from exc


"""One table of model formats (core/mesh/formats.py) and one of image formats (core/images.py): the rest derive."""

from __future__ import annotations

import re
from pathlib import Path

from PIL import Image

from desktop_app.core import images
from desktop_app.core.jobs import outputs
from desktop_app.core.library import export
from desktop_app.core.mesh import formats as mesh_formats
from desktop_app.core.mesh import load as meshes
from desktop_app.providers import scenario_assets

ROOT = Path(__file__).resolve().parents[2] / "desktop_app"
MODEL_SUFFIX = re.compile(r"[\"'](?:\*?\.)(?:glb|gltf|obj|stl|ply|fbx|usdz|3mf)[\"' ]")
IMAGE_SUFFIX = re.compile(r"[\"'](?:\*?\.)(?:png|jpe?g|webp|bmp|tiff?)[\"' ]")


def test_every_image_suffix_is_a_format_the_check_accepts() -> None:
    registered = {ext: fmt for ext, fmt in Image.registered_extensions().items()}
    for suffix in images.IMAGE_SUFFIXES:
        assert registered[suffix] in images.SUPPORTED_FORMATS, suffix
    assert ".gif" not in images.IMAGE_SUFFIXES
    assert scenario_assets.image_mime("x.JPG") == "image/jpeg" and scenario_assets.image_mime("x.webp") == "image/webp"


def test_model_lists_are_views_of_the_table() -> None:
    table = {f.suffix: f for f in mesh_formats.TABLE}
    assert set(mesh_formats.PREVIEW_FORMATS) | set(mesh_formats.UNPREVIEWABLE) == set(table)
    assert set(export.FORMATS.values()) <= set(mesh_formats.PREVIEW_FORMATS)  # what we write, we can read back
    assert outputs.MODEL_EXTENSIONS == mesh_formats.RESULT_SUFFIXES
    assert {s[1:] for s in mesh_formats.RESULT_SUFFIXES} == scenario_assets.MODEL_FORMATS
    assert meshes.GLTF_SUFFIXES == (".glb", ".gltf")
    assert mesh_formats.name_filter((".glb", ".obj")) == "*.glb *.obj"


def test_no_module_keeps_its_own_list_of_suffixes() -> None:
    """Three or more model (or image) suffixes on one line outside the tables is a list that will drift."""
    tables = {"core/mesh/formats.py", "core/images.py"}
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if name in tables:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if len(MODEL_SUFFIX.findall(line)) >= 3 or len(IMAGE_SUFFIX.findall(line)) >= 3:
                offenders.append(f"{name}:{number}: {line.strip()}")
    assert not offenders, offenders

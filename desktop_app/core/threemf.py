"""A minimal 3MF writer and reader: one mesh object, units in millimetres (Qt-free).

trimesh's own 3MF export and load need networkx, which the app does not ship, so the core spec parts are
written here: ``[Content_Types].xml``, ``_rels/.rels`` and ``3D/3dmodel.model`` with ``unit="millimeter"``.
PrusaSlicer, OrcaSlicer, Bambu Studio and Cura all read this core subset.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any
from xml.etree import ElementTree

import numpy as np

CORE_NS = "http://schemas.microsoft.com/3dmanufacturing/core/2015/02"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="model" ContentType="application/vnd.ms-package.3dmanufacturing-3dmodel+xml"/>'
    "</Types>")
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Target="/3D/3dmodel.model" Id="rel0" '
    'Type="http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"/></Relationships>')


def encode_3mf(vertices: np.ndarray, faces: np.ndarray, name: str = "Meshwright model") -> bytes:
    """The 3MF package bytes for one mesh whose coordinates are millimetres."""
    vertices = np.asarray(vertices, dtype=np.float64)
    faces = np.asarray(faces, dtype=np.int64)
    safe = name.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<model unit="millimeter" xml:lang="en-US" xmlns="{CORE_NS}">'
             '<metadata name="Application">Meshwright</metadata><resources>'
             f'<object id="1" type="model" name="{safe}"><mesh><vertices>']
    parts.extend(f'<vertex x="{x:.6g}" y="{y:.6g}" z="{z:.6g}"/>' for x, y, z in vertices.tolist())
    parts.append("</vertices><triangles>")
    parts.extend(f'<triangle v1="{a}" v2="{b}" v3="{c}"/>' for a, b, c in faces.tolist())
    parts.append('</triangles></mesh></object></resources><build><item objectid="1"/></build></model>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("3D/3dmodel.model", "".join(parts))
    return buffer.getvalue()


def read_3mf(data: bytes) -> tuple[np.ndarray, np.ndarray, str]:
    """Vertices, faces (all objects' meshes concatenated, build transforms ignored) and the unit."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        root = ElementTree.fromstring(z.read("3D/3dmodel.model"))
    ns = {"m": CORE_NS}
    verts: list[Any] = []
    tris: list[Any] = []
    for mesh in root.iterfind(".//m:mesh", ns):
        offset = len(verts)
        verts.extend([float(v.get("x")), float(v.get("y")), float(v.get("z"))]  # type: ignore[arg-type]
                     for v in mesh.iterfind("m:vertices/m:vertex", ns))
        tris.extend([int(t.get(k)) + offset for k in ("v1", "v2", "v3")]  # type: ignore[arg-type]
                    for t in mesh.iterfind("m:triangles/m:triangle", ns))
    return np.array(verts, dtype=np.float64).reshape(-1, 3), np.array(tris, dtype=np.int64).reshape(-1, 3), \
        root.get("unit", "millimeter")

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
MATERIAL_NS = "http://schemas.microsoft.com/3dmanufacturing/material/2015/02"
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


def _quantised(colours: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The distinct ``#RRGGBBAA`` colours (4 bits a channel: at most 65,536, plenty for filament) and each
    triangle's index among them."""
    q = (np.asarray(colours, np.uint8)[:, :4] >> 4).astype(np.int64) * 17
    packed = ((q[:, 0] * 256 + q[:, 1]) * 256 + q[:, 2]) * 256 + q[:, 3]
    unique, index = np.unique(packed, return_inverse=True)
    names = [f"#{int(c):08X}" for c in unique]
    return names, index.ravel()


def encode_3mf(vertices: np.ndarray, faces: np.ndarray, name: str = "Meshwright model",
               colours: np.ndarray | None = None) -> bytes:
    """The 3MF package bytes for one mesh whose coordinates are millimetres.

    ``colours`` (one RGBA row per triangle) adds a Materials-extension ``m:colorgroup`` (resource 2) and gives
    each triangle ``pid="2" p1="k"``; the object's ``pid``/``pindex`` name its default colour, as the core spec
    requires once a triangle has a property. The extension is not listed in ``requiredextensions``, so a reader
    without it still opens the geometry."""
    vertices = np.asarray(vertices, dtype=np.float64)
    faces = np.asarray(faces, dtype=np.int64)
    safe = name.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    group, obj_props, tri_index = "", "", None
    if colours is not None:
        if len(colours) != len(faces):
            raise ValueError("one colour per triangle is needed")
        names, tri_index = _quantised(colours)
        group = '<m:colorgroup id="2">' + "".join(f'<m:color color="{c}"/>' for c in names) + "</m:colorgroup>"
        obj_props = f' pid="2" pindex="{int(np.bincount(tri_index).argmax())}"'
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<model unit="millimeter" xml:lang="en-US" xmlns="{CORE_NS}"'
             + (f' xmlns:m="{MATERIAL_NS}"' if group else "") + '>'
             '<metadata name="Application">Meshwright</metadata><resources>' + group +
             f'<object id="1" type="model" name="{safe}"{obj_props}><mesh><vertices>']
    parts.extend(f'<vertex x="{x:.6g}" y="{y:.6g}" z="{z:.6g}"/>' for x, y, z in vertices.tolist())
    parts.append("</vertices><triangles>")
    if tri_index is None:
        parts.extend(f'<triangle v1="{a}" v2="{b}" v3="{c}"/>' for a, b, c in faces.tolist())
    else:
        parts.extend(f'<triangle v1="{a}" v2="{b}" v3="{c}" pid="2" p1="{k}"/>'
                     for (a, b, c), k in zip(faces.tolist(), tri_index.tolist(), strict=True))
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


def read_3mf_colours(data: bytes) -> np.ndarray | None:
    """Each triangle's RGBA colour from ``m:colorgroup`` resources (triangle ``pid``/``p1``, else the object's
    ``pid``/``pindex``), or None when the file has no colour groups."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        root = ElementTree.fromstring(z.read("3D/3dmodel.model"))
    ns = {"c": CORE_NS, "m": MATERIAL_NS}
    groups = {g.get("id"): [c.get("color", "#FFFFFFFF") for c in g.iterfind("m:color", ns)]
              for g in root.iterfind(".//m:colorgroup", ns)}
    if not groups:
        return None

    def rgba(text: str) -> list[int]:
        text = text.lstrip("#")
        text = text + "FF" if len(text) == 6 else text
        return [int(text[i:i + 2], 16) for i in (0, 2, 4, 6)]

    out: list[list[int]] = []
    for obj in root.iterfind(".//c:object", ns):
        default = (obj.get("pid"), obj.get("pindex", "0"))
        for t in obj.iterfind("c:mesh/c:triangles/c:triangle", ns):
            pid, index = (t.get("pid"), t.get("p1")) if t.get("p1") is not None else default
            if pid is None:
                pid = default[0]
            out.append(rgba(groups[pid][int(index)]) if pid in groups else [255, 255, 255, 255])
    return np.array(out, dtype=np.uint8).reshape(-1, 4)

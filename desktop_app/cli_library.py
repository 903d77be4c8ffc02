"""``library`` commands of the headless CLI: list, export, import, rebuild-index. No Qt here."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from desktop_app.core.errors import MeshwrightError
from desktop_app.core.export import FORMATS, ExportOptions, export_model, format_for
from desktop_app.core.library import LibraryItem
from desktop_app.core.library_files import import_model
from desktop_app.services import Services

EXIT_OK, EXIT_INPUT = 0, 2


class LibraryCliError(MeshwrightError):
    """Bad input for a library command; the CLI prints it as an ``error:`` line and exits with 2."""


def add_parser(sub: Any) -> None:
    p = sub.add_parser("library", help="list, export, import or re-index the models in the library")
    p.add_argument("--json", action="store_true")
    p.add_argument("--search", default="")
    actions = p.add_subparsers(dest="library_command", metavar="ACTION")

    e = actions.add_parser("export", help="write an item's model as GLB, OBJ, STL or PLY")
    e.add_argument("item", help="the item id (see 'library')")
    e.add_argument("--format", choices=sorted(FORMATS), help="default: from the --out extension")
    e.add_argument("--out", required=True, type=Path, help="file to write")
    e.add_argument("--size-mm", type=float, help="scale so the longest side is this many millimetres")
    e.add_argument("--faces", type=int, help="reduce to at most this many faces")
    e.add_argument("--force", action="store_true", help="overwrite existing files")
    e.add_argument("--json", action="store_true", default=argparse.SUPPRESS)

    i = actions.add_parser("import", help="copy a model file (GLB, glTF, OBJ, STL, PLY) into the library")
    i.add_argument("file", type=Path)
    i.add_argument("--title", default="")
    i.add_argument("--json", action="store_true", default=argparse.SUPPRESS)

    actions.add_parser("rebuild-index", help="re-read every item folder into the index")


def _item_from(services: Services, item_id: str) -> LibraryItem:
    item = services.library.get(item_id)
    if item is None:
        raise LibraryCliError(f"No library item '{item_id}'. Run 'library' to list them.")
    if item.model_path is None or not item.model_path.is_file():
        raise LibraryCliError(f"Item '{item_id}' has no model file to export.")
    return item


async def _export(services: Services, args: argparse.Namespace) -> int:
    item = _item_from(services, args.item)
    fmt = args.format or format_for(args.out)
    if fmt is None:
        raise LibraryCliError(f"Say which format to write: --format {{{','.join(sorted(FORMATS))}}}.")
    options = ExportOptions(fmt, size_mm=args.size_mm, faces=args.faces, overwrite=args.force)

    def progress(fraction: float, message: str) -> None:
        print(f"[{round(fraction * 100)}%] {message}", file=sys.stderr, flush=True)

    result = await asyncio.to_thread(export_model, item.model_path, args.out, options, progress)
    if args.json:
        print(json.dumps({"item": item.id, "format": fmt, "files": [str(p) for p in result.files],
                          "faces": result.faces, "size": [float(x) for x in result.bounds[1] - result.bounds[0]]}))
    else:
        print(f"Wrote {', '.join(str(p) for p in result.files)} ({result.faces:,} faces)")
    return EXIT_OK


async def run(services: Services, args: argparse.Namespace, listing: Any, item_json: Any) -> int:
    """``listing`` and ``item_json`` come from cli.py, so the plain list looks like every other list."""
    command = getattr(args, "library_command", None)
    if command == "export":
        return await _export(services, args)
    if command == "import":
        item = await asyncio.to_thread(import_model, services.library, args.file, args.title)
        print(json.dumps(item_json(item)) if args.json else f"Imported {item.id}  {item.title}")
        return EXIT_OK
    if command == "rebuild-index":
        count = await asyncio.to_thread(services.library.rebuild_index)
        print(f"Index rebuilt: {count} item(s).")
        return EXIT_OK
    items = await asyncio.to_thread(services.library.list, args.search)
    return listing(args.json, items, item_json, lambda i: f"{i.id}  {i.model_id:32} {i.title}")

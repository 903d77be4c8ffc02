"""``library`` commands of the headless CLI: list, check, export, import, rebuild-index, delete, trash, restore, move.
No Qt here."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

from desktop_app.core.errors import MeshwrightError
from desktop_app.core.library import versions
from desktop_app.core.library.export import FORMATS, ExportOptions, export_model, format_for
from desktop_app.core.library.files import import_model, move_library
from desktop_app.core.library.store import LibraryItem
from desktop_app.core.library.trash import find_trashed, restore, trashed_items
from desktop_app.core.settings import save_settings
from desktop_app.services import Services

EXIT_OK, EXIT_INPUT = 0, 2


class LibraryCliError(MeshwrightError):
    """Bad input for a library command; the CLI prints it as an ``error:`` line and exits with 2."""


def add_parser(sub: Any) -> None:
    p = sub.add_parser("library", help="list, export, import or re-index the models in the library")
    p.add_argument("--json", action="store_true")
    p.add_argument("--search", default="")
    actions = p.add_subparsers(dest="library_command", metavar="ACTION")

    s = actions.add_parser("show", help="an item's details: its versions, what each was made from, parts")
    s.add_argument("item", help="the item id (see 'library')")
    s.add_argument("--json", action="store_true", default=argparse.SUPPRESS)

    c = actions.add_parser("check", help="say whether an item's model can be 3D printed, and what is wrong")
    c.add_argument("item", help="the item id (see 'library')")
    c.add_argument("--size-mm", type=float, help="report sizes with the longest side at this many millimetres")
    c.add_argument("--json", action="store_true", default=argparse.SUPPRESS)

    e = actions.add_parser("export", help="write an item's model as GLB, OBJ, STL, PLY or 3MF")
    e.add_argument("item", help="the item id (see 'library')")
    e.add_argument("--format", choices=sorted([*FORMATS, "3mf"]), help="default: from the --out extension")
    e.add_argument("--printable", action="store_true",
                   help="repair, stand on the plate (Z up, min z = 0, centred) and keep the repair in the item")
    e.add_argument("--out", required=True, type=Path, help="file to write")
    e.add_argument("--size-mm", type=float, help="scale so the longest side is this many millimetres")
    e.add_argument("--orient", choices=["keep", "flat"], default="keep",
                   help="3MF/printable: keep the front-facing pose (default) or lay flat on the largest stable face")
    e.add_argument("--hollow", type=float, metavar="MM",
                   help="3MF/printable: empty the inside, keeping walls at least MM thick (no drain hole)")
    e.add_argument("--colour", "--color", action="store_true", dest="colour",
                   help="3MF: one colour per triangle from the model's texture or vertex colours (m:colorgroup)")
    e.add_argument("--faces", type=int, help="reduce to at most this many faces")
    e.add_argument("--force", action="store_true", help="overwrite existing files")
    e.add_argument("--json", action="store_true", default=argparse.SUPPRESS)

    i = actions.add_parser("import", help="copy a model file (GLB, glTF, OBJ, STL, PLY) into the library")
    i.add_argument("file", type=Path)
    i.add_argument("--title", default="")
    i.add_argument("--json", action="store_true", default=argparse.SUPPRESS)

    actions.add_parser("rebuild-index", help="re-read every item folder into the index")

    d = actions.add_parser("delete", help="move an item into the library's trash (undo with 'restore')")
    d.add_argument("item", help="the item id (see 'library')")
    t = actions.add_parser("trash", help="list deleted items that can be restored")
    t.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    r = actions.add_parser("restore", help="put a deleted item back into the library")
    r.add_argument("item", help="the item id or trash folder name (see 'library trash')")
    r.add_argument("--json", action="store_true", default=argparse.SUPPRESS)

    m = actions.add_parser("move", help="copy the library to an empty folder and use it from now on")
    m.add_argument("--to", required=True, type=Path, metavar="FOLDER", help="an empty or new folder")


def _item_from(services: Services, item_id: str) -> LibraryItem:
    item = services.library.get(item_id)
    if item is None:
        raise LibraryCliError(f"No library item '{item_id}'. Run 'library' to list them.")
    if item.damaged:
        why = item.remote.get("damage", "its item.json is unusable")
        raise LibraryCliError(f"Item '{item_id}' is damaged ({why}); its files are in {item.folder}.",
                              hint="'library rebuild-index' re-reads it once item.json is fixed.")
    if item.model_path is None or not item.model_path.is_file():
        raise LibraryCliError(f"Item '{item_id}' has no model file to export.")
    return item


def _progress(fraction: float, message: str) -> None:
    print(f"[{round(fraction * 100)}%] {message}", file=sys.stderr, flush=True)


async def _check(services: Services, args: argparse.Namespace) -> int:
    from desktop_app.core.printing.check import check_file_for_print  # numpy and trimesh: only when asked

    item = _item_from(services, args.item)
    if args.size_mm is not None and not (0 < args.size_mm < 1e7):
        raise LibraryCliError("The size must be a positive number of millimetres.")
    check = await asyncio.to_thread(check_file_for_print, item.model_path, args.size_mm)
    if args.json:
        print(json.dumps({"item": item.id, **check.to_json()}))
    else:
        print("\n".join(check.summary_lines()))
    return EXIT_OK


async def _export_printable(services: Services, args: argparse.Namespace, item: LibraryItem, fmt: str) -> int:
    from desktop_app.core.printing.export import PRINT_FORMATS, export_printable, save_print_version

    if fmt not in PRINT_FORMATS:
        raise LibraryCliError("--printable writes 3MF or STL: use --format 3mf or --format stl.")
    if args.faces is not None:
        raise LibraryCliError("--faces cannot be combined with --printable or 3MF.")
    if args.colour and fmt != "3mf":
        raise LibraryCliError("--colour is written into 3MF only (STL has no colour): use --format 3mf.")
    if args.hollow is not None and not (0 < args.hollow < 1e6):
        raise LibraryCliError("--hollow takes a positive wall thickness in millimetres.")
    result = await asyncio.to_thread(export_printable, item.model_path, args.out, fmt, args.size_mm, args.force,
                                     args.printable, _progress, args.orient, args.hollow, args.colour)
    kept = ""
    if args.printable and result.steps:
        kept = await asyncio.to_thread(save_print_version, services.library, item.id, result.mesh)
    size = [round(float(x), 3) for x in result.after.size_mm]
    if args.size_mm is None and max(size) < 10:  # generators work in ~1 unit, which a slicer reads as 1 mm
        print(f"warning: without --size-mm the model is only {max(size):g} mm long (1 model unit = 1 mm); "
              "pass --size-mm N for the size you want.", file=sys.stderr)
    if args.json:
        print(json.dumps({"item": item.id, "format": fmt, "files": [str(result.path)], "faces": result.after.faces,
                          "size": size, "before": result.before.to_json(), "after": result.after.to_json(),
                          "repairs": result.steps, "repair_seconds": round(result.repair_seconds, 3),
                          "rebuilt": result.rebuilt, "kept_in_library": kept, "placement": result.placement}))
        return EXIT_OK
    for step in result.steps:
        print(f"Repaired: {step}")
    for note in result.placement:
        print(note)
    print(f"Wrote {result.path} ({result.after.faces:,} faces, {size[0]} x {size[1]} x {size[2]} mm)")
    for line in result.after.summary_lines()[1:]:
        print(line)
    if kept:
        print(f"The repaired model is kept in the item as {kept}; the original is unchanged.")
    return EXIT_OK


async def _export(services: Services, args: argparse.Namespace) -> int:
    item = _item_from(services, args.item)
    fmt = args.format or format_for(args.out) or ("3mf" if args.out.suffix.lower() == ".3mf" else None)
    if fmt is None:
        raise LibraryCliError(f"Say which format to write: --format {{{','.join(sorted([*FORMATS, '3mf']))}}}.")
    if args.printable or fmt == "3mf":
        return await _export_printable(services, args, item, fmt)
    if args.orient != "keep" or args.hollow is not None or args.colour:
        raise LibraryCliError("--orient, --hollow and --colour prepare a print: use --format 3mf or --printable.")
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


def _trash_listing(services: Services, as_json: bool) -> int:
    entries = trashed_items(services.library)
    if as_json:
        print(json.dumps([{"item": e.item_id, "trash_name": e.name, "title": e.title, "model": e.model_id,
                           "deleted_at": e.deleted_at, "size": e.size, "folder": str(e.path)} for e in entries]))
    elif not entries:
        print("The library's trash is empty.", file=sys.stderr)
    for entry in entries if not as_json else []:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(entry.deleted_at))
        print(f"{entry.item_id}  deleted {when}  {entry.model_id:32} {entry.title}")
    return EXIT_OK


async def _move(services: Services, dest: Path) -> int:
    def progress(fraction: float, message: str) -> None:
        print(f"[{round(fraction * 100)}%] {message}", file=sys.stderr, flush=True)

    old = services.library.root
    new = await asyncio.to_thread(move_library, services.library, dest, progress)
    services.settings.library_dir = str(new)
    await asyncio.to_thread(save_settings, services.paths, services.settings)
    print(f"Library moved to {new}. The old folder {old} was kept; delete it when you no longer need it.")
    return EXIT_OK


def _show(item: LibraryItem, as_json: bool, item_json: Any) -> int:
    """The item and its lineage: version N made from version X by model M with settings P."""
    history = []
    for entry in versions.lineage(item):
        number = int(entry.get("number") or 1)
        model = versions.model_path(item, number)
        history.append({
            "version": number, "made_from": entry.get("made_from"), "model": entry.get("model_id"),
            "params": entry.get("params") or {}, "created_at": entry.get("created_at"),
            "model_file": str(model) if model else None, "job": entry.get("job_id") or None,
            "parts": [str(p) for p in versions.parts(item, number)],
            "has_animation": bool(model and versions.has_animation(model)),
        })
    if as_json:
        print(json.dumps({**item_json(item), "versions": history}))
        return EXIT_OK
    print(f"{item.id}  {item.title}")
    for v in history:
        origin = f"made from version {v['made_from']} " if v["made_from"] else ""
        settings = ", ".join(f"{k}={val}" for k, val in sorted(v["params"].items())) or "default settings"
        print(f"  version {v['version']}: {origin}by {v['model']} with {settings}")
        print(f"    {v['model_file'] or '(no model file)'}" + ("  [animated]" if v["has_animation"] else ""))
        for part in v["parts"]:
            print(f"    part: {part}")
    return EXIT_OK


async def run(services: Services, args: argparse.Namespace, listing: Any, item_json: Any) -> int:
    """``listing`` and ``item_json`` come from cli.py, so the plain list looks like every other list."""
    command = getattr(args, "library_command", None)
    if command == "export":
        return await _export(services, args)
    if command == "check":
        return await _check(services, args)
    if command == "show":
        return _show(_item_from(services, args.item), args.json, item_json)
    if command == "import":
        item = await asyncio.to_thread(import_model, services.library, args.file, args.title)
        print(json.dumps(item_json(item)) if args.json else f"Imported {item.id}  {item.title}")
        return EXIT_OK
    if command == "delete":
        if await asyncio.to_thread(services.library.get, args.item) is None:
            raise LibraryCliError(f"No library item '{args.item}'. Run 'library' to list them.")
        await asyncio.to_thread(services.library.delete, args.item)
        print(f"Moved {args.item} to the library's trash; 'library restore {args.item}' puts it back.")
        return EXIT_OK
    if command == "trash":
        return await asyncio.to_thread(_trash_listing, services, args.json)
    if command == "restore":
        entry = await asyncio.to_thread(find_trashed, services.library, args.item)
        item_id = await asyncio.to_thread(restore, services.library, entry)
        item = services.library.get(item_id)
        print(json.dumps(item_json(item)) if args.json and item else f"Restored {item_id}  {entry.title}")
        return EXIT_OK
    if command == "move":
        return await _move(services, args.to)
    if command == "rebuild-index":
        count = await asyncio.to_thread(services.library.rebuild_index)
        damaged = services.library.damaged
        for item_id, why in damaged:
            print(f"warning: {item_id} is damaged ({why}); it is listed as damaged with its files, in "
                  f"{services.library.folder_of(item_id)}", file=sys.stderr)
        note = f", {len(damaged)} of them damaged" if damaged else ""
        print(f"Index rebuilt: {count} item(s){note}.")
        return EXIT_OK
    items = await asyncio.to_thread(services.library.list, args.search)
    return listing(args.json, items, item_json,
                   lambda i: f"{i.id}  {i.model_id:32} {i.title}" + ("  [damaged]" if i.damaged else ""))

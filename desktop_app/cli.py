"""Headless command line over the same core as the GUI: scripting, batch work and tests. No Qt here.

Exit codes (README.md's table is the reference): 0 success; 1 the job failed or was canceled; 2 bad input
(unknown model, bad image or parameter, a damaged model file); 3 the job needs a check (a paid submit's fate is
unknown, or the deadline passed); 4 the service's API key is missing or was rejected; 5 the result could not be
downloaded (the job is kept: 'resume' fetches it); 6 a folder Meshwright must write to is read-only, full or
not a folder; 130 interrupted (Ctrl+C) only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from desktop_app import __version__, cli_library, cli_spending
from desktop_app.cli_batch import generate_each
from desktop_app.cli_render import add_render_parser, run_render
from desktop_app.core.errors import AuthError, MeshwrightError, ValidationError
from desktop_app.core.jobs.model_input import ModelInput
from desktop_app.core.jobs.store import Job, JobState
from desktop_app.core.library.store import LibraryItem
from desktop_app.core.library.versions import model_input_from_ref
from desktop_app.core.settings import app_paths
from desktop_app.core.state_repair import StorageError, probe_folder, storage_error_for
from desktop_app.pricing import quote_job
from desktop_app.services import Services, build_services

EXIT_OK, EXIT_FAILED, EXIT_INPUT, EXIT_CHECK, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EXIT_KEY, EXIT_DOWNLOAD, EXIT_STORAGE, EXIT_CAP = 4, 5, 6, 7
MAX_LIMIT = 1_000_000


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_INPUT) -> None:
        super().__init__(message)
        self.code = code


def _add_job_inputs(p: argparse.ArgumentParser) -> None:
    """What a job is made from: shared by `generate` and `quote`, so a quote prices exactly what would be sent."""
    p.add_argument("model_id")
    p.add_argument("images", nargs="*", type=Path)
    p.add_argument("--prompt", help="text prompt, for models that take one")
    p.add_argument("--model", dest="mesh", action="append", default=[], metavar="ITEM_OR_FILE",
                   help="a 3D model input for mesh-to-mesh models: a library item id (its newest version), "
                        "ITEM@vN (version N of it) or a model file; a library item gets the result as a new version")
    p.add_argument("--set", dest="values", action="append", default=[], metavar="NAME=VALUE",
                   help="a parameter value; repeat for several")


def _parser() -> argparse.ArgumentParser:
    # a frozen build names its own executable (meshwright, meshwright-cli) in the usage line
    prog = Path(sys.argv[0]).stem if getattr(sys, "frozen", False) else "python -m desktop_app"
    parser = argparse.ArgumentParser(prog=prog, description="Meshwright command line.")
    parser.add_argument("--version", action="version", version=f"Meshwright {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("models", help="list the models you can use")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("schema", help="print a model's parameter schema as JSON")
    p.add_argument("model_id")

    p = sub.add_parser("generate", help="make a 3D model from images (or a prompt) and keep it in the library")
    _add_job_inputs(p)
    p.add_argument("--title", default="", help="name of the library item")
    p.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    p.add_argument("--each", action="store_true", help="one job per image (a batch) instead of one job from all")

    p = sub.add_parser("quote", help="what a job would cost (and the balance where the service has one); "
                                     "spends nothing")
    _add_job_inputs(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")

    p = sub.add_parser("jobs", help="list jobs and their states")
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=int, default=50)

    cli_library.add_parser(sub)
    cli_spending.add_parser(sub)

    p = sub.add_parser("resume", help="continue unfinished jobs after a crash or quit")
    p.add_argument("--json", action="store_true")
    add_render_parser(sub)
    return parser


def _parse_values(pairs: list[str]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise CliError(f"--set expects NAME=VALUE, got '{pair}'.")
        values[name.strip()] = value
    return values


def job_json(job: Job) -> dict[str, Any]:
    return {
        "job": job.id, "model": job.model_id, "status": str(job.state), "message": job.message,
        "progress": job.progress, "cost": job.cost, "cost_unit": job.cost_unit, "item": job.item_id,
        "title": job.title, "created_at": job.created_at, "elapsed": round(job.elapsed(), 1),
    }


def item_json(item: LibraryItem) -> dict[str, Any]:
    """Every path is resolved inside the item's folder: a name in item.json that leads out is not listed."""
    folder = item.folder
    files = [item.inside(f.name) for f in item.files] if folder else []
    model = item.model_path
    return {
        "item": item.id, "title": item.title, "model": item.model_id, "created_at": item.created_at,
        "folder": str(folder) if folder else None,
        "model_file": str(model) if model else None,
        "files": [str(p) for p in files if p is not None],
        "cost": item.cost, "cost_unit": item.cost_unit, "params": item.params, "status": item.status,
        **({"damage": str(item.remote.get("damage", ""))} if item.damaged else {}),
    }


def _exit_code(job: Job, causes: dict[str, str] | None = None) -> int:
    """The documented code for how a job ended. "Interrupted" by this run (not by Ctrl+C, which never gets
    here) means a rejected key or a result that would not download: each has its own code."""
    cause = (causes or {}).get(job.id, "")
    if job.state is JobState.SUCCEEDED:
        return EXIT_OK
    if job.state is JobState.NEEDS_CHECK:
        return EXIT_CHECK
    if cause == "auth":
        return EXIT_KEY
    if cause == "storage":
        return EXIT_STORAGE
    if cause == "cap":
        return EXIT_CAP
    if job.state is JobState.INTERRUPTED:
        return EXIT_DOWNLOAD if cause in ("download", "") else EXIT_FAILED
    return EXIT_FAILED


class _Progress:
    """Prints state changes and progress to stderr, at most a few lines a second."""

    def __init__(self) -> None:
        self._last: tuple[str, str] | None = None
        self._at = 0.0

    def __call__(self, job: Job) -> None:
        key = (str(job.state), job.message)
        now = time.monotonic()
        if key == self._last and now - self._at < 2:
            return
        self._last, self._at = key, now
        pct = f" {round(job.progress * 100)}%" if job.progress is not None else ""
        print(f"[{job.state.label}{pct}] {job.message}", file=sys.stderr, flush=True)


async def _job_values(services: Services, args: argparse.Namespace) -> dict[str, Any]:
    """--set pairs and --prompt as form values; the images must exist (shared by generate and quote)."""
    values: dict[str, Any] = _parse_values(args.values)
    schema = await services.registry.schema(args.model_id)
    if args.prompt is not None:
        field = schema.prompt_field()
        if field is None:
            raise CliError(f"{schema.name} does not take a text prompt.")
        values[field.name] = args.prompt
    missing = [str(p) for p in args.images if not p.exists()]
    if missing:
        raise CliError(f"Image not found: {', '.join(missing)}")
    return values


def _mesh_inputs(services: Services, args: argparse.Namespace) -> list[ModelInput]:
    """--model values as model inputs: a library item id, ITEM@vN (one of its versions) or a model file."""
    found = []
    for ref in args.mesh:
        try:
            found.append(model_input_from_ref(services.library, ref))
        except ValueError as exc:
            raise CliError(str(exc)) from None
    return found


async def _quote(services: Services, args: argparse.Namespace) -> int:
    """The price without spending: the same ``pricing.quote_job`` as the GUI's cost line."""
    values = await _job_values(services, args)
    meshes = [m.path for m in _mesh_inputs(services, args)]
    report = await quote_job(services.registry, args.model_id, args.images, values, models=meshes)
    print(json.dumps(report.to_json()) if args.json else report.text())
    return EXIT_OK


async def _generate(services: Services, args: argparse.Namespace) -> int:
    values = await _job_values(services, args)
    schema = await services.registry.schema(args.model_id)
    services.scheduler.add_listener(_Progress())
    if args.each:
        return await generate_each(services, args.model_id, args.images, values, title=args.title,
                                   as_json=args.json, to_json=job_json,
                                   exit_code=lambda j: _exit_code(j, services.scheduler.stop_causes))
    meshes = _mesh_inputs(services, args)
    job = await services.scheduler.create_job(args.model_id, args.images, values, title=args.title, models=meshes)
    print(f"Job {job.id} started ({schema.name}).", file=sys.stderr)
    job = await services.scheduler.run(job.id)
    result = job_json(job)
    item = services.library.get(job.item_id) if job.item_id else None
    if item is not None:
        info = item_json(item)
        result.update(model_file=info["model_file"], files=info["files"], folder=info["folder"])
    else:
        result.update(model_file=None, files=[])
    if args.json:
        print(json.dumps(result))
    elif item is not None:
        print(f"Done: {result['model_file']}")
    code = _exit_code(job, services.scheduler.stop_causes)
    if job.state is not JobState.SUCCEEDED:
        # A key, download or disk problem is the user's to fix: said as an error, as bad input is.
        label = "error" if code in (EXIT_KEY, EXIT_DOWNLOAD, EXIT_STORAGE, EXIT_CAP) else job.state.label
        print(f"{label}: {job.message}", file=sys.stderr)
    return code


async def _models(services: Services, args: argparse.Namespace) -> int:
    models = await services.registry.models()
    if args.json:
        print(json.dumps([{
            "id": m.id, "name": m.name, "provider": m.provider, "description": m.description,
            "capabilities": list(m.capabilities), "available": m.available, "reason": m.unavailable_reason,
        } for m in models]))
        return EXIT_OK
    for m in models:
        note = "" if m.available else f"  ({m.unavailable_reason or 'not available'})"
        print(f"{m.id:40} {m.name}{note}")
    return EXIT_OK


async def _resume(services: Services, args: argparse.Namespace) -> int:
    services.scheduler.add_listener(_Progress())
    resumed = await services.scheduler.resume_all()
    # Jobs another Meshwright window or process is running stay its own: listed, never touched.
    elsewhere = dict(services.scheduler.elsewhere)
    for job_id, owner in elsewhere.items():
        print(f"{job_id}: {owner.running_text()} Left to it.", file=sys.stderr)
    results = [await services.scheduler.run(job.id) for job in resumed]
    checks = services.store.list([JobState.NEEDS_CHECK])
    others = [j for j in (services.store.get(job_id) for job_id in elsewhere) if j is not None]
    if args.json:
        print(json.dumps({"resumed": [job_json(j) for j in results], "needs_check": [job_json(j) for j in checks],
                          "elsewhere": [dict(job_json(j), owner=elsewhere[j.id].describe()) for j in others]}))
    else:
        for job in results:
            print(f"{job.id}  {job.state.label:24} {job.message}")
        for job in checks:
            print(f"{job.id}  needs a check: {job.message}")
        for job in others:
            print(f"{job.id}  {job.state.label:24} running in {elsewhere[job.id].describe()}")
    return max((_exit_code(j, services.scheduler.stop_causes) for j in results), default=EXIT_OK)


def _listing(as_json: bool, rows: list[Any], to_json: Callable[[Any], Any], to_text: Callable[[Any], str]) -> int:
    if as_json:
        print(json.dumps([to_json(r) for r in rows]))
    else:
        for row in rows:
            print(to_text(row))
    return EXIT_OK


async def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "jobs" and not 1 <= args.limit <= MAX_LIMIT:
        raise CliError(f"--limit must be a whole number from 1 to {MAX_LIMIT:,}, got {args.limit}.")
    services = await asyncio.to_thread(build_services)
    for notice in services.notices:  # damage found and repaired at start: said once, before the command's output
        print(f"warning: {notice}", file=sys.stderr)
    services.store.kind = args.command  # how other Meshwright processes name this one when it owns jobs
    await asyncio.to_thread(services.secrets.preload)
    try:
        if args.command == "models":
            return await _models(services, args)
        if args.command == "schema":
            schema = await services.registry.schema(args.model_id)
            print(json.dumps(schema.to_json(), indent=2))
            return EXIT_OK
        if args.command == "generate":
            return await _generate(services, args)
        if args.command == "quote":
            return await _quote(services, args)
        if args.command == "jobs":
            return _listing(args.json, services.store.list(limit=args.limit), job_json,
                            lambda j: f"{j.id}  {j.state.label:24} {j.model_id:32} {j.title}  {j.message}")
        if args.command == "library":
            return await cli_library.run(services, args, _listing, item_json)
        if args.command == "spending":
            return await cli_spending.run(services, args)
        if args.command == "resume":
            return await _resume(services, args)
        raise CliError(f"Unknown command {args.command}")
    finally:
        await services.aclose()


def run_cli(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    if args.command == "render":  # no services, no event loop: Qt is imported inside it, only for it
        return run_render(args)
    try:
        return asyncio.run(_dispatch(args))
    except KeyboardInterrupt:
        print("Interrupted; unfinished jobs continue with 'resume'.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except ValidationError as exc:
        for name, message in exc.fields.items():
            print(f"error: {name or 'input'}: {message}", file=sys.stderr)
        return EXIT_INPUT
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    except StorageError as exc:
        print(f"error: {exc.user_text()}", file=sys.stderr)
        return EXIT_STORAGE
    except AuthError as exc:
        print(f"error: {exc.user_text()}", file=sys.stderr)
        return EXIT_KEY
    except MeshwrightError as exc:
        print(f"error: {exc.user_text()}", file=sys.stderr)
        return EXIT_INPUT
    except (OSError, sqlite3.Error) as exc:
        # A write failed mid-command (disk full, folder made read-only): name the folder, never a traceback.
        storage = _storage_problem(exc)
        if storage is not None:
            print(f"error: {storage.user_text()}", file=sys.stderr)
            return EXIT_STORAGE
        logging.getLogger(__name__).debug("command failed", exc_info=True)
        print(f"error: {_file_problem(exc)}", file=sys.stderr)
        return EXIT_FAILED


def _storage_problem(exc: BaseException) -> StorageError | None:
    """Which of Meshwright's folders cannot be written, if that is what ``exc`` means."""
    paths = app_paths()
    where = Path(exc.filename).parent if isinstance(exc, OSError) and exc.filename else paths.data_dir
    found = storage_error_for(exc, where)
    if found is not None:
        return found
    for folder in (paths.data_dir, paths.config_dir, paths.cache_dir):
        found = probe_folder(folder)
        if found is not None:
            return found
    return None


def _file_problem(exc: BaseException) -> str:
    if isinstance(exc, sqlite3.DatabaseError):
        return ("A Meshwright data file is damaged and could not be read. Run the command again: damaged files "
                f"are set aside and rebuilt at start ({exc}).")
    name = getattr(exc, "filename", None)
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return f"{name}: {reason}." if name else f"A file operation failed: {reason}."

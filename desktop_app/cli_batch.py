"""``generate --each``: one job per image, as dropping a folder on the window does (a batch group). The jobs
share the provider's concurrency cap, so the rest wait as drafts in order. No Qt here."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from desktop_app.core.jobs.groups import create_batch
from desktop_app.core.jobs.store import Job
from desktop_app.services import Services


async def generate_each(services: Services, model_id: str, images: list[Path], values: dict[str, Any], *,
                        title: str, as_json: bool, to_json: Callable[[Job], dict[str, Any]],
                        exit_code: Callable[[Job], int]) -> int:
    """Make and run the batch; prints one line per job (or one JSON object last); returns the worst exit code."""
    made = await create_batch(services.scheduler, model_id, images, values, title=title)
    for name, why in made.skipped:
        print(f"Skipped {name}: {why}", file=sys.stderr)
    print(f"Batch {made.group.id}: {len(made.jobs)} job(s) started.", file=sys.stderr)
    jobs = await asyncio.gather(*(services.scheduler.run(job.id) for job in made.jobs))
    if as_json:
        print(json.dumps({"group": made.group.id, "jobs": [to_json(j) for j in jobs],
                          "skipped": [{"image": n, "reason": why} for n, why in made.skipped]}))
    else:
        for job in jobs:
            print(f"{job.id}  {job.state.label:24} {job.title}  {job.message}")
    return max((exit_code(j) for j in jobs), default=0)

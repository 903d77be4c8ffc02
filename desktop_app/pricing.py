"""What a job would cost, without spending: one function behind the CLI's ``quote`` and the GUI's cost line.

It lives beside ``services.py`` rather than in ``core`` because it builds a provider request (core imports no
provider). The images are checked and normalised exactly as ``Scheduler.create_job`` does, so a service that
uploads them for its estimate (Scenario) sees the bytes the job would send, and can reuse those uploads for it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from desktop_app.core.errors import MeshwrightError, ValidationError
from desktop_app.core.images import check_images, normalise_image
from desktop_app.core.jobs.model_input import check_model_file
from desktop_app.providers.base import GenerationRequest

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PriceReport:
    model_id: str
    service: str
    cost: float | None  # None: no price before the job runs (see ``note``)
    unit: str = ""
    detail: str = ""
    balance: float | None = None  # what the account has left, where the service reports it
    balance_unit: str = ""
    note: str = ""  # a plain sentence when there is no price, or why the balance is missing

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def text(self) -> str:
        """One or two lines for a person."""
        if self.cost is None:
            line = self.note or f"{self.service} gives no price for this job before it runs."
        elif self.cost == 0:
            line = f"{self.service}: free" + (f" ({self.detail})" if self.detail else "")
        else:
            line = f"{self.service}: {self.cost:g} {self.unit}" + (f" ({self.detail})" if self.detail else "")
        if self.balance is not None:
            line += f"\nBalance: {self.balance:g} {self.balance_unit}".rstrip()
        elif self.cost is not None and self.note:
            line += f"\n{self.note}"
        return line


async def quote_job(registry: Any, model_id: str, images: Sequence[Path], values: dict[str, Any], *,
                    with_balance: bool = True, complete: bool = True,
                    models: Sequence[Path] = ()) -> PriceReport:
    """The price of this exact job. Raises ``ValidationError``/``InputImageError`` for bad input (the job
    would be refused too) and a ``ProviderError`` when the service cannot be asked (no key, offline); a service
    that simply gives no price answers ``cost=None`` with a plain ``note``.

    ``complete=False`` (the GUI, while the form is being filled) still prices an unfinished job with a provider
    whose price is a local table (``quote_needs_complete_job = False``: Hyper3D, the local relief).

    ``models`` are 3D model inputs (mesh-to-mesh models), checked as ``Scheduler.create_job`` checks them. A
    provider whose estimate needs the whole payload (Scenario's dryRun validates the asset ids, as its Blender
    plugin sends them) uploads them (uploads are free, and a job sending the same file reuses the upload); the
    others never look at them. They are linked or copied into the quote's temporary folder first, so nothing a
    provider notes beside an input (Scenario's ``<file>.asset.json``) lands next to the person's file or in the
    library."""
    provider = registry.provider_for(model_id)
    schema = await registry.schema(model_id)
    service = str(getattr(provider, "display_name", provider.name))
    values = {**schema.defaults(), **schema.coerce(values)}
    checked = await asyncio.to_thread(check_images, [Path(p) for p in images], schema.max_images(), 0)
    errors = schema.validate(values, image_count=len(checked), model_count=len(models))
    for model in models:
        problem = await asyncio.to_thread(check_model_file, Path(model))
        if problem:
            errors.setdefault("models", problem)
    if errors and (complete or getattr(provider, "quote_needs_complete_job", True)):
        raise ValidationError(errors)
    with tempfile.TemporaryDirectory(prefix="meshwright-quote-") as tmp:
        def normalise() -> tuple[tuple[Path, ...], tuple[Path, ...]]:
            paths = tuple(normalise_image(img, Path(tmp) / f"{i:02d}-{img.path.stem}.png")
                          for i, img in enumerate(checked, 1))
            meshes = tuple(_link_or_copy(Path(m), Path(tmp) / f"m{i:02d}-{Path(m).name}")
                           for i, m in enumerate(models, 1))
            return paths, meshes

        paths, meshes = await asyncio.to_thread(normalise)
        quote = await provider.quote(GenerationRequest(model_id, paths, values, models=meshes))
    balance, note = None, ""
    if with_balance and hasattr(provider, "balance"):
        try:
            balance = await provider.balance()
        except MeshwrightError as exc:  # the price stands on its own; say why the balance is missing
            note = f"Balance unavailable: {exc.user_text()}"
    if quote is None:
        note = (f"{service} gives no price for this job before it runs (a free plan, or the service does not "
                "estimate this model). Nothing was spent.")
    report = PriceReport(model_id, service, None if quote is None else float(quote.cost),
                         "" if quote is None else quote.unit, "" if quote is None else quote.detail,
                         None if balance is None else float(balance[0]), "" if balance is None else balance[1],
                         note)
    log.debug("quote %s: %s", model_id, report)
    return report


def _link_or_copy(source: Path, target: Path) -> Path:
    """A hard link where the file system allows one (a 200 MB model is not copied for a price), else a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
    return target

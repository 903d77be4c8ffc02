"""What a job would cost, without spending: one function behind the CLI's ``quote`` and the GUI's cost line.

It lives beside ``services.py`` rather than in ``core`` because it builds a provider request (core imports no
provider). The images are checked and normalised exactly as ``Scheduler.create_job`` does, so a service that
uploads them for its estimate (Scenario) sees the bytes the job would send, and can reuse those uploads for it.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from desktop_app.core.errors import MeshwrightError, ValidationError
from desktop_app.core.images import check_images, normalise_image
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
                    with_balance: bool = True, complete: bool = True) -> PriceReport:
    """The price of this exact job. Raises ``ValidationError``/``InputImageError`` for bad input (the job
    would be refused too) and a ``ProviderError`` when the service cannot be asked (no key, offline); a service
    that simply gives no price answers ``cost=None`` with a plain ``note``.

    ``complete=False`` (the GUI, while the form is being filled) still prices an unfinished job with a provider
    whose price is a local table (``quote_needs_complete_job = False``: Hyper3D, the local relief)."""
    provider = registry.provider_for(model_id)
    schema = await registry.schema(model_id)
    service = str(getattr(provider, "display_name", provider.name))
    values = {**schema.defaults(), **schema.coerce(values)}
    checked = await asyncio.to_thread(check_images, [Path(p) for p in images], schema.max_images(), 0)
    errors = schema.validate(values, image_count=len(checked))
    if errors and (complete or getattr(provider, "quote_needs_complete_job", True)):
        raise ValidationError(errors)
    with tempfile.TemporaryDirectory(prefix="meshwright-quote-") as tmp:
        def normalise() -> tuple[Path, ...]:
            return tuple(normalise_image(img, Path(tmp) / f"{i:02d}-{img.path.stem}.png")
                         for i, img in enumerate(checked, 1))

        paths = await asyncio.to_thread(normalise)
        quote = await provider.quote(GenerationRequest(model_id, paths, values))
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

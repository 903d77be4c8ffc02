"""Composition root without Qt: builds the providers, journal, library and scheduler for the CLI and the GUI."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from desktop_app.core.errors import UnknownModelError
from desktop_app.core.jobs import JobStore
from desktop_app.core.library import Library
from desktop_app.core.scheduler import Scheduler
from desktop_app.core.schema import ModelSchema
from desktop_app.core.settings import AppPaths, Secrets, Settings, app_paths, load_settings
from desktop_app.providers.base import ModelInfo, Provider

log = logging.getLogger(__name__)


class Registry:
    """Providers by name, and the models and schemas they offer."""

    def __init__(self, providers: dict[str, Provider]) -> None:
        self.providers = providers
        self._schemas: dict[str, ModelSchema] = {}

    def provider_for(self, model_id: str) -> Provider:
        prefix, sep, rest = model_id.partition(":")
        provider = self.providers.get(prefix) if sep and rest else None
        if provider is None:
            known = ", ".join(sorted(self.providers)) or "none"
            raise UnknownModelError(
                f"Unknown model '{model_id}'.",
                hint=f"Model ids look like 'local:relief'; services available: {known}. "
                "Run 'models' to list them.",
            )
        return provider

    async def models(self) -> list[ModelInfo]:
        """Every provider's models; a provider that fails to answer is logged and skipped."""
        results = await asyncio.gather(*(p.models() for p in self.providers.values()), return_exceptions=True)
        models: list[ModelInfo] = []
        for provider, result in zip(self.providers.values(), results, strict=True):
            if isinstance(result, BaseException):
                log.warning("listing %s models failed: %s", provider.name, result)
                continue
            models.extend(result)
        return models

    async def schema(self, model_id: str) -> ModelSchema:
        if model_id not in self._schemas:
            self._schemas[model_id] = await self.provider_for(model_id).schema(model_id)
        return self._schemas[model_id]

    def forget_schema(self, model_id: str) -> None:
        self._schemas.pop(model_id, None)

    async def aclose(self) -> None:
        for provider in self.providers.values():
            try:
                await provider.aclose()
            except Exception:
                log.exception("closing %s failed", provider.name)


def build_providers(paths: AppPaths, settings: Settings, secrets: Secrets) -> dict[str, Provider]:
    from desktop_app.providers.local import LocalProvider

    providers: dict[str, Provider] = {"local": LocalProvider(paths.cache_dir / "local")}
    try:
        from desktop_app.providers.hyper3d import DEFAULT_BASE_URL as RODIN_URL
        from desktop_app.providers.hyper3d import Hyper3DProvider
    except ImportError as exc:
        log.info("Hyper3D provider unavailable: %s", exc)
    else:
        providers["hyper3d"] = Hyper3DProvider(
            settings.base_url("hyper3d", RODIN_URL), lambda: secrets.peek("rodin_api_key")
        )
    try:
        from desktop_app.providers.scenario import DEFAULT_BASE_URL as SCENARIO_URL
        from desktop_app.providers.scenario import ScenarioProvider
    except ImportError as exc:
        log.info("Scenario provider unavailable: %s", exc)
    else:
        providers["scenario"] = ScenarioProvider(
            settings.base_url("scenario", SCENARIO_URL),
            lambda: (secrets.peek("scenario_api_key"), secrets.peek("scenario_api_secret")),
            project_id=lambda: settings.scenario_project_id,
            cache_dir=paths.cache_dir / "scenario",
        )
    return providers


@dataclass
class Services:
    paths: AppPaths
    settings: Settings
    secrets: Secrets
    store: JobStore
    library: Library
    registry: Registry
    scheduler: Scheduler

    async def aclose(self) -> None:
        await self.scheduler.shutdown()
        await self.registry.aclose()
        self.store.close()
        self.library.close()


def build_services(
    paths: AppPaths | None = None,
    settings: Settings | None = None,
    secrets: Secrets | None = None,
    providers: dict[str, Provider] | None = None,
    **scheduler_options: Any,
) -> Services:
    """Blocking (opens databases, reads settings): call it before the event loop starts or in a worker."""
    paths = (paths or app_paths()).ensure()
    settings = settings or load_settings(paths)
    secrets = secrets or Secrets()
    registry = Registry(providers if providers is not None else build_providers(paths, settings, secrets))
    store = JobStore(paths.journal_file)
    library = Library(settings.library_path(paths))
    options = {"concurrency": settings.concurrency, "deadline_s": settings.poll_deadline_minutes * 60}
    options.update(scheduler_options)
    scheduler = Scheduler(store, registry, library, paths.jobs_dir, **options)
    return Services(paths, settings, secrets, store, library, registry, scheduler)

"""Composition root without Qt: builds the providers, journal, library and scheduler for the CLI and the GUI."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.core.errors import UnknownModelError
from desktop_app.core.jobs.scheduler import Scheduler
from desktop_app.core.jobs.store import JobStore
from desktop_app.core.library.export import remove_unfinished_exports
from desktop_app.core.library.store import Library
from desktop_app.core.ports import ModelInfo, Provider, ProviderContext
from desktop_app.core.schema.model_schema import ModelSchema
from desktop_app.core.settings import AppPaths, Secrets, Settings, app_paths, load_settings
from desktop_app.core.state_repair import StorageError, open_journal
from desktop_app.providers import catalog

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
    """One provider per service in the catalog; a service that fails to build is logged and left out."""
    context = ProviderContext(paths, settings, secrets)
    providers: dict[str, Provider] = {}
    for description in catalog.descriptions():
        try:
            providers[description.name] = description.factory(context)
        except ImportError as exc:
            log.info("%s provider unavailable: %s", description.display_name, exc)
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
    # Plain sentences about damaged state found and repaired at start (a journal set aside, an index rebuilt,
    # settings reset): the CLI prints them on stderr, the window shows them in a dialog.
    notices: list[str] = field(default_factory=list)

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
    """Blocking (opens databases, reads settings): call it before the event loop starts or in a worker.

    Damaged state is repaired or set aside here (see core/state_repair.py) and reported in ``notices``; a home
    that cannot be written raises StorageError, whose message names the folder."""
    paths = (paths or app_paths()).ensure()
    notices: list[str] = []
    settings = settings or load_settings(paths, notices)
    secrets = secrets or Secrets()
    store = open_journal(paths.journal_file, paths.jobs_dir, notices)
    remove_unfinished_exports(paths.data_dir / "unfinished-exports.txt")
    try:
        library = open_library(settings, paths, notices)
    except BaseException:
        store.close()
        raise
    registry = Registry(providers if providers is not None else build_providers(paths, settings, secrets))
    options = {"concurrency": settings.concurrency, "deadline_s": settings.poll_deadline_minutes * 60,
               "daily_caps": settings.daily_caps}
    options.update(scheduler_options)
    scheduler = Scheduler(store, registry, library, paths.jobs_dir, **options)
    return Services(paths, settings, secrets, store, library, registry, scheduler, notices)


def open_library(settings: Settings, paths: AppPaths, notices: list[str]) -> Library:
    """The library the settings name; when that is not a usable folder (a file, a path through a file), the
    default one, with a notice (the setting is left as it is, so the user can put the folder back)."""
    chosen = settings.library_path(paths)
    try:
        library = Library(chosen)
    except StorageError as exc:
        default = paths.default_library_dir
        if Path(chosen) == default or not settings.library_dir:
            raise
        notices.append(f"The library folder in your settings, {chosen}, cannot be used ({exc.message}) Meshwright "
                       f"opened the default library {default} instead; choose the folder again in Settings once "
                       "it is back.")
        library = Library(default)
    notices.extend(library.notices)
    library.notices.clear()
    return library

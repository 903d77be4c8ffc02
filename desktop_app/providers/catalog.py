"""The services Meshwright offers, in the order it shows them. Each entry is a module exporting ``DESCRIPTION``
(a :class:`~desktop_app.core.ports.ProviderDescription`); the settings pages, the welcome, the status-bar
credits, the key tests and the provider registry are all built from this list.

Adding a provider: a module or package with its ``DESCRIPTION`` (and the provider it builds), and one line here.
"""

from __future__ import annotations

import importlib
import logging

from desktop_app.core.ports import ProviderDescription
from desktop_app.core.settings import register_provider_settings

log = logging.getLogger(__name__)

PROVIDERS = [
    "desktop_app.providers.local_description",
    "desktop_app.providers.hyper3d_description",
    "desktop_app.providers.scenario_description",
]


def descriptions() -> list[ProviderDescription]:
    """Every listed service that can be loaded here (one that cannot is logged and left out)."""
    found = []
    for module_name in PROVIDERS:
        try:
            description = importlib.import_module(module_name).DESCRIPTION
        except (ImportError, AttributeError) as exc:
            log.warning("provider %s unavailable: %s", module_name, exc)
            continue
        register(description)
        found.append(description)
    return found


def register(description: ProviderDescription) -> None:
    """Tell the core which secrets and environment variables this service uses (core imports no provider)."""
    register_provider_settings(
        description.name,
        {s.name: s.env for s in description.secrets},
        description.base_url_env,
        description.secret_pairs,
    )


def description(name: str) -> ProviderDescription | None:
    return next((d for d in descriptions() if d.name == name), None)


descriptions()  # register the built-in services' secrets as soon as the list is imported

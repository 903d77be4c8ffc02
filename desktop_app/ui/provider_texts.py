"""The services as the UI shows them: their descriptions from the provider list, with their words translated."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from desktop_app.core.ports import ProviderDescription
from desktop_app.providers import catalog


def provider_text(text: str) -> str:
    """A description's words in the user's language (the "Providers" translation context)."""
    return QCoreApplication.translate("Providers", text) if text else text


def described(names: object = None) -> list[ProviderDescription]:
    """The services in the provider list, in order; only those in ``names`` when given."""
    return [d for d in catalog.descriptions() if names is None or d.name in names]  # type: ignore[operator]


def with_accounts() -> list[ProviderDescription]:
    """The services that need keys (the Accounts page, the welcome's key fields, the status-bar credits)."""
    return [d for d in catalog.descriptions() if d.secrets]


def display_name(name: str) -> str:
    description = catalog.description(name)
    return provider_text(description.display_name) if description else name

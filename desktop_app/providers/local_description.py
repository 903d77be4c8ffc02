"""The offline relief generator, as the app describes it (no account, nothing to pay)."""

from __future__ import annotations

from desktop_app.core.ports import Provider, ProviderContext, ProviderDescription


def _make(context: ProviderContext) -> Provider:
    from desktop_app.providers.local import LocalProvider

    return LocalProvider(context.paths.cache_dir / "local")


DESCRIPTION = ProviderDescription(
    name="local",
    display_name="Offline relief",
    short_name="Offline",
    summary="Free and ready now, no account. Raises one picture into a relief on this computer: good for logos, "
            "drawings and signs.",
    factory=_make,
    picker_heading="On this computer",
    needs="free, no account",
    paid=False,
)

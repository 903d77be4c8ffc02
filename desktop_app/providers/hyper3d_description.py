"""Hyper3D Rodin, as the app describes it: its key, where to get one, its address variable and its key test."""

from __future__ import annotations

from desktop_app.core.ports import Provider, ProviderContext, ProviderDescription, SecretSpec


def _make(context: ProviderContext) -> Provider:
    from desktop_app.providers.hyper3d import DEFAULT_BASE_URL, Hyper3DProvider

    secrets = context.secrets
    return Hyper3DProvider(context.settings.base_url("hyper3d", DEFAULT_BASE_URL),
                           lambda: secrets.peek("rodin_api_key"))


async def _test(provider: Provider) -> str:
    balance = await provider.balance()
    if balance is None:
        return "Connected"
    return f"Connected · {balance[0]:g} {balance[1]} left"


DESCRIPTION = ProviderDescription(
    name="hyper3d",
    display_name="Hyper3D Rodin",
    short_name="Rodin",
    summary="Full 3D models with textures from up to five photos. Needs a Rodin API key; each model costs credits.",
    factory=_make,
    needs="Rodin API key, paid credits",
    secrets=(SecretSpec("rodin_api_key", "RODIN_API_KEY", "API ke&y:", "Hyper3D Rodin API key"),),
    key_url="https://hyper3d.ai/",  # the dashboard's API Key Management page (rodin.md: Auth)
    key_link_text="Create a key on the Hyper3D dashboard (API Key Management)",
    base_url_env="RODIN_BASE_URL",
    test_connection=_test,
)

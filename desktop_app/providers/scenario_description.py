"""Scenario, as the app describes it: key and secret, the optional project id, and its key test (Scenario
reports no balance to API keys, so the test lists the models the keys unlock)."""

from __future__ import annotations

from desktop_app.core.errors import MeshwrightError
from desktop_app.core.ports import OptionSpec, Provider, ProviderContext, ProviderDescription, SecretSpec
from desktop_app.core.settings import Settings


def _make(context: ProviderContext) -> Provider:
    from desktop_app.providers.scenario import DEFAULT_BASE_URL, ScenarioProvider

    secrets, settings = context.secrets, context.settings
    return ScenarioProvider(settings.base_url("scenario", DEFAULT_BASE_URL),
                            lambda: (secrets.peek("scenario_api_key"), secrets.peek("scenario_api_secret")),
                            project_id=lambda: settings.scenario_project_id,
                            cache_dir=context.paths.cache_dir / "scenario")


async def _test(provider: Provider) -> str:
    models = await provider.models()
    usable = [m for m in models if m.available]
    if not usable:
        reasons = [m.unavailable_reason for m in models if m.unavailable_reason]
        raise MeshwrightError(reasons[0] if reasons else "This account cannot use any 3D model.")
    return f"Connected · {len(usable)} 3D model(s) available to this account"


def _set_project(settings: Settings, value: str) -> None:
    settings.scenario_project_id = value


DESCRIPTION = ProviderDescription(
    name="scenario",
    display_name="Scenario",
    short_name="Scenario",
    summary="Several 3D generators in one account. Needs an API key and its secret (Starter plan or above).",
    factory=_make,
    needs="Scenario key and secret, paid credits",
    secrets=(SecretSpec("scenario_api_key", "SCENARIO_SDK_API_KEY", "API &key:", "Scenario API key"),
             SecretSpec("scenario_api_secret", "SCENARIO_SDK_API_SECRET", "API se&cret:", "Scenario API secret")),
    options=(OptionSpec("&Project id:", "Optional: only for project-bound keys",
                        "The Scenario project a project key belongs to; leave empty for a team key",
                        lambda s: s.scenario_project_id, _set_project),),
    key_url="https://app.scenario.com/",  # Project Settings > API Keys (scenario.md: Keys)
    key_link_text="Create a key in Scenario (Project Settings › API Keys)",
    base_url_env="SCENARIO_BASE_URL",
    test_connection=_test,
    secret_pairs=(("scenario_api_key", "scenario_api_secret"),),
)

"""The one scrubber: keys from the environment, the keychain, a Scenario key:secret pair and its Basic auth form
never reach the log, an error's text or a shown server reply."""

from __future__ import annotations

import base64
import logging

import httpx
import pytest

from desktop_app.core import secrets_scrub
from desktop_app.core.errors import ProviderError
from desktop_app.core.logs import setup_logging
from desktop_app.core.settings import Secrets
from desktop_app.providers import catalog  # noqa: F401  (registers the providers' secrets and pairs)
from desktop_app.providers.hyper3d_errors import body_error
from desktop_app.providers.scenario_errors import error_for_response

ENV_KEY = "rk-env-key-40417"
KEYCHAIN_KEY = "sk-keychain-80123"
KEYCHAIN_SECRET = "ss-keychain-80124"


@pytest.fixture
def secrets(monkeypatch, tmp_path) -> Secrets:
    monkeypatch.setattr(secrets_scrub, "_known", set())
    stored = {"scenario_api_key": KEYCHAIN_KEY, "scenario_api_secret": KEYCHAIN_SECRET}
    monkeypatch.setattr(Secrets, "_from_keychain", staticmethod(lambda name: stored.get(name, "")))
    store = Secrets(env={"RODIN_API_KEY": ENV_KEY}, key_file=tmp_path / "absent" / "keys.json")
    store.preload()
    return store


def _leaks(text: str) -> list[str]:
    basic = base64.b64encode(f"{KEYCHAIN_KEY}:{KEYCHAIN_SECRET}".encode()).decode()
    return [s for s in (ENV_KEY, KEYCHAIN_KEY, KEYCHAIN_SECRET, basic) if s in text]


def _everything() -> str:
    basic = base64.b64encode(f"{KEYCHAIN_KEY}:{KEYCHAIN_SECRET}".encode()).decode()
    return f"key {ENV_KEY}, {KEYCHAIN_KEY} and {KEYCHAIN_SECRET}; header Basic {basic}; bare {basic}"


def test_the_keys_in_use_are_known_to_the_scrubber(secrets) -> None:
    assert secrets.get("rodin_api_key") == ENV_KEY and secrets.source("scenario_api_key") == "keychain"
    assert _leaks(secrets_scrub.scrub(_everything())) == []
    assert "[hidden]" in secrets_scrub.scrub(_everything())


def test_an_environment_pair_is_hidden_in_its_basic_auth_form(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(secrets_scrub, "_known", set())
    env = {"SCENARIO_SDK_API_KEY": "sk-env-pair-1", "SCENARIO_SDK_API_SECRET": "ss-env-pair-2"}
    Secrets(env=env, key_file=tmp_path / "k.json").peek("scenario_api_secret")
    Secrets(env=env, key_file=tmp_path / "k.json").peek("scenario_api_key")
    basic = base64.b64encode(b"sk-env-pair-1:ss-env-pair-2").decode()
    assert basic not in secrets_scrub.scrub(f"Authorization: {basic} and {basic}")


def test_the_log_file_never_holds_a_key(secrets, tmp_path) -> None:
    path = setup_logging(tmp_path / "logs")
    logger = logging.getLogger("meshwright.test.scrub")
    try:
        logger.warning("request failed: %s", _everything())
        try:
            raise ProviderError(f"server said {KEYCHAIN_SECRET}")
        except ProviderError:
            logger.exception("with a traceback")
    finally:
        for handler in [h for h in logging.getLogger().handlers if getattr(h, "meshwright", False)]:
            handler.flush()
            logging.getLogger().removeHandler(handler)
            handler.close()
    text = path.read_text(encoding="utf-8")
    assert "request failed" in text and "with a traceback" in text
    assert _leaks(text) == []


def test_error_text_shown_to_the_user_is_scrubbed(secrets) -> None:
    from desktop_app.ui.tasks import error_text

    assert _leaks(error_text(ProviderError(_everything()))) == []
    assert _leaks(error_text(RuntimeError(_everything()))) == []


def test_server_echoes_are_scrubbed_in_provider_errors(secrets) -> None:
    basic = base64.b64encode(f"{KEYCHAIN_KEY}:{KEYCHAIN_SECRET}".encode()).decode()
    monkey_known = set(secrets_scrub._known)
    secrets_scrub._known.clear()  # only what the provider passes: a key typed in Settings, not saved yet
    try:
        reply = httpx.Response(400, json={"message": f"bad auth Basic {basic} for {KEYCHAIN_KEY}"},
                               request=httpx.Request("GET", "https://api.example/v1/x"))
        err = error_for_response(reply, action="x", secrets=(KEYCHAIN_KEY, KEYCHAIN_SECRET))
        assert _leaks(err.user_text()) == []
        assert _leaks(body_error("ERR", f"echo {ENV_KEY}", secret=ENV_KEY).user_text()) == []
    finally:
        secrets_scrub._known.update(monkey_known)


def test_typed_values_are_scrubbed_without_being_registered() -> None:
    from desktop_app.ui.settings.secret_field import scrub

    assert scrub("the key typed-key-991 was refused", ["typed-key-991"]) == "the key [hidden] was refused"
    assert "typed-key-991" not in secrets_scrub._known

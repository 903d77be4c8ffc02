"""Key file fallback, secret scrubbing of logs, and rotating logs (no Qt)."""

from __future__ import annotations

import base64
import logging
import stat

from desktop_app.core.logs import BACKUPS, LOG_FILE, register_secret_pair, scrub, setup_logging
from desktop_app.core.secret_file import SecretFile
from desktop_app.core.settings import Secrets, Settings, app_paths, load_settings, save_settings
from desktop_app.providers import catalog


def test_key_file_is_owner_only_and_labelled(tmp_path):
    f = SecretFile(tmp_path / "cfg" / "keys.json")
    assert f.read() == {} and not f.exists()
    f.set("rodin_api_key", "rk-1234")
    assert stat.S_IMODE(f.path.stat().st_mode) == 0o600
    assert f.get("rodin_api_key") == "rk-1234" and "WITHOUT encryption" in f.path.read_text()
    f.path.write_text("{not json")
    assert f.read() == {}  # a damaged file reads as "no keys", never as an error with its content


def test_environment_wins_over_the_key_file(tmp_path):
    secrets = Secrets(env={"RODIN_API_KEY": "rk-env-5555"}, key_file=tmp_path / "keys.json")
    secrets.file.set("rodin_api_key", "rk-file-6666")
    assert secrets.get("rodin_api_key") == "rk-env-5555" and secrets.source("rodin_api_key") == "environment"
    assert Secrets(env={}, key_file=tmp_path / "keys.json").get("rodin_api_key") == "rk-file-6666"


def test_scrub_hides_known_keys_and_their_basic_auth_form():
    register_secret_pair("sk-unit-key-771", "ss-unit-secret-772")
    pair = base64.b64encode(b"sk-unit-key-771:ss-unit-secret-772").decode()
    text = scrub(f"sent {pair} with sk-unit-key-771 then x-api-key=abc123 Authorization: Bearer tok.en-1")
    assert "sk-unit-key-771" not in text and pair not in text and "abc123" not in text and "tok.en-1" not in text


def test_logs_rotate_and_are_scrubbed(tmp_path):
    root = logging.getLogger()
    before = list(root.handlers)
    path = setup_logging(tmp_path)
    try:
        handler = next(h for h in root.handlers if h not in before)
        handler.maxBytes = 2000
        register_secret_pair("sk-rot-key-881", "ss-rot-secret-882")
        for i in range(200):
            logging.getLogger("t").info("job j-%03d took %.3f s with sk-rot-key-881", i, 0.1)
        handler.flush()
    finally:
        for h in [h for h in root.handlers if h not in before]:
            root.removeHandler(h)
            h.close()
    files = sorted(tmp_path.glob(LOG_FILE + "*"))
    assert path.exists() and 1 < len(files) <= BACKUPS + 1
    text = "".join(f.read_text() for f in files)
    assert "job j-199" in text and "sk-rot-key-881" not in text


def test_presets_and_theme_survive_a_save(isolated_home):
    paths = app_paths().ensure()
    save_settings(paths, Settings(theme="dark", presets={"local:relief": {"Deep": {"depth": 0.4}}}))
    loaded = load_settings(paths)
    assert loaded.theme == "dark" and loaded.presets["local:relief"]["Deep"] == {"depth": 0.4}


def test_the_provider_list_registers_each_services_secrets():
    from desktop_app.core.settings import BASE_URL_ENV, SECRET_ENV, SECRET_PAIRS

    catalog.descriptions()
    assert SECRET_ENV["rodin_api_key"] == "RODIN_API_KEY"
    assert SECRET_ENV["scenario_api_secret"] == "SCENARIO_SDK_API_SECRET"
    assert {"hyper3d": "RODIN_BASE_URL", "scenario": "SCENARIO_BASE_URL"}.items() <= BASE_URL_ENV.items()
    assert ("scenario_api_key", "scenario_api_secret") in SECRET_PAIRS

"""Where the app keeps things, the user's preferences, and API secrets.

All paths come from :func:`app_paths`: with ``MESHWRIGHT_HOME`` set, everything the app writes (settings,
journal, library, caches, logs) lives under that one folder, so a test or a portable install touches nothing
else. Secrets never go into the settings file: environment variables first, then the OS keychain.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import platformdirs

from desktop_app import APP_NAME
from desktop_app.core.logs import register_secret, register_secret_pair

log = logging.getLogger(__name__)

HOME_ENV = "MESHWRIGHT_HOME"
KEYRING_SERVICE = "Meshwright"

# Filled by the provider list (desktop_app/providers/catalog.py) from each service's description, so the core
# knows every service's secrets without importing a provider.
SECRET_ENV: dict[str, str] = {}  # secret name -> environment variable that overrides the stored value
BASE_URL_ENV: dict[str, str] = {}  # provider name -> environment variable with its address (an emulator's)
SECRET_PAIRS: list[tuple[str, str]] = []  # secrets sent together as base64 "key:secret": the scrubber knows both


def register_provider_settings(provider: str, secrets: dict[str, str], base_url_env: str = "",
                               pairs: tuple[tuple[str, str], ...] = ()) -> None:
    """Record a service's secrets (name -> environment variable), address variable and secret pairs."""
    SECRET_ENV.update(secrets)
    if base_url_env:
        BASE_URL_ENV[provider] = base_url_env
    SECRET_PAIRS.extend(p for p in pairs if p not in SECRET_PAIRS)


@dataclass(frozen=True)
class AppPaths:
    config_dir: Path
    data_dir: Path
    cache_dir: Path
    log_dir: Path

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def journal_file(self) -> Path:
        return self.data_dir / "jobs.sqlite3"

    @property
    def jobs_dir(self) -> Path:
        """Working folders of unfinished jobs (inputs copied in, outputs downloading)."""
        return self.data_dir / "jobs"

    @property
    def default_library_dir(self) -> Path:
        return self.data_dir / "library"

    def ensure(self) -> AppPaths:
        """Create the folders; StorageError (naming the folder) when one cannot be made."""
        from desktop_app.core.state_repair import ensure_folder

        for d in (self.config_dir, self.data_dir, self.cache_dir, self.log_dir, self.jobs_dir):
            ensure_folder(d)
        return self


def app_paths(env: dict[str, str] | None = None) -> AppPaths:
    env = os.environ if env is None else env
    home = env.get(HOME_ENV, "").strip()
    if home:
        root = Path(home).expanduser().resolve()
        return AppPaths(root / "config", root / "data", root / "cache", root / "logs")
    dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
    return AppPaths(
        Path(dirs.user_config_dir), Path(dirs.user_data_dir), Path(dirs.user_cache_dir), Path(dirs.user_log_dir)
    )


@dataclass
class Settings:
    """User preferences. Unknown keys in the file are ignored; a corrupt file falls back to defaults."""

    default_model: str = "local:relief"
    library_dir: str = ""  # empty: the default under the data dir
    concurrency: dict[str, int] = field(default_factory=lambda: {"hyper3d": 2, "scenario": 3, "local": 1})
    poll_deadline_minutes: int = 30
    # service name -> most it may spend per day, in its own unit (Scenario CU, Hyper3D credits); absent: no cap
    daily_caps: dict[str, float] = field(default_factory=dict)
    base_urls: dict[str, str] = field(default_factory=dict)
    scenario_project_id: str = ""
    theme: str = "system"  # "system" (follow the desktop), "light" or "dark"
    welcome_done: bool = False
    last_params: dict[str, dict[str, Any]] = field(default_factory=dict)
    # model id -> preset name -> form values (ui/generate/presets.py)
    presets: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    preview_background: str = ""  # "#rrggbb" the user chose in the preview; empty: the built-in dark grey
    # the preview's light: environment, exposure, rotation, background, shadow, quality (ui/preview/shading.py)
    preview_light: dict[str, Any] = field(default_factory=dict)
    # The main window's size and place (Qt's saveGeometry, base64), its workspace and splitter sizes.
    window_state: dict[str, Any] = field(default_factory=dict)

    def library_path(self, paths: AppPaths) -> Path:
        return Path(self.library_dir).expanduser() if self.library_dir else paths.default_library_dir

    def base_url(self, provider: str, default: str, env: dict[str, str] | None = None) -> str:
        env = os.environ if env is None else env
        url = env.get(BASE_URL_ENV.get(provider, ""), "").strip() or self.base_urls.get(provider, "").strip()
        return (url or default).rstrip("/")


def load_settings(paths: AppPaths, notices: list[str] | None = None) -> Settings:
    """The saved preferences, or the defaults. A damaged file (garbled, wrong type, a folder in its place) is
    set aside as ``settings.json.damaged-<date>`` and a sentence saying so is appended to ``notices``."""
    from desktop_app.core.state_repair import set_aside

    path = paths.settings_file
    problem = ""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except IsADirectoryError:
        problem = "a folder is in its place"
    except PermissionError:
        log.warning("settings file %s cannot be read; using defaults", path)
        if notices is not None:
            notices.append(f"The settings file {path} cannot be read (permission denied); Meshwright uses its "
                           "default settings for now.")
        return Settings()
    except (OSError, ValueError) as exc:
        problem = f"it is not readable settings ({type(exc).__name__})"
    else:
        if not isinstance(raw, dict):
            problem = f"it holds a {type(raw).__name__} instead of settings"
    if problem:
        log.info("settings file %s is damaged (%s); using defaults", path, problem)
        try:
            aside = set_aside(path)
            kept = f" The damaged file was kept as {aside.name}."
        except Exception:  # a read-only folder: the defaults still work, only the copy is not made
            kept = ""
        if notices is not None:
            notices.append(f"The settings file {path} was damaged ({problem}); Meshwright started with default "
                           f"settings (library folder, preferences, presets).{kept} API keys are not affected.")
        return Settings()
    known = {f.name for f in fields(Settings)}
    defaults = Settings()
    values = {}
    for key, value in raw.items():
        if key in known and type(value) is type(getattr(defaults, key)):
            values[key] = value
    return Settings(**values)


def save_settings(paths: AppPaths, settings: Settings) -> None:
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    tmp = paths.settings_file.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(asdict(settings), indent=2, sort_keys=True), encoding="utf-8")
    os.replace(tmp, paths.settings_file)


class Secrets:
    """API secrets: environment variables override the OS keychain. Values are never logged.

    keyring can block (a locked Secret Service) or be missing (headless Linux), so callers in the GUI must
    use this from a worker thread; every failure reads as "not set". Where no keychain works, the user may opt
    in to an owner-only file (:mod:`desktop_app.core.secret_file`); once that file exists it is where keys go.
    """

    def __init__(self, env: dict[str, str] | None = None, key_file: Path | None = None) -> None:
        from desktop_app.core.secret_file import FILE_NAME, SecretFile

        self._env = os.environ if env is None else env
        self._cache: dict[str, str] = {}
        self._origin: dict[str, str] = {}
        self.file = SecretFile(key_file or app_paths(self._env).config_dir / FILE_NAME)

    def preload(self) -> None:
        """Read every stored secret once (call from a worker thread); later ``peek`` calls never block."""
        for name in SECRET_ENV:
            self.get(name)

    def peek(self, name: str) -> str:
        """The environment value, else what ``get``/``preload`` last read; never touches the keychain."""
        return self.from_env(name) or self._cache.get(name, "")

    def source(self, name: str) -> str:
        """Where the active value comes from: "environment", "keychain", "file", "session" or "" (not set)."""
        if self.from_env(name):
            return "environment"
        return self._origin.get(name, "keychain") if self._cache.get(name) else ""

    def from_env(self, name: str) -> str:
        variable = SECRET_ENV.get(name)
        if variable is None:
            raise KeyError(f"unknown secret {name!r}: its service is not in the provider list")
        value = self._env.get(variable, "").strip()
        register_secret(value)
        for key, secret in SECRET_PAIRS:  # a pair set in the environment travels as base64 "key:secret" too
            if value and name in (key, secret):
                register_secret_pair(self._env_or_cached(key), self._env_or_cached(secret))
        return value

    def _env_or_cached(self, name: str) -> str:
        return self._env.get(SECRET_ENV.get(name, ""), "").strip() or self._cache.get(name, "")

    def get(self, name: str) -> str:
        value = self.from_env(name)
        if value:
            return value
        if self.file.exists():  # the user chose the file: the keychain is not asked (it does not work here)
            value, origin = self.file.get(name).strip(), "file"
        else:
            value, origin = self._from_keychain(name), "keychain"
        self._cache[name], self._origin[name] = value, origin
        self._register()
        return value

    @staticmethod
    def _from_keychain(name: str) -> str:
        try:
            import keyring

            return (keyring.get_password(KEYRING_SERVICE, name) or "").strip()
        except Exception as exc:  # any backend failure means "no stored secret"
            log.info("keyring unavailable (%s) while reading %s", type(exc).__name__, name)
            return ""

    def _register(self) -> None:
        """Tell the log scrubber every key in use, and each key/secret pair together (a pair travels as base64)."""
        register_secret(*(v for v in self._cache.values() if v))
        for key, secret in SECRET_PAIRS:
            register_secret_pair(self.peek(key), self.peek(secret))

    def set(self, name: str, value: str) -> None:
        self._cache[name] = value
        self._register()
        if self.file.exists():
            self._origin[name] = "file"
            self.file.set(name, value)
            return
        import keyring

        self._origin[name] = "keychain"
        if value:
            keyring.set_password(KEYRING_SERVICE, name, value)
        else:
            try:
                keyring.delete_password(KEYRING_SERVICE, name)
            except keyring.errors.PasswordDeleteError:
                pass

    def remember(self, name: str, value: str) -> None:
        """Use ``value`` for this session only (no keychain write): for keys the keychain refused or cannot hold."""
        if name not in SECRET_ENV:
            raise KeyError(name)
        self._cache[name] = value.strip()
        self._origin[name] = "session"
        self._register()

    def use_file(self, enabled: bool) -> None:
        """Opt in to (or out of) the key file. Opting in moves the keys known now into it; opting out deletes
        it, so the keys it held last only until Meshwright quits. Blocking: call it from a worker thread."""
        if not enabled:
            self.file.delete()
            self._origin.update({n: "session" for n, v in self._cache.items() if v})
            return
        keys = {n: v for n, v in self._cache.items() if v and n in SECRET_ENV}
        self.file.write({**self.file.read(), **keys})
        self._origin.update({n: "file" for n in keys})

    @staticmethod
    def keychain_status() -> tuple[str, bool]:
        """(backend name, can it store secrets). Blocking like every keyring call: run it in a worker thread.

        keyring's fail and null backends, and a chainer with nothing to chain, mean "no keychain on this system":
        a write would be lost or refused, so the UI says so instead of pretending to save.
        """
        try:
            import keyring
            from keyring.backends import chainer, fail, null

            backend = keyring.get_keyring()
        except Exception as exc:  # a broken keyring install reads as "no keychain"
            log.info("keyring unavailable: %s", type(exc).__name__)
            return "", False
        name = str(getattr(backend, "name", "") or type(backend).__name__)
        if isinstance(backend, fail.Keyring | null.Keyring):
            return name, False
        if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
            return name, False
        return name, True

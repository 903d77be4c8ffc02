"""Test-wide rules: every test gets a private MESHWRIGHT_HOME, no real keychain and no real keys."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURE_IMAGES = Path(__file__).resolve().parent / "fixtures" / "images"
SECRET_VARS = ("RODIN_API_KEY", "SCENARIO_SDK_API_KEY", "SCENARIO_SDK_API_SECRET", "RODIN_BASE_URL",
               "SCENARIO_BASE_URL")


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "meshwright-home"
    monkeypatch.setenv("MESHWRIGHT_HOME", str(home))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    for name in SECRET_VARS:
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def fixture_images() -> Path:
    """The real input images in tests/fixtures/images (RGBA PNGs, see the README there)."""
    if not FIXTURE_IMAGES.is_dir():
        pytest.fail(f"fixture images missing at {FIXTURE_IMAGES}")
    return FIXTURE_IMAGES

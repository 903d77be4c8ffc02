"""The real command line against the Scenario emulator: environment overrides, one paid submit, files on disk."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.emulators.scenario import ScenarioEmulator

REPO = Path(__file__).resolve().parents[2]


def run_cli(emu: ScenarioEmulator, *args: str, secret: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, SCENARIO_BASE_URL=emu.base_url, SCENARIO_SDK_API_KEY=emu.api_key,
               SCENARIO_SDK_API_SECRET=emu.api_secret if secret is None else secret)
    return subprocess.run([sys.executable, "-m", "desktop_app", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)


def test_cli_generate_with_trellis(fixture_images: Path) -> None:
    image = fixture_images / "typical_misc_crate.png"
    with ScenarioEmulator() as emu:
        emu.middle_states = []  # done at the first poll (after ~5 s)
        done = run_cli(emu, "generate", "scenario:model_trellis-2", str(image), "--set", "textureSize=1024",
                       "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == "succeeded" and result["cost"] == 30
    assert Path(result["model_file"]).read_bytes()[:4] == b"glTF"
    assert emu.generate_posts == 1 and len(emu.uploaded_hashes) == 1
    (job,) = emu.jobs.values()
    assert job["input"]["textureSize"] == 1024 and job["input"]["image"].startswith("asset_")
    assert emu.api_key not in done.stdout + done.stderr and emu.api_secret not in done.stdout + done.stderr


def test_cli_with_a_wrong_secret_explains_what_to_do(fixture_images: Path) -> None:
    wrong_value = "not-the-right-secret-9c1e"
    with ScenarioEmulator() as emu:
        done = run_cli(emu, "generate", "scenario:model_trellis-2", str(fixture_images / "typical_misc_crate.png"),
                       "--json", secret=wrong_value)
        assert emu.generate_posts == 0
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "key" in output and wrong_value not in output


def test_cli_schema_and_models() -> None:
    with ScenarioEmulator() as emu:
        schema = run_cli(emu, "schema", "scenario:model_rodin-hyper3d-v2-5")
        models = run_cli(emu, "models", "--json")
    assert schema.returncode == 0, schema.stderr[-2000:]
    data = json.loads(schema.stdout)
    assert data["id"] == "scenario:model_rodin-hyper3d-v2-5"
    assert any(i["name"] == "images" and i["type"] == "file_array" for i in data["inputs"])
    assert models.returncode == 0, models.stderr[-2000:]
    assert "scenario:model_meshy-7-img23d" in models.stdout

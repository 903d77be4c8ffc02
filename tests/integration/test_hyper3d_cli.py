"""The real command line against the Hyper3D emulator: environment overrides, one paid submit, files on disk."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.emulators.hyper3d import Hyper3DEmulator

REPO = Path(__file__).resolve().parents[2]


def run_cli(emu: Hyper3DEmulator, *args: str, key: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, RODIN_BASE_URL=emu.base_url, RODIN_API_KEY=emu.api_key if key is None else key)
    return subprocess.run([sys.executable, "-m", "desktop_app", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)


def test_cli_generate_with_rodin(fixture_images: Path) -> None:
    image = fixture_images / "typical_misc_crate.png"
    with Hyper3DEmulator() as emu:
        emu.waiting_polls = emu.generating_polls = emu.stagger_polls = 0  # done at the first poll (after ~5 s)
        done = run_cli(emu, "generate", "hyper3d:rodin", str(image), "--set", "tier=Gen-2.5-Low", "--json")
        assert done.returncode == 0, done.stderr[-2000:]
        result = json.loads(done.stdout.strip().splitlines()[-1])
        assert result["status"] == "succeeded" and result["cost"] == 0.5
        assert Path(result["model_file"]).read_bytes()[:4] == b"glTF"
        assert emu.submits == 1 and emu.balance == 99.5
        (sent,) = emu.requests_to("rodin")
        assert sent.fields["tier"] == ["Gen-2.5-Low"]
        assert [f[:2] for f in sent.files] == [("images", "0000.png")]  # the app's normalised copy
        assert emu.api_key not in done.stdout + done.stderr


def test_cli_with_a_wrong_key_explains_what_to_do(fixture_images: Path) -> None:
    wrong_value = "rk-not-the-right-key-5f3a"
    with Hyper3DEmulator() as emu:
        done = run_cli(emu, "generate", "hyper3d:rodin", str(fixture_images / "typical_misc_crate.png"),
                       "--json", key=wrong_value)
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "API key" in output and wrong_value not in output
    if done.stdout.strip():
        last = json.loads(done.stdout.strip().splitlines()[-1])
        assert last["status"] != "succeeded"


@pytest.mark.parametrize("args", [("schema", "hyper3d:rodin")])
def test_cli_schema(args: tuple[str, ...]) -> None:
    with Hyper3DEmulator() as emu:
        done = run_cli(emu, *args)
    assert done.returncode == 0, done.stderr[-2000:]
    schema = json.loads(done.stdout)
    assert schema["id"] == "hyper3d:rodin" and len(schema["inputs"]) >= 20

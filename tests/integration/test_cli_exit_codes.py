"""Exit codes and messages of the real CLI (README's table) for the cases issue 13 found mixed up: a rejected
key, a broken download, a broken extra file, a huge status reply, a blank picture, an absurd --limit. Real
subprocesses against the loopback Hyper3D emulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from tests.emulators.hyper3d import Hyper3DEmulator

REPO = Path(__file__).resolve().parents[2]
IMAGE = REPO / "tests" / "fixtures" / "images" / "typical_misc_crate.png"


def _env(emu: Hyper3DEmulator | None = None, key: str | None = None) -> dict[str, str]:
    env = dict(os.environ, MESHWRIGHT_POLL_SECONDS="0.05,0.1", PYTHONPATH=str(REPO))
    if emu is not None:
        env.update(RODIN_BASE_URL=emu.base_url, RODIN_API_KEY=emu.api_key if key is None else key)
    return env


def run(*args: str, emu: Hyper3DEmulator | None = None, key: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "desktop_app", *args], cwd=REPO, env=_env(emu, key),
                          capture_output=True, text=True, timeout=120)


def run_measured(*args: str, emu: Hyper3DEmulator) -> tuple[int, str, int]:
    """(exit code, stderr, the child's peak resident memory in kB) via wait4, for this one child only."""
    proc = subprocess.Popen([sys.executable, "-m", "desktop_app", *args], cwd=REPO, env=_env(emu),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    with proc.stderr:
        err = proc.stderr.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, err, usage.ru_maxrss


def _fast(emu: Hyper3DEmulator) -> Hyper3DEmulator:
    emu.waiting_polls = emu.generating_polls = emu.stagger_polls = 0
    return emu


def _assert_clean(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stdout + done.stderr


def test_rejected_key_exits_4_not_130() -> None:
    with Hyper3DEmulator() as emu:
        done = run("generate", "hyper3d:rodin", str(IMAGE), emu=emu, key="rk-wrong-key-0000")
    _assert_clean(done)
    assert done.returncode == 4, done.stderr
    assert any(line.startswith("error:") and "API key" in line for line in done.stderr.splitlines())


def test_model_that_will_not_download_exits_5_and_resume_fetches_it() -> None:
    with _fast(Hyper3DEmulator()) as emu:
        emu.preview_first = False  # the model is the first file fetched: its three links all fail
        emu.file_faults = [404, 404, 404]
        done = run("generate", "hyper3d:rodin", str(IMAGE), "--json", emu=emu)
        _assert_clean(done)
        assert done.returncode == 5, done.stderr
        assert any(line.startswith("error:") for line in done.stderr.splitlines())
        again = run("resume", "--json", emu=emu)
        _assert_clean(again)
        assert again.returncode == 0, again.stderr
        assert emu.submits == 1
    (job,) = json.loads(again.stdout)["resumed"]
    assert job["status"] == "succeeded" and job["item"]


def test_broken_extra_file_keeps_the_model_and_says_what_is_missing() -> None:
    with _fast(Hyper3DEmulator()) as emu:
        emu.preview_first = True  # preview.webp is fetched first and never arrives
        emu.file_faults = [404, 404, 404]
        done = run("generate", "hyper3d:rodin", str(IMAGE), "--json", emu=emu)
    _assert_clean(done)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == "succeeded" and Path(result["model_file"]).read_bytes()[:4] == b"glTF"
    assert "preview.webp" in result["message"] and "could not download" in result["message"]
    assert not any(Path(f).name == "preview.webp" for f in result["files"])


def test_huge_status_reply_is_not_read_and_fails_the_job_plainly() -> None:
    with _fast(Hyper3DEmulator()) as emu:
        baseline_code, _err, baseline_kb = run_measured("models", emu=emu)
        assert baseline_code == 0
        emu.fail_next_status("huge")  # 122 MB of JSON with no declared length
        code, err, peak_kb = run_measured("generate", "hyper3d:rodin", str(IMAGE), emu=emu)
        assert emu.submits == 1
    assert "Traceback" not in err
    assert code == 1 and "huge reply" in err, err
    # The reply is capped at 4 MB: the process grows by far less than the 122 MB sent (issue 13: +800 MB).
    assert peak_kb - baseline_kb < 60 * 1024, (baseline_kb, peak_kb)


def test_blank_pictures_are_bad_input(tmp_path: Path) -> None:
    for name, mode, colour in (("white.png", "RGB", (255, 255, 255)), ("clear.png", "RGBA", (0, 0, 0, 0))):
        path = tmp_path / name
        Image.new(mode, (128, 128), colour).save(path)
        done = run("generate", "local:relief", str(path))
        _assert_clean(done)
        assert done.returncode == 2, done.stderr
        assert done.stderr.splitlines()[-1].startswith("error:") and name in done.stderr
        assert "Failed:" not in done.stderr


@pytest.mark.parametrize("limit", ["99999999999999999999", "0", "-5"])
def test_absurd_job_limit_is_bad_input(limit: str) -> None:
    done = run("jobs", "--limit", limit)
    _assert_clean(done)
    assert done.returncode == 2 and done.stderr.startswith("error: --limit"), done.stderr


def test_offline_cache_is_emptied_once_the_item_is_filed(isolated_home: Path) -> None:
    done = run("generate", "local:relief", str(IMAGE), "--set", "detail=48", "--json")
    assert done.returncode == 0, done.stderr
    model = Path(json.loads(done.stdout.strip().splitlines()[-1])["model_file"])
    assert model.is_file()
    assert list((isolated_home / "cache" / "local").iterdir()) == []

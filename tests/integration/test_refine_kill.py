"""kill -9 of the CLI while a library item's 3D model uploads, then ``resume``: the job finishes as a new
version of the item and the service saw exactly one paid request (the free upload simply runs again)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.emulators.common import make_glb
from tests.emulators.kill_suite import ROOT, _Service


def test_kill_during_the_3d_upload_then_resume_pays_once(tmp_path: Path) -> None:
    svc = _Service("scenario")
    home = tmp_path / "home"
    with svc.emu as emu:
        emu.middle_states = []
        env = svc.env(home)
        source = tmp_path / "sphere.glb"
        source.write_bytes(make_glb(seed=5))
        imported = subprocess.run([sys.executable, "-m", "desktop_app", "library", "import", str(source), "--json"],
                                  cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert imported.returncode == 0, imported.stderr[-1000:]
        item = json.loads(imported.stdout.strip().splitlines()[-1])["item"]
        emu.hold_uploads.set()
        proc = subprocess.Popen([sys.executable, "-m", "desktop_app", "generate", "scenario:model_tripo-retopology",
                                 "--model", item], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while emu.held["uploads"] < 1:
                assert proc.poll() is None, "the CLI ended before its 3D upload was held"
                assert time.monotonic() < deadline, "the 3D upload never reached the service"
                time.sleep(0.01)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
        emu.hold_uploads.clear()
        assert emu.generate_posts == 0  # killed during the free upload: nothing paid was sent
        done = subprocess.run([sys.executable, "-m", "desktop_app", "resume", "--json"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        shown = subprocess.run([sys.executable, "-m", "desktop_app", "library", "show", item, "--json"], cwd=ROOT,
                               env=env, capture_output=True, text=True, timeout=60)
        posts = emu.generate_posts
        inits = [c for c in emu.calls("POST", "/v1/uploads") if c.path == "/v1/uploads"]
    assert done.returncode == 0, done.stderr[-2000:]
    assert posts == 1  # one paid request in all
    assert len(inits) == 2 and all(c.body["kind"] == "3d" for c in inits)
    versions = json.loads(shown.stdout)["versions"]
    assert [(v["version"], v["made_from"], v["model"]) for v in versions][1:] == [
        (2, 1, "scenario:model_tripo-retopology")]

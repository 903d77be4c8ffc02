"""`quote` on the real command line: the price of a job without spending, for every Scenario model the emulator
serves and for Hyper3D (with its balance); a service that gives no price says so plainly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.emulators.hyper3d import Hyper3DEmulator
from tests.emulators.scenario import ScenarioEmulator

REPO = Path(__file__).resolve().parents[2]


def run(env_extra: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, **env_extra)
    return subprocess.run([sys.executable, "-m", "desktop_app", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)


def scenario_env(emu: ScenarioEmulator) -> dict[str, str]:
    return {"SCENARIO_BASE_URL": emu.base_url, "SCENARIO_SDK_API_KEY": emu.api_key,
            "SCENARIO_SDK_API_SECRET": emu.api_secret}


def test_quote_prices_every_scenario_model_with_its_image_and_spends_nothing(fixture_images: Path) -> None:
    image = str(fixture_images / "typical_misc_crate.png")
    cases = {  # model -> extra arguments that make a valid job
        "scenario:model_trellis-2": [image], "scenario:model_hunyuan-3d-v2-1": [image],
        "scenario:model_rodin-hyper3d-v2-5": [image, "--set", "tier=Gen-2.5-Extreme-High", "--set", "addons=HighPack"],
        "scenario:model_meshy-7-img23d": [image], "scenario:model_tripo-v3-1-image-to-3d": [image],
        "scenario:model_private-trained": [image],
        "scenario:model_conditional-3d": ["--prompt", "a cat", "--set", "mode=custom", "--set", "faces=5000",
                                          "--set", "seed=3"],
    }
    with ScenarioEmulator() as emu:
        emu.plan_level = 100  # an Enterprise account may quote Meshy (accessRestrictions 50)
        results = {m: run(scenario_env(emu), "quote", m, *extra, "--json") for m, extra in cases.items()}
        text = run(scenario_env(emu), "quote", "scenario:model_trellis-2", image)
    for model, done in results.items():
        assert done.returncode == 0, (model, done.stderr[-1500:])
        report = json.loads(done.stdout)
        assert report["cost"] is not None and report["unit"] == "CU", model
        assert report["balance"] is None  # Scenario reports no balance to API keys
    assert json.loads(results["scenario:model_rodin-hyper3d-v2-5"].stdout)["cost"] == 200  # 80 x2 + 40
    assert text.returncode == 0 and "Scenario: 30 CU (custom generation: 30 CU)" in text.stdout
    assert emu.generate_posts == 0 and not emu.jobs  # nothing was spent
    # Each image model was priced with its uploaded asset id; the prompt-only job carried none.
    sent = dict(zip([*cases, "again"], (b.get("image") or b.get("images") for _v, b in emu.dryrun_bodies),
                    strict=True))
    assert sent.pop("scenario:model_conditional-3d") is None
    assert all(str(v).count("asset_") == 1 for v in sent.values()), sent
    assert all(v == "api" for v, _b in emu.dryrun_bodies)


def test_quote_says_plainly_when_there_is_no_price_and_refuses_bad_input(fixture_images: Path) -> None:
    image = str(fixture_images / "typical_misc_crate.png")
    with ScenarioEmulator() as emu:
        emu.dryrun_forbidden = True  # a free plan cannot dryRun
        free = run(scenario_env(emu), "quote", "scenario:model_trellis-2", image)
        free_json = run(scenario_env(emu), "quote", "scenario:model_trellis-2", image, "--json")
        no_image = run(scenario_env(emu), "quote", "scenario:model_trellis-2")
    assert free.returncode == 0 and "gives no price for this job before it runs" in free.stdout
    assert json.loads(free_json.stdout)["cost"] is None
    assert no_image.returncode == 2 and no_image.stderr.startswith("error: ")
    assert emu.generate_posts == 0


def test_quote_for_hyper3d_shows_price_and_balance(tmp_path: Path) -> None:
    with Hyper3DEmulator() as emu:
        done = run({"RODIN_BASE_URL": emu.base_url, "RODIN_API_KEY": emu.api_key}, "quote", "hyper3d:rodin",
                   "--prompt", "a red chair", "--set", "tier=Gen-2.5-Extreme-High", "--set", "addons=HighPack",
                   "--json")
        assert emu.submits == 0
    assert done.returncode == 0, done.stderr[-1500:]
    report = json.loads(done.stdout)
    assert (report["cost"], report["unit"], report["balance"], report["balance_unit"]) == (2.0, "credits", 100.0,
                                                                                          "credits")


def test_quote_prices_a_mesh_to_mesh_job_from_a_library_item_or_a_file(tmp_path: Path) -> None:
    """`quote --model` prices what `generate --model` would send: the 3D input goes up as an asset (free; Scenario's
    estimate validates the whole payload, as its Blender plugin sends it) and nothing is spent. Nothing is written
    beside the person's file or into the library item."""
    from tests.emulators.common import make_glb

    source = tmp_path / "sphere.glb"
    source.write_bytes(make_glb(seed=3, subdivisions=2))
    with ScenarioEmulator() as emu:
        env = scenario_env(emu)
        imported = run(env, "library", "import", str(source), "--title", "Sphere", "--json")
        assert imported.returncode == 0, imported.stderr[-1500:]
        found = json.loads(imported.stdout.strip().splitlines()[-1])
        item, folder = found["item"], Path(found["folder"])
        before = sorted(p.name for p in folder.rglob("*"))
        from_item = run(env, "quote", "scenario:model_meshy-remesh", "--model", item, "--set", "targetPolycount=200",
                        "--json")
        from_file = run(env, "quote", "scenario:model_meshy-remesh", "--model", str(source), "--json")
        as_text = run(env, "quote", "scenario:model_meshy-remesh", "--model", str(source))
        missing = run(env, "quote", "scenario:model_meshy-remesh", "--model", str(tmp_path / "gone.glb"))
        no_model = run(env, "quote", "scenario:model_meshy-remesh")
        after = sorted(p.name for p in folder.rglob("*"))
    for done in (from_item, from_file):
        assert done.returncode == 0, done.stderr[-1500:]
        report = json.loads(done.stdout)
        assert report["cost"] is not None and report["cost"] > 0 and report["unit"] == "CU"
    assert as_text.returncode == 0 and as_text.stdout.startswith("Scenario: ")
    assert emu.generate_posts == 0 and not emu.jobs  # nothing was spent
    assert [str(b.get("model")).startswith("asset_") for _v, b in emu.dryrun_bodies] == [True, True, True]
    assert missing.returncode == 2 and missing.stderr.startswith("error: ") and "gone.glb" in missing.stderr
    assert no_model.returncode == 2 and "Traceback" not in no_model.stderr
    assert before == after  # the library item is untouched
    assert not list(tmp_path.glob("sphere.glb.*"))  # no upload note beside the person's file

"""Refine over the Scenario emulator: a library item remeshed then retextured through two models (two new
versions with lineage), a rigged result kept with its animation, a part split listing its parts, and the 3D
input going up through the multipart flow with one retry after a failed part."""

from __future__ import annotations

import io
import json
from pathlib import Path

import trimesh

from tests.emulators.common import make_glb
from tests.emulators.scenario import ScenarioEmulator
from tests.integration.test_scenario_cli import run_cli


def _imported_item(emu: ScenarioEmulator, tmp_path: Path) -> str:
    source = tmp_path / "sphere.glb"
    source.write_bytes(make_glb(seed=3, subdivisions=3))
    done = run_cli(emu, "library", "import", str(source), "--title", "Sphere", "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])["item"]


def _generate(emu: ScenarioEmulator, *args: str) -> dict:
    done = run_cli(emu, "generate", *args, "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _show(emu: ScenarioEmulator, item: str) -> dict:
    done = run_cli(emu, "library", "show", item, "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def _faces(path: str) -> int:
    return len(trimesh.load(path, force="mesh").faces)


def test_remesh_then_retexture_makes_two_versions_with_lineage(tmp_path: Path) -> None:
    with ScenarioEmulator() as emu:
        emu.middle_states = []
        item = _imported_item(emu, tmp_path)
        emu.part_failures = 1  # the first part PUT of the 3D upload fails once
        first = _generate(emu, "scenario:model_meshy-remesh", "--model", item, "--set", "targetPolycount=200")
        second = _generate(emu, "scenario:model_meshy-7-retexture", "--model", item, "--prompt", "rusty metal")
        shown = _show(emu, item)
        uploads = [c for c in emu.calls("POST", "/v1/uploads") if c.path == "/v1/uploads"]
        jobs = list(emu.jobs.values())
        part_puts, part_failed, posts = emu.part_puts, emu.part_failed, emu.generate_posts
    assert first["item"] == item and second["item"] == item  # versions of the item, not new items
    assert [u.body["kind"] for u in uploads] == ["3d", "3d"]
    assert uploads[0].body["contentType"] == "model/gltf-binary"
    assert part_failed == 1 and part_puts == 2  # one retry after the failed part, then the second upload
    assert posts == 2
    assert jobs[0]["input"]["model"].startswith("asset_") and jobs[1]["input"]["prompt"] == "rusty metal"
    versions = shown["versions"]
    assert [v["version"] for v in versions] == [1, 2, 3]
    assert versions[1]["made_from"] == 1 and versions[1]["model"] == "scenario:model_meshy-remesh"
    assert versions[1]["params"]["targetPolycount"] == 200
    assert versions[2]["made_from"] == 2 and versions[2]["model"] == "scenario:model_meshy-7-retexture"
    assert _faces(versions[1]["model_file"]) <= 200 < _faces(versions[0]["model_file"])
    # The retexture worked on version 2's mesh (same face count) and the item now opens version 3.
    assert _faces(versions[2]["model_file"]) == _faces(versions[1]["model_file"])
    assert shown["model_file"] == versions[2]["model_file"]
    assert Path(versions[0]["model_file"]).is_file()  # the original is kept


def test_rigging_keeps_the_animation_and_a_split_lists_its_parts(tmp_path: Path) -> None:
    with ScenarioEmulator() as emu:
        emu.middle_states = []
        item = _imported_item(emu, tmp_path)
        _generate(emu, "scenario:model_meshy-rigging", "--model", item)
        loose = tmp_path / "loose.glb"
        loose.write_bytes(make_glb(seed=4))
        split = _generate(emu, "scenario:model_hunyuan-3d-part", "--model", str(loose))
        shown = _show(emu, item)
        split_shown = _show(emu, split["item"])
    rigged = shown["versions"][1]
    assert rigged["has_animation"] and rigged["model"] == "scenario:model_meshy-rigging"
    doc = trimesh.load(rigged["model_file"])  # still a loadable glTF
    assert len(doc.geometry) == 1
    raw = Path(rigged["model_file"]).read_bytes()
    assert b'"skins"' in raw and b'"animations"' in raw
    # A dropped file (not a library item) makes a new item; its parts are all kept and listed.
    assert split["item"] != item
    parts = split_shown["versions"][0]["parts"]
    assert len(parts) >= 2 and sorted(parts) == sorted(f for f in split["files"] if f.endswith(".glb"))
    for part in parts:
        assert len(trimesh.load(io.BytesIO(Path(part).read_bytes()), file_type="glb", force="mesh").faces) > 0


def test_model_item_at_version_refines_that_version_and_a_missing_one_is_bad_input(tmp_path: Path) -> None:
    """`--model ITEM@v1` after a remesh sends version 1's file (not the newest) and the result says "from v1";
    `ITEM@v9` is bad input (exit 2, `error:`) for generate and quote, and nothing is sent or spent."""
    import hashlib

    with ScenarioEmulator() as emu:
        emu.middle_states = []
        item = _imported_item(emu, tmp_path)
        _generate(emu, "scenario:model_meshy-remesh", "--model", item, "--set", "targetPolycount=200")
        v1 = _show(emu, item)["versions"][0]["model_file"]
        again = _generate(emu, "scenario:model_meshy-remesh", "--model", f"{item}@v1")
        job = max(emu.jobs.values(), key=lambda j: j["seq"])
        sent = next(emu.files[str(v)][0] for v in job["input"].values() if str(v) in emu.files)
        shown = _show(emu, item)
        posts, dryruns = emu.generate_posts, len(emu.dryrun_bodies)
        missing = run_cli(emu, "generate", "scenario:model_meshy-remesh", "--model", f"{item}@v9")
        quote_missing = run_cli(emu, "quote", "scenario:model_meshy-remesh", "--model", f"{item}@v9")
        no_item = run_cli(emu, "quote", "scenario:model_meshy-remesh", "--model", "no-such-item@v2")
        dryruns_after_missing = len(emu.dryrun_bodies)
        quoted = run_cli(emu, "quote", "scenario:model_meshy-remesh", "--model", f"{item}@v2", "--json")
        after_posts = emu.generate_posts
    assert again["item"] == item
    assert hashlib.sha256(sent).hexdigest() == hashlib.sha256(Path(v1).read_bytes()).hexdigest()
    assert [(v["version"], v["made_from"]) for v in shown["versions"]] == [(1, None), (2, 1), (3, 1)]
    for done in (missing, quote_missing):
        assert done.returncode == 2 and done.stderr.startswith("error: ") and "Traceback" not in done.stderr
        assert f"The library item {item} has no version 9 (it has v1 to v3)." in done.stderr
    assert no_item.returncode == 2 and "There is no library item no-such-item" in no_item.stderr
    assert quoted.returncode == 0, quoted.stderr[-1500:]
    assert json.loads(quoted.stdout)["cost"] > 0
    assert after_posts == posts == 2  # the missing versions sent nothing; quotes spend nothing
    assert dryruns_after_missing == dryruns  # not even an estimate for a version that is not there

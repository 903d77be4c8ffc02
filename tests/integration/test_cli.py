"""The headless CLI, run as a real process: the happy path and every kind of bad input."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "desktop_app", *args], capture_output=True, text=True,
                          timeout=timeout)


def png_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG whose header claims width x height (a decompression bomb must be refused from the header)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    data = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    path.write_bytes(data)
    return path


def test_generate_offline_end_to_end(fixture_images, isolated_home):
    image = fixture_images / "typical_vehicle_biplane.png"
    result = cli("generate", "local:relief", str(image), "--set", "depth=0.2", "--set", "detail=96", "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["status"] == "succeeded" and out["job"].startswith("job_") and out["item"]
    model = Path(out["model_file"])
    assert model.is_absolute() and model.read_bytes()[:4] == b"glTF"
    assert str(model) in out["files"]
    assert model.is_relative_to(isolated_home)  # nothing written outside MESHWRIGHT_HOME
    assert "Generating" in result.stderr or "Sending" in result.stderr  # progress goes to stderr

    jobs = json.loads(cli("jobs", "--json").stdout)
    assert [j["job"] for j in jobs] == [out["job"]] and jobs[0]["status"] == "succeeded"
    items = json.loads(cli("library", "--json").stdout)
    assert [i["item"] for i in items] == [out["item"]]
    item_json = json.loads((Path(items[0]["folder"]) / "item.json").read_text())
    assert item_json["params"]["depth"] == 0.2 and item_json["model_id"] == "local:relief"


def test_models_and_schema(isolated_home):
    models = json.loads(cli("models", "--json").stdout)
    ids = {m["id"] for m in models}
    assert {"local:relief", "hyper3d:rodin", "scenario:model_trellis-2"} <= ids
    local = next(m for m in models if m["id"] == "local:relief")
    assert local["available"] is True
    schema = json.loads(cli("schema", "local:relief").stdout)
    assert schema["id"] == "local:relief" and any(i["name"] == "depth" for i in schema["inputs"])


def _bad_inputs(tmp: Path, fixtures: Path) -> dict[str, tuple[list[str], str]]:
    text = tmp / "notes.png"
    text.write_text("hello, this is not an image")
    truncated = tmp / "truncated.png"
    truncated.write_bytes((fixtures / "typical_misc_crate.png").read_bytes()[:3000])
    empty = tmp / "empty.png"
    empty.write_bytes(b"")
    huge = png_header_only(tmp / "huge.png", 20000, 20000)
    three = [str(p) for p in sorted(fixtures.glob("multiview_character_*.png"))]
    good = str(fixtures / "typical_misc_crate.png")
    return {
        "text renamed .png": ([str(text)], "notes.png"),
        "truncated png": ([str(truncated)], "truncated.png"),
        "zero bytes": ([str(empty)], "empty.png"),
        "20000x20000": ([str(huge)], "huge.png"),
        "too many images": (three, "at most 1"),
        "missing file": ([str(tmp / "nope.png")], "not found"),
        "bad parameter": ([good, "--set", "depth=99"], "depth"),
        "unknown parameter": ([good, "--set", "colour=blue"], "colour"),
        "no image": ([], "image"),
    }


@pytest.mark.parametrize("case", ["text renamed .png", "truncated png", "zero bytes", "20000x20000",
                                  "too many images", "missing file", "bad parameter", "unknown parameter",
                                  "no image"])
def test_bad_input_exits_non_zero_with_a_reason(case, tmp_path, fixture_images, isolated_home):
    args, needle = _bad_inputs(tmp_path, fixture_images)[case]
    result = cli("generate", "local:relief", *args, "--json")
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines and lines[-1].startswith("error:") and "Traceback" not in result.stderr
    assert needle.lower() in result.stderr.lower()
    jobs = json.loads(cli("jobs", "--json").stdout)
    assert jobs == []  # nothing was queued for bad input


def test_unknown_model_and_usage_errors(isolated_home):
    result = cli("generate", "nowhere:model", "x.png")
    assert result.returncode == 2 and "Unknown model" in result.stderr
    assert cli("generate").returncode == 2  # argparse usage error


def test_generate_each_makes_one_job_per_image(fixture_images, isolated_home, tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    images = [fixture_images / "typical_misc_crate.png", broken, fixture_images / "typical_building_castle.png"]
    result = cli("generate", "local:relief", *map(str, images), "--each", "--set", "detail=64", "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert [j["status"] for j in out["jobs"]] == ["succeeded", "succeeded"]
    assert out["group"].startswith("grp_") and len({j["item"] for j in out["jobs"]}) == 2
    assert [s["image"] for s in out["skipped"]] == ["broken.png"] and "broken.png" in result.stderr

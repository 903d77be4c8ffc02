"""Opt-in smoke test against the real Scenario API: ONE generation of the cheapest quoted kind.

Runs only with MESHWRIGHT_LIVE_TESTS=1 and SCENARIO_SDK_API_KEY / SCENARIO_SDK_API_SECRET set. They are read
here, at collection time, because tests/conftest.py removes them from the environment before every test.
The dryRun quote must be at most MESHWRIGHT_LIVE_MAX_CU (default 40 CU) or nothing is submitted.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import httpx
import pytest

from desktop_app.providers.base import GenerationRequest, RemoteStatus, poll_interval
from desktop_app.providers.scenario import DEFAULT_BASE_URL, ScenarioProvider

LIVE_KEY = os.environ.get("SCENARIO_SDK_API_KEY", "").strip()
LIVE_SECRET = os.environ.get("SCENARIO_SDK_API_SECRET", "").strip()
LIVE_BASE = os.environ.get("SCENARIO_BASE_URL", "").strip() or DEFAULT_BASE_URL
LIVE_PROJECT = os.environ.get("SCENARIO_PROJECT_ID", "").strip()
LIVE = os.environ.get("MESHWRIGHT_LIVE_TESTS") == "1" and bool(LIVE_KEY and LIVE_SECRET)
MAX_CU = float(os.environ.get("MESHWRIGHT_LIVE_MAX_CU", "40"))
CANDIDATES = [  # cheap settings of the bundled image-to-3D models
    ("scenario:model_hunyuan-3d-v2-1", {"steps": 10, "targetFaceNum": 10000, "paint": False}),
    ("scenario:model_trellis-2", {"resolution": 512, "textureSize": 1024, "decimationTarget": 100000}),
]

pytestmark = [pytest.mark.live, pytest.mark.skipif(
    not LIVE, reason="set MESHWRIGHT_LIVE_TESTS=1, SCENARIO_SDK_API_KEY and SCENARIO_SDK_API_SECRET to run")]


async def test_one_cheap_generation(fixture_images: Path, tmp_path: Path) -> None:
    scenario = ScenarioProvider(LIVE_BASE, lambda: (LIVE_KEY, LIVE_SECRET), project_id=LIVE_PROJECT,
                                cache_dir=tmp_path)
    image = fixture_images / "typical_misc_crate.png"
    try:
        quotes = []
        for model, values in CANDIDATES:
            request = GenerationRequest(model, (image,), values)
            quote = await scenario.quote(request)
            if quote is not None:
                quotes.append((quote.cost, request))
        if not quotes:
            pytest.skip("no dryRun quote available (free plan?): refusing to spend blind")
        cost, request = min(quotes, key=lambda q: q[0])
        assert cost <= MAX_CU, f"cheapest quote {cost} CU is above the {MAX_CU} CU cap"
        ref = await scenario.submit(request, lambda _p, _m: None)
        deadline = time.monotonic() + 30 * 60
        attempt = 0
        while True:
            assert time.monotonic() < deadline, f"job {ref.data['job_id']} still running after 30 minutes"
            await asyncio.sleep(poll_interval(attempt, 5.0, 15.0))
            attempt += 1
            result = await scenario.poll(ref)
            if result.status in (RemoteStatus.SUCCEEDED, RemoteStatus.FAILED, RemoteStatus.CANCELED):
                break
        assert result.status is RemoteStatus.SUCCEEDED, result.message
        files = await scenario.outputs(ref)
        preferred = next(f for f in files if f.preferred)
        async with httpx.AsyncClient(timeout=120) as client:
            response = await client.get(await scenario.fresh_url(ref, preferred))
        assert response.status_code == 200 and response.content[:4] == b"glTF"
    finally:
        await scenario.aclose()

"""Opt-in smoke test against the real Hyper3D API: ONE generation of the cheapest kind (0.5 credit).

Runs only with MESHWRIGHT_LIVE_TESTS=1 and RODIN_API_KEY set. The key is read here, at collection time,
because tests/conftest.py removes RODIN_API_KEY from the environment before every test.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import httpx
import pytest

from desktop_app.providers.base import FileKind, GenerationRequest, RemoteStatus
from desktop_app.providers.hyper3d import DEFAULT_BASE_URL, Hyper3DProvider

LIVE_KEY = os.environ.get("RODIN_API_KEY", "").strip()
LIVE_BASE = os.environ.get("RODIN_BASE_URL", "").strip() or DEFAULT_BASE_URL
LIVE = os.environ.get("MESHWRIGHT_LIVE_TESTS") == "1" and bool(LIVE_KEY)
MAX_COST = 0.5  # abort rather than spend more than this

pytestmark = [pytest.mark.live,
              pytest.mark.skipif(not LIVE, reason="set MESHWRIGHT_LIVE_TESTS=1 and RODIN_API_KEY to run")]


async def test_one_cheap_generation(fixture_images: Path) -> None:
    rodin = Hyper3DProvider(LIVE_BASE, lambda: LIVE_KEY)
    try:
        request = GenerationRequest("hyper3d:rodin", (fixture_images / "typical_misc_crate.png",),
                                    {"tier": "Sketch"})
        quote = await rodin.quote(request)
        assert quote is not None and quote.cost <= MAX_COST
        balance = await rodin.balance()
        assert balance is not None and balance[0] >= quote.cost, "not enough credits for the smoke test"
        ref = await rodin.submit(request, lambda _p, _m: None)
        deadline = time.monotonic() + 20 * 60
        attempt = 0
        while True:
            await asyncio.sleep(min(30.0, 5.0 * 1.5**attempt))
            attempt += 1
            result = await rodin.poll(ref)
            if result.status in (RemoteStatus.SUCCEEDED, RemoteStatus.FAILED, RemoteStatus.CANCELED):
                break
            assert time.monotonic() < deadline, "no result after 20 minutes"
        assert result.status == RemoteStatus.SUCCEEDED, result.message
        files = await rodin.outputs(ref)
        model = next(f for f in files if f.kind == FileKind.MODEL and f.preferred)
        async with httpx.AsyncClient(timeout=120) as plain:
            got = await plain.get(await rodin.fresh_url(ref, model))
        assert got.status_code == 200 and got.content[:4] == b"glTF"
    finally:
        await rodin.aclose()

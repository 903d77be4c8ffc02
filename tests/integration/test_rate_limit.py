"""Fifty jobs in flight share one pace per service: a few requests a second at most, and a Retry-After holds
every job of that service (timestamps recorded by the Hyper3D emulator)."""

from __future__ import annotations

import asyncio

from desktop_app.core.settings import app_paths
from desktop_app.services import build_services
from tests.emulators.faults import providers_for
from tests.emulators.hyper3d import Hyper3DEmulator

JOBS = 50
MAX_PER_SECOND = 5  # the gate spaces requests 0.25 s apart: 4 a second, plus one at a window's edge


def busiest_second(times: list[float]) -> int:
    times = sorted(times)
    return max((sum(1 for t in times[i:] if t - start < 1.0) for i, start in enumerate(times)), default=0)


async def test_fifty_jobs_never_hammer_one_service(fixture_images, tmp_path):
    with Hyper3DEmulator() as emu:
        emu.waiting_polls = 10**9  # every job stays queued: the test watches the pace, not the results
        paths = app_paths({"MESHWRIGHT_HOME": str(tmp_path / "home")})
        services = build_services(paths, providers=providers_for("hyper3d", emu, paths.cache_dir),
                                  concurrency={"hyper3d": JOBS}, poll_override=(0.01, 0.05))
        try:
            image = fixture_images / "typical_misc_crate.png"
            jobs = [await services.scheduler.create_job("hyper3d:rodin", [image], {}) for _ in range(JOBS)]
            for job in jobs:
                services.scheduler.start(job.id)
            await asyncio.sleep(2.5)
            emu.throttle_next.append(1.0)
            await asyncio.sleep(2.5)
        finally:
            await services.aclose()
        with emu.lock:
            stamps = [r.time for r in emu.requests]
    assert len(stamps) >= 12, "the jobs did not get going"
    assert busiest_second(stamps) <= MAX_PER_SECOND, f"{busiest_second(stamps)} requests in one second"
    assert len(emu.fault_times) == 1, "the 429 was never served"
    after = [t for t in stamps if t > emu.fault_times[0]]
    assert after and min(after) - emu.fault_times[0] >= 0.9, "a request went out during Retry-After"
    # The throttled submit created nothing and was sent again; no other submit was repeated.
    assert emu.submits == len(emu.tasks) + 1 and len(emu.tasks) <= JOBS

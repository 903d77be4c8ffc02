"""The fault catalogue: each fault injected into either emulator, one real job run through the real scheduler,
and the end state read back. Shared by ``tests/integration/test_fault_suite.py`` and ``benchmarks/faults.py``.

A case passes when the job ends as expected (a complete, checked result, or a clear reason), no ``.part`` file
is left behind, the fault really fired, and the emulator saw exactly one submit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from desktop_app.core.jobs.download import check_glb
from desktop_app.core.jobs.store import JobState
from desktop_app.core.settings import app_paths
from desktop_app.services import build_services
from tests.emulators.hyper3d import Hyper3DEmulator
from tests.emulators.scenario import ScenarioEmulator

SERVICES = ("hyper3d", "scenario")
MODELS = {"hyper3d": "hyper3d:rodin", "scenario": "scenario:model_trellis-2"}
FAST_POLLS = (0.02, 0.1)
READ_TIMEOUT = 1.0  # the client's read timeout during a "read timeout" case; the emulator stays silent longer
S = JobState


@dataclass(frozen=True)
class Fault:
    name: str
    expect: JobState
    inject: Callable[[str, Any], int]  # (service, emulator) -> how many times it will fire
    left: Callable[[str, Any], int]  # (service, emulator) -> how many planned firings did not happen
    reason: str = ""  # a phrase the job's message must contain
    # Where a service defines the fault's end differently: service -> (state, phrase), and the job's values.
    per_service: tuple[tuple[str, JobState, str], ...] = ()
    values: tuple[tuple[str, str, Any], ...] = ()  # (service, field, value)

    def expected(self, service: str) -> tuple[JobState, str]:
        for name, state, reason in self.per_service:
            if name == service:
                return state, reason
        return self.expect, self.reason

    def values_for(self, service: str) -> dict[str, Any]:
        return {key: value for name, key, value in self.values if name == service}


def _poll_faults(kind: int | str, times: int, retry_after: float | None = None) -> tuple[Callable, Callable]:
    def inject(service: str, emu: Any) -> int:
        if service == "hyper3d":
            emu.fail_next_status(kind, times, retry_after)
        elif isinstance(kind, str):
            emu.break_next("GET", "/v1/jobs/", kind, times=times)
        elif kind == 429:
            emu.rate_limit("GET", "/v1/jobs/", times=times,
                           retry_after=f"{retry_after:g}" if retry_after is not None else None)
        else:
            emu.fail("GET", "/v1/jobs/", kind, times=times)
        return times

    def left(service: str, emu: Any) -> int:
        if service == "hyper3d":
            return len(emu.status_faults)
        return sum(f.times for f in emu.faults)

    return inject, left


def _switch(setter: Callable[[str, Any], None], remaining: Callable[[str, Any], int] = lambda s, e: 0
            ) -> tuple[Callable, Callable]:
    def inject(service: str, emu: Any) -> int:
        setter(service, emu)
        return 1

    return inject, remaining


def _expired(service: str, emu: Any) -> None:
    emu.expired_gets = 1


def _failure(service: str, emu: Any) -> None:
    if service == "hyper3d":
        emu.fail_jobs = "all"
    else:
        emu.outcome = "failure"


def _partial(service: str, emu: Any) -> None:
    if service == "hyper3d":  # the preview render fails, the model is made: Rodin calls that a success
        emu.fail_jobs = "render"
    else:
        emu.outcome = "partial"


def _lost_reply(service: str, emu: Any) -> None:
    if service == "hyper3d":
        emu.lost_response = 502
    else:
        emu.lose_generate_response = "500"


FAULTS: tuple[Fault, ...] = (
    Fault("429 with Retry-After", S.SUCCEEDED, *_poll_faults(429, 2, 0.5)),
    Fault("429 without Retry-After", S.SUCCEEDED, *_poll_faults(429, 2)),
    Fault("5xx burst", S.SUCCEEDED, *_poll_faults(503, 4)),
    Fault("connection reset", S.SUCCEEDED, *_poll_faults("reset", 2)),
    Fault("read timeout", S.SUCCEEDED, *_poll_faults("slow", 1)),
    Fault("malformed JSON", S.SUCCEEDED, *_poll_faults("malformed", 2)),
    Fault("expired URL", S.SUCCEEDED, *_switch(_expired, lambda s, e: e.expired_gets)),
    Fault("job failure", S.FAILED, *_switch(_failure)),
    Fault("partial outputs", S.FAILED, *_switch(_partial), reason="partial results were kept",
          per_service=(("hyper3d", S.SUCCEEDED, "extra step(s) failed"),),
          values=(("hyper3d", "preview_render", True),)),
    Fault("lost submit reply", S.NEEDS_CHECK, *_switch(_lost_reply), reason="not charged twice"),
)
FAULTS_BY_NAME = {f.name: f for f in FAULTS}


@dataclass
class Outcome:
    service: str
    fault: str
    state: JobState
    message: str
    submits: int
    injected: int
    not_fired: int
    files: int
    problems: list[str]
    seconds: float

    @property
    def ok(self) -> bool:
        return not self.problems


@contextmanager
def emulator(service: str):
    emu = Hyper3DEmulator() if service == "hyper3d" else ScenarioEmulator()
    with emu:
        yield emu


def providers_for(service: str, emu: Any, cache: Path) -> dict[str, Any]:
    """A provider pointed at ``emu`` with its keys, without touching the environment or the keychain."""
    if service == "hyper3d":
        from desktop_app.providers.hyper3d import Hyper3DProvider

        return {"hyper3d": Hyper3DProvider(emu.base_url, lambda: emu.api_key)}
    from desktop_app.providers.scenario import ScenarioProvider

    return {"scenario": ScenarioProvider(emu.base_url, lambda: (emu.api_key, emu.api_secret),
                                         cache_dir=cache / "scenario")}


def submits_seen(service: str, emu: Any) -> int:
    return emu.submits if service == "hyper3d" else emu.generate_posts


@contextmanager
def short_read_timeout(service: str, providers: dict[str, Any]):
    """Only for the read-timeout case: the client gives up after READ_TIMEOUT seconds instead of 30-120."""
    timeout = httpx.Timeout(READ_TIMEOUT, connect=5.0)
    if service == "hyper3d":
        from desktop_app.providers import hyper3d

        saved = hyper3d.READ_TIMEOUT
        hyper3d.READ_TIMEOUT = timeout
        try:
            yield
        finally:
            hyper3d.READ_TIMEOUT = saved
    else:
        client = providers["scenario"]._client
        saved = client.timeout
        client.timeout = timeout
        try:
            yield
        finally:
            client.timeout = saved


async def run_case(service: str, fault: Fault, image: Path, home: Path) -> Outcome:
    """Run one job against a fresh emulator with ``fault`` injected; ``home`` is an empty MESHWRIGHT_HOME."""
    started = time.monotonic()
    with emulator(service) as emu:
        emu.slow_seconds = READ_TIMEOUT * 2.5
        paths = app_paths({"MESHWRIGHT_HOME": str(home)})
        providers = providers_for(service, emu, paths.cache_dir)
        services = build_services(paths, providers=providers, poll_override=FAST_POLLS)
        try:
            injected = fault.inject(service, emu)
            job = await services.scheduler.create_job(MODELS[service], [image], fault.values_for(service))
            if fault.name == "read timeout":
                with short_read_timeout(service, providers):
                    job = await services.scheduler.run(job.id)
            else:
                job = await services.scheduler.run(job.id)
            item = services.library.get(job.item_id) if job.item_id else None
        finally:
            await services.aclose()
        problems = []
        expect, reason = fault.expected(service)
        if job.state is not expect:
            problems.append(f"ended {job.state}, expected {expect}: {job.message}")
        if reason and reason not in job.message:
            problems.append(f"message lacks '{reason}': {job.message}")
        if job.state is not S.SUCCEEDED and not job.message:
            problems.append("no reason shown")
        submits = submits_seen(service, emu)
        if submits != 1:
            problems.append(f"{submits} submits")
        not_fired = fault.left(service, emu)
        if not_fired:
            problems.append(f"{not_fired} planned fault(s) never fired")
        if job.state is S.SUCCEEDED:
            if item is None or item.model_path is None or not item.model_path.exists():
                problems.append("no model file in the library")
            elif item.model_path.suffix == ".glb":
                try:
                    check_glb(item.model_path)
                except Exception as exc:
                    problems.append(f"damaged model: {exc}")
        leftovers = [p.name for p in home.rglob("*.part")]
        if leftovers:
            problems.append(f"half-written files left: {leftovers}")
        return Outcome(service, fault.name, job.state, job.message, submits, injected, not_fired,
                       len(item.files) if item else 0, problems, time.monotonic() - started)

"""Every fault of the catalogue against both emulators: the job ends complete or with a clear reason, the
emulator saw exactly one submit, and no half-written file is left (tests/emulators/faults.py)."""

from __future__ import annotations

import pytest

from tests.emulators.faults import FAULTS, SERVICES, run_case


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name.replace(" ", "-") for f in FAULTS])
@pytest.mark.parametrize("service", SERVICES)
async def test_fault_is_survived(service, fault, fixture_images, tmp_path):
    outcome = await run_case(service, fault, fixture_images / "typical_misc_crate.png", tmp_path / "home")
    assert outcome.ok, f"{service} / {fault.name}: {outcome.problems}"
    assert outcome.submits == 1 and outcome.injected >= 1

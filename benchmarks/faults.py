"""The fault matrix: every fault of tests/emulators/faults.py against both emulators, plus a kill -9 of the real
CLI at each job state followed by ``resume``. Prints fault x outcome and the totals; exits 1 if a job was lost
or submitted twice. Run from the repository root: ``python benchmarks/faults.py``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")

from tests.emulators.faults import FAULTS, SERVICES, run_case  # noqa: E402
from tests.emulators.kill_suite import SCENARIO_KILL_STATES, STATES_BY_SERVICE, kill_and_resume  # noqa: E402

IMAGE = ROOT / "tests" / "fixtures" / "images" / "typical_misc_crate.png"


def cell(state: str, ok: bool) -> str:
    return f"{state}{'' if ok else ' (!)'}"


async def fault_rows(work: Path) -> list[tuple[str, list[str], int, int, int]]:
    rows = []
    for fault in FAULTS:
        cells, injected, lost, duplicates = [], 0, 0, 0
        for service in SERVICES:
            outcome = await run_case(service, fault, IMAGE, work / f"{service}-{fault.name.replace(' ', '-')}")
            cells.append(cell(str(outcome.state), outcome.ok))
            injected += outcome.injected - outcome.not_fired
            lost += 0 if outcome.ok else 1
            duplicates += max(0, outcome.submits - 1)
            if not outcome.ok:
                print(f"  {service} / {fault.name}: {outcome.problems}", file=sys.stderr)
        rows.append((fault.name, cells, injected, lost, duplicates))
    return rows


def main() -> int:
    logging.disable(logging.WARNING)  # the faults are meant to happen; keep the table readable
    if not IMAGE.exists():
        print(f"fixture image missing: {IMAGE}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="meshwright-faults-") as tmp:
        work = Path(tmp)
        rows = asyncio.run(fault_rows(work))
        for state in SCENARIO_KILL_STATES:  # Hyper3D's states and Scenario's asset upload
            cells, lost, duplicates = [], 0, 0
            for service in ("hyper3d", "scenario"):
                if state not in STATES_BY_SERVICE[service]:
                    cells.append("-")
                    continue
                outcome = kill_and_resume(state, IMAGE, work / f"kill-{service}-{state}", service=service)
                if not outcome.ok:
                    print(f"  kill -9 of {service} while {state}: {outcome.problems}", file=sys.stderr)
                cells.append(cell(outcome.end_state or "?", outcome.ok))
                lost += 0 if outcome.ok else outcome.jobs
                duplicates += max(0, outcome.submits - outcome.jobs)
            rows.append((f"kill -9 while {state}", cells, len([c for c in cells if c != "-"]), lost, duplicates))
    width = max(len(r[0]) for r in rows) + 2
    print(f"{'fault':{width}}{'hyper3d':22}{'scenario':22}")
    for name, cells, *_ in rows:
        print(f"{name:{width}}" + "".join(f"{c:22}" for c in cells))
    jobs = sum(len([c for c in r[1] if c != "-"]) for r in rows)
    injected = sum(r[2] for r in rows)
    lost = sum(r[3] for r in rows)
    duplicates = sum(r[4] for r in rows)
    print(f"\njobs: {jobs}  faults injected: {injected}  jobs lost: {lost}  duplicate submits: {duplicates}")
    print("(kill -9 runs the real CLI against each emulator; \"draft\" kills a 2-job batch, so it counts 2 jobs "
          "per service in the checks; (!) marks an unexpected end)")
    return 0 if lost == 0 and duplicates == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

"""Scenario job replies -> ``PollResult`` (scenario.md 4 and 12), in one place.

Status names drift between the SDK types (``in-progress``, ``failure``) and the docs (``processing``,
``failed``); ``progress`` is a 0..1 fraction in the reference schema but a percentage in the 3D guide; the
failure reason sits at ``metadata.error`` or ``job.error``; the job id at ``jobId`` or ``id``.
"""

from __future__ import annotations

from typing import Any

from desktop_app.providers.base import PollResult, RemoteStatus

_STATUS = {
    "success": RemoteStatus.SUCCEEDED,
    "succeeded": RemoteStatus.SUCCEEDED,
    "failure": RemoteStatus.FAILED,
    "failed": RemoteStatus.FAILED,
    "error": RemoteStatus.FAILED,
    "canceled": RemoteStatus.CANCELED,
    "cancelled": RemoteStatus.CANCELED,
    # Not started yet: a cold start can take minutes, and waiting is not the model's run time.
    "pending": RemoteStatus.QUEUED,
    "queued": RemoteStatus.QUEUED,
    "warming-up": RemoteStatus.QUEUED,
}
_MESSAGES = {
    "pending": "Waiting to start",
    "queued": "Waiting in queue",
    "warming-up": "Starting the generator",
    "in-progress": "Generating",
    "processing": "Generating",
    "finalizing": "Finishing up",
    "success": "Done",
    "succeeded": "Done",
    "canceled": "Canceled",
    "cancelled": "Canceled",
}


def job_of(body: Any) -> dict[str, Any]:
    if isinstance(body, dict) and isinstance(body.get("job"), dict):
        return body["job"]
    return body if isinstance(body, dict) else {}


def job_id_of(job: dict[str, Any]) -> str:
    """``jobId`` in real replies; the Help center shows ``id``."""
    value = job.get("jobId") or job.get("id")
    return str(value) if value else ""


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        try:
            return float(value) if isinstance(value, str) and value.strip() else None
        except ValueError:
            return None
    return float(value)


def cost_of(body: Any) -> float | None:
    """``creativeUnitsCost`` at the top level or on the job, else ``job.billing.cuCost``; None if unknown."""
    job = job_of(body)
    billing = job.get("billing") if isinstance(job.get("billing"), dict) else {}
    for value in (
        body.get("creativeUnitsCost") if isinstance(body, dict) else None,
        job.get("creativeUnitsCost"),
        billing.get("cuCost"),
    ):
        number = _number(value)
        if number is not None:
            return number
    return None


def cost_details_text(body: Any) -> str:
    """``costDetails`` (scenario-sdk types/generate_run_model_response.py ``CostDetails``): CU per billing action
    after discount, summing to ``creativeUnitsCost``, also on dryRun estimates. "custom-generation: 30 CU, ..."."""
    details = body.get("costDetails") if isinstance(body, dict) else None
    if not isinstance(details, dict):
        return ""
    parts = []
    for action, value in details.items():
        number = _number(value)
        if number is not None:
            parts.append(f"{str(action).replace('-', ' ')}: {number:g} CU")
    return ", ".join(parts)


def progress_of(job: dict[str, Any]) -> float | None:
    """A 0..1 fraction; values above 1 are percentages; absent means indeterminate."""
    value = _number(job.get("progress"))
    if value is None or value < 0:
        return None
    if value > 1:
        value = value / 100.0
    return min(1.0, value)


def output_ids(job: dict[str, Any]) -> list[str]:
    meta = job.get("metadata") if isinstance(job.get("metadata"), dict) else {}
    ids = meta.get("assetIds")
    if not isinstance(ids, list):
        ids = job.get("assetIds") if isinstance(job.get("assetIds"), list) else []
    seen: list[str] = []
    for value in ids:
        if isinstance(value, str) and value and value not in seen:
            seen.append(value)
    return seen


def _text(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("message") or value.get("error") or ""
    return str(value).strip() if value else ""


def failure_message(job: dict[str, Any]) -> str:
    meta = job.get("metadata") if isinstance(job.get("metadata"), dict) else {}
    error = _text(meta.get("error")) or _text(job.get("error"))
    hint = _text(meta.get("hint")) or _text(job.get("hint"))
    text = "Scenario could not generate the model"
    text += f": {error.rstrip('.')}." if error else "."
    if hint:
        text += f" {hint.rstrip('.')}."
    if output_ids(job):
        text += " Some results were produced; they are kept."
    billing = job.get("billing") if isinstance(job.get("billing"), dict) else {}
    if billing.get("disableRefund") is True:
        text += " Scenario says this job is not refunded automatically."
    return text


def poll_result(body: Any) -> PollResult:
    job = job_of(body)
    raw = str(job.get("status") or "").strip().lower()
    status = _STATUS.get(raw, RemoteStatus.RUNNING)  # unknown words (and "processing") mean still running
    progress = progress_of(job)
    if status == RemoteStatus.SUCCEEDED:
        progress = 1.0
    message = failure_message(job) if status == RemoteStatus.FAILED else _MESSAGES.get(raw, "Generating")
    refunded = None
    if status == RemoteStatus.FAILED:
        billing = job.get("billing") if isinstance(job.get("billing"), dict) else {}
        refunded = billing.get("disableRefund") is not True  # Scenario refunds failed jobs by default
    return PollResult(status=status, progress=progress, message=message, cost=cost_of(body), refunded=refunded)

"""Hyper3D Rodin: what the service's words mean, in one place (contract shared/api/rodin.md 3, 4, 6, 11).

Turns body-level error codes (both naming sets, with and without the ``API_`` prefix) and HTTP statuses into
plain-language errors, job status words into our states, and result file names into file kinds. No network
here, so everything is testable on its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from desktop_app.core.errors import AuthError, ProviderError, SubmitUncertainError
from desktop_app.core.secrets_scrub import scrub
from desktop_app.providers.base import FileKind
from desktop_app.providers.http import json_body, parse_retry_after

if TYPE_CHECKING:
    # httpx (~45 ms to import) loads with the first request, not with the window (benchmarks/startup.py)
    import httpx

SERVICE = "Hyper3D"
KEY_HINT = ("Check the Rodin API key in Settings (or RODIN_API_KEY). Keys are made and revoked on the "
            "API Key Management page of the Hyper3D dashboard.")
# Wait before resubmitting after API_PARALLELISM_LIMIT_REACHED (one public client waits 15 s).
PARALLELISM_WAIT = 15.0

# code (without API_ prefix, old and new spellings) -> (class, message, hint, retryable)
_CODES: dict[str, tuple[type[ProviderError], str, str, bool]] = {
    "UNAUTHORIZED": (AuthError, "Hyper3D did not accept the API key.", KEY_HINT, False),
    "USER_NOT_FOUND": (AuthError, "Hyper3D does not recognise the API key.", KEY_HINT, False),
    "GROUP_NOT_FOUND": (AuthError, "Hyper3D does not recognise the API key.", KEY_HINT, False),
    "INVALID_API_KEY": (AuthError, "Hyper3D did not accept the API key.", KEY_HINT, False),
    "PERMISSION_DENIED": (AuthError, "Your Hyper3D account is not allowed to do this.",
                          "Check that the API key belongs to an account with API access (Business plan).",
                          False),
    "NO_ACTIVE_SUBSCRIPTION": (ProviderError, "Your Hyper3D account has no active subscription.",
                               "The Rodin API needs a Business subscription. Renew or upgrade it on "
                               "hyper3d.ai, then try again.", False),
    "SUBSCRIPTION_PLAN_TOO_LOW": (ProviderError, "Your Hyper3D plan does not include API access.",
                                  "The Rodin API needs a Business subscription. Upgrade on hyper3d.ai, "
                                  "then try again.", False),
    "INSUFFICIENT_FUND": (ProviderError, "Your Hyper3D account does not have enough credits.",
                          "Top up your credits on hyper3d.ai, then try again. Nothing was charged.", False),
    "INSUFFICIENT_FUNDS": (ProviderError, "Your Hyper3D account does not have enough credits.",
                           "Top up your credits on hyper3d.ai, then try again. Nothing was charged.", False),
    "PARALLELISM_LIMIT_REACHED": (ProviderError, "Hyper3D is already running as many jobs as your account "
                                  "allows.", "The job waits and is sent again when one of your running jobs "
                                  "has finished. Nothing was charged.", True),
    "OBJECT_NOT_FOUND_ON_IMAGE": (ProviderError, "Hyper3D could not find an object in the picture.",
                                  "Use a picture where one object is clearly visible, ideally on a plain "
                                  "background.", False),
    "IMAGE_CONTENT_VIOLATION": (ProviderError, "Hyper3D's content check refused the picture.",
                                "Use a different picture.", False),
    "IMAGE_LABEL_LENGTH_TOO_LONG": (ProviderError, "Meshwright sent more view labels than pictures.",
                                    "This is a bug in Meshwright; please report it.", False),
    "INVALID_REQUEST": (ProviderError, "Hyper3D refused these settings.",
                        "Some options do not work with every quality level; change them and try again.",
                        False),
    "NO_SUCH_TASK": (ProviderError, "Hyper3D does not know this job.",
                     "Results are kept for about 7 days; an older job cannot be fetched again.", False),
}


def is_no_error(value: Any) -> bool:
    """Contract 11: ``error`` absent, null, "" or "OK" all mean success."""
    return value is None or (isinstance(value, str) and value.strip().upper() in ("", "OK"))


def _clean(text: Any, secret: str) -> str:
    """Server text shown to the user: short, and never containing the key (should the server echo it)."""
    out = str(text or "").strip()[:300]
    return scrub(out, (secret,))


def body_error(code: Any, message: Any, *, secret: str = "", submit: bool = False,
               retry_after: float | None = None) -> ProviderError:
    """The error for a body-level ``error`` code. ``submit``: the request was a paid submit."""
    raw = str(code).strip()
    key = raw.upper().removeprefix("API_")
    detail = _clean(message, secret)
    known = _CODES.get(key)
    if known is None:
        if key == "UNKNOWN" and not submit:
            return ProviderError(f"{SERVICE} had an unexpected problem.", hint=detail, retryable=True,
                                 retry_after=retry_after, code=raw)
        text = f"{SERVICE} reported an error: {detail or raw}."
        hint = ("Nothing was resent. Check your Hyper3D balance before trying again." if submit else "")
        return ProviderError(text, hint=hint, code=raw)
    cls, text, hint, retryable = known
    if key == "INVALID_REQUEST" and detail:
        text = f"{SERVICE} refused these settings: {detail.rstrip('.')}."
    if key == "PARALLELISM_LIMIT_REACHED" and retry_after is None:
        retry_after = PARALLELISM_WAIT
    return cls(text, hint=hint, retryable=retryable, retry_after=retry_after if retryable else None, code=raw)


def http_error(response: httpx.Response, *, secret: str = "", submit: bool = False) -> ProviderError | None:
    """The error a reply stands for, or None when it is a success (2xx with no ``error``)."""
    status = response.status_code
    body = json_body(response)
    data = body if isinstance(body, dict) else {}
    code = data.get("error")
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    if status == 401:
        return AuthError("Hyper3D did not accept the API key.", hint=KEY_HINT, code=str(code or "UNAUTHORIZED"))
    if status == 429:
        return ProviderError(f"{SERVICE} asks us to slow down.",
                             hint="Meshwright waits and tries again by itself." if not submit
                             else "The job was not started; it can be sent again after a short wait.",
                             retryable=True, retry_after=retry_after, code="HTTP_429")
    if 200 <= status < 300:
        return None if is_no_error(code) else body_error(code, data.get("message"), secret=secret,
                                                         submit=submit)
    if submit and (status in (408, 409) or status >= 500):
        # The task may exist although the reply failed (contract 2.3, 6.2): never resend blindly. A 500 can
        # also mean a badly encoded field, which resending would not fix either.
        return SubmitUncertainError(
            f"{SERVICE} answered with an error (HTTP {status}) while the job was being sent.",
            hint="It may have started anyway and was not resent, so you are not charged twice. "
                 "Check your Hyper3D balance and history before trying again.",
            code=f"HTTP_{status}")
    if status == 408 or status >= 500:
        return ProviderError(f"{SERVICE} is having trouble right now (HTTP {status}).",
                             hint="Meshwright tries again by itself.", retryable=True, retry_after=retry_after,
                             code=f"HTTP_{status}")
    if not is_no_error(code):
        return body_error(code, data.get("message"), secret=secret, submit=submit, retry_after=retry_after)
    if status == 403:
        return AuthError("Hyper3D refused access with this API key.", hint=KEY_HINT, code="HTTP_403")
    if status == 404:
        return ProviderError(f"{SERVICE} has no such address (HTTP 404).",
                             hint="Check the Hyper3D server address (RODIN_BASE_URL); it should end in /api.",
                             code="HTTP_404")
    return ProviderError(f"{SERVICE} refused the request (HTTP {status}).",
                         hint=_clean(data.get("message"), secret), code=f"HTTP_{status}")


# ----------------------------------------------------------------- job statuses

WAITING, GENERATING, DONE, FAILED, CANCELED = "waiting", "generating", "done", "failed", "canceled"
_STATUS_WORDS = {
    "waiting": WAITING, "queued": WAITING, "queue": WAITING, "pending": WAITING, "in_queue": WAITING,
    "generating": GENERATING, "running": GENERATING, "processing": GENERATING, "in_progress": GENERATING,
    "done": DONE, "succeeded": DONE, "success": DONE, "completed": DONE, "finished": DONE,
    "failed": FAILED, "failure": FAILED, "error": FAILED,
    "canceled": CANCELED, "cancelled": CANCELED,
}
TERMINAL = (DONE, FAILED, CANCELED)


def job_state(word: Any) -> str:
    """One job's status word in our terms; unknown words mean the job is still running (contract 3)."""
    return _STATUS_WORDS.get(str(word or "").strip().lower().replace(" ", "_"), GENERATING)


# ----------------------------------------------------------------- result files

MODEL_EXT = ("glb", "gltf", "fbx", "obj", "usdz", "stl", "ply")
IMAGE_EXT = ("webp", "png", "jpg", "jpeg")
_TEXTURE_WORDS = ("texture", "albedo", "basecolor", "base_color", "normal", "rough", "metal", "emissive", "diffuse")
# The preview opens these directly; other model formats are kept but not opened first.
_VIEWABLE = ("glb", "gltf", "obj", "stl", "ply")


def extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def file_kind(name: str) -> FileKind:
    ext = extension(name)
    if ext in MODEL_EXT:
        return FileKind.MODEL
    if ext in IMAGE_EXT:
        lowered = name.lower()
        return FileKind.TEXTURE if any(w in lowered for w in _TEXTURE_WORDS) else FileKind.IMAGE
    if ext == "mtl":
        return FileKind.TEXTURE
    return FileKind.OTHER


def model_rank(name: str, requested: str) -> tuple[int, int]:
    """Lower is better (contract 4.2): GLB (the preview opens it), then the requested format, then other
    viewable formats; within that ``*_pbr.*`` before ``*_shaded.*`` before anything else."""
    ext, lowered = extension(name), name.lower()
    fmt = 0 if ext == "glb" else 1 if ext == requested else 2 if ext in _VIEWABLE else 3
    flavour = 0 if "_pbr." in lowered else 1 if "_shaded." in lowered else 2
    return fmt, flavour

"""Scenario error replies -> plain-language ``ProviderError``s (scenario.md section 8).

Scenario answers errors in several body shapes (documented ``{status, code, message}``, Joi-style
``{message}``, ``{error}``, 429 ``details: {actionName, actionLimit}``, HTML from a proxy). Everything here
parses defensively and never echoes the caller's key or secret.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from desktop_app.core.errors import AuthError, ProviderError, SubmitUncertainError
from desktop_app.core.retry import is_retryable_status
from desktop_app.core.secrets_scrub import pair_forms
from desktop_app.core.secrets_scrub import scrub as scrub_secrets
from desktop_app.providers.http import json_body, parse_retry_after

if TYPE_CHECKING:
    # httpx (~45 ms to import) loads with the first request, not with the window (benchmarks/startup.py)
    import httpx

SERVICE = "Scenario"
# Statuses after which a paid POST may still have created the job (the reply got lost on the way back).
_UNCERTAIN_STATUS = frozenset({408, 500, 502, 503, 504})


def error_fields(response: httpx.Response) -> tuple[str, str, dict[str, Any]]:
    """(message, code, details) from any of the documented error body shapes; raw text as a last resort."""
    body = json_body(response)
    message, code, details = "", "", {}
    if isinstance(body, dict):
        for key in ("message", "error", "errorMessage", "detail"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                message = value.strip()
                break
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                message = value["message"].strip()
                code = str(value.get("code") or value.get("name") or "")
                break
        code = str(body.get("code") or body.get("name") or body.get("type") or code or "")
        if isinstance(body.get("details"), dict):
            details = body["details"]
    elif isinstance(body, str):
        message = body.strip()
    if not message and body is None:
        text = response.text.strip()
        # An HTML page from a proxy is no use to a person reading an error dialog.
        if text and not text.lstrip().startswith("<"):
            message = text[:300]
    return message, code, details


def retry_after_seconds(response: httpx.Response) -> float | None:
    """``Retry-After`` (seconds or date) or the Stainless ``retry-after-ms``; None when neither is usable."""
    seconds = parse_retry_after(response.headers.get("Retry-After"))
    if seconds is not None:
        return seconds
    millis = response.headers.get("retry-after-ms")
    if millis:
        try:
            return parse_retry_after(str(float(millis) / 1000.0))
        except ValueError:
            return None
    return None


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    """Remove any credential that a server might have echoed back (key, secret, and "key:secret" in Basic)."""
    return scrub_secrets(text, pair_forms(*secrets) if len(secrets) == 2 else secrets)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text.endswith((".", "!", "?")) else text + "."


def is_model_restricted(message: str, code: str) -> bool:
    blob = f"{code} {message}".lower()
    return "modelaccessrestricted" in blob or "access restricted" in blob or ("requires" in blob and "plan" in blob)


def error_for_response(response: httpx.Response, *, action: str, paid: bool = False,
                       secrets: tuple[str, ...] = ()) -> ProviderError:
    """The error a failed reply stands for. ``action`` is a short phrase: "fetch the model list"."""
    status = response.status_code
    message, code, details = error_fields(response)
    message = scrub(message, secrets)
    detail = f" Scenario said: {_sentence(message)}" if message else ""
    if status == 401:
        return AuthError(
            "Scenario did not accept your API key and secret.",
            hint="Check the Scenario key and secret in Settings.",
            code="unauthorized",
        )
    if status == 403:
        if is_model_restricted(message, code):
            return ProviderError(
                "Your Scenario plan cannot use this model." + detail,
                hint="Pick another model or upgrade your Scenario plan.",
                code="model_restricted",
            )
        if "headersnotsigned" in f"{code} {message}".lower():
            return ProviderError("The upload storage refused the file." + detail, retryable=False,
                                 code="upload_refused")
        return AuthError(
            f"Your Scenario key is not allowed to {action}." + detail,
            hint="Check the key's scopes and project in Scenario, and the project id in Settings.",
            code="forbidden",
        )
    if status == 404:
        return ProviderError(f"Scenario could not find what was needed to {action}." + detail,
                             code="not_found")
    if status == 429:
        limit = ""
        if details.get("actionName") or details.get("actionLimit"):
            limit = f" (limit for {details.get('actionName') or 'this action'}: {details.get('actionLimit', '?')})"
        return ProviderError(
            f"Scenario is rate limiting requests{limit}.",
            hint="Waiting a little before trying again; nothing was charged for the refused request.",
            retryable=True,
            retry_after=retry_after_seconds(response),
            code="rate_limited",
        )
    if paid and status in _UNCERTAIN_STATUS:
        return SubmitUncertainError(
            f"Scenario failed while the job was being sent (HTTP {status}).",
            hint=(
                "It may have started anyway; it was not resent, so you are not charged twice. "
                "Check your Scenario jobs before retrying."
            ),
            code=f"http_{status}",
        )
    if is_retryable_status(status):  # 429 is answered above
        return ProviderError(f"Scenario had a temporary problem (HTTP {status}).", retryable=True,
                             retry_after=retry_after_seconds(response), code=f"http_{status}")
    if status in (400, 409, 413, 422):
        return ProviderError(
            f"Scenario refused the request to {action}." + detail,
            hint="Check the parameters and input images.",
            code=code or "invalid_request",
        )
    return ProviderError(f"Scenario could not {action} (HTTP {status})." + detail,
                         retryable=status >= 500, code=code or f"http_{status}")

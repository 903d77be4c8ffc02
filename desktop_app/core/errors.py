"""User-facing errors: each carries a plain-language message a non-programmer can act on."""

from __future__ import annotations


class MeshwrightError(Exception):
    """Base for errors whose message is meant to be shown to the user as is."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def user_text(self) -> str:
        return f"{self.message} {self.hint}".strip()


class InputImageError(MeshwrightError):
    """An input image cannot be used (unreadable, too big, wrong format...)."""


class ValidationError(MeshwrightError):
    """Parameter values do not satisfy the model's schema. ``fields`` maps field name -> message."""

    def __init__(self, fields: dict[str, str], message: str = "") -> None:
        self.fields = dict(fields)
        text = message or "; ".join(f"{k}: {v}" for k, v in self.fields.items()) or "Invalid parameters."
        super().__init__(text)


class UnknownModelError(MeshwrightError):
    """The model id is not one any provider offers."""


class ProviderError(MeshwrightError):
    """A service refused or failed a request. ``retryable`` tells the scheduler whether waiting may help.

    ``retry_after`` (seconds) is set when the service said how long to wait.
    """

    def __init__(
        self,
        message: str,
        *,
        hint: str = "",
        retryable: bool = False,
        retry_after: float | None = None,
        code: str = "",
    ) -> None:
        super().__init__(message, hint=hint)
        self.retryable = retryable
        self.retry_after = retry_after
        self.code = code


class AuthError(ProviderError):
    """Missing or rejected credentials."""


class SubmitUncertainError(ProviderError):
    """The submit request may or may not have reached the service (timeout, reset). Never resubmit blindly."""


class JobCanceled(MeshwrightError):
    """The job was canceled by the user."""


class DownloadError(MeshwrightError):
    """A result file could not be downloaded or failed its checks."""


class MeshLoadError(MeshwrightError):
    """A model file cannot be read or is not a usable mesh."""

"""Kept for older imports: the provider protocol and its types live in :mod:`desktop_app.core.ports`."""

from desktop_app.core.ports import (
    Downloader,
    FileKind,
    GenerationRequest,
    ModelInfo,
    OptionSpec,
    PollResult,
    ProgressCallback,
    Provider,
    ProviderContext,
    ProviderDescription,
    ProviderTraits,
    Quote,
    RemoteFile,
    RemoteRef,
    RemoteStatus,
    SecretSpec,
    poll_interval,
)

__all__ = ["Downloader", "FileKind", "GenerationRequest", "ModelInfo", "OptionSpec", "PollResult",
           "ProgressCallback", "Provider", "ProviderContext", "ProviderDescription", "ProviderTraits", "Quote",
           "RemoteFile", "RemoteRef", "RemoteStatus", "SecretSpec", "poll_interval"]

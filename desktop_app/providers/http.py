"""HTTP pieces shared by the cloud providers: one client setup, Retry-After, error classification.

Rules (PRACTICES.md section 2, written down once in core/retry.py): retry only 408/429/500/502/503/504 and
transport errors, and only for reads and polls; never retry a paid POST. Providers do not sleep or retry
themselves (Scenario's free uploads aside): they raise ``ProviderError`` with ``retryable``/``retry_after`` and
the scheduler, which knows every job of the provider, decides when to try again.
Secrets never reach a log line or an exception message.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import time
from typing import TYPE_CHECKING, Any

import desktop_app
from desktop_app.core.errors import ProviderError, SubmitUncertainError

if TYPE_CHECKING:
    # httpx (~45 ms to import) loads with the first request, not with the window (benchmarks/startup.py)
    import httpx

log = logging.getLogger("meshwright.http")

DEFAULT_TIMEOUT = (15.0, 120.0, 120.0, 120.0)  # httpx.Timeout(120.0, connect=15.0) as (connect, read, write, pool)
MAX_RETRY_AFTER = 150.0
# Every API reply is JSON of a few kilobytes; anything past this is a fault (or an attack) and is not read on,
# so a broken proxy sending 100 MB costs at most this much memory.
MAX_REPLY_BYTES = 4 * 1024 * 1024


def make_client(base_url: str, headers: dict[str, str] | None = None, timeout: Any = DEFAULT_TIMEOUT,
                transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """An AsyncClient that logs method, path and status (never headers or bodies), made on first use."""

    async def on_response(response: httpx.Response) -> None:
        req = response.request
        log.debug("%s %s -> %s", req.method, req.url.copy_with(query=None), response.status_code)

    def build() -> httpx.AsyncClient:
        import httpx
        return httpx.AsyncClient(
            base_url=base_url,
            headers={"User-Agent": f"Meshwright/{desktop_app.__version__}", **(headers or {})},
            timeout=timeout,
            transport=transport,
            follow_redirects=True,
            event_hooks={"response": [on_response]},
        )

    return LazyClient(build)  # type: ignore[return-value]


def warm_first_request_imports() -> None:
    """Import what httpx's first request would import on the thread sending it: anyio's asyncio backend (~70 ms),
    loaded when httpcore makes its first lock. Call it in a worker, so the GUI thread never pays for it."""
    with contextlib.suppress(ImportError):  # a private module of anyio: if it moves, the first request loads it
        import anyio._backends._asyncio  # noqa: F401


class LazyClient:
    """Stands in for an AsyncClient until its first use. Each client loads the CA bundle into a new SSL
    context (~45 ms); three of them at start-up delayed the window for requests it may never make. ``ready``
    (which ``request_bounded`` awaits) builds it in a worker: built on the GUI thread by the first request (a
    balance read as the first job of a batch is made) it stalled the window for 80-120 ms."""

    def __init__(self, build: Any) -> None:
        object.__setattr__(self, "_build", build)
        object.__setattr__(self, "_real", None)
        object.__setattr__(self, "_building", None)

    async def ready(self) -> httpx.AsyncClient:
        """The real client, built in a worker thread on first use (one build however many callers wait)."""
        real = object.__getattribute__(self, "_real")
        if real is not None:
            return real
        building = object.__getattribute__(self, "_building")
        if building is None or building.get_loop() is not asyncio.get_running_loop():
            building = asyncio.ensure_future(asyncio.to_thread(self._build_and_warm))
            object.__setattr__(self, "_building", building)
        try:
            built = await asyncio.shield(building)
        except BaseException:
            if building.done():  # a failed build is tried again by the next request
                object.__setattr__(self, "_building", None)
            raise
        if object.__getattribute__(self, "_real") is None:
            object.__setattr__(self, "_real", built)
        return object.__getattribute__(self, "_real")

    def _build_and_warm(self) -> httpx.AsyncClient:
        client = object.__getattribute__(self, "_build")()
        warm_first_request_imports()
        return client

    def _client(self) -> httpx.AsyncClient:
        real = object.__getattribute__(self, "_real")
        if real is None:  # used before ``ready`` (not by this module): built here, on the caller's thread
            real = object.__getattribute__(self, "_build")()
            object.__setattr__(self, "_real", real)
        return real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._client(), name, value)

    async def aclose(self) -> None:
        building = object.__getattribute__(self, "_building")
        if (object.__getattribute__(self, "_real") is None and building is not None and not building.done()
                and building.get_loop() is asyncio.get_running_loop()):
            with contextlib.suppress(Exception):
                await building  # a build under way: close what it makes rather than leak it
            if building.done() and not building.cancelled() and building.exception() is None:
                object.__setattr__(self, "_real", building.result())
        real = object.__getattribute__(self, "_real")
        if real is not None:  # never made: nothing to close
            await real.aclose()


async def ready(client: Any) -> Any:
    """``client`` itself, or the real client behind a ``LazyClient`` (built in a worker on first use)."""
    return await client.ready() if isinstance(client, LazyClient) else client


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), capped; None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - (now if now is not None else time.time())
    return max(0.0, min(MAX_RETRY_AFTER, seconds))


def transport_error(exc: httpx.TransportError, *, paid: bool, service: str) -> ProviderError:
    """Translate a network failure. For a paid POST anything past connecting may have reached the service."""
    import httpx
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return ProviderError(
            f"Could not reach {service}.",
            hint="Check your internet connection; nothing was sent.",
            retryable=not paid,
        )
    if paid:
        return SubmitUncertainError(
            f"The connection to {service} broke while the job was being sent.",
            hint=(
                "It may have started anyway; it was not resent, so you are not charged twice. "
                "Check it before retrying."
            ),
        )
    return ProviderError(f"The connection to {service} failed ({type(exc).__name__}).", retryable=True)


class ReplyTooLargeError(ProviderError):
    """A service's API reply passed MAX_REPLY_BYTES; it was not read to the end."""


async def request_bounded(client: httpx.AsyncClient, method: str, url: str, *, service: str, paid: bool = False,
                          limit: int = MAX_REPLY_BYTES, **kwargs: Any) -> httpx.Response:
    """``client.request`` whose body is read with a size cap (declared length and bytes as they arrive, after
    decompression, so a gzip bomb is capped too). Over the cap: ReplyTooLargeError, or SubmitUncertainError for
    a paid request (the job may have started). Transport errors propagate as httpx raises them."""
    import httpx
    client = await ready(client)
    async with client.stream(method, url, **kwargs) as response:
        declared = response.headers.get("content-length", "")
        chunks: list[bytes] = []
        total = int(declared) if declared.isdigit() and int(declared) > limit else 0
        if not total:
            async for chunk in response.aiter_bytes():
                total += len(chunk)
                if total > limit:
                    break
                chunks.append(chunk)
        if total > limit:
            log.warning("%s %s: reply over %d bytes, not read", method, response.request.url.path, limit)
            size = f"over {limit // (1024 * 1024)} MB"
            if paid:
                raise SubmitUncertainError(
                    f"{service} sent an unexpectedly huge reply ({size}) to the job request.",
                    hint="The job may have started anyway; it was not resent. Check your account before retrying.")
            raise ReplyTooLargeError(
                f"{service} sent an unexpectedly huge reply ({size}), which Meshwright does not read.",
                hint="This is a fault at the service or a proxy in between; try again later.", code="REPLY_TOO_LARGE")
        headers = [(k, v) for k, v in response.headers.multi_items()
                   if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")]
        return httpx.Response(response.status_code, headers=headers, content=b"".join(chunks),
                              request=response.request)


def json_body(response: httpx.Response) -> Any:
    """The parsed body, or None when it is not JSON (an HTML error page, a truncated reply)."""
    try:
        return response.json()
    except ValueError:
        return None

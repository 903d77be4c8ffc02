"""Result downloads that end with the whole file or nothing.

Bytes stream into ``name.part``; the finished file is size-checked (and GLB-header-checked), fsynced and then
renamed into place, so a half-written file is never shown as a result. A ``.part`` left by an interrupted run
is resumed with an HTTP Range request where the server honours it, and restarted otherwise.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import struct
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

from desktop_app.core.errors import DownloadError

if TYPE_CHECKING:
    # httpx (~45 ms to import) loads with the first request, not with the window (benchmarks/startup.py)
    import httpx

_FLUSH_BYTES = 2 * 1024 * 1024
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
_BAD_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"|?*\\/]')

ByteProgress = Callable[[int, int | None], None]


class UrlExpiredError(DownloadError):
    """The file host refused the link (403/404/410): fetch a fresh URL and try again."""


class TransientDownloadError(DownloadError):
    """A network hiccup or a 5xx: trying again later may work."""


def safe_filename(name: str, used: set[str] | None = None, default: str = "file") -> str:
    """A file name that cannot escape its folder or upset any desktop OS; unique within ``used``."""
    name = unquote(name or "").replace("\\", "/").split("/")[-1]
    name = _BAD_CHARS.sub("_", name).strip().strip(".").strip()
    if not name or set(name) <= {"_", "."}:
        name = default
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if stem.split(".")[0].upper() in _RESERVED:
        stem = "_" + stem
    ext = ext[:16]
    stem = stem[: 120 - len(ext)] or default
    candidate = f"{stem}.{ext}" if ext else stem
    if used is not None:
        n = 2
        while candidate.lower() in used:
            candidate = f"{stem}-{n}.{ext}" if ext else f"{stem}-{n}"
            n += 1
        used.add(candidate.lower())
    return candidate


def check_glb(path: Path) -> None:
    """Raise DownloadError unless ``path`` starts with a glTF 2 binary header whose length matches the file."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        header = fh.read(12)
    if len(header) < 12 or header[:4] != b"glTF":
        raise DownloadError(f"{path.name} is not a GLB model (the file is damaged or is something else).")
    version, length = struct.unpack("<II", header[4:12])
    if version != 2 or length != size:
        raise DownloadError(f"{path.name} is incomplete or damaged (expected {length} bytes, got {size}).")


def _finish(part: Path, dest: Path, expected_size: int | None) -> Path:
    size = part.stat().st_size
    if expected_size is not None and size != expected_size:
        raise TransientDownloadError(f"{dest.name} arrived incomplete ({size} of {expected_size} bytes).")
    if size == 0:
        raise TransientDownloadError(f"{dest.name} arrived empty.")
    if dest.suffix.lower() == ".glb":
        try:
            check_glb(part)
        except DownloadError:
            part.unlink(missing_ok=True)  # a corrupt body must not be resumed from
            raise
    with part.open("rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(part, dest)
    try:  # make the rename itself durable where the OS allows opening a folder
        fd = os.open(dest.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass
    return dest


def _append(path: Path, data: bytes) -> None:
    with path.open("ab") as fh:
        fh.write(data)


async def download_to(
    client: httpx.AsyncClient,
    url: str,
    dest: Path,
    *,
    expected_size: int | None = None,
    progress: ByteProgress | None = None,
) -> Path:
    """Download ``url`` (http(s) or file://) to ``dest`` atomically; returns ``dest``.

    Raises UrlExpiredError (ask the provider for a fresh URL), TransientDownloadError (try later) or
    DownloadError (the file is bad). Disk writes run in a worker thread so the event loop never waits on them.
    """
    import httpx
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    parsed = urlparse(url)
    if parsed.scheme == "file":
        src = Path(unquote(parsed.path))
        if os.name == "nt" and re.match(r"^/[A-Za-z]:", parsed.path):
            src = Path(unquote(parsed.path[1:]))
        if not src.is_file():
            raise UrlExpiredError(f"{dest.name} is no longer available.")
        await asyncio.to_thread(shutil.copyfile, src, part)
        if progress:
            progress(part.stat().st_size, part.stat().st_size)
        return await asyncio.to_thread(_finish, part, dest, expected_size)
    if parsed.scheme not in ("http", "https"):
        raise DownloadError(f"Unsupported download address for {dest.name}.")

    have = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        async with client.stream("GET", url, headers=headers) as response:
            status = response.status_code
            if status in (401, 403, 404, 410):
                raise UrlExpiredError(f"The download link for {dest.name} has expired.")
            if status == 416 and have:
                # Our .part is already complete (or the server lost it): start over cleanly.
                part.unlink(missing_ok=True)
                raise TransientDownloadError(f"{dest.name}: the download restarts.")
            if status >= 500 or status in (408, 429):
                raise TransientDownloadError(f"The file host answered {status} for {dest.name}.")
            if status >= 400:
                raise DownloadError(f"The file host refused {dest.name} (HTTP {status}).")
            if status == 206 and have:
                offset = have
            else:
                offset = 0
                part.unlink(missing_ok=True)
            length = response.headers.get("Content-Length")
            total = offset + int(length) if length and length.isdigit() else expected_size
            got = offset
            buffer = bytearray()
            try:
                async for chunk in response.aiter_bytes():  # as received: a chunker would hold bytes back
                    buffer += chunk
                    got += len(chunk)
                    if len(buffer) >= _FLUSH_BYTES:
                        await asyncio.to_thread(_append, part, bytes(buffer))
                        buffer.clear()
                    if progress:
                        progress(got, total)
            finally:
                # Keep what arrived, even on a dropped connection, so the next try can resume from it.
                await asyncio.to_thread(_append, part, bytes(buffer))
    except httpx.TransportError as exc:
        raise TransientDownloadError(f"The download of {dest.name} was interrupted ({type(exc).__name__}).") from exc
    if total is not None and expected_size is None:
        expected_size = total
    return await asyncio.to_thread(_finish, part, dest, expected_size)

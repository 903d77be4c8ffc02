"""A lock file that lives exactly as long as the process holding it: how one Meshwright process proves to another
that it is still running, even after a kill -9 or a power cut (the OS drops the lock with the process).

POSIX uses ``flock`` (per open file, so a probe from the same process also sees the lock); Windows locks the
file's first byte with ``msvcrt.locking``. A probe that cannot tell (no lock support on that file system) says so
with ``None``, and the caller falls back to the owner's heartbeat.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

if os.name == "nt":  # pragma: no cover - exercised on Windows builds
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except PermissionError:
            return False
        except OSError as exc:
            if exc.errno in (13, 36):  # EACCES, EDEADLOCK: held by another handle
                return False
            raise
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import errno
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return False
            raise
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


class ProcessLock:
    """Held from ``acquire()`` until ``release()`` or the end of the process, whichever comes first."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> bool:
        """Take the lock (the file is made if needed); False if the file system cannot lock files."""
        if self._fd is not None:
            return True
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
        except OSError as exc:  # a read-only folder: the journal says the rest; others rely on the heartbeat
            log.warning("cannot make %s (%s); other processes will rely on the heartbeat", self.path, exc)
            return False
        try:
            if os.name == "nt" and os.fstat(fd).st_size == 0:  # msvcrt locks need a byte to lock
                os.write(fd, b"\0")
            locked = _try_lock(fd)
        except OSError as exc:
            log.warning("cannot lock %s (%s); other processes will rely on the heartbeat", self.path, exc)
            os.close(fd)
            return False
        if not locked:  # a token is unique per process, so this only happens if it was reused
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self, remove: bool = True) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        if remove:  # unlink first, while still locked, so a prober never takes a file about to vanish for dead
            with contextlib.suppress(OSError):
                self.path.unlink()
        with contextlib.suppress(OSError):
            _unlock(fd)
        os.close(fd)


def probe(path: Path) -> bool | None:
    """Whether a live process holds the lock at ``path``: True held, False free or no file, None cannot tell."""
    try:
        fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        return None
    except OSError:
        return None
    try:
        try:
            free = _try_lock(fd)
        except OSError:
            return None
        if free:
            with contextlib.suppress(OSError):
                _unlock(fd)
        return not free
    finally:
        os.close(fd)

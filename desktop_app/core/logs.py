"""Logging: a rotating file under the log folder, timings and job ids, and never a secret.

Two nets keep credentials out: patterns (Authorization headers, ``api_key=...``) and the exact values of the
keys in use, registered with :func:`register_secret` (also in base64, as HTTP Basic auth sends "key:secret").
"""

from __future__ import annotations

import base64
import logging
import logging.handlers
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOG_FILE = "meshwright.log"
MAX_BYTES = 2_000_000
BACKUPS = 5
FORMAT = "%(asctime)s.%(msecs)03d %(levelname)s %(threadName)s %(name)s: %(message)s"

_SECRET_PATTERNS = [
    re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"),
    re.compile(r"(?i)((?:api[_-]?key|secret|token|password)[\"']?\s*[:=]\s*[\"']?)[^\s\"',}&]+"),
    re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{16,}"),  # a header value quoted without its name
]
_known: set[str] = set()
_lock = threading.Lock()


def register_secret(*values: str) -> None:
    """Hide these exact values (and their base64 forms) from every scrubbed text."""
    values = tuple(v for v in values if v and len(v) >= 4)
    with _lock:
        _known.update(values)
        _known.update(base64.b64encode(v.encode()).decode() for v in values)


def register_secret_pair(user: str, password: str) -> None:
    """Hide a "user:password" pair in the base64 form HTTP Basic auth sends it in."""
    if user and password:
        register_secret(user, password, f"{user}:{password}")


def scrub(text: str) -> str:
    """Remove credentials from a log line or crash report."""
    with _lock:
        known = sorted(_known, key=len, reverse=True)  # longest first: a base64 form may contain a shorter key
    for value in known:
        text = text.replace(value, "[hidden]")
    for pattern in _SECRET_PATTERNS[:2]:
        text = pattern.sub(lambda m: m.group(1) + "[hidden]", text)
    return _SECRET_PATTERNS[2].sub(lambda m: m.group(1) + " [hidden]", text)


class ScrubbingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


@contextmanager
def timed(logger: logging.Logger, what: str, *args: object) -> Iterator[None]:
    """Log how long a step took ("<what> took 0.123 s"), also when it fails."""
    start = time.perf_counter()
    try:
        yield
    finally:
        logger.info(what + " took %.3f s", *args, time.perf_counter() - start)


def setup_logging(log_dir: Path, level: int = logging.INFO) -> Path:
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LOG_FILE
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "meshwright", False)]:  # set up twice: one file handler
        root.removeHandler(old)
        old.close()
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    handler.setFormatter(ScrubbingFormatter(FORMAT, datefmt="%Y-%m-%d %H:%M:%S"))
    handler.meshwright = True  # type: ignore[attr-defined]
    root.setLevel(level)
    root.addHandler(handler)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    return path

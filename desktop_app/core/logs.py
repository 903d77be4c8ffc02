"""Logging: a rotating file under the log folder, timings and job ids, and never a secret.

Every line passes the one scrubber, core/secrets_scrub.py (re-exported here for the callers that log).
"""

from __future__ import annotations

import logging
import logging.handlers
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from desktop_app.core.secrets_scrub import register_secret, register_secret_pair, scrub

__all__ = ["register_secret", "register_secret_pair", "scrub", "setup_logging", "timed"]

LOG_FILE = "meshwright.log"
MAX_BYTES = 2_000_000
BACKUPS = 5
FORMAT = "%(asctime)s.%(msecs)03d %(levelname)s %(threadName)s %(name)s: %(message)s"

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

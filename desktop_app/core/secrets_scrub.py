"""The one secret scrubber: every log line, crash report, error message and shown server reply passes here.

Two nets keep credentials out: patterns (Authorization headers, ``api_key=...``) and exact values: the keys in
use, registered by the key store (core/settings.py ``Secrets``) as they are read, and values a caller knows
(keys typed in a form, not saved yet), each also in base64, as HTTP Basic auth sends "key:secret".
"""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import Iterable

HIDDEN = "[hidden]"
MIN_LENGTH = 4  # shorter values would hide ordinary words

_PATTERNS = [
    re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"),
    re.compile(r"(?i)((?:api[_-]?key|secret|token|password)[\"']?\s*[:=]\s*[\"']?)[^\s\"',}&]+"),
]
_BARE_HEADER = re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{16,}")  # a header value quoted without its name
_known: set[str] = set()
_lock = threading.Lock()


def _forms(values: Iterable[str]) -> set[str]:
    kept = {v for v in values if v and len(v) >= MIN_LENGTH}
    return kept | {base64.b64encode(v.encode()).decode() for v in kept}


def register_secret(*values: str) -> None:
    """Hide these exact values (and their base64 forms) from every scrubbed text from now on."""
    forms = _forms(values)
    with _lock:
        _known.update(forms)


def pair_forms(user: str, password: str) -> tuple[str, ...]:
    """A "user:password" pair as Basic auth sends it, with both halves."""
    return (user, password, f"{user}:{password}") if user and password else (user, password)


def register_secret_pair(user: str, password: str) -> None:
    """Hide a "user:password" pair in the base64 form HTTP Basic auth sends it in."""
    if user and password:
        register_secret(*pair_forms(user, password))


def scrub(text: str, also: Iterable[str] = ()) -> str:
    """``text`` without credentials: registered values, ``also`` (e.g. keys typed but not saved) and patterns."""
    extra = _forms(also)
    with _lock:
        known = sorted(_known | extra, key=len, reverse=True)  # longest first: a base64 form may contain a key
    for value in known:
        text = text.replace(value, HIDDEN)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + HIDDEN, text)
    return _BARE_HEADER.sub(lambda m: m.group(1) + " " + HIDDEN, text)

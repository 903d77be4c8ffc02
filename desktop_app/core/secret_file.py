"""The opt-in file fallback for API keys, for systems where no keychain works (headless Linux, some sandboxes).

The file is plain JSON, named and headed so nobody mistakes it for something safe, readable by its owner only
(0600, created with those permissions so no other user can read it even for a moment). It exists only after
the user chose it in Settings; deleting it (or the choice "keychain" again) forgets the keys it held.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

FILE_NAME = "api-keys-UNENCRYPTED.json"
WARNING = ("Meshwright API keys stored WITHOUT encryption because this system has no keychain. "
           "Anyone who can read this file can use your accounts. Delete it to forget the keys.")


class SecretFile:
    """A small name -> value store in one owner-only JSON file. Blocking: call it from a worker thread."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def exists(self) -> bool:
        return self.path.is_file()

    def read(self) -> dict[str, str]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:  # never the content: it may hold half a key
            log.warning("key file unreadable (%s)", type(exc).__name__)
            return {}
        keys = raw.get("keys") if isinstance(raw, dict) else None
        if not isinstance(keys, dict):
            return {}
        return {k: v for k, v in keys.items() if isinstance(k, str) and isinstance(v, str) and v}

    def get(self, name: str) -> str:
        return self.read().get(name, "")

    def write(self, keys: dict[str, str]) -> None:
        """Replace the file atomically; the temporary file is owner-only from its first byte."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = json.dumps({"WARNING": WARNING, "keys": {k: v for k, v in keys.items() if v}}, indent=2)
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(body)
            os.chmod(tmp, 0o600)  # an existing tmp file keeps its old mode under O_CREAT
            os.replace(tmp, self.path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def set(self, name: str, value: str) -> None:
        keys = self.read()
        keys[name] = value
        self.write(keys)

    def delete(self) -> None:
        self.path.unlink(missing_ok=True)

"""docs/ARCHITECTURE.md names files a maintainer will open: each one must exist, or the map misleads."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "ARCHITECTURE.md"
# A code span that is a path: "ui/bus.py", "desktop_app/ui/generate/", "tests/example_provider/", "pricing.py".
PATH = re.compile(r"`((?:desktop_app/|tests/|resources/|packaging/|ui/|core/|providers/|tools/)[\w./-]*"
                  r"|[\w-]+\.py)`")


def _where(name: str) -> Path:
    if name.startswith(("desktop_app/", "tests/", "resources/", "packaging/")):
        return ROOT / name
    return ROOT / "desktop_app" / name  # the doc's short paths are relative to desktop_app/


def test_every_path_in_the_architecture_doc_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    named = {m.group(1) for m in PATH.finditer(text) if "<" not in m.group(1)}
    named = {n for n in named if not n.startswith("cli_")}  # "cli_*.py" stands for a family of files
    assert len(named) > 30, "the pattern no longer finds the doc's paths"
    # Bare file names of a panel's table row ("panel.py", "actions.py") are looked up under ui/ too.
    missing = [n for n in sorted(named) if not _where(n).exists()
               and not ("/" not in n and list((ROOT / "desktop_app" / "ui").rglob(n)))]
    assert missing == []

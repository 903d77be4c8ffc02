"""Meshwright: images in, 3D models out, kept in a local library."""

from __future__ import annotations

APP_NAME = "Meshwright"
APP_ID = "meshwright"  # executable, .desktop file and icon name


def _version() -> str:
    """The version from pyproject.toml: through the installed metadata (also bundled in the frozen app),
    else read from the checkout's pyproject.toml (source tree without an install)."""
    from importlib import metadata

    try:
        return metadata.version("meshwright")
    except metadata.PackageNotFoundError:
        pass
    import tomllib
    from pathlib import Path

    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    try:
        return str(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "0+unknown"


def __getattr__(name: str) -> str:
    # Looked up on first use: scanning the installed metadata costs ~20 ms the CLI's quick commands don't need.
    if name == "__version__":
        version = _version()
        globals()["__version__"] = version
        return version
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

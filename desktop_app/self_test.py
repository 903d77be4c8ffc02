"""`--self-test`: prove a build works on this machine: window, offline generation, preview, offscreen render.

Runs inside the real app (a throw-away MESHWRIGHT_HOME is used when none is set) and exits 0 on success,
1 with the reason on stderr otherwise. Used by packaging smoke tests, so it also touches what a frozen build
most often loses: keyring's backends (found through package metadata) and trimesh's GLB reader.
"""

from __future__ import annotations

import asyncio
import io
import sys
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw

if TYPE_CHECKING:
    from desktop_app.services import Services
    from desktop_app.ui.main_window import MainWindow


def _test_image(folder: Path) -> Path:
    """A disc on a transparent background: something the offline generator can always lift."""
    image = Image.new("RGBA", (256, 256), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((32, 32, 224, 224), fill=(220, 60, 40, 255))
    draw.rectangle((96, 96, 160, 160), fill=(40, 160, 220, 255))
    path = folder / "self-test.png"
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


async def run_self_test(window: MainWindow) -> int:
    from desktop_app.core.jobs.store import JobState
    from desktop_app.ui.preview import render_thumbnail
    from desktop_app.ui.tasks import wait_until

    steps = []
    try:
        services = window.services
        image = await asyncio.to_thread(_test_image, services.paths.cache_dir)
        steps.append("window shown")
        job = await services.scheduler.create_job("local:relief", [image], {"detail": 64}, title="Self test")
        job = await services.scheduler.run(job.id)
        if job.state is not JobState.SUCCEEDED:
            raise RuntimeError(f"offline generation ended {job.state}: {job.message}")
        steps.append("offline generation")
        steps.append(await _read_glb(services, job.item_id))
        await wait_until(lambda: window.preview.state() in ("scene", "error"), 60, "the preview")
        if window.preview.state() != "scene":
            raise RuntimeError(f"preview failed: {window.preview.message_text()}")
        steps.append("preview")
        frame = render_thumbnail(window.preview.scene(), 128)
        if frame.isNull() or frame.width() != 128:
            raise RuntimeError("offscreen render returned no image")
        steps.append("offscreen render")
    except Exception as exc:
        print(f"self-test FAILED after {', '.join(steps) or 'start'}: {exc}", file=sys.stderr)
        return 1
    try:
        keychain = await asyncio.wait_for(asyncio.to_thread(_keyring_report, services), 30)
    except Exception as exc:
        print(f"self-test FAILED at the keyring check: {exc}", file=sys.stderr)
        return 1
    print(f"self-test passed: {', '.join(steps)}")
    print(f"keyring: {keychain}")
    return 0


async def _read_glb(services: Services, item_id: str | None) -> str:
    from desktop_app.core.mesh.load import mesh_stats

    item = await asyncio.to_thread(services.library.get, item_id) if item_id else None
    path = item.model_path if item is not None else None
    if path is None or path.suffix.lower() != ".glb":
        raise RuntimeError(f"the library item has no GLB model ({path})")
    stats = await asyncio.to_thread(mesh_stats, path)
    if stats.triangles <= 0:
        raise RuntimeError("the GLB read back with no triangles")
    return f"GLB read ({stats.triangles} triangles)"


def _keyring_report(services: Services) -> str:
    """The active backend by name. No registered backends means the build lost keyring's entry points (which
    is how frozen apps silently fall back to "no keychain"); a headless machine with none usable is fine."""
    registered = sorted(ep.name for ep in metadata.entry_points(group="keyring.backends"))
    if not registered:
        raise RuntimeError("no keyring backends are registered (package metadata missing from the build)")
    name, usable = services.secrets.keychain_status()
    state = "stores secrets" if usable else "no usable keychain on this system"
    return f"{name or 'none'}, {state}; backends: {', '.join(registered)}"

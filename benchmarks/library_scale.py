"""Library at scale: build a 10,000-item library in a temp folder, then print open time, search latency while
typing (GUI-thread stalls while typing, and how soon results show once typing stops), and memory.
Targets: open < 1 s; no GUI-thread stall over 50 ms while typing; results shown < 150 ms after the last key.

Usage: python benchmarks/library_scale.py [ITEMS]   (``make benchmarks`` runs it under Xvfb)
"""

from __future__ import annotations

import asyncio
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from desktop_app.core.library.store import Library, LibraryQuery
from desktop_app.ui.tasks import wait_until

WORDS = ("dragon", "castle", "robot", "chair", "vase", "boat", "tree", "house", "car", "plane", "knight", "cat",
         "dog", "lamp", "helmet", "sword", "shield", "crate", "barrel", "rock", "statue", "mech", "bird", "fish")
MODELS = ("local:relief", "hyper3d:rodin", "scenario:model_trellis-2", "scenario:model_hunyuan-3d")


def rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(root: Path, count: int) -> None:
    """Item folders written directly (as a long-used library would hold them), then indexed once."""
    from PySide6.QtGui import QColor, QImage

    from desktop_app.core.library.store import ITEM_FILE, THUMBNAIL, LibraryFile, LibraryItem, new_item_id

    image = QImage(256, 256, QImage.Format.Format_RGB32)
    image.fill(QColor("#8a6"))
    thumb = root.parent / "thumb.png"
    image.save(str(thumb))
    rng = random.Random(7)
    for n in range(count):
        title = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {n}"
        item = LibraryItem(
            id=new_item_id(title, 1.6e9 + n * 600), title=title, model_id=rng.choice(MODELS),
            created_at=1.6e9 + n * 600, params={"prompt": f"a {rng.choice(WORDS)} made of {rng.choice(WORDS)}"},
            files=[LibraryFile("outputs/model.glb", "model", rng.randint(10_000, 50_000_000))],
            model_file="outputs/model.glb", cost=rng.choice((None, 0.0, 0.5, 1.0, 5.0)), cost_unit="credits",
            tags=rng.sample(WORDS, 2), favorite=rng.random() < 0.05,
        )
        folder = root / "items" / item.id
        (folder / "outputs").mkdir(parents=True)
        (folder / "outputs" / "model.glb").write_bytes(b"glTF" + bytes(60))
        shutil.copy(thumb, folder / THUMBNAIL)
        (folder / ITEM_FILE).write_text(json.dumps(item.to_json()), encoding="utf-8")


class Ticker:
    """An asyncio timer on the Qt loop, late exactly while the GUI thread is busy: its lateness is a stall."""

    def __init__(self) -> None:
        self.lateness: list[float] = []
        self._stop = asyncio.Event()
        self._task = asyncio.ensure_future(self._run())

    async def _run(self, interval: float = 0.005) -> None:
        expected = time.perf_counter() + interval
        while not self._stop.is_set():
            await asyncio.sleep(interval)
            now = time.perf_counter()
            self.lateness.append(max(0.0, now - expected) * 1000)
            expected = now + interval

    async def stop(self) -> list[float]:
        self._stop.set()
        await self._task
        return self.lateness


async def type_searches(view, count: int, mode: str) -> None:
    """Type words into the real search field a key at a time (90 ms per key, a quick typist); after each word,
    time until the list shows its results. The ticker catches every GUI-thread block: keystroke handling,
    applying results, relayout and paint."""
    results_ms: list[float] = []
    per_key: list[float] = []  # the longest GUI-thread block from one keystroke to the next (or to the results)
    ticker = Ticker()
    for word in ("dragon cas", "robot", "castle kn", "vase", "helmet 12"):
        view.search.clear()
        await wait_until(lambda: view.model.rowCount() == count, 10, "the full list again")
        await asyncio.sleep(0.2)
        for n in range(1, len(word) + 1):
            mark = len(ticker.lateness)
            start = time.perf_counter()
            view.search.setText(word[:n])
            keystroke = (time.perf_counter() - start) * 1000
            if n < len(word):
                await asyncio.sleep(0.09)
                per_key.append(max([keystroke, *ticker.lateness[mark:]]))
        typed = time.perf_counter()
        expected = len(view.library.rows(LibraryQuery(text=word)))
        await wait_until(lambda w=word, e=expected: view.model.rowCount() == e and view.query().text == w
                         and view.count_label.text().startswith(f"{e} "), 10, "the typed search")
        view.current_view().viewport().repaint()
        results_ms.append((time.perf_counter() - typed) * 1000)
        await asyncio.sleep(0.2)
        per_key.append(max([keystroke, *ticker.lateness[mark:]]))
    stalls = await ticker.stop()
    print(f"search while typing ({mode}, {len(per_key)} keystrokes): GUI-thread time per keystroke median "
          f"{statistics.median(per_key):.0f} ms, worst {max(per_key):.0f} ms (longest stall {max(stalls):.0f} ms; "
          f"target < 50); results shown after the last key median {statistics.median(results_ms):.0f} ms, "
          f"worst {max(results_ms):.0f} ms (target < 150)")


async def measure(root: Path, count: int) -> None:
    from desktop_app.ui.library.view import LibraryView

    before = rss_mb()
    t0 = time.perf_counter()
    lib = Library(root)
    t_index = time.perf_counter() - t0
    view = LibraryView(lib)
    view.resize(420, 800)
    view.show()
    view.reload()
    await wait_until(lambda: view.model.rowCount() == count, 30, "the first listing")
    view.grid.viewport().repaint()  # the first paint (and its thumbnail requests), synchronously
    t_open = time.perf_counter() - t0
    print(f"open: {t_open * 1000:.0f} ms to a painted grid of {count:,} items "
          f"(index open {t_index * 1000:.0f} ms)  target < 1000 ms")

    await wait_until(lambda: not view.model._loading, 30, "visible thumbnails")
    print(f"thumbnails decoded: {len(view.model._icons)} (only the visible ones)")
    for list_mode in (False, True):
        view.set_list_mode(list_mode)
        await type_searches(view, count, "list" if list_mode else "grid")
    view.set_list_mode(False)

    for label, query in (("filter provider=scenario, sort by size", LibraryQuery(provider="scenario", sort="size")),
                         ("favourites, sort by name", LibraryQuery(favorite=True, sort="name")),
                         ("all, sort by cost", LibraryQuery(sort="cost"))):
        start = time.perf_counter()
        rows = lib.rows(query)
        print(f"{label}: {len(rows):,} rows in {(time.perf_counter() - start) * 1000:.0f} ms")

    print(f"memory: {rss_mb():.0f} MB resident, {rss_mb() - before:.0f} MB for the open library and view")
    view.hide()
    view.deleteLater()
    lib.close()


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    from PySide6.QtWidgets import QApplication

    from desktop_app.core.library.store import Library
    from desktop_app.ui.event_loop import EventLoop

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory(prefix="meshwright-scale-") as tmp:
        root = Path(tmp) / "library"
        build(root, count)
        start = time.perf_counter()
        first = Library(root)  # no index yet: built from the item folders, as after a lost index
        print(f"index built from {first.count():,} item folders: {time.perf_counter() - start:.1f} s")
        first.close()
        loop = EventLoop(app)
        asyncio.set_event_loop(loop)
        with loop:
            loop.run_until_complete(measure(root, count))
    return 0


if __name__ == "__main__":
    sys.exit(main())

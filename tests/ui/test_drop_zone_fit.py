"""One image in the drop zone shows whole, without a scroll bar, in a 1366x768 window: a tile taller than the zone
showed a scroll bar beside a single picture."""

from __future__ import annotations

import asyncio


def test_one_image_needs_no_scroll_bar(main_window, qloop, qtbot, fixture_images) -> None:
    main_window.resize(1366, 768)
    zone = main_window.drop_zone
    zone.add_paths([fixture_images / "typical_misc_crate.png"])
    qloop.until(lambda: zone.list.count() == 1 and zone.list.isVisible(), what="the image tile")
    qloop.run(asyncio.sleep(0.2))  # the list lays its tiles out after the event turn that added them
    assert not zone.list.verticalScrollBar().isVisible()
    tile = zone.list.visualItemRect(zone.list.item(0))
    assert zone.list.viewport().rect().contains(tile)

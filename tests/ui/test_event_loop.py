"""The app's asyncio loop keeps itself the running loop in the last pass over events after it stopped."""

from __future__ import annotations

import asyncio

from desktop_app.ui.event_loop import EventLoop


def test_a_coroutine_woken_as_the_loop_stops_still_has_its_loop(qapp) -> None:
    # qasync's own run_until_complete cleared the running loop before that pass: a task woken there failed in
    # asyncio.get_running_loop() (a library thumbnail lost in a test run, now and then).
    loop = EventLoop(qapp, already_running=False)
    asyncio.set_event_loop(loop)
    try:
        loops_seen: list[asyncio.AbstractEventLoop | None] = []

        async def waiter(woken: asyncio.Future[int]) -> int:
            value = await woken
            loops_seen.append(asyncio._get_running_loop())
            await asyncio.sleep(0)  # what failed: anything that asks for the running loop
            return value

        for _ in range(5):
            done: asyncio.Future[None] = loop.create_future()
            woken: asyncio.Future[int] = loop.create_future()
            task = loop.create_task(waiter(woken))

            async def finish(done: asyncio.Future[None], woken: asyncio.Future[int]) -> None:
                await asyncio.sleep(0)
                # This callback runs after run_until_complete's own "stop": the waiter wakes in the last pass.
                done.add_done_callback(lambda _: woken.set_result(7))
                done.set_result(None)

            loop.create_task(finish(done, woken))
            loop.run_until_complete(done)
            assert loop.run_until_complete(task) == 7
        assert loops_seen == [loop] * 5
    finally:
        loop.close()
        asyncio.set_event_loop(None)

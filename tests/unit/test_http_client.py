"""The providers' HTTP client is made on first use in a worker thread, never on the thread that sends the request
(the GUI thread in the app: building it, with its SSL context and anyio's first import, stalled the window for
80-120 ms as a batch's first job read the balance). Requests go over a MockTransport: no network."""

from __future__ import annotations

import asyncio
import threading

import httpx

from desktop_app.providers.http import LazyClient, ready, request_bounded


def _lazy(built_on: list[int]) -> LazyClient:
    def build() -> httpx.AsyncClient:
        built_on.append(threading.get_ident())
        reply = lambda r: httpx.Response(200, json={"path": r.url.path})  # noqa: E731
        return httpx.AsyncClient(transport=httpx.MockTransport(reply))

    return LazyClient(build)


async def test_the_client_is_built_once_in_a_worker_however_many_requests_wait_for_it():
    built_on: list[int] = []
    client = _lazy(built_on)
    replies = await asyncio.gather(*(request_bounded(client, "GET", f"http://service.test/{n}", service="Service")
                                     for n in range(5)))
    assert [r.json()["path"] for r in replies] == [f"/{n}" for n in range(5)]
    assert len(built_on) == 1, "one client for every request"
    assert built_on[0] != threading.get_ident(), "built in a worker, not on the loop's thread"
    assert await ready(client) is await ready(client)
    await client.aclose()


async def test_a_client_never_used_is_never_built_and_closes_quietly():
    built_on: list[int] = []
    client = _lazy(built_on)
    await client.aclose()
    assert built_on == []


async def test_a_failed_build_is_tried_again_by_the_next_request():
    attempts: list[int] = []

    def build() -> httpx.AsyncClient:
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("the CA bundle could not be read")
        return httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(204)))

    client = LazyClient(build)
    try:
        await request_bounded(client, "GET", "http://service.test/", service="Service")
    except OSError:
        pass
    else:
        raise AssertionError("the first build's failure reaches the caller")
    assert (await request_bounded(client, "GET", "http://service.test/", service="Service")).status_code == 204
    assert len(attempts) == 2
    await client.aclose()

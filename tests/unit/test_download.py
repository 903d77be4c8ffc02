import asyncio
import threading
from http.server import BaseHTTPRequestHandler

import httpx
import pytest

from desktop_app.core.jobs.download import (
    DownloadError,
    TransientDownloadError,
    UrlExpiredError,
    download_to,
    safe_filename,
)
from tests.emulators.common import LoopbackServer, make_glb

GLB = make_glb()


class Files(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        state = self.server.state
        state["requests"].append((self.path, self.headers.get("Range")))
        mode = state["mode"]
        if mode == "expired":
            self.send_response(403)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if mode == "cut":  # announce the full length, send half, drop the connection
            self.send_response(200)
            self.send_header("Content-Length", str(len(GLB)))
            self.end_headers()
            self.wfile.write(GLB[: len(GLB) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        start = 0
        rng = self.headers.get("Range")
        if rng and mode == "ranges":
            start = int(rng.split("=")[1].split("-")[0])
            self.send_response(206)
        else:
            self.send_response(200)
        body = GLB[start:] if mode != "garbage" else b"<html>oops</html>"
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server():
    state = {"mode": "ok", "requests": []}
    with LoopbackServer(Files, state) as srv:
        yield srv, state


async def fetch(url, dest, **kw):
    async with httpx.AsyncClient() as client:
        return await download_to(client, url, dest, **kw)


async def test_download_is_atomic_and_checked(server, tmp_path):
    srv, _state = server
    dest = tmp_path / "out" / "model.glb"
    await fetch(f"{srv.origin}/m.glb", dest)
    assert dest.read_bytes() == GLB
    assert not dest.with_name("model.glb.part").exists()


async def test_cut_connection_leaves_no_result_and_resumes_with_range(server, tmp_path):
    srv, state = server
    dest = tmp_path / "model.glb"
    state["mode"] = "cut"
    with pytest.raises(TransientDownloadError):
        await fetch(f"{srv.origin}/m.glb", dest)
    assert not dest.exists()
    part = dest.with_name("model.glb.part")
    assert 0 < part.stat().st_size < len(GLB)
    state["mode"] = "ranges"
    await fetch(f"{srv.origin}/m.glb", dest)
    assert dest.read_bytes() == GLB
    assert state["requests"][-1][1] == f"bytes={len(GLB) // 2}-"


async def test_server_ignoring_range_restarts_cleanly(server, tmp_path):
    srv, _state = server
    dest = tmp_path / "model.glb"
    dest.with_name("model.glb.part").write_bytes(GLB[:100])
    await fetch(f"{srv.origin}/m.glb", dest)
    assert dest.read_bytes() == GLB


async def test_expired_link_and_garbage_body(server, tmp_path):
    srv, state = server
    state["mode"] = "expired"
    with pytest.raises(UrlExpiredError):
        await fetch(f"{srv.origin}/m.glb", tmp_path / "a.glb")
    state["mode"] = "garbage"
    with pytest.raises(DownloadError, match="not a GLB"):
        await fetch(f"{srv.origin}/m.glb", tmp_path / "b.glb")
    assert not (tmp_path / "b.glb").exists() and not (tmp_path / "b.glb.part").exists()


async def test_file_urls_are_copied(tmp_path):
    src = tmp_path / "src.glb"
    src.write_bytes(GLB)
    dest = tmp_path / "d" / "model.glb"
    await fetch(src.as_uri(), dest)
    assert dest.read_bytes() == GLB


@pytest.mark.parametrize("name,expected", [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\Windows\\system32.dll", "system32.dll"),
    ("CON.glb", "_CON.glb"),
    ("a<b>:c|d?.glb", "a_b__c_d_.glb"),
    ("", "file"),
    ("..", "file"),
    ("%2e%2e%2fescape.glb", "escape.glb"),
    ("model.glb", "model.glb"),
])
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


def test_safe_filename_dedupes_and_limits_length():
    used = set()
    assert safe_filename("a.glb", used) == "a.glb"
    assert safe_filename("A.glb", used) == "A-2.glb"
    assert len(safe_filename("x" * 500 + ".glb")) <= 125


def test_no_thread_leak_from_downloads():
    before = threading.active_count()
    asyncio.run(asyncio.sleep(0))
    assert threading.active_count() <= before + 1

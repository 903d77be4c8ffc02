"""Pieces shared by the emulators: a threaded loopback server and real result files."""

from __future__ import annotations

import io
import json
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
import trimesh
from PIL import Image


class LoopbackServer:
    """Serve ``handler_cls`` on 127.0.0.1 at a free port in a background thread. Use as a context manager."""

    def __init__(self, handler_cls: type[BaseHTTPRequestHandler], state: Any = None) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler_cls)
        self._server.daemon_threads = True
        self._server.state = state  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, name="emulator", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class JsonHandler(BaseHTTPRequestHandler):
    """Base handler with helpers for JSON replies; quiet logs."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    @property
    def state(self) -> Any:
        return self.server.state  # type: ignore[attr-defined]

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_bytes(status, data, "application/json", headers)

    def send_bytes(
        self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client died (kill -9 suite) or gave up
            self.close_connection = True


# Transport faults any route can inject, besides plain HTTP statuses.
TRANSPORT_FAULTS = ("reset", "slow", "malformed", "huge")
HUGE_REPLY_BYTES = 122 * 1024 * 1024  # what a broken proxy sent in issue 13


def send_transport_fault(handler: BaseHTTPRequestHandler, kind: str, delay: float = 1.0) -> None:
    """``reset``: the socket is torn down with an RST, no reply. ``slow``: nothing for ``delay`` seconds (the
    client's read timeout fires), then the connection closes. ``malformed``: a 200 whose JSON is cut short.
    ``huge``: a 200 JSON reply of 122 MB with no declared length, streamed until the client hangs up."""
    if kind == "huge":
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Connection", "close")
        handler.end_headers()
        block = b'"' + b"x" * (1024 * 1024 - 3) + b'",'
        try:
            handler.wfile.write(b'{"jobs": [')
            for _ in range(HUGE_REPLY_BYTES // len(block)):
                handler.wfile.write(block)
            handler.wfile.write(b'""]}')
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading: what it should do
        handler.close_connection = True
        return
    if kind == "malformed":
        data = b'{"status": "in-progress", "jobs": [{"uuid": '
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
        return
    if kind == "slow":
        time.sleep(delay)
    else:  # reset: linger 0 makes close() send RST instead of FIN
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.close_connection = True


def texture_image(size: int = 64, seed: int = 0) -> Image.Image:
    """A recognisable texture: four coloured quadrants (red, green, blue, yellow), seed-tinted."""
    rng = np.random.default_rng(seed)
    img = np.zeros((size, size, 3), dtype=np.uint8)
    h = size // 2
    img[:h, :h] = (220, 30, 30)
    img[:h, h:] = (30, 200, 40)
    img[h:, :h] = (30, 60, 220)
    img[h:, h:] = (230, 210, 30)
    img = np.clip(img.astype(int) + rng.integers(-10, 10, size=3), 0, 255).astype(np.uint8)
    return Image.fromarray(img, "RGB")


def make_glb(seed: int = 0, texture_size: int = 64, subdivisions: int = 2) -> bytes:
    """A real textured GLB: an icosphere with UVs and an embedded PNG base-colour texture."""
    mesh = trimesh.creation.icosphere(subdivisions=subdivisions, radius=1.0)
    v = mesh.vertices
    u = 0.5 + np.arctan2(v[:, 1], v[:, 0]) / (2 * np.pi)
    w = 0.5 + np.arcsin(np.clip(v[:, 2], -1, 1)) / np.pi
    # dielectric like generators' output; without factors glTF's defaults make it a fully rough metal
    material = trimesh.visual.material.PBRMaterial(baseColorTexture=texture_image(texture_size, seed),
                                                   metallicFactor=0.0, roughnessFactor=0.7)
    mesh.visual = trimesh.visual.TextureVisuals(uv=np.column_stack([u, w]), material=material)
    return trimesh.Scene(mesh).export(file_type="glb")


def make_image(fmt: str = "PNG", size: int = 64, seed: int = 0) -> bytes:
    buf = io.BytesIO()
    texture_image(size, seed).save(buf, format=fmt)
    return buf.getvalue()


class EmulatorBase:
    """Lifecycle shared by the emulators: a ``_server`` (LoopbackServer-like) and the API path under it."""

    api_path = ""
    _server: Any

    @property
    def origin(self) -> str:
        return self._server.origin

    @property
    def base_url(self) -> str:
        return self.origin + self.api_path

    def __enter__(self) -> Any:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()

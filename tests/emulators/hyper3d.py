"""Loopback emulator of the Hyper3D Rodin HTTP API (contract: shared/api/rodin.md, checklist in its section 13).

Serves ``/api/v2/{rodin,status,download,check_balance,check-balance}`` (and the same without ``/api``) plus
signed result URLs under ``/files/<token>/<name>``. Defaults are the happy path; every fault is an attribute
the test flips. Time is counted in polls (``waiting_polls``/``generating_polls``) and optionally in seconds,
so tests stay fast and the order of events stays real.

Manual use: ``python -m tests.emulators.hyper3d --port 8765`` prints the base URL and key.
"""

from __future__ import annotations

import argparse
import email.parser
import email.policy
import json
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any

from tests.emulators.common import (
    TRANSPORT_FAULTS,
    EmulatorBase,
    JsonHandler,
    LoopbackServer,
    send_transport_fault,
)
from tests.emulators.hyper3d_rules import OLD_NAMES, Reject, make_file, validate


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    fields: dict[str, list[str]] = field(default_factory=dict)  # multipart/form text parts, in order
    files: list[tuple[str, str, str, int]] = field(default_factory=list)  # (part name, file name, type, size)
    json: Any = None
    time: float = 0.0


@dataclass
class Task:
    uuid: str
    subscription_key: str
    job_uuids: list[str]
    fields: dict[str, Any]
    has_render: bool
    created: float
    polls: int = 0
    unknown_sent: bool = False


class Hyper3DEmulator(EmulatorBase):
    """The fake service. Attributes below are the switches; counters and ``requests`` are for assertions."""

    api_path = "/api"

    def __init__(self, port: int = 0, api_key: str | None = None) -> None:
        self.api_key = api_key or "rk-emu-" + secrets.token_hex(12)
        self.lock = threading.RLock()
        # -- behaviour switches (happy path by default) --
        self.balance = 100.0
        self.charged: dict[str, float] = {}  # task uuid -> credits taken, for tests comparing the spend ledger
        self.waiting_polls = 1  # polls a task stays Waiting (queue_length counts down meanwhile)
        self.generating_polls = 1  # further polls before the first job is Done
        self.stagger_polls = 1  # each later job finishes this many polls after the previous one
        self.waiting_seconds = 0.0  # and/or wall-clock minimums for slow-queue tests
        self.generating_seconds = 0.0
        self.queue_length = 3
        self.default_tier = "Regular"  # when tier is omitted: "Regular" or "Sketch" (contract 11)
        self.strict_booleans = True  # reject "True"/"1"
        # Repeated or comma-list array fields -> HTTP 500 "Unexpected token": an unconfirmed third-party report
        # (contract 2.3) that every vendor client contradicts (they send addons=HighPack), so off by default.
        self.strict_arrays = False
        self.error_names = "new"  # "new" (API_*) or "old" spellings for funds/subscription codes
        self.submit_error: str | None = None  # force a body-level code, e.g. "API_OBJECT_NOT_FOUND_ON_IMAGE"
        self.submit_error_status = 201  # 201 (body-level) or a 4xx carrying the same body
        self.submit_error_message = "Request rejected."
        self.parallelism_limit: int | None = None  # API_PARALLELISM_LIMIT_REACHED above this many running tasks
        self.lost_response: int | str | None = None  # create the task, then answer 500/502 or "drop"
        self.submit_error_key = "null"  # success bodies: "null" or "absent"
        self.jobs_shape = "object"  # "object" (samples) or "array" (Quick start prose)
        self.include_prompt = self.include_submit_time = self.include_consumed = True
        self.status_error_key = "absent"  # "absent", "OK" or "null" on successful status replies
        self.download_error_key = "absent"
        # Per status call: (HTTP status, Retry-After) or (a common.TRANSPORT_FAULTS name, None).
        self.status_faults: list[tuple[int | str, float | None]] = []
        self.slow_seconds = 1.0  # how long a "slow" fault stays silent
        self.expired_gets = 0  # this many file GETs find their signed URL expired (403), as a late download does
        self.status_words: dict[str, str] = {}  # respell statuses, e.g. {"Canceled": "Cancelled"}
        self.unknown_status_once = False  # one poll reports a status word nobody documented
        self.fail_jobs = "none"  # "none", "one" (geometry), "all", "render" (preview job only), "cancel"
        self.before_done = "empty"  # /download before every job is terminal: "empty" or "partial"
        self.preview_first = True
        self.url_lifetime = 600.0  # seconds a signed URL works
        self.fresh_urls = True  # a new /download call issues new URLs (False: the same, possibly dead, ones)
        self.file_faults: list[int | str] = []  # per file GET: HTTP status, "truncate" or "drop"
        self.unsafe_names = False
        # Holds for the kill -9 suite: while set, the submit reply (after the task exists) or a file transfer
        # (after half the bytes) waits until the test clears it.
        self.hold_submit = threading.Event()
        self.hold_files = threading.Event()
        # Balance reads: while set, a reply waits until the test clears it; balance_status answers that error.
        self.hold_balance = threading.Event()
        self.balance_status: int | None = None
        self.balance_reads = 0
        # -- records --
        self.requests: list[RecordedRequest] = []
        self.submits = 0  # POST /rodin received, accepted or not
        self.status_calls = 0
        self.fault_times: list[float] = []  # when each injected fault was answered (monotonic)
        self.throttle_next: list[float] = []  # the next API calls, whatever they are, get 429 + this Retry-After
        self.download_calls = 0
        self.file_gets = 0
        self.tasks: dict[str, Task] = {}
        self._by_key: dict[str, Task] = {}
        self._urls: dict[str, tuple[str, str, float]] = {}  # token -> (task uuid, name, expiry)
        self._issued: dict[tuple[str, str], str] = {}
        self._blobs: dict[tuple[str, str], bytes] = {}
        self._server = _Server(port, self)

    # -- helpers for tests (lifecycle: EmulatorBase) --
    def requests_to(self, endpoint: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.rstrip("/").endswith("/" + endpoint)]

    def fail_next_status(self, status: int | str, times: int = 1, retry_after: float | None = None) -> None:
        self.status_faults.extend([(status, retry_after)] * times)

    def code(self, new_name: str) -> str:
        return OLD_NAMES.get(new_name, new_name) if self.error_names == "old" else new_name

    # -- job clock --
    def job_states(self, task: Task) -> list[str]:
        """Each job's status now, from polls seen and time elapsed (no side effects)."""
        age = time.monotonic() - task.created
        if task.polls <= self.waiting_polls or age < self.waiting_seconds:
            return ["Waiting"] * len(task.job_uuids)
        out = []
        for i in range(len(task.job_uuids)):
            done_at = self.waiting_polls + self.generating_polls + i * self.stagger_polls
            if task.polls <= done_at or age < self.waiting_seconds + self.generating_seconds:
                out.append("Generating")
            else:
                out.append(self._final(task, i))
        return out

    def _final(self, task: Task, i: int) -> str:
        render = task.has_render and i == len(task.job_uuids) - 1
        if self.fail_jobs == "all" or (self.fail_jobs == "one" and i == 0):
            return "Failed"
        if self.fail_jobs == "render" and render:
            return "Failed"
        if self.fail_jobs == "cancel":
            return "Canceled"
        return "Done"

    def running_tasks(self) -> int:
        return sum(1 for t in self.tasks.values() if any(s in ("Waiting", "Generating") for s in self.job_states(t)))

    # -- results --
    def result_files(self, task: Task, states: list[str]) -> list[str]:
        terminal = all(s in ("Done", "Failed", "Canceled") for s in states)
        main_ok = all(s == "Done" for s in (states[:-1] if task.has_render else states))
        if not terminal:
            return ["preview.webp"] if self.before_done == "partial" and states[0] == "Done" else []
        names: list[str] = []
        if not main_ok and self.before_done == "partial":  # a failed task that still rendered its preview
            names = ["preview.webp"]
        if main_ok:
            fmt = "glb" if task.fields["tier"] == "Sketch" else task.fields.get("geometry_file_format", "glb")
            material = task.fields.get("material", "PBR")
            kinds = {"PBR": ["pbr"], "Shaded": ["shaded"], "All": ["pbr", "shaded"], "None": ["pbr"]}[material]
            models = [f"base_basic_{k}.{fmt}" for k in kinds]
            if self.unsafe_names:
                models = ["../" + models[0], *models[1:]]
            extras = ["texture_emissive.png"] if material in ("PBR", "All") else []
            names = ["preview.webp", *models, *extras] if self.preview_first else [*models, "preview.webp", *extras]
        if task.has_render and states[-1] == "Done":
            names.append("render_preview.png")
        return names

    def file_bytes(self, task_uuid: str, name: str) -> bytes:
        with self.lock:
            key = (task_uuid, name)
            if key not in self._blobs:
                self._blobs[key] = make_file(name, seed=len(self._blobs))
            return self._blobs[key]

    def url_for(self, task_uuid: str, name: str) -> str:
        token = self._issued.get((task_uuid, name))
        if token is None or self.fresh_urls:
            token = secrets.token_urlsafe(12)
            self._urls[token] = (task_uuid, name, time.monotonic() + self.url_lifetime)
            self._issued[(task_uuid, name)] = token
        return f"{self.origin}/files/{token}/{urllib.parse.quote(name, safe='')}"

    def expire_urls(self) -> None:
        with self.lock:
            self._urls = {t: (u, n, 0.0) for t, (u, n, _e) in self._urls.items()}


class _Server(LoopbackServer):
    """LoopbackServer on a chosen port (0 = any free one), polling for shutdown every 20 ms so each test's
    teardown takes milliseconds instead of the standard half second."""

    def __init__(self, port: int, state: Hyper3DEmulator) -> None:
        super().__init__(_Handler, state)
        if port:
            self._server.server_close()
            self._server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
            self._server.daemon_threads = True
            self._server.state = state  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="hyper3d-emulator", daemon=True)


class _Handler(JsonHandler):
    emu: Hyper3DEmulator

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        emu: Hyper3DEmulator = self.state
        path = urllib.parse.urlsplit(self.path).path
        body = self.read_body()
        rec = RecordedRequest(self.command, path, dict(self.headers.items()), time=time.monotonic())
        with emu.lock:
            emu.requests.append(rec)
        try:
            if path.startswith("/files/"):
                return self._file(emu, path)
            endpoint = path.split("/v2/", 1)[-1].rstrip("/") if "/v2/" in path else ""
            if endpoint not in ("rodin", "status", "download", "check_balance", "check-balance"):
                return self.send_json(404, {"error": "NOT_FOUND", "message": f"No route {path}"})
            if endpoint == "rodin" and self.command == "POST":
                with emu.lock:
                    emu.submits += 1  # counted before the auth check: what reached the service
            with emu.lock:
                throttle = emu.throttle_next.pop(0) if emu.throttle_next else None
                if throttle is not None:
                    emu.fault_times.append(time.monotonic())
            if throttle is not None:
                return self.send_json(429, {"error": "RATE_LIMITED", "message": "Too many requests."},
                                      {"Retry-After": f"{throttle:g}"})
            if self.headers.get("Authorization", "") != f"Bearer {emu.api_key}":
                return self.send_json(401, {"error": "UNAUTHORIZED", "message": "Active API key is required."})
            if endpoint.startswith("check"):
                with emu.lock:
                    emu.balance_reads += 1
                while emu.hold_balance.is_set():
                    time.sleep(0.01)
                if emu.balance_status is not None:
                    return self.send_json(emu.balance_status, {"error": "INTERNAL", "message": "Balance unavailable."})
                with emu.lock:
                    balance = emu.balance
                return self.send_json(200, {"balance": balance})
            if self.command != "POST":
                return self.send_json(405, {"error": "INVALID_REQUEST", "message": "Use POST."})
            handler = {"rodin": self._submit, "status": self._status, "download": self._download}[endpoint]
            handler(emu, rec, body)
        except Reject as r:
            self.send_json(r.status, {"error": r.code, "message": r.message})

    # -- submit --
    def _submit(self, emu: Hyper3DEmulator, rec: RecordedRequest, body: bytes) -> None:
        ctype = self.headers.get("Content-Type", "")
        if not ctype.startswith("multipart/form-data"):
            raise Reject(400, "INVALID_REQUEST", "Body must be multipart/form-data.")
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {ctype}\r\n\r\n".encode() + body)
        images: list[bytes] = []
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition") or ""
            data = part.get_payload(decode=True) or b""
            filename = part.get_filename()
            if filename is not None:
                rec.files.append((name, filename, part.get_content_type(), len(data)))
                if name == "images":
                    images.append(data)
            else:
                rec.fields.setdefault(name, []).append(data.decode("utf-8", "replace"))
        with emu.lock:
            fields = validate(rec.fields, images, strict_booleans=emu.strict_booleans,
                              strict_arrays=emu.strict_arrays, default_tier=emu.default_tier)
            self._submit_locked(emu, fields)

    def _submit_locked(self, emu: Hyper3DEmulator, fields: dict[str, Any]) -> None:
        if emu.submit_error:
            raise Reject(emu.submit_error_status, emu.code(emu.submit_error), emu.submit_error_message)
        cost = (1.0 if fields["tier"] == "Gen-2.5-Extreme-High" else 0.5) + (1.0 if fields.get("addons") else 0.0)
        if emu.parallelism_limit is not None and emu.running_tasks() >= emu.parallelism_limit:
            raise Reject(201, "API_PARALLELISM_LIMIT_REACHED", "Too many tasks running at once.")
        if emu.balance < cost:
            raise Reject(201, emu.code("API_INSUFFICIENT_FUNDS"), "Insufficient funds.")
        emu.balance -= cost
        render = bool(fields.get("preview_render"))
        task = Task(secrets.token_hex(16), "eyJ" + secrets.token_urlsafe(24),
                    [secrets.token_hex(16) for _ in range(3 if render else 2)], fields, render, time.monotonic())
        emu.tasks[task.uuid] = task
        emu.charged[task.uuid] = cost
        emu._by_key[task.subscription_key] = task
        emu.lock.release()  # wait outside the lock so status calls of other clients still get answers
        try:
            while emu.hold_submit.is_set():
                time.sleep(0.02)
        finally:
            emu.lock.acquire()
        if emu.lost_response == "drop":
            self.close_connection = True
            return
        if emu.lost_response is not None:
            return self.send_json(int(emu.lost_response), {"error": "UNKNOWN", "message": "Internal error"})
        jobs: Any = {"uuids": task.job_uuids, "subscription_key": task.subscription_key}
        if emu.jobs_shape == "array":
            jobs = [{"uuid": j, "subscription_key": task.subscription_key} for j in task.job_uuids]
        reply: dict[str, Any] = {"message": "Submitted.", "uuid": task.uuid, "jobs": jobs}
        if emu.submit_error_key == "null":
            reply["error"] = None
        if emu.include_prompt:
            reply["prompt"] = fields.get("prompt") or "A generated description of the object."
        if emu.include_submit_time:
            reply["submit_time"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        if emu.include_consumed:
            reply["consumed"] = cost
        self.send_json(201, reply)

    # -- status and download --
    def _request_value(self, rec: RecordedRequest, body: bytes, key: str) -> str:
        if self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            form = urllib.parse.parse_qs(body.decode())
            rec.fields = form
            return (form.get(key) or [""])[0]
        try:
            rec.json = json.loads(body or b"{}")
        except ValueError:
            raise Reject(400, "INVALID_REQUEST", "Body must be JSON.") from None
        return str(rec.json.get(key, "")) if isinstance(rec.json, dict) else ""

    def _ok(self, variant: str, body: dict[str, Any]) -> dict[str, Any]:
        return {"error": {"OK": "OK", "null": None}[variant], **body} if variant != "absent" else body

    def _status(self, emu: Hyper3DEmulator, rec: RecordedRequest, body: bytes) -> None:
        key = self._request_value(rec, body, "subscription_key")
        with emu.lock:
            emu.status_calls += 1
            fault = emu.status_faults.pop(0) if emu.status_faults else None
        if fault is not None and isinstance(fault[0], str) and fault[0] in TRANSPORT_FAULTS:
            return send_transport_fault(self, fault[0], emu.slow_seconds)
        with emu.lock:
            if fault is not None:
                status, retry_after = fault
                emu.fault_times.append(time.monotonic())
                headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
                return self.send_json(status, {"error": "RATE_LIMITED" if status == 429 else "UNKNOWN",
                                               "message": "Try again later."}, headers)
            task = emu._by_key.get(key)
            if task is None:
                raise Reject(201, "NO_SUCH_TASK", "No task for this subscription key.")
            task.polls += 1
            states = emu.job_states(task)
            jobs = []
            for i, (uuid, state) in enumerate(zip(task.job_uuids, states, strict=True)):
                if emu.unknown_status_once and not task.unknown_sent and state == "Generating":
                    task.unknown_sent, state = True, "Rendering"
                job: dict[str, Any] = {"uuid": uuid, "status": emu.status_words.get(state, state)}
                if state == "Waiting":
                    job["queue_length"] = max(0, emu.queue_length - task.polls + 1 + i)
                jobs.append(job)
        self.send_json(201, self._ok(emu.status_error_key, {"jobs": jobs}))

    def _download(self, emu: Hyper3DEmulator, rec: RecordedRequest, body: bytes) -> None:
        task_uuid = self._request_value(rec, body, "task_uuid")
        with emu.lock:
            emu.download_calls += 1
            task = emu.tasks.get(task_uuid)
            if task is None:
                raise Reject(201, "NO_SUCH_TASK", "No task with this uuid.")
            names = emu.result_files(task, emu.job_states(task))
            items = [{"url": emu.url_for(task.uuid, n), "name": n} for n in names]
        self.send_json(201, self._ok(emu.download_error_key, {"list": items}))

    def _file(self, emu: Hyper3DEmulator, path: str) -> None:
        parts = path.split("/")
        with emu.lock:
            emu.file_gets += 1
            entry = emu._urls.get(parts[2]) if len(parts) > 3 else None
            fault = emu.file_faults.pop(0) if emu.file_faults else None
            expired = emu.expired_gets > 0 and entry is not None
            if expired:
                emu.expired_gets -= 1
        if entry is None:
            return self.send_bytes(404, b"<Error><Code>NoSuchKey</Code></Error>", "application/xml")
        task_uuid, name, expiry = entry
        if expired or time.monotonic() > expiry:
            return self.send_bytes(403, b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message>"
                                        b"</Error>", "application/xml")
        data = emu.file_bytes(task_uuid, name)
        if emu.hold_files.is_set():
            return self._held_transfer(emu, data)
        if isinstance(fault, int):
            return self.send_bytes(fault, b"error", "text/plain")
        if fault in ("truncate", "drop"):
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if fault == "truncate":
                self.wfile.write(data[: len(data) // 2])
            self.close_connection = True
            return
        self.send_bytes(200, data, "application/octet-stream")


    def _held_transfer(self, emu: Hyper3DEmulator, data: bytes) -> None:
        try:
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            while emu.hold_files.is_set():
                time.sleep(0.02)
            self.wfile.write(data[len(data) // 2:])
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the Hyper3D Rodin emulator on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--key", default=None, help="API key to accept (default: random)")
    parser.add_argument("--waiting-polls", type=int, default=2)
    parser.add_argument("--generating-polls", type=int, default=3)
    args = parser.parse_args(argv)
    emu = Hyper3DEmulator(port=args.port, api_key=args.key)
    emu.waiting_polls, emu.generating_polls = args.waiting_polls, args.generating_polls
    with emu:
        print(f"RODIN_BASE_URL={emu.base_url}")
        print(f"RODIN_API_KEY={emu.api_key}", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()

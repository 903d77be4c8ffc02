"""Loopback emulator of Scenario's HTTP API (shared/api/scenario.md, checklist in section 14).

Real sockets, real Basic auth, real GLB and WebP files behind signed, expiring CDN-style URLs. Jobs advance
one state per poll so tests are fast. Every documented variant and fault is a switch on the emulator,
off by default (happy path). Standalone: ``python -m tests.emulators.scenario --port 8766``.
"""

from __future__ import annotations

import argparse
import base64
import copy
import functools
import hashlib
import hmac
import itertools
import json
import random
import threading
import time
from http.server import ThreadingHTTPServer
from typing import Any

from desktop_app.resources import resource_path
from tests.emulators.common import EmulatorBase, LoopbackServer, make_glb, make_image
from tests.emulators.scenario_refine import REFINE_COST, REFINE_MODELS, refine_outputs
from tests.emulators.scenario_routes import Fault, Recorded, ScenarioHandler

BUNDLED = ("model_trellis-2", "model_hunyuan-3d-v2-1", "model_rodin-hyper3d-v2-5")
BASE_COST = {"model_trellis-2": 30, "model_hunyuan-3d-v2-1": 25, "model_rodin-hyper3d-v2-5": 80,
             "model_meshy-7-img23d": 120, "model_tripo-v3-1-image-to-3d": 75, **REFINE_COST}
_SIGNING_KEY = b"emulator-cdn-signing-key"


@functools.cache
def _glb() -> bytes:
    return make_glb(seed=1)  # trimesh export is the slow part of starting an emulator


def _extra_models() -> list[dict[str, Any]]:
    """Meshy 7 (plan-restricted, file_array, "" enum, stray selects key) and Tripo ({type} capabilities,
    deprecated tag), plus two records a 3D client must skip."""
    meshy = {
        "id": "model_meshy-7-img23d", "name": "Meshy 7 - Image to 3D", "shortDescription": "Meshy 7 image to 3D.",
        "capabilities": ["img23d"], "tags": ["3d", "Meshy", "sc:featured", "sc:third-party"],
        "accessRestrictions": 50,
        "inputs": [
            {"name": "image", "type": "file_array", "kind": "image", "maxLength": 4, "required": {"always": True}},
            {"name": "ultraMode", "type": "boolean", "default": False, "costImpact": True},
            {"name": "texturePrompt", "type": "string", "default": "", "maxLength": 600, "prompt": True},
            {"name": "textureResolution", "type": "string", "allowedValues": ["2k", "4k", "8k"], "default": "2k",
             "costImpact": True},
            {"name": "poseMode", "type": "string", "allowedValues": ["", "a-pose", "t-pose"], "default": ""},
            {"name": "targetPolycount", "type": "number", "min": 100, "max": 300000, "default": 30000},
        ],
        "uiConfig": {"selects": {"poseMode": {"a-pose": "A-Pose", "t-pose": "T-Pose"},
                                 "aiModel": {"meshy-7": "Meshy 7"}}},
    }
    tripo = {
        "id": "model_tripo-v3-1-image-to-3d", "name": "Tripo 3.1", "shortDescription": "Tripo image to 3D.",
        # scenario-sdk types capabilities as strings and ``required`` as an object (ModelInputRequired); the
        # client still accepts {"type": ...} entries and a bare true, which older docs show.
        "capabilities": ["img23d"], "tags": ["3d", "deprecated:model_tripo-p1-image-to-3d"],
        "accessRestrictions": 0,
        "inputs": [
            {"name": "image", "type": "file", "kind": "image", "required": {"always": True},
             "backgroundBehavior": "transparent"},
            {"name": "texture", "type": "boolean", "default": True},
            {"name": "faceLimit", "type": "number", "min": 1000, "max": 200000},
            {"name": "seed", "type": "number", "min": 0, "max": 2147483647},
        ],
    }
    flux = {"id": "model_flux-dev", "name": "Flux Dev", "capabilities": ["txt2img"], "inputs": []}
    topo = {"id": "model_tencent-smarttopology", "name": "Polygen 1.5", "capabilities": ["3d23d"],
            "inputs": [{"name": "file3d", "type": "file", "kind": "3d", "required": {"always": True}}]}
    # The three rule kinds of ModelInputRequired besides "always" (scenario-sdk model_retrieve_response.py).
    conditional = {
        "id": "model_conditional-3d", "name": "Conditional 3D", "capabilities": ["img23d", "txt23d"],
        "inputs": [
            {"name": "image", "type": "file", "kind": "image", "required": {"ifNotDefined": {"prompt": "or a prompt"}}},
            {"name": "prompt", "type": "string", "prompt": True,
             "required": {"ifNotDefined": {"image": "or an image"}}},
            {"name": "mode", "type": "string", "allowedValues": ["auto", "custom"], "default": "auto"},
            {"name": "faces", "type": "number", "min": 1000, "max": 100000,
             "required": {"conditional": {"values": {"mode": ["custom"]}, "operator": "or"}}},
            {"name": "seed", "type": "number", "min": 0, "max": 65535,
             "required": {"ifDefined": {"faces": "a seed keeps custom runs repeatable"}}},
        ],
    }
    # Private models: only trained ones can run (the client lists status=trained).
    trained = {"id": "model_private-trained", "name": "My trained 3D", "capabilities": ["img23d"],
               "privacy": "private", "status": "trained",
               "inputs": [{"name": "image", "type": "file", "kind": "image", "required": {"always": True}}]}
    training = dict(trained, id="model_private-training", name="Still training", status="training")
    return [meshy, tripo, flux, topo, conditional, trained, training, *copy.deepcopy(REFINE_MODELS)]


def _sdk_model_fields(record: dict[str, Any]) -> None:
    """Fields scenario-sdk requires on every model record (types/model_list_response.py); absent ones made the
    SDK's strict validation refuse our replies (tests/integration/test_scenario_sdk.py)."""
    for key, value in (("collectionIds", []), ("createdAt", "2026-01-15T10:00:00.000Z"), ("custom", True),
                       ("exampleAssetIds", []), ("privacy", "public"), ("source", "scenario"),
                       ("status", "trained"), ("tags", []), ("trainingImagesNumber", 0), ("type", "custom")):
        record.setdefault(key, copy.deepcopy(value))


class ScenarioEmulator(EmulatorBase):
    """State and switches. Use as a context manager; ``base_url`` ends in ``/v1``."""

    api_path = "/v1"

    def __init__(self, *, api_key: str = "emu-key-7f3a9", api_secret: str = "emu-secret-c41d2e",
                 port: int = 0, seed: int = 7) -> None:
        self.api_key, self.api_secret = api_key, api_secret
        self.lock = threading.RLock()
        self.rng = random.Random(seed)
        self._ids = itertools.count(1)
        # --- switches (scenario.md section 14); defaults are the happy path
        self.bearer_token: str | None = None
        self.require_project = False
        self.scope_limited = False
        self.error_style = "documented"  # or "joi"
        self.dryrun_forbidden = False  # free plan: dryRun -> 403
        # A dryRun validates the whole payload, images included (blender-plugin sdk_adapter.py estimates the full
        # run); False reproduces the older, lenient assumption that a quote may leave files out.
        self.dryrun_requires_files = True
        self.part_content_type_signed = True  # part URLs are presigned for the declared contentType
        self.plan_level = 0  # models with accessRestrictions above this -> 403 ModelAccessRestrictedError
        self.billing_on_job = True
        self.job_id_key = "jobId"  # "id" reproduces the Help-center shape
        self.drift = False  # processing/failed, percent progress, cost on job, job.error
        self.unknown_status: str | None = None
        self.progress_mode = "normal"  # "stuck" (0.1 until the end) or "absent"
        self.skip_states = False
        self.middle_states: list[str] | None = None  # e.g. [] to finish at the first poll
        self.outcome = "success"  # "failure", "partial", "canceled"
        self.failure_error = "Error ID 7f21c: the generator ran out of memory"
        self.failure_hint: str | None = None
        self.disable_refund = False
        self.cancel_allowed = False
        self.scalar_array_drop = True
        self.bulk_supported = True
        self.url_lifetime = 3600.0
        self.asset_pending_reads = 0
        # The gateway caps request bodies at 10 MB (blender-plugin assets.py, next to BASE64_LIMIT); the exact
        # limit on the "image" string is not published, so the client stays far below it (3.5 MB raw).
        self.max_asset_bytes = 10_000_000
        self.upload_outcome = "imported"  # or "failed"
        self.lose_generate_response: str | None = None  # "500" or "drop": job created, reply lost
        self.transfer_fault: str | None = None  # "500", "drop", "slow" on CDN downloads
        self.transfer_fault_times = 1
        self.page_size = 2
        self.faults: list[Fault] = []
        self.slow_seconds = 1.0  # how long a "slow" fault stays silent
        self.expired_gets = 0  # this many CDN GETs find their signed URL expired (403), as a late download does
        # Holds for the kill -9 suite: while set, an asset upload waits before it is stored, the paid POST
        # /generate waits after its job exists, a CDN transfer waits after half its bytes; jobs stop advancing
        # at ``hold_status`` ("queued", "in-progress"). ``held`` counts requests that reached a hold.
        self.hold_assets = threading.Event()
        self.hold_uploads = threading.Event()  # holds GET /uploads/{id} of a 3D upload (a kill mid-upload)
        self.hold_generate = threading.Event()
        self.hold_files = threading.Event()
        self.hold_status: str | None = None
        self.held: dict[str, int] = {"assets": 0, "generate": 0, "files": 0, "uploads": 0}
        # --- observations
        self.requests: list[Recorded] = []
        self.generate_posts = 0
        self.dryrun_posts = 0
        self.asset_posts = 0
        self.uploaded_hashes: list[str] = []
        self.part_puts = 0
        self.part_failed = 0
        self.part_failures = 0  # the next N part PUTs answer 503 SlowDown (a storage hiccup)
        self.part_content_types: list[str] = []
        self.asset_forms: list[str] = []  # "data-url" or "bare-base64", one per POST /assets
        self.dryrun_bodies: list[tuple[str, dict[str, Any]]] = []  # (dryRun value, body) of each estimate
        self.downloads = 0
        # --- data
        self.models: dict[str, dict[str, Any]] = {}
        for model_id in BUNDLED:
            raw = json.loads(resource_path(f"schemas/scenario-{model_id}.json").read_text(encoding="utf-8"))
            raw.pop("_source", None)
            raw.pop("provider", None)
            self.models[model_id] = dict(raw, id=model_id, updatedAt="2026-03-01T10:00:00.000Z")
        for record in _extra_models():
            record.setdefault("updatedAt", "2026-02-01T10:00:00.000Z")
            record.setdefault("privacy", "public")
            self.models[record["id"]] = record
        for record in self.models.values():
            _sdk_model_fields(record)
        self.assets: dict[str, dict[str, Any]] = {}
        self.files: dict[str, tuple[bytes, str]] = {}
        self.asset_reads: dict[str, int] = {}
        self.uploads: dict[str, dict[str, Any]] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        # The account's side of the money, exactly: CU charged per job when it was accepted, and CU given back
        # when a job failed (Scenario refunds failed jobs unless ``billing.disableRefund``).
        self.charged: dict[str, int] = {}
        self.refunded: dict[str, int] = {}
        self._glb = _glb()
        self._server = _server(ScenarioHandler, self, port)

    # ----------------------------------------------------------------- helpers for tests

    def fail(self, method: str, prefix: str, status: int, *, times: int = 1,
             headers: dict[str, str] | None = None, body: Any = None) -> None:
        """The next ``times`` calls of ``method`` on paths starting with ``prefix`` answer ``status``."""
        self.faults.append(Fault(method.upper(), prefix, status, times, dict(headers or {}), body))

    def break_next(self, method: str, prefix: str, kind: str, *, times: int = 1) -> None:
        """The next ``times`` calls answer with a transport fault: "reset", "slow" or "malformed"."""
        self.faults.append(Fault(method.upper(), prefix, 0, times, kind=kind))

    def rate_limit(self, method: str, prefix: str, *, retry_after: str | None = None,
                   retry_after_ms: str | None = None, times: int = 1) -> None:
        headers = {}
        if retry_after is not None:
            headers["Retry-After"] = retry_after
        if retry_after_ms is not None:
            headers["retry-after-ms"] = retry_after_ms
        body = {"status": "error", "code": "TOO_MANY_REQUESTS", "message": "Too many concurrent jobs",
                "details": {"actionName": "generate", "actionLimit": 3}}
        self.fail(method, prefix, 429, times=times, headers=headers, body=body)

    def wait_while(self, hold: threading.Event, name: str) -> None:
        """Called in a request thread: count the request as held, then wait until the test clears ``hold``."""
        if hold.is_set():
            with self.lock:
                self.held[name] += 1
            while hold.is_set():
                time.sleep(0.02)

    def touch_model(self, model_id: str) -> None:
        self.models[model_id]["updatedAt"] = time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime()) + \
            f"{next(self._ids):03d}Z"

    def calls(self, method: str, prefix: str) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.method == method and r.path.startswith(prefix)]

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids):05d}{self.rng.randrange(16**6):06x}"

    def error(self, status: int, code: str, message: str) -> tuple[int, Any]:
        if self.error_style == "joi":
            return status, {"message": message}
        return status, {"status": "error", "code": code, "message": message}

    # ----------------------------------------------------------------- assets and signed URLs

    def signed_url(self, asset_id: str) -> str:
        name = self.files[asset_id][1]
        expires = round(time.time() + self.url_lifetime, 3)
        policy = base64.urlsafe_b64encode(json.dumps({"exp": expires}).encode()).decode().rstrip("=")
        sig = hmac.new(_SIGNING_KEY, f"{asset_id}/{name}|{policy}".encode(), hashlib.sha256).hexdigest()
        return f"{self.origin}/cdn/assets/{asset_id}/{name}?Policy={policy}&Signature={sig}&Key-Pair-Id=K2EMU"

    def add_asset(self, data: bytes, name: str, *, kind: str, mime: str, meta_type: str,
                  extra: dict[str, Any] | None = None) -> str:
        asset_id = self.new_id("asset")
        self.files[asset_id] = (data, name)
        fmt = name.rsplit(".", 1)[-1] if kind == "3d" else None
        props: dict[str, Any] = {"size": len(data)}
        if fmt:
            props["format"] = fmt
        # Field set and enum values as scenario-sdk's Asset model requires them (types/asset_retrieve_response.py):
        # authorId, editCapabilities, metadata.kind and a real ``source`` ("img23d" for a generated 3D output).
        record = {"id": asset_id, "kind": kind, "mimeType": mime, "status": "success", "source": "img23d",
                  "metadata": {"kind": kind, "type": meta_type}, "properties": props, "privacy": "private",
                  "ownerId": "proj_emu", "authorId": "user_emu", "editCapabilities": [], "tags": [],
                  "collectionIds": [], "createdAt": "2026-03-02T10:00:00Z", "updatedAt": "2026-03-02T10:00:00Z"}
        extra = dict(extra or {})
        record["metadata"].update(extra.pop("metadata", {}))
        record.update(extra)
        self.assets[asset_id] = record
        return asset_id

    def asset_view(self, asset_id: str) -> dict[str, Any]:
        record = copy.deepcopy(self.assets[asset_id])
        reads = self.asset_reads[asset_id] = self.asset_reads.get(asset_id, 0) + 1
        if reads <= self.asset_pending_reads and record["source"] != "uploaded":
            record["status"] = "pending"
            return record
        record["url"] = self.signed_url(asset_id)  # a fresh signature on every read
        return record

    def outputs_for(self, job: dict[str, Any]) -> list[str]:
        model, inputs, seed = job["modelId"], job["input"], str(job["seq"])
        meta = {"metadata": {"type": "img23d", "modelId": model, "seed": seed}}

        def glb(name: str, index: int, **more: Any) -> str:
            extra = copy.deepcopy(meta) | {"outputIndex": index}
            extra["metadata"].update(more)
            return self.add_asset(self._glb, name, kind="3d", mime="model/gltf-binary", meta_type="img23d",
                                  extra=extra)

        if model in REFINE_COST:
            model_field = next(f["name"] for f in self.models[model]["inputs"] if f.get("kind") == "3d")
            source = self.files[str(inputs.get(model_field))][0]
            return [self.add_asset(blob, name, kind="3d", mime="model/gltf-binary", meta_type="3d23d",
                                   extra=copy.deepcopy(meta) | {"outputIndex": i})
                    for i, (blob, name) in enumerate(refine_outputs(model, inputs, source, int(seed)))]
        if model.startswith("model_rodin"):
            ids = [self.add_asset(make_image("WEBP", 64, 3), "preview.webp", kind="image", mime="image/webp",
                                  meta_type="img23d", extra={"outputIndex": 0})]
            # Rodin's own names for the two files (shared/api/rodin.md 4.2), carried in metadata.fileName as the
            # SDK's AssetMetadata has it; the shaded one comes first so a client must read the names.
            if inputs.get("material", "All") == "All":
                ids += [glb("base_basic_shaded.glb", 1, fileName="base_basic_shaded.glb"),
                        glb("base_basic_pbr.glb", 2, fileName="base_basic_pbr.glb")]
            else:
                ids.append(glb("model.glb", 1, fileName="base_basic_pbr.glb" if inputs.get("material") == "PBR"
                               else "model.glb"))
            return ids
        if model.startswith("model_meshy"):
            obj = b"mtllib model.mtl\nv 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n"
            ids = [glb("model.glb", 0),
                   self.add_asset(obj, "model.obj", kind="3d", mime="model/obj", meta_type="img23d"),
                   self.add_asset(b"newmtl m\nKd 1 1 1\n", "model.bin", kind="3d",
                                  mime="application/octet-stream", meta_type="3d-texture-mtl")]
            for channel in ("albedo", "metallic", "normal", "roughness"):
                ids.append(self.add_asset(make_image("PNG", 32), f"{channel}.png", kind="image",
                                          mime="image/png", meta_type=f"3d-texture-{channel}"))
            return ids
        return [glb("model.glb", 0)]

    # ----------------------------------------------------------------- jobs

    def job_sequence(self) -> list[str]:
        middle = ["warming-up", "in-progress", "in-progress", "finalizing"]
        if self.middle_states is not None:
            middle = list(self.middle_states)
        if self.skip_states:
            middle = [s for s in middle if self.rng.random() > 0.5] or ["in-progress"]
        if self.unknown_status:
            middle.insert(len(middle) - 1, self.unknown_status)
        terminal = {"success": "success", "failure": "failure", "partial": "failure",
                    "canceled": "canceled"}[self.outcome]
        return ["queued", *middle, terminal]

    def job_view(self, job: dict[str, Any]) -> dict[str, Any]:
        status = job["sequence"][job["index"]]
        n = len(job["sequence"]) - 1
        fraction = job["index"] / n if n else 1.0
        if self.progress_mode == "stuck":
            fraction = 1.0 if job["index"] == n else 0.1
        if self.drift:
            status = {"in-progress": "processing", "failure": "failed"}.get(status, status)
        view: dict[str, Any] = {
            self.job_id_key: job["jobId"], "jobType": "custom", "status": status,
            "metadata": {"input": job["input"], "assetIds": list(job["assetIds"])},
            "statusHistory": job["history"], "createdAt": job["createdAt"], "updatedAt": job["updatedAt"],
            "ownerId": "proj_emu", "authorId": "user_emu",
        }
        if self.progress_mode != "absent":
            view["progress"] = round(fraction * 100, 1) if self.drift else round(fraction, 3)
        if self.billing_on_job:
            view["billing"] = {"cuCost": job["cost"], "cuDiscount": 0, "disableRefund": self.disable_refund}
        if job["error"]:
            if self.drift:
                view["error"] = job["error"]
            else:
                view["metadata"]["error"] = job["error"]
            if self.failure_hint:
                view["metadata"]["hint"] = self.failure_hint
        if self.drift:
            view["creativeUnitsCost"] = job["cost"]
        return view

    def advance(self, job: dict[str, Any]) -> None:
        if job["index"] >= len(job["sequence"]) - 1 or job["sequence"][job["index"]] == self.hold_status:
            return
        job["index"] += 1
        status = job["sequence"][job["index"]]
        job["updatedAt"] = f"2026-03-02T10:{job['index']:02d}:00Z"
        job["history"].append({"status": status, "date": job["updatedAt"]})
        if status == "success":
            job["assetIds"] = self.outputs_for(job)
        elif status == "failure":
            job["error"] = job["error"] or self.failure_error
            if not self.disable_refund and job["jobId"] in self.charged:
                self.refunded[job["jobId"]] = job["cost"]
            if self.outcome == "partial":
                job["assetIds"] = self.outputs_for(job)[:1]

    def quote(self, model_id: str, body: dict[str, Any]) -> int:
        cost = BASE_COST.get(model_id, 50)
        if body.get("tier") == "Gen-2.5-Extreme-High":
            cost *= 2  # "bills at double" (scenario.md 3.1)
        if body.get("addons") == "HighPack":
            cost += 40
        if body.get("textureResolution") in ("4k", "8k") or body.get("ultraMode") is True:
            cost += 30
        if isinstance(body.get("targetFaceNum"), int | float) and body["targetFaceNum"] > 200000:
            cost += 10
        return int(cost)


def _server(handler: type, state: ScenarioEmulator, port: int) -> LoopbackServer:
    server = LoopbackServer(handler, state)
    if port:  # standalone use wants a known port; tests always take a free one
        server._server.server_close()
        server._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        server._server.daemon_threads = True
        server._server.state = state  # type: ignore[attr-defined]
        server._thread = threading.Thread(target=server._server.serve_forever, name="emulator", daemon=True)
    return server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the Scenario API emulator on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args(argv)
    emulator = ScenarioEmulator(port=args.port)
    with emulator:
        print(f"SCENARIO_BASE_URL={emulator.base_url}")
        print(f"SCENARIO_SDK_API_KEY={emulator.api_key}")
        print(f"SCENARIO_SDK_API_SECRET={emulator.api_secret}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()

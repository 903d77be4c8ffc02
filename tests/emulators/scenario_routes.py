"""HTTP routes of the Scenario emulator; the state and switches live in ``tests.emulators.scenario``."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.emulators.common import TRANSPORT_FAULTS, JsonHandler, send_transport_fault

_SIGNING_KEY = b"emulator-cdn-signing-key"
Reply = tuple[int, Any]


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    authed: bool


@dataclass
class Fault:
    method: str
    prefix: str
    status: int
    times: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    kind: str = "status"  # or one of common.TRANSPORT_FAULTS


class ScenarioHandler(JsonHandler):
    def do_GET(self) -> None:
        self.dispatch()

    def do_POST(self) -> None:
        self.dispatch()

    def do_PUT(self) -> None:
        self.dispatch()

    # ----------------------------------------------------------------- plumbing

    def dispatch(self) -> None:
        st = self.state
        url = urlsplit(self.path)
        path = url.path
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        raw = self.read_body()
        body: Any = None
        if raw and path.startswith("/v1/"):
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        authed = self._authed()
        shown = body
        if isinstance(body, dict) and isinstance(body.get("image"), str):
            shown = dict(body, image=f"<{len(body['image'])} chars>")
        headers = {k.lower(): v for k, v in self.headers.items() if k.lower() != "authorization"}
        with st.lock:
            st.requests.append(Recorded(self.command, path, query, shown, headers, authed))
        if path.startswith("/cdn/"):
            return self._cdn(path, query)
        if path.startswith("/s3/"):
            return self._put_part(path, raw)
        if not path.startswith("/v1/"):
            return self.send_json(404, {"message": "Not found"})
        if not authed:
            return self.send_json(*st.error(401, "UNAUTHORIZED", "Invalid API key or secret"))
        if st.require_project and not query.get("projectId"):
            return self.send_json(*st.error(400, "INVALID_PARAMETER", "projectId is required for team keys"))
        if st.scope_limited:
            return self.send_json(*st.error(403, "FORBIDDEN", "This API key is missing the required scope"))
        with st.lock:
            fault = next((f for f in st.faults if f.times > 0 and f.method == self.command
                          and path.startswith(f.prefix)), None)
            if fault:
                fault.times -= 1
        if fault and fault.kind in TRANSPORT_FAULTS:
            return send_transport_fault(self, fault.kind, st.slow_seconds)
        if fault:
            reply = fault.body if fault.body is not None else {"message": f"Injected HTTP {fault.status}"}
            return self.send_json(fault.status, reply, fault.headers)
        with st.lock:
            result = self.route(path, query, body)
        if result is None:  # the reply is deliberately lost
            self.close_connection = True
            return None
        status, reply = result
        if isinstance(reply, str):
            return self.send_bytes(status, reply.encode(), "text/markdown")
        return self.send_json(status, reply)

    def _authed(self) -> bool:
        header = self.headers.get("Authorization") or ""
        st = self.state
        if header.startswith("Bearer ") and st.bearer_token:
            return hmac.compare_digest(header[7:], st.bearer_token)
        if not header.startswith("Basic "):
            return False
        try:
            user, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return hmac.compare_digest(user, st.api_key) and hmac.compare_digest(secret, st.api_secret)

    def route(self, path: str, query: dict[str, str], body: Any) -> Reply | None:
        parts = path.strip("/").split("/")[1:]  # after "v1"
        method = self.command
        body = body if isinstance(body, dict) else {}
        if parts[:1] == ["models"]:
            if method == "GET" and len(parts) == 1:
                return self._list_models(query)
            if method == "POST" and parts[1:] == ["get-bulk"]:
                ids = body.get("modelIds") or []
                return 200, {"models": [self.state.models[i] for i in ids if i in self.state.models]}
            if method == "GET" and len(parts) >= 2:
                model = self.state.models.get(parts[1])
                if model is None:
                    return self.state.error(404, "NOT_FOUND", f"Model {parts[1]} not found")
                if parts[2:] == ["description"]:
                    return 200, f"# {model['name']}\n\n{model.get('shortDescription', '')}\n"
                return 200, {"model": model}
        if parts[:1] == ["assets"]:
            return self._assets(method, parts[1:], body)
        if parts[:1] == ["uploads"]:
            return self._uploads(method, parts[1:], body)
        if parts[:2] == ["generate", "custom"] and method == "POST" and len(parts) == 3:
            return self._generate(parts[2], query, body)
        if parts[:1] == ["jobs"]:
            return self._jobs(method, parts[1:], query, body)
        return self.state.error(404, "NOT_FOUND", f"No route {method} {path}")

    # ----------------------------------------------------------------- models

    def _list_models(self, query: dict[str, str]) -> Reply:
        st = self.state
        privacy = query.get("privacy")
        records = [m for m in st.models.values() if not privacy or m.get("privacy", "public") == privacy]
        if query.get("status") and privacy != "public":  # the SDK documents status for private models only
            records = [m for m in records if m.get("status") == query["status"]]
        size = max(1, min(int(query.get("pageSize") or 50), st.page_size))
        start = int(query.get("paginationToken") or 0)
        page = [{k: v for k, v in m.items() if k not in ("inputs", "uiConfig")} for m in records[start:start + size]]
        reply: dict[str, Any] = {"models": page}
        if start + size < len(records):
            reply["nextPaginationToken"] = str(start + size)
        return 200, reply

    # ----------------------------------------------------------------- assets and uploads

    def _assets(self, method: str, rest: list[str], body: dict[str, Any]) -> Reply:
        st = self.state
        if method == "POST" and not rest:
            st.asset_posts += 1
            st.wait_while(st.hold_assets, "assets")
            text = str(body.get("image") or "")
            if len(text) > st.max_asset_bytes:
                return st.error(413, "PAYLOAD_TOO_LARGE", "Image is too large; use the uploads route")
            declared = ""
            if text.startswith("data:"):  # what Scenario's client sends (blender-plugin assets.py)
                header, _, text = text.partition(",")
                declared = header[5:].split(";")[0]
                if not header.endswith(";base64"):
                    return st.error(400, "INVALID_PARAMETER", '"image" must be a base64 data URL')
            st.asset_forms.append("data-url" if declared else "bare-base64")
            try:
                data = base64.b64decode(text, validate=True)
            except (binascii.Error, ValueError):
                data = b""
            mime = _sniff(data)
            if not mime:
                return st.error(400, "INVALID_PARAMETER", '"image" must be a base64 encoded image')
            if declared and declared != mime:
                return st.error(400, "INVALID_PARAMETER", f'"image" says {declared} but holds {mime}')
            return 200, {"asset": self._store_upload(data, str(body.get("name") or "image"), mime)}
        if method == "POST" and rest == ["get-bulk"]:
            if not st.bulk_supported:
                return st.error(404, "NOT_FOUND", "No route")
            ids = body.get("assetIds") or []
            if len(ids) > 200:
                return st.error(400, "INVALID_PARAMETER", '"assetIds" must contain at most 200 items')
            return 200, {"assets": [st.asset_view(i) for i in ids if i in st.assets]}
        if method == "GET" and len(rest) == 1:
            if rest[0] not in st.assets:
                return st.error(404, "NOT_FOUND", f"Asset {rest[0]} not found")
            return 200, {"asset": st.asset_view(rest[0])}
        return st.error(404, "NOT_FOUND", "No route")

    def _store_upload(self, data: bytes, name: str, mime: str) -> dict[str, Any]:
        st = self.state
        st.uploaded_hashes.append(hashlib.sha256(data).hexdigest())
        asset_id = st.add_asset(data, name, kind="image", mime=mime, meta_type="uploaded",
                                extra={"source": "uploaded"})
        return st.asset_view(asset_id)

    def _uploads(self, method: str, rest: list[str], body: dict[str, Any]) -> Reply:
        st = self.state
        if method == "POST" and not rest:
            count = int(body.get("parts") or 1)
            upload_id = st.new_id("upload")
            urls = []
            for n in range(1, count + 1):
                sig = hmac.new(_SIGNING_KEY, f"{upload_id}/{n}".encode(), hashlib.sha256).hexdigest()
                urls.append({"number": n, "url": f"{st.origin}/s3/{upload_id}/{n}?X-Amz-Signature={sig}",
                             "expires": "2026-12-31T00:00:00Z"})
            st.uploads[upload_id] = {"id": upload_id, "status": "pending", "parts": urls, "chunks": {},
                                     "fileName": body.get("fileName") or "upload", "declared": body,
                                     # the rest of scenario-sdk's required Upload fields
                                     "kind": body.get("kind") or "image", "source": "multipart",
                                     "authorId": "user_emu", "ownerId": "proj_emu",
                                     "createdAt": "2026-03-02T10:00:00Z", "updatedAt": "2026-03-02T10:00:00Z"}
            return 200, {"upload": self._upload_view(upload_id)}
        upload = st.uploads.get(rest[0]) if rest else None
        if upload is None:
            return st.error(404, "NOT_FOUND", "Upload not found")
        if method == "POST" and rest[1:] == ["action"]:
            if body.get("action") not in ("complete", "upload-complete"):
                return st.error(400, "INVALID_PARAMETER", '"action" must be one of [complete]')
            upload["status"] = "validating"
            return 200, {"upload": self._upload_view(upload["id"])}
        if method == "GET" and len(rest) == 1:
            if upload["kind"] == "3d":
                st.wait_while(st.hold_uploads, "uploads")
            order = {"validating": "validated", "validated": "imported"}
            if upload["status"] in order:
                upload["status"] = order[upload["status"]]
                if upload["status"] == "imported":
                    data = b"".join(upload["chunks"][n] for n in sorted(upload["chunks"]))
                    if upload["kind"] == "3d":
                        return self._import_3d(upload, data)
                    mime = _sniff(data)
                    if st.upload_outcome == "failed" or not mime:
                        upload["status"], upload["errorMessage"] = "failed", "File is not a valid image"
                    else:
                        upload["entityId"] = self._store_upload(data, upload["fileName"], mime)["id"]
            return 200, {"upload": self._upload_view(upload["id"])}
        return st.error(404, "NOT_FOUND", "No route")

    def _import_3d(self, upload: dict[str, Any], data: bytes) -> Reply:
        """A 3D upload becomes an asset of kind "3d" (metadata.type "uploaded-3d", scenario.md 2.3)."""
        st = self.state
        name = str(upload["fileName"])
        ok = data[:4] == b"glTF" or (name.lower().endswith(".obj") and b"\nv " in b"\n" + data[:4096])
        if st.upload_outcome == "failed" or not ok:
            upload["status"], upload["errorMessage"] = "failed", "File is not a valid 3D model"
        else:
            st.uploaded_hashes.append(hashlib.sha256(data).hexdigest())
            upload["entityId"] = st.add_asset(data, name, kind="3d", mime=str(upload["declared"].get(
                "contentType") or "model/gltf-binary"), meta_type="uploaded-3d", extra={"source": "uploaded"})
        return 200, {"upload": self._upload_view(upload["id"])}

    def _upload_view(self, upload_id: str) -> dict[str, Any]:
        upload = self.state.uploads[upload_id]
        return {k: v for k, v in upload.items() if k not in ("chunks", "declared")}

    def _put_part(self, path: str, raw: bytes) -> None:
        st = self.state
        if any(k.lower().startswith("x-amz-checksum") for k in self.headers):
            xml = b"<Error><Code>HeadersNotSigned</Code><Message>There were headers present in the request " \
                  b"which were not signed</Message></Error>"
            return self.send_bytes(403, xml, "application/xml")
        _, upload_id, number = path.strip("/").split("/")
        with st.lock:
            upload = st.uploads.get(upload_id)
            if upload is None or self.headers.get("Authorization"):
                return self.send_bytes(403, b"<Error><Code>AccessDenied</Code></Error>", "application/xml")
            declared = str(upload["declared"].get("contentType") or "")
            sent = self.headers.get("Content-Type") or ""
            st.part_content_types.append(sent)
            if st.part_content_type_signed and sent != declared:
                # A URL presigned for one Content-Type refuses a PUT without it (S3 SignatureDoesNotMatch);
                # Scenario's client always sends it (blender-plugin assets.py upload_multipart).
                xml = b"<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated " \
                      b"does not match the signature you provided</Message></Error>"
                return self.send_bytes(403, xml, "application/xml")
            if st.part_failures > 0:
                st.part_failures -= 1
                st.part_failed += 1
                return self.send_bytes(503, b"<Error><Code>SlowDown</Code></Error>", "application/xml")
            upload["chunks"][int(number)] = raw
            st.part_puts += 1
        self.send_response(200)
        self.send_header("ETag", f'"{hashlib.md5(raw).hexdigest()}"')
        self.send_header("Content-Length", "0")
        self.end_headers()
        return None

    # ----------------------------------------------------------------- generate and jobs

    def _validate(self, model: dict[str, Any], body: dict[str, Any], lenient_files: bool) -> str | None:
        st = self.state
        specs = model.get("inputs") or ()
        for spec in specs:
            name, kind, value = spec["name"], spec.get("type"), body.get(spec["name"])
            if value is None:
                if _required(spec, specs, body) and not (lenient_files and kind in ("file", "file_array")):
                    return f'"{name}" is required'
                continue
            if kind in ("file", "file_array"):
                ids = value if isinstance(value, list) else [value]
                if any(not isinstance(i, str) or i not in st.assets for i in ids):
                    return f'"{name}" must reference existing assets'
                if kind == "file_array" and isinstance(value, list) and len(value) > spec.get("maxLength", 99):
                    return f'"{name}" must contain at most {spec["maxLength"]} items'
                continue
            allowed = spec.get("allowedValues")
            if allowed and value not in allowed:
                return f'"{name}" must be one of {allowed}'
            if kind == "number":
                if isinstance(value, bool) or not isinstance(value, int | float):
                    return f'"{name}" must be a number'
                if ("min" in spec and value < spec["min"]) or ("max" in spec and value > spec["max"]):
                    return f'"{name}" must be between {spec.get("min")} and {spec.get("max")}'
            if kind == "boolean" and not isinstance(value, bool):
                return f'"{name}" must be a boolean'
            if kind == "string" and (not isinstance(value, str) or len(value) > spec.get("maxLength", 10**6)):
                return f'"{name}" must be a string of at most {spec.get("maxLength")} characters'
        return None

    def _generate(self, model_id: str, query: dict[str, str], body: dict[str, Any]) -> Reply | None:
        st = self.state
        # Any dryRun value makes it an estimate: a job is never started on one (scenario-sdk documents
        # "true" and "api"; anything else is refused here, which no source confirms).
        dry_run = "dryRun" in query
        if dry_run and query["dryRun"] not in ("true", "api"):
            return st.error(400, "INVALID_PARAMETER", '"dryRun" must be one of [true, api]')
        model = st.models.get(model_id)
        if model is None:
            return st.error(404, "NOT_FOUND", f"Model {model_id} not found")
        if (model.get("accessRestrictions") or 0) > st.plan_level:
            # Plan names per scenario-sdk's accessRestrictions docstring; the message wording itself is a guess.
            plan = {25: "Starter", 50: "Pro", 75: "Max", 100: "Enterprise"}.get(model["accessRestrictions"], "Pro")
            return 403, {"status": "error", "code": "ModelAccessRestrictedError", "name": "ModelAccessRestrictedError",
                         "message": f"This model requires the {plan} plan or above"}
        if dry_run:
            st.dryrun_posts += 1
            if st.dryrun_forbidden:
                return st.error(403, "FORBIDDEN", "dryRun is only available on paid plans")
        dropped = []
        if st.scalar_array_drop:  # a bare string for a file_array input is silently ignored
            for spec in model.get("inputs") or ():
                if spec.get("type") == "file_array" and isinstance(body.get(spec["name"]), str):
                    dropped.append(spec["name"])
            body = {k: v for k, v in body.items() if k not in dropped}
        # A dropped scalar reaches the model as "no image" (the job fails later, not the request).
        problem = self._validate(model, body, (dry_run and not st.dryrun_requires_files) or bool(dropped))
        if problem:
            return st.error(400, "INVALID_PARAMETER", problem)
        cost = st.quote(model_id, body)
        if dry_run:
            st.dryrun_bodies.append((query["dryRun"], body))
            # 269 with a full run response and per-action costDetails (scenario-sdk generate.run_model docstring,
            # types/generate_run_model_response.py). The job is a preview: it is not stored and never runs.
            preview = {"jobId": st.new_id("job"), "modelId": model_id, "input": body, "sequence": ["queued"],
                       "index": 0, "assetIds": [], "error": "", "cost": cost, "createdAt": "2026-03-02T10:00:00Z",
                       "updatedAt": "2026-03-02T10:00:00Z", "history": [{"status": "queued",
                                                                          "date": "2026-03-02T10:00:00Z"}]}
            details = {"custom-generation": cost} if cost else {}
            return 269, {"job": st.job_view(preview), "creativeUnitsCost": cost, "creativeUnitsDiscount": 0,
                         "costDetails": details}
        st.generate_posts += 1
        job_id = st.new_id("job")
        sequence = st.job_sequence()
        job = {"jobId": job_id, "modelId": model_id, "input": body, "sequence": sequence, "index": 0,
               "assetIds": [], "error": "", "cost": cost, "seq": st.generate_posts,
               "createdAt": "2026-03-02T10:00:00Z", "updatedAt": "2026-03-02T10:00:00Z",
               "history": [{"status": sequence[0], "date": "2026-03-02T10:00:00Z"}]}
        if dropped:  # the model never saw its image
            job["sequence"] = [*sequence[:-1], "failure"]
            job["error"] = "Error ID 5c0de: no input image was provided"
        st.jobs[job_id] = job
        st.charged[job_id] = cost  # what the account paid, for tests comparing Meshwright's spend ledger
        st.wait_while(st.hold_generate, "generate")
        if st.lose_generate_response == "500":
            return st.error(500, "INTERNAL_ERROR", "Internal server error")
        if st.lose_generate_response == "drop":
            return None
        return 200, {"job": st.job_view(job), "creativeUnitsCost": cost, "creativeUnitsDiscount": 0}

    def _jobs(self, method: str, rest: list[str], query: dict[str, str], body: dict[str, Any]) -> Reply:
        st = self.state
        if method == "GET" and not rest:
            views = [st.job_view(j) for j in st.jobs.values()]
            if query.get("status"):
                views = [v for v in views if v["status"] == query["status"]]
            return 200, {"jobs": views}
        job = st.jobs.get(rest[0]) if rest else None
        if job is None:
            return st.error(404, "NOT_FOUND", f"Job {rest[0] if rest else ''} not found")
        if method == "GET" and len(rest) == 1:
            st.advance(job)
            return 200, {"job": st.job_view(job)}
        if method == "POST" and rest[1:] == ["action"]:
            if body.get("action") != "cancel":
                return st.error(400, "INVALID_PARAMETER", '"action" must be one of [cancel]')
            if not st.cancel_allowed:
                return st.error(400, "BAD_REQUEST", "Cannot cancel this type of job")
            if job["sequence"][job["index"]] not in ("success", "failure", "canceled"):
                job["sequence"] = [*job["sequence"][: job["index"] + 1], "canceled"]
            return 200, {"job": st.job_view(job)}
        return st.error(404, "NOT_FOUND", "No route")

    # ----------------------------------------------------------------- CDN

    def _cdn(self, path: str, query: dict[str, str]) -> None:
        st = self.state
        denied = b"<Error><Code>AccessDenied</Code><Message>Access denied</Message></Error>"
        try:
            _, _, asset_id, name = path.strip("/").split("/")
            policy = query["Policy"]
            expires = json.loads(base64.urlsafe_b64decode(policy + "=" * (-len(policy) % 4)))["exp"]
        except (ValueError, KeyError):
            return self.send_bytes(403, denied, "application/xml")
        good = hmac.new(_SIGNING_KEY, f"{asset_id}/{name}|{policy}".encode(), hashlib.sha256).hexdigest()
        if asset_id not in st.files or not hmac.compare_digest(good, query.get("Signature", "")):
            return self.send_bytes(403, denied, "application/xml")
        with st.lock:
            expired = st.expired_gets > 0
            if expired:
                st.expired_gets -= 1
        if expired or time.time() > float(expires):
            return self.send_bytes(403, b"<Error><Code>AccessDenied</Code><Message>Request has expired"
                                        b"</Message></Error>", "application/xml")
        data, _ = st.files[asset_id]
        with st.lock:
            fault = st.transfer_fault if st.transfer_fault_times > 0 else None
            if fault:
                st.transfer_fault_times -= 1
            st.downloads += 1
        if fault == "500":
            return self.send_bytes(500, b"Internal error", "text/plain")
        mime = st.assets[asset_id]["mimeType"]
        self.send_response(200)
        self.send_header("Content-Type", mime)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if st.hold_files.is_set():
            try:
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                st.wait_while(st.hold_files, "files")
                self.wfile.write(data[len(data) // 2:])
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
            return None
        if fault == "drop":
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return None
        step = max(1, len(data) // 4) if fault == "slow" else len(data)
        for offset in range(0, len(data), step):
            self.wfile.write(data[offset:offset + step])
            if fault == "slow":
                self.wfile.flush()
                time.sleep(0.05)
        return None


def _required(spec: dict[str, Any], specs: Any, body: dict[str, Any]) -> bool:
    """The four rule kinds of scenario-sdk's ModelInputRequired: always, ifDefined, ifNotDefined, conditional
    (``{"values": {input: [values]}, "operator": "and"|"or"}``; a missing input counts at its default)."""
    rule = spec.get("required")
    if rule is True:
        return True
    if not isinstance(rule, dict):
        return False
    if rule.get("always"):
        return True
    if any(body.get(n) is not None for n in rule.get("ifDefined") or {}):
        return True
    if rule.get("ifNotDefined") and all(body.get(n) is None for n in rule["ifNotDefined"]):
        return True
    conditional = rule.get("conditional")
    if isinstance(conditional, dict) and isinstance(conditional.get("values"), dict):
        defaults = {s.get("name"): s.get("default") for s in specs}
        checks = []
        for other, allowed in conditional["values"].items():
            current = body.get(other, defaults.get(other))
            checks.append(current in (allowed if isinstance(allowed, list) else [allowed]))
        return all(checks) if conditional.get("operator") == "and" else any(checks)
    return False


def _sniff(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return ""

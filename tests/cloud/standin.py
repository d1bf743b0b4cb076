"""A real HTTP server on 127.0.0.1 that speaks both providers' protocols, for integration tests.

It implements, from shared/spec/cloud-apis.md and the seeds:

- Ace Data Cloud: ``POST /api/v1/files/`` (platform upload, multipart ``file``, Bearer platform
  token), ``POST /face/beautify`` and ``POST /face/analyze`` (JSON, Bearer token), Ace's error
  envelope; it fetches ``image_url`` from its own file store ("fetch failed" otherwise).
- AILabTools: ``POST /api/portrait/effects/{face-beauty-pro,smart-beauty,face-tidyup}``
  (multipart, ``ailabapi-api-key``), async tasks polled through
  ``GET /api/common/query-async-task-result`` following a status schedule, the
  ``error_detail`` envelope; face-tidyup answers 404 ``ERROR_AI_NOT_EXISTS`` (retired).
- ``GET /files/<id>`` and ``GET /results/<id>``: stored images; expired ids answer 404.

"Processing" is a function of the received image (default: halve its size and warm a central
ellipse), re-encoded as a metadata-free JPEG, like a provider's result. Tests queue scripted
replies (status, body, headers, delay) per route to produce each error family, and read
``requests`` to assert exactly what the clients sent.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import cv2
import numpy as np

from tests.cloud.helpers import decode, jpeg_bytes, parse_multipart

ACE_TOKEN = "ace-test-token"
PLATFORM_TOKEN = "platform-test-token"
AILAB_KEY = "ailab-test-key"


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    json: Any = None
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str | None, str, bytes]] = field(default_factory=dict)
    at: float = 0.0


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict/list -> JSON; bytes/str -> raw
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def default_process(image: np.ndarray) -> np.ndarray:
    """Halve the size and add a visible warm tint inside a central ellipse (the 'face')."""
    h, w = image.shape[:2]
    small = cv2.resize(image, (w // 2, h // 2), interpolation=cv2.INTER_AREA).astype(np.int16)
    mask = np.zeros(small.shape[:2], np.uint8)
    cv2.ellipse(mask, (small.shape[1] // 2, small.shape[0] // 2),
                (max(2, small.shape[1] // 9), max(2, small.shape[0] // 7)), 0, 0, 360, 1, -1)
    small[mask > 0] += np.array([40, 0, -30], np.int16)
    return np.clip(small, 0, 255).astype(np.uint8)


def ace_error(code: str, message: str, trace: str = "trace-123") -> dict:
    return {"success": False, "error": {"code": code, "message": message}, "trace_id": trace}


def ailab_envelope(code: str = "", message: str = "", status_code: int = 200, **extra: Any) -> dict:
    body = {"request_id": "req-" + uuid.uuid4().hex[:8], "log_id": "log-" + uuid.uuid4().hex[:8],
            "error_code": 0 if not code else 1, "error_code_str": code, "error_msg": message,
            "error_detail": {"status_code": status_code, "code": code, "code_message": message,
                             "message": message}}
    body.update(extra)
    return body


class StandIn:
    """The server and its state (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[Recorded] = []
        self.scripted: dict[str, deque[Reply]] = defaultdict(deque)
        self.store: dict[str, bytes] = {}
        self.expired: set[str] = set()
        self.tasks: dict[str, dict[str, Any]] = {}
        self.task_schedule: list[int] = [0, 1, 2]
        self.process: Callable[[np.ndarray], np.ndarray] = default_process
        #: faces for face/analyze, as (90, 2) arrays in 0-1 fractions of the received image
        self.analyze_faces: list[np.ndarray] = []
        self.received_images: list[np.ndarray] = []
        self.tidyup_retired = True
        self.current_fields: dict = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> StandIn:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- test API ---------------------------------------------------------------------------

    def script(self, route: str, *replies: Reply) -> None:
        """Queue replies for a route ("POST /face/beautify", "GET /results", ...)."""
        with self.lock:
            self.scripted[route].extend(replies)

    def requests_to(self, path_prefix: str) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.path.startswith(path_prefix)]

    def put(self, data: bytes, folder: str = "files") -> str:
        key = uuid.uuid4().hex[:12]
        with self.lock:
            self.store[key] = data
        return f"{self.base_url}/{folder}/{key}.jpg"

    # -- behaviour --------------------------------------------------------------------------

    def _result(self, image_bytes: bytes, fields: dict | None = None) -> str:
        image = decode(image_bytes)
        with self.lock:
            self.received_images.append(image)
            self.current_fields = dict(fields or {})  # what the call asked for (process may read it)
        return self.put(jpeg_bytes(self.process(image), 92), "results")

    def handle(self, rec: Recorded) -> Reply:
        route = f"{rec.method} {rec.path}"
        with self.lock:
            for key in (route, route.rsplit("/", 1)[0]):
                if self.scripted.get(key):
                    return self.scripted[key].popleft()
        p = rec.path
        if rec.method == "GET" and (p.startswith("/files/") or p.startswith("/results/")):
            key = p.rsplit("/", 1)[-1].split(".")[0]
            with self.lock:
                data = None if key in self.expired else self.store.get(key)
            if data is None:
                return Reply(404, b"<html>Not Found</html>", {"content-type": "text/html"})
            return Reply(200, data, {"content-type": "image/jpeg"})
        if p == "/api/v1/files/":
            return self._ace_upload(rec)
        if p in ("/face/beautify", "/face/analyze"):
            return self._ace(rec)
        if p.startswith("/api/portrait/effects/"):
            return self._ailab_submit(rec)
        if p == "/api/common/query-async-task-result":
            return self._ailab_poll(rec)
        return Reply(404, {"detail": "Not Found"})

    def _ace_upload(self, rec: Recorded) -> Reply:
        if rec.headers.get("authorization") != f"Bearer {PLATFORM_TOKEN}":
            return Reply(401, ace_error("invalid_token", "platform token invalid"))
        if "file" not in rec.files:
            return Reply(400, ace_error("bad_request", "file is required"))
        return Reply(200, {"file_url": self.put(rec.files["file"][2])})

    def _ace(self, rec: Recorded) -> Reply:
        if rec.headers.get("authorization") != f"Bearer {ACE_TOKEN}":
            return Reply(401, ace_error("invalid_token", "token invalid"))
        if not isinstance(rec.json, dict) or "image_url" not in rec.json:
            return Reply(400, ace_error("bad_request", "image_url is required"))
        key = urlsplit(rec.json["image_url"]).path.rsplit("/", 1)[-1].split(".")[0]
        with self.lock:
            data = self.store.get(key)
        if data is None:
            return Reply(500, ace_error("api_error", "fetch failed"))
        if rec.path == "/face/beautify":
            return Reply(200, {"image_url": self._result(data, rec.json)})
        image = decode(data)
        h, w = image.shape[:2]
        faces = self.analyze_faces[:1] if rec.json.get("mode") == 1 else self.analyze_faces
        shapes = []
        from facestudio.core.faceshape import GROUPS

        for frac in faces:
            pts = np.rint(frac * [w, h] - 0.5).astype(int)  # fractions of the image, pixel centres
            entry, i = {}, 0
            for name, n in GROUPS:
                entry[name] = [{"x": int(x), "y": int(y)} for x, y in pts[i:i + n]]
                i += n
            shapes.append(entry)
        return Reply(200, {"image_width": w, "image_height": h,
                           "face_model_version": rec.json.get("face_model_version", "3.0"),
                           "face_shape_set": shapes})

    def _ailab_submit(self, rec: Recorded) -> Reply:
        if rec.headers.get("ailabapi-api-key") != AILAB_KEY:
            return Reply(200, ailab_envelope("ERROR_USER_NOT_EXISTS", "User does not exist", 401))
        endpoint = rec.path.rsplit("/", 1)[-1]
        if endpoint == "face-tidyup" and self.tidyup_retired:
            return Reply(404, ailab_envelope("ERROR_AI_NOT_EXISTS", "The API does not exist", 404))
        file_field = "image_target" if endpoint == "smart-beauty" else "image"
        if file_field not in rec.files:
            return Reply(200, ailab_envelope("MISSING_PARAMETERS", f"{file_field} is required", 400))
        data = rec.files[file_field][2]
        if endpoint == "face-tidyup" or rec.fields.get("task_type") == "sync":
            url = self._result(data, rec.fields)
            return Reply(200, ailab_envelope(data={"image_url": url}))
        task_id = uuid.uuid4().hex
        with self.lock:
            self.tasks[task_id] = {"endpoint": endpoint, "image": data, "polls": 0, "fields": rec.fields,
                                   "schedule": list(self.task_schedule)}
        return Reply(200, ailab_envelope(task_type="async", task_id=task_id))

    def _ailab_poll(self, rec: Recorded) -> Reply:
        if rec.headers.get("ailabapi-api-key") != AILAB_KEY:
            return Reply(200, ailab_envelope("ERROR_USER_NOT_EXISTS", "User does not exist", 401))
        task_id = (rec.query.get("task_id") or [""])[0]
        with self.lock:
            task = self.tasks.get(task_id)
            if task is not None:
                i = min(task["polls"], len(task["schedule"]) - 1)
                status = task["schedule"][i]
                task["polls"] += 1
        if task is None:
            return Reply(200, ailab_envelope("ERROR_INVALID_PARAMETER", "task_id not found", 400))
        if status != 2:
            return Reply(200, ailab_envelope(task_status=status))
        url = task.get("url") or self._result(task["image"], task["fields"])
        task["url"] = url
        if task["endpoint"] == "face-beauty-pro":
            return Reply(200, ailab_envelope(task_status=2, result_url=url))
        return Reply(200, ailab_envelope(task_status=2, data={"image_url": url}))


def _handler_for(state: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            rec = Recorded(self.command, parts.path, parse_qs(parts.query),
                           {k.lower(): v for k, v in self.headers.items()}, body, at=time.monotonic())
            ctype = self.headers.get("content-type", "")
            if ctype.startswith("application/json"):
                try:
                    rec.json = json.loads(body)
                except ValueError:
                    rec.json = None
            elif ctype.startswith("multipart/form-data"):
                rec.fields, rec.files = parse_multipart(ctype, body)
            with state.lock:
                state.requests.append(rec)
            reply = state.handle(rec)
            if reply.delay:
                time.sleep(reply.delay)
            payload = reply.body
            headers = dict(reply.headers)
            if isinstance(payload, (dict, list)):
                payload = json.dumps(payload).encode()
                headers.setdefault("content-type", "application/json")
            elif isinstance(payload, str):
                payload = payload.encode()
            elif payload is None:
                payload = b""
            try:
                self.send_response(reply.status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

        do_GET = do_POST = _serve

    return Handler

"""AILabTools: face-beauty-pro, smart-beauty, face-tidyup and asynchronous task polling.

What belongs here: :class:`AilabClient`, which speaks AILabTools' protocol (``ailabapi-api-key``
header, multipart bodies, the ``request_id``/``log_id``/``error_detail`` envelope), submits
asynchronous tasks and polls ``query-async-task-result`` (progress "queued"/"processing", a
timeout, prompt cancellation), and maps the provider's ~126 error codes onto
:mod:`facestudio.cloud.errors` (branching on ``error_detail.code``, not on the HTTP status,
whose meaning changed between versions of their docs). No crops, no compositing.

Base URL: constructor argument, else ``FACESTUDIO_AILAB_BASE_URL`` (default
https://www.ailabapi.com).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from facestudio.cloud._transport import (
    RETRYABLE_STATUSES,
    ProviderTransport,
    RetryPolicy,
    decode_json,
    parse_retry_after,
)
from facestudio.cloud.credentials import CREDENTIALS, Secret, get_credential
from facestudio.cloud.errors import (
    AuthError,
    CloudError,
    CreditsError,
    MalformedResponseError,
    NoFaceError,
    RateLimitError,
    RetiredEndpointError,
    ServiceError,
    TaskFailedError,
    TaskTimeoutError,
    ValidationError,
)
from facestudio.core.errors import ParameterError

__all__ = ["DEFAULT_BASE_URL", "ENDPOINTS", "FILTERS", "PROVIDER", "AilabClient", "AilabResult",
           "TIDYUP_PARTS"]

PROVIDER = "AILabTools"
DEFAULT_BASE_URL = "https://www.ailabapi.com"
BASE_URL_ENV = "FACESTUDIO_AILAB_BASE_URL"
QUERY_PATH = "/api/common/query-async-task-result"

#: endpoint name -> (path, label, file field)
ENDPOINTS: dict[str, tuple[str, str, str]] = {
    "face-beauty-pro": ("/api/portrait/effects/face-beauty-pro", "face-beauty-pro", "image"),
    "smart-beauty": ("/api/portrait/effects/smart-beauty", "smart-beauty", "image_target"),
    "face-tidyup": ("/api/portrait/effects/face-tidyup", "face-tidyup", "image"),
}

FILTERS: dict[int, str] = dict(enumerate((
    "Black and White", "Calm", "Sunny Day", "Journey", "Beautify Skin", "Hong Kong Style",
    "Aesthetic", "Lovely", "New York", "Sakura", "Seventeen", "Soft Light", "Afternoon Tea",
    "Brighten Skin", "Chaplin", "Floral", "Memories", "Ice Beauty", "Paris", "Time", "LOMO",
    "Old Times", "Early Spring", "Story", "Abao Color", "Fill Light", "Warm", "Gorgeous",
    "Lavender", "Chanel", "Prague", "Old Dreams", "Peach Blossom", "Pink", "Misty Rain"), start=1))

TIDYUP_PARTS: dict[int, str] = dict(enumerate((
    "cheekbone", "cut face", "slim face", "long face", "chin shortening", "chin lengthening",
    "slim chin", "slim jaw", "big eyes", "eye angle 1", "eye distance", "widen eye distance",
    "eye angle 2", "eye height", "slim nose", "nose wing", "nose length", "nose length (2)",
    "lip width", "lip size", "lip height", "philtrum")))

_AUTH = {"ERROR_USER_NOT_EXISTS", "ERROR_APPLICATIONS_NOT_EXISTS", "ERROR_API_KEY", "ERROR_INVALID_API_KEY"}
_SIZE = {"FILE_SIZE_EXCEEDS_LIMIT", "FILE_RESOLUTION_EXCEEDS_LIMITS", "ERROR_HIGH_RESOLUTION",
         "ERROR_LOW_RESOLUTION"}
_FILE = {"UNSUPPORTED_FILE_TYPES", "FILE_DECODING_FAILURE", "ERROR_INVALID_FILE"}
_PARAMS = {"ERROR_PARAMETERS", "MISSING_PARAMETERS", "ERROR_INVALID_PARAMETER"}
_SERVER = {"PROCESSING_FAILURE", "SERVICE_INTERNAL_ERROR", "AI_SERVICE_ERROR", "AI_SERVICE_TIMEOUT",
           "ERROR_GATEWAY"}

ProgressCallback = Callable[[str, "float | None"], Any]


@dataclass(frozen=True)
class AilabResult:
    """Where a finished task's image is: a temporary URL or inline bytes (sync base64)."""

    url: str | None
    data: bytes | None
    request_id: str | None = None


def _check_int(name: str, value: Any, lo: int, hi: int) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        raise ParameterError(f"{name} must be a number from {lo} to {hi} (got {value!r})")
    return str(int(round(value)))


def _check_unit(name: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        raise ParameterError(f"{name} must be a number from 0 to 1 (got {value!r})")
    text = f"{float(value):.3f}".rstrip("0").rstrip(".")
    return text or "0"


def _result_of(body: Mapping[str, Any]) -> AilabResult | None:
    data = body.get("data") if isinstance(body.get("data"), Mapping) else {}
    for holder, key in ((body, "result_url"), (data, "image_url"), (data, "result_url"),
                        (body, "image_url")):
        value = holder.get(key)
        if isinstance(value, str) and value:
            return AilabResult(value, None, body.get("request_id"))
    for holder, key in ((data, "image"), (body, "result"), (data, "result")):
        value = holder.get(key)
        if isinstance(value, str) and value:
            try:
                raw = base64.b64decode(value.split(",", 1)[-1], validate=False)
            except (binascii.Error, ValueError):
                continue
            if raw:
                return AilabResult(None, raw, body.get("request_id"))
    return None


class AilabClient:
    """Async client for AILabTools' portrait effects (one shared ``httpx.AsyncClient``).

    Parameters
    ----------
    api_key : str or Secret, optional
        Read at first use from FACESTUDIO_AILAB_KEY or the keyring when omitted.
    base_url : str, optional
    timeout, connect_timeout : float
        Seconds per network operation.
    retry : RetryPolicy, optional
    poll_interval : float
        Seconds between task polls (the provider recommends 5).
    first_poll : float
        Seconds before the first poll (a short one is fine).
    task_timeout : float
        Give up on a task after this many seconds (the provider's SDK uses 300).
    transport : httpx.AsyncBaseTransport, optional
        For tests.
    """

    def __init__(self, *, api_key: str | Secret | None = None, base_url: str | None = None,
                 timeout: float = 180.0, connect_timeout: float = 15.0,
                 retry: RetryPolicy | None = None, poll_interval: float = 5.0,
                 first_poll: float = 1.0, task_timeout: float = 300.0,
                 transport: httpx.AsyncBaseTransport | None = None,
                 sleep: Callable[[float], Awaitable[Any]] | None = None) -> None:
        self._key = Secret(api_key) if api_key else None
        self.base_url = (base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")
        self.poll_interval = float(poll_interval)
        self.first_poll = float(first_poll)
        self.task_timeout = float(task_timeout)
        self.transport = ProviderTransport(PROVIDER, timeout=timeout, connect_timeout=connect_timeout,
                                           retry=retry, transport=transport, sleep=sleep)

    def __repr__(self) -> str:
        return f"AilabClient(base_url={self.base_url!r})"

    async def aclose(self) -> None:
        await self.transport.aclose()

    def _headers(self) -> dict[str, str]:
        if self._key is None:
            self._key = get_credential("ailab-key")
        return {"ailabapi-api-key": self._key.reveal(), "accept": "application/json"}

    def require_credentials(self) -> None:
        self._headers()

    # -- answers -> errors --------------------------------------------------------------------

    def _classifier(self, endpoint: str, *, polling: bool = False) -> Callable[[httpx.Response], dict]:
        label = ENDPOINTS[endpoint][1] if endpoint in ENDPOINTS else endpoint

        def classify(response: httpx.Response) -> dict:
            status = response.status_code
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            try:
                body = decode_json(response)
            except ValueError:
                body = None
            if not isinstance(body, Mapping):
                raise self._status_error(status, label, retry_after, endpoint, is_json=False)
            detail = body.get("error_detail") if isinstance(body.get("error_detail"), Mapping) else {}
            code = str(detail.get("code") or "").strip()
            legacy = body.get("error_code")
            legacy_ok = legacy in (None, 0, "0", "")
            if not code and not legacy_ok:
                code = str(body.get("error_code_str") or legacy)
            if not code and 200 <= status < 300:
                return dict(body)
            message = (detail.get("message") or detail.get("code_message") or body.get("error_msg")
                       or None)
            kw = dict(provider=PROVIDER, provider_message=message, request_id=body.get("request_id"),
                      log_id=body.get("log_id"), http_status=status)
            if not code:
                err = self._status_error(status, label, retry_after, endpoint, is_json=True)
                err.provider_message, err.request_id, err.log_id = (
                    kw["provider_message"], kw["request_id"], kw["log_id"])
                raise err
            raise self._code_error(code, label, endpoint, status, retry_after, polling, kw)

        return classify

    def _status_error(self, status: int, label: str, retry_after: float | None,
                      endpoint: str, *, is_json: bool) -> CloudError:
        """An error answer without a usable JSON envelope."""
        kw = dict(provider=PROVIDER, http_status=status)
        if status == 429:
            return RateLimitError(f"{PROVIDER} is limiting the request rate: wait a moment and try "
                                  "again", retry_after=retry_after, **kw)
        if status in RETRYABLE_STATUSES or status >= 500:
            return ServiceError(f"{PROVIDER} had a server error during {label}: try again later",
                                retry_after=retry_after, **kw)
        if status in (401, 403):
            return AuthError(f"{PROVIDER} rejected the API key: {CREDENTIALS['ailab-key'].how_to_set()}",
                             **kw)
        if status == 404 and endpoint == "face-tidyup":
            return _retired(label, kw)
        if status == 404:
            return ValidationError(f"{PROVIDER} has no {label} API at this address: check "
                                   f"{BASE_URL_ENV}", **kw)
        if is_json:
            return CloudError(f"{PROVIDER} refused the {label} request (HTTP {status}): if it "
                              "persists, use the local engine (--backend local)", **kw)
        return MalformedResponseError(f"{PROVIDER} sent an answer to {label} that is not JSON: try "
                                      "again later; if it persists, report it", **kw)

    def _code_error(self, code: str, label: str, endpoint: str, status: int,
                    retry_after: float | None, polling: bool, kw: dict) -> CloudError:
        kw = dict(kw, code=code)
        up = code.upper()
        if up == "ERROR_NO_FACE_IN_FILE" or "NO_FACE" in up:
            return NoFaceError(f"{PROVIDER} found no face in the photo: use a photo with a clear, "
                               "unobstructed face, or the local engine (--backend local)", **kw)
        if up == "ERROR_NOT_ENOUGH_CREDITS" or "CREDIT" in up:
            return CreditsError(f"Your {PROVIDER} credits are used up: top up in the AILabTools "
                                "console, or use the local engine (--backend local)", **kw)
        if up == "EXCEEDING_LIMITS":
            return RateLimitError(f"{PROVIDER} is limiting the request rate or concurrency: wait a "
                                  "moment and try again", retry_after=retry_after, **kw)
        if up in _AUTH or "API_KEY" in up:
            return AuthError(f"{PROVIDER} rejected the API key: {CREDENTIALS['ailab-key'].how_to_set()}",
                             **kw)
        if up == "ERROR_AI_NOT_EXISTS":
            if endpoint == "face-tidyup":
                return _retired(label, kw)
            return RetiredEndpointError(f"The {label} API is switched off at {PROVIDER}: use another "
                                        "backend or the local engine (--backend local)", **kw)
        if up in _SIZE:
            return ValidationError(f"{PROVIDER} refused the image size for {label} (its limits may "
                                   "have changed): use the local engine (--backend local)", **kw)
        if up in _FILE:
            return ValidationError(f"{PROVIDER} could not read the image FaceStudio sent to {label}: "
                                   "try again, or use the local engine (--backend local)", **kw)
        if up in _PARAMS:
            return ValidationError(f"{PROVIDER} refused the {label} parameters: check the values",
                                   **kw)
        if up in _SERVER or status >= 500:
            if polling:
                return TaskFailedError(f"{PROVIDER} could not finish the {label} task: try again, "
                                       "or use the local engine (--backend local)", **kw)
            return ServiceError(f"{PROVIDER} had a server error during {label}: try again later",
                                retry_after=retry_after, **kw)
        if status == 429:
            return RateLimitError(f"{PROVIDER} is limiting the request rate: wait a moment and try "
                                  "again", retry_after=retry_after, **kw)
        if status in (401, 403):
            return AuthError(f"{PROVIDER} rejected the request ({label}): check the API key "
                             f"({CREDENTIALS['ailab-key'].how_to_set()})", **kw)
        return CloudError(f"{PROVIDER} refused the {label} request: see the provider's message; "
                          "if it persists, use the local engine (--backend local)", **kw)

    # -- endpoints --------------------------------------------------------------------------------

    async def _submit(self, endpoint: str, image: bytes, fields: dict[str, str], *,
                      filename: str, mime: str) -> dict:
        path, label, file_field = ENDPOINTS[endpoint]
        return await self.transport.call(
            "POST", f"{self.base_url}{path}", self._classifier(endpoint), what=label,
            headers=self._headers(), data=fields, files={file_field: (filename, image, mime)})

    async def _run(self, endpoint: str, image: bytes, fields: dict[str, str], *, filename: str,
                   mime: str, progress: ProgressCallback | None) -> AilabResult:
        body = await self._submit(endpoint, image, fields, filename=filename, mime=mime)
        label = ENDPOINTS[endpoint][1]
        task_id = body.get("task_id")
        if fields.get("task_type") == "async" and task_id:
            if progress is not None:
                progress("queued", None)
            body = await self.wait_for_task(str(task_id), endpoint=endpoint, progress=progress)
        result = _result_of(body)
        if result is None:
            raise MalformedResponseError(f"{PROVIDER} answered {label} without a result image: try "
                                         "again later", provider=PROVIDER,
                                         request_id=body.get("request_id"), log_id=body.get("log_id"))
        return result

    async def face_beauty_pro(self, image: bytes, *, whitening: float = 50, smoothing: float = 50,
                              thinface: float = 50, shrink_face: float = 50, enlarge_eye: float = 50,
                              remove_eyebrow: float = 50, filter_type: int | None = None,
                              task_type: str = "async", filename: str = "facestudio-upload.jpg",
                              mime: str = "image/jpeg",
                              progress: ProgressCallback | None = None) -> AilabResult:
        """face-beauty-pro: six 0-100 sliders and an optional filter 1-35."""
        fields = {
            "task_type": _task_type(task_type),
            "whitening": _check_int("whitening", whitening, 0, 100),
            "smoothing": _check_int("smoothing", smoothing, 0, 100),
            "thinface": _check_int("thinface", thinface, 0, 100),
            "shrink_face": _check_int("shrink_face", shrink_face, 0, 100),
            "enlarge_eye": _check_int("enlarge_eye", enlarge_eye, 0, 100),
            "remove_eyebrow": _check_int("remove_eyebrow", remove_eyebrow, 0, 100),
        }
        if filter_type is not None:
            if isinstance(filter_type, bool) or not isinstance(filter_type, int) or filter_type not in FILTERS:
                raise ParameterError(f"filter_type must be a filter number from 1 to 35 (got {filter_type!r})")
            fields["filter_type"] = str(filter_type)
        return await self._run("face-beauty-pro", image, fields, filename=filename, mime=mime,
                               progress=progress)

    async def smart_beauty(self, image: bytes, *, beauty_level: float = 1.0, multi_face: bool = True,
                           task_type: str = "async", filename: str = "facestudio-upload.jpg",
                           mime: str = "image/jpeg",
                           progress: ProgressCallback | None = None) -> AilabResult:
        """smart-beauty: one strength 0-1; every face (``multi_face``) or only the largest."""
        fields = {"task_type": _task_type(task_type),
                  "beauty_level": _check_unit("beauty_level", beauty_level)}
        if multi_face:
            fields["multi_face"] = "1"
        return await self._run("smart-beauty", image, fields, filename=filename, mime=mime,
                               progress=progress)

    async def face_tidyup(self, image: bytes, *, shape_type: int, strength: float,
                          filename: str = "facestudio-upload.jpg", mime: str = "image/jpeg",
                          progress: ProgressCallback | None = None) -> AilabResult:
        """face-tidyup (retired by the provider): one part 0-21 at strength 0-1, synchronous."""
        if isinstance(shape_type, bool) or not isinstance(shape_type, int) or shape_type not in TIDYUP_PARTS:
            raise ParameterError(f"shape_type must be a part number from 0 to 21 (got {shape_type!r})")
        fields = {"shape_type": str(shape_type), "strength": _check_unit("strength", strength)}
        return await self._run("face-tidyup", image, fields, filename=filename, mime=mime,
                               progress=progress)

    async def wait_for_task(self, task_id: str, *, endpoint: str = "face-beauty-pro",
                            progress: ProgressCallback | None = None) -> dict:
        """Poll ``query-async-task-result`` until the task is done; return the final answer.

        Reports "queued" (status 0) and "processing" (status 1). Status 2 is done; 3, any other
        status or an error body is a failure. Cancelling the awaiting task stops at once.
        """
        label = ENDPOINTS.get(endpoint, ("", endpoint, ""))[1]
        classify = self._classifier(endpoint, polling=True)
        started = time.monotonic()
        delay = min(self.first_poll, self.task_timeout)
        while True:
            await asyncio.sleep(delay)
            body = await self.transport.call(
                "GET", f"{self.base_url}{QUERY_PATH}", classify, what=f"the {label} status query",
                headers=self._headers(), params={"task_id": task_id})
            raw_status = body.get("task_status")
            try:
                status = int(raw_status)
            except (TypeError, ValueError):
                raise MalformedResponseError(f"{PROVIDER}'s task status answer has no task_status: "
                                             "try again later", provider=PROVIDER,
                                             request_id=body.get("request_id"),
                                             log_id=body.get("log_id")) from None
            if status == 2:
                return body
            if status not in (0, 1):
                raise TaskFailedError(f"{PROVIDER} reports the {label} task failed (status {status}): "
                                      "try again, or use the local engine (--backend local)",
                                      provider=PROVIDER, request_id=body.get("request_id"),
                                      log_id=body.get("log_id"))
            if progress is not None:
                progress("queued" if status == 0 else "processing", None)
            elapsed = time.monotonic() - started
            if elapsed >= self.task_timeout:
                raise TaskTimeoutError(f"{PROVIDER} did not finish the {label} task within "
                                       f"{self.task_timeout:g} s: try again later (task id {task_id})",
                                       provider=PROVIDER, request_id=body.get("request_id"),
                                       log_id=body.get("log_id"))
            delay = min(self.poll_interval, self.task_timeout - elapsed)

    async def fetch(self, result: AilabResult) -> bytes:
        """The result image's bytes (downloaded at once from its temporary URL)."""
        if result.data is not None:
            return result.data
        assert result.url is not None
        return await self.transport.download(result.url)


def _task_type(value: str) -> str:
    if value not in ("async", "sync"):
        raise ParameterError(f"task_type must be 'async' or 'sync' (got {value!r})")
    return value


def _retired(label: str, kw: dict) -> RetiredEndpointError:
    return RetiredEndpointError(f"The {label} API was retired by {PROVIDER}; use the local engine "
                                "(--backend local), which implements all 22 parts", **kw)

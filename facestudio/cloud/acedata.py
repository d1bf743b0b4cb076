"""Ace Data Cloud: face/beautify, face/analyze and the platform file upload.

What belongs here: :class:`AceDataClient`, which speaks Ace's protocol (Bearer token, JSON
bodies, ``image_url`` in and out), uploads local files to the platform's files endpoint (a
separate ``platform-`` token), and turns Ace's error envelope
``{"success": false, "error": {"code", "message"}, "trace_id"}`` (``error`` may also be a
string, or missing: then ``detail``, then the raw text) into :mod:`facestudio.cloud.errors`.
It knows nothing of crops or compositing: that is ``facestudio.backends``' job.

Base URLs: constructor arguments, else ``FACESTUDIO_ACEDATA_BASE_URL`` (default
https://api.acedata.cloud) and ``FACESTUDIO_ACEDATA_PLATFORM_URL`` (default
https://platform.acedata.cloud).
"""

from __future__ import annotations

import os
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx

from facestudio.cloud._transport import (
    RETRYABLE_STATUSES,
    ProviderTransport,
    RetryPolicy,
    decode_json,
    host_of,
    parse_retry_after,
)
from facestudio.cloud.credentials import CREDENTIALS, Secret, get_credential
from facestudio.cloud.errors import (
    AuthError,
    CloudError,
    ContentPolicyError,
    CreditsError,
    MalformedResponseError,
    NoFaceError,
    RateLimitError,
    ServiceError,
    ValidationError,
)
from facestudio.core.errors import ParameterError
from facestudio.core.faceshape import FaceAnalysis, FaceShapeError, parse_analysis

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_PLATFORM_URL", "PROVIDER", "AceDataClient"]

PROVIDER = "Ace Data Cloud"
DEFAULT_BASE_URL = "https://api.acedata.cloud"
DEFAULT_PLATFORM_URL = "https://platform.acedata.cloud"
BASE_URL_ENV = "FACESTUDIO_ACEDATA_BASE_URL"
PLATFORM_URL_ENV = "FACESTUDIO_ACEDATA_PLATFORM_URL"

_AUTH_CODES = {"invalid_token", "token_expired", "no_token", "token_mismatched"}
# Ace proxies Tencent Cloud's face services, whose no-face codes look like
# "FailedOperation.ImageFacedetectFailed"; match those and the obvious spellings.
_NO_FACE = re.compile(r"no[_ .-]?face|facedetect|face[_ .-]?not[_ .-]?found|detectfailed", re.I)


def _int_0_100(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
        raise ParameterError(f"{name} must be a number from 0 to 100 (got {value!r})")
    return int(round(value))


def _error_fields(body: Any, response: httpx.Response) -> tuple[str | None, str | None, str | None]:
    """(code, message, trace id) from any shape of Ace error answer."""
    if not isinstance(body, Mapping):
        text = response.text.strip()
        return None, (text[:200] if text else None), response.headers.get("x-trace-id")
    trace = body.get("trace_id") or response.headers.get("x-trace-id")
    err = body.get("error")
    if isinstance(err, Mapping):
        code, message = err.get("code"), err.get("message")
    elif isinstance(err, str):
        code, message = None, err
    else:
        code, message = None, body.get("detail")
        if message is None:
            message = body.get("message")
    if message is not None and not isinstance(message, str):
        message = str(message)
    return (str(code) if code else None), message, (str(trace) if trace else None)


class AceDataClient:
    """Async client for Ace Data Cloud's face APIs (one shared ``httpx.AsyncClient``).

    Parameters
    ----------
    token, platform_token : str or Secret, optional
        The API token (``face/*``) and the platform token (file upload). When omitted they
        are read at first use from the environment or keyring (:mod:`credentials`).
    base_url, platform_url : str, optional
    timeout, connect_timeout : float
        Seconds per network operation.
    retry : RetryPolicy, optional
    transport : httpx.AsyncBaseTransport, optional
        For tests.
    """

    def __init__(self, *, token: str | Secret | None = None, platform_token: str | Secret | None = None,
                 base_url: str | None = None, platform_url: str | None = None,
                 timeout: float = 180.0, connect_timeout: float = 15.0,
                 retry: RetryPolicy | None = None, transport: httpx.AsyncBaseTransport | None = None,
                 sleep: Callable[[float], Awaitable[Any]] | None = None) -> None:
        self._token = Secret(token) if token else None
        self._platform_token = Secret(platform_token) if platform_token else None
        self.base_url = (base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")
        self.platform_url = (platform_url or os.environ.get(PLATFORM_URL_ENV)
                             or DEFAULT_PLATFORM_URL).rstrip("/")
        self.transport = ProviderTransport(PROVIDER, timeout=timeout, connect_timeout=connect_timeout,
                                           retry=retry, transport=transport, sleep=sleep)

    def __repr__(self) -> str:
        return f"AceDataClient(base_url={self.base_url!r}, platform_url={self.platform_url!r})"

    async def aclose(self) -> None:
        await self.transport.aclose()

    # -- credentials ------------------------------------------------------------------------

    def _bearer(self, which: str) -> dict[str, str]:
        if which == "acedata-token":
            if self._token is None:
                self._token = get_credential(which)
            secret = self._token
        else:
            if self._platform_token is None:
                self._platform_token = get_credential(which)
            secret = self._platform_token
        return {"authorization": f"Bearer {secret.reveal()}", "accept": "application/json"}

    def require_credentials(self, *, upload: bool) -> None:
        """Raise CredentialsError now (before any work) if a needed token is missing."""
        self._bearer("acedata-token")
        if upload:
            self._bearer("acedata-platform-token")

    # -- answers -> errors --------------------------------------------------------------------

    def _classifier(self, what: str, credential: str) -> Callable[[httpx.Response], dict]:
        def classify(response: httpx.Response) -> dict:
            status = response.status_code
            try:
                body = decode_json(response)
            except ValueError:
                body = None
            ok = 200 <= status < 300
            if ok and isinstance(body, Mapping) and body.get("success") is not False \
                    and not body.get("error"):
                return dict(body)
            if ok and not isinstance(body, Mapping):
                raise MalformedResponseError(
                    f"{PROVIDER} sent an answer to {what} that is not a JSON object: try again "
                    "later; if it persists, report it", provider=PROVIDER, http_status=status)
            code, message, trace = _error_fields(body, response)
            raise self._error(status, code, message, trace, what, credential,
                              parse_retry_after(response.headers.get("retry-after")))

        return classify

    def _error(self, status: int, code: str | None, message: str | None, trace: str | None,
               what: str, credential: str, retry_after: float | None) -> CloudError:
        kw: dict[str, Any] = dict(provider=PROVIDER, code=code, provider_message=message,
                                  request_id=trace, http_status=status)
        lc = (code or "").lower()
        msg_l = (message or "").lower()
        spec = CREDENTIALS[credential]
        if lc == "token_mismatched":
            return AuthError(f"The {spec.label} is not valid for {what}: use a token that covers "
                             f"this API ({spec.how_to_set()})", **kw)
        if lc in _AUTH_CODES or status == 401:
            return AuthError(f"{PROVIDER} rejected the {spec.label}: {spec.how_to_set()}", **kw)
        if lc == "used_up":
            return CreditsError(f"Your {PROVIDER} balance is used up: top it up in the console, "
                                "or use the local engine (--backend local)", **kw)
        if lc == "disabled":
            return AuthError(f"The {PROVIDER} service for {what} is disabled for this account: "
                             "enable it in the console, or use the local engine (--backend local)", **kw)
        if status == 403:
            return ContentPolicyError(f"{PROVIDER} refused the photo under its content policy: "
                                      "use the local engine (--backend local)", **kw)
        if lc == "too_many_requests" or status == 429:
            return RateLimitError(f"{PROVIDER} is rate-limiting requests: wait a minute and try again",
                                  retry_after=retry_after, **kw)
        if lc == "api_not_implemented":
            return ValidationError(f"{PROVIDER} does not offer {what} at {host_of(self.base_url)}: "
                                   f"check {BASE_URL_ENV}", **kw)
        if _NO_FACE.search(lc) or _NO_FACE.search(msg_l):
            return NoFaceError(f"{PROVIDER} found no face in the photo: use a photo with a clear, "
                               "unobstructed face, or the local engine (--backend local)", **kw)
        if "fetch failed" in msg_l:
            # The service could not download image_url: retrying will not make it public.
            return ValidationError(f"{PROVIDER} could not fetch the image from its URL: give a "
                                   "public http(s) URL, or let FaceStudio upload the photo", **kw)
        if lc == "bad_request" or (400 <= status < 500 and status not in RETRYABLE_STATUSES):
            return ValidationError(f"{PROVIDER} refused the {what} request as invalid: check the "
                                   "photo and the parameters", **kw)
        if status in RETRYABLE_STATUSES or status >= 500 or lc == "api_error":
            return ServiceError(f"{PROVIDER} had a server error during {what}: try again later",
                                retry_after=retry_after, **kw)
        return CloudError(f"{PROVIDER} refused {what}: see the provider's message", **kw)

    # -- endpoints ------------------------------------------------------------------------------

    async def upload(self, data: bytes, *, filename: str = "facestudio-upload.jpg",
                     mime: str = "image/jpeg") -> str:
        """Upload a file to the platform's files endpoint; return its public URL."""
        headers = self._bearer("acedata-platform-token")
        body = await self.transport.call(
            "POST", f"{self.platform_url}/api/v1/files/",
            self._classifier("the photo upload", "acedata-platform-token"),
            what="the photo upload", headers=headers, files={"file": (filename, data, mime)})
        for holder in (body, body.get("data") if isinstance(body.get("data"), Mapping) else {}):
            for key in ("file_url", "url"):
                if isinstance(holder.get(key), str) and holder[key]:
                    return holder[key]
        raise MalformedResponseError(f"{PROVIDER}'s upload answer has no file_url: try again later",
                                     provider=PROVIDER, request_id=body.get("trace_id"))

    async def beautify(self, image_url: str, *, smoothing: float = 10, whitening: float = 30,
                       face_lifting: float = 70, eye_enlarging: float = 70) -> str:
        """POST face/beautify; return the (temporary) URL of the result image."""
        payload = {
            "image_url": image_url,
            "smoothing": _int_0_100("smoothing", smoothing),
            "whitening": _int_0_100("whitening", whitening),
            "face_lifting": _int_0_100("face_lifting", face_lifting),
            "eye_enlarging": _int_0_100("eye_enlarging", eye_enlarging),
        }
        body = await self.transport.call(
            "POST", f"{self.base_url}/face/beautify", self._classifier("face beautify", "acedata-token"),
            what="face beautify", headers=self._bearer("acedata-token"), json=payload)
        url = body.get("image_url")
        if not url and isinstance(body.get("data"), Mapping):
            url = body["data"].get("image_url")
        if not isinstance(url, str) or not url:
            raise MalformedResponseError(f"{PROVIDER}'s face/beautify answer has no image_url: "
                                         "try again later", provider=PROVIDER,
                                         request_id=body.get("trace_id"))
        return url

    async def analyze(self, image_url: str, *, largest: bool = False,
                      face_model_version: str = "3.0", need_rotate_detection: bool = False) -> FaceAnalysis:
        """POST face/analyze; the faces in the coordinates of the image the service saw."""
        payload = {
            "image_url": image_url,
            "mode": 1 if largest else 0,
            "face_model_version": face_model_version,
            "need_rotate_detection": 1 if need_rotate_detection else 0,
        }
        body = await self.transport.call(
            "POST", f"{self.base_url}/face/analyze", self._classifier("face analysis", "acedata-token"),
            what="face analysis", headers=self._bearer("acedata-token"), json=payload)
        try:
            return parse_analysis(body)
        except FaceShapeError as exc:
            raise MalformedResponseError(f"{PROVIDER}'s face/analyze answer is not a 90-point "
                                         f"face set ({exc}): try again later", provider=PROVIDER,
                                         request_id=body.get("trace_id")) from exc

    async def download(self, url: str) -> bytes:
        """GET a result image (no token sent)."""
        return await self.transport.download(url)

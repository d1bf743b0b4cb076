"""Ace Data Cloud client against httpx.MockTransport: the exact requests (method, URL, headers,
JSON fields and ranges, the multipart upload) and every shape of Ace's error answers."""

from __future__ import annotations

import json

import httpx
import numpy as np
import pytest

from facestudio.cloud import (
    AceDataClient,
    AuthError,
    CloudError,
    CredentialsError,
    CreditsError,
    MalformedResponseError,
    NoFaceError,
    RateLimitError,
    ResultExpiredError,
    RetryPolicy,
    ServiceError,
    ValidationError,
)
from facestudio.cloud.errors import ContentPolicyError
from facestudio.core.errors import ParameterError
from facestudio.core.faceshape import FaceAnalysis
from tests.cloud.helpers import astronaut_face, parse_multipart, run


class Handler:
    def __init__(self, *responses: httpx.Response):
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]


def client(handler: Handler, **kw) -> AceDataClient:
    kw.setdefault("token", "tok-1")
    kw.setdefault("platform_token", "platform-tok-2")
    return AceDataClient(base_url="https://api.ace.test", platform_url="https://platform.ace.test",
                         transport=httpx.MockTransport(handler),
                         retry=RetryPolicy(attempts=2, backoff_base=0.001, backoff_cap=0.001), **kw)


def test_beautify_sends_exactly_the_documented_request():
    h = Handler(httpx.Response(200, json={"image_url": "https://cdn.test/out.jpg"}))
    url = run(client(h).beautify("https://cdn.acedata.cloud/in.jpg", smoothing=12.6, whitening=0,
                                 face_lifting=100, eye_enlarging=55))
    assert url == "https://cdn.test/out.jpg"
    (req,) = h.requests
    assert req.method == "POST" and str(req.url) == "https://api.ace.test/face/beautify"
    assert req.headers["authorization"] == "Bearer tok-1"
    assert req.headers["content-type"] == "application/json"
    assert req.headers["accept"] == "application/json"
    body = json.loads(req.content)
    assert body == {"image_url": "https://cdn.acedata.cloud/in.jpg", "smoothing": 13, "whitening": 0,
                    "face_lifting": 100, "eye_enlarging": 55}
    assert all(isinstance(body[k], int) and 0 <= body[k] <= 100 for k in body if k != "image_url")


@pytest.mark.parametrize("bad", [{"smoothing": 101}, {"whitening": -1}, {"face_lifting": True},
                                 {"eye_enlarging": "50"}])
def test_out_of_range_parameters_never_reach_the_service(bad):
    h = Handler(httpx.Response(200, json={"image_url": "x"}))
    with pytest.raises(ParameterError):
        run(client(h).beautify("https://x/y.jpg", **bad))
    assert h.requests == []


def test_analyze_request_and_answer():
    face = astronaut_face()
    doc = FaceAnalysis(512, 512, (face,), "3.0").to_json(integers=True, scores=False)
    h = Handler(httpx.Response(200, json=doc))
    analysis = run(client(h).analyze("https://cdn.test/a.jpg", largest=True))
    body = json.loads(h.requests[0].content)
    assert str(h.requests[0].url) == "https://api.ace.test/face/analyze"
    assert body == {"image_url": "https://cdn.test/a.jpg", "mode": 1, "face_model_version": "3.0",
                    "need_rotate_detection": 0}
    assert (analysis.image_width, analysis.image_height, analysis.model_version) == (512, 512, "3.0")
    assert np.abs(analysis.faces[0].points - face.points).max() <= 0.5
    run(client(h).analyze("https://cdn.test/a.jpg"))
    assert json.loads(h.requests[1].content)["mode"] == 0


def test_upload_uses_the_platform_token_and_a_multipart_file_field():
    h = Handler(httpx.Response(200, json={"file_url": "https://cdn.acedata.cloud/abc.jpg"}))
    url = run(client(h).upload(b"\xff\xd8jpegdata", filename="face.jpg", mime="image/jpeg"))
    assert url == "https://cdn.acedata.cloud/abc.jpg"
    (req,) = h.requests
    assert req.method == "POST" and str(req.url) == "https://platform.ace.test/api/v1/files/"
    assert req.headers["authorization"] == "Bearer platform-tok-2"
    fields, files = parse_multipart(req.headers["content-type"], req.content)
    assert fields == {} and files == {"file": ("face.jpg", "image/jpeg", b"\xff\xd8jpegdata")}
    h2 = Handler(httpx.Response(200, json={"url": "https://cdn.acedata.cloud/u.jpg"}))
    assert run(client(h2).upload(b"x")) == "https://cdn.acedata.cloud/u.jpg"


def test_missing_tokens_fail_before_any_request():
    h = Handler(httpx.Response(200, json={}))
    c = AceDataClient(base_url="https://api.ace.test", transport=httpx.MockTransport(h))
    with pytest.raises(CredentialsError, match="FACESTUDIO_ACEDATA_TOKEN.*keyring set facestudio acedata-token"):
        run(c.beautify("https://x/y.jpg"))
    c2 = AceDataClient(token="t", base_url="https://api.ace.test", transport=httpx.MockTransport(h))
    c2.require_credentials(upload=False)  # a public image_url needs no platform token
    with pytest.raises(CredentialsError, match="platform-.*FACESTUDIO_ACEDATA_PLATFORM_TOKEN"):
        c2.require_credentials(upload=True)
    assert h.requests == []


def test_download_sends_no_token_and_reports_expiry():
    h = Handler(httpx.Response(200, content=b"JPEGBYTES"))
    c = client(h)
    assert run(c.download("https://cdn.test/r.jpg?sign=abc")) == b"JPEGBYTES"
    assert "authorization" not in h.requests[0].headers
    h2 = Handler(httpx.Response(404, text="gone"))
    with pytest.raises(ResultExpiredError, match="no longer available.*run the retouch again"):
        run(client(h2).download("https://cdn.test/r.jpg"))


@pytest.mark.parametrize("status,body,cls,code,retried", [
    (401, {"success": False, "error": {"code": "invalid_token", "message": "bad"}, "trace_id": "t1"},
     AuthError, "invalid_token", False),
    (401, {"error": {"code": "token_expired", "message": "expired"}}, AuthError, "token_expired", False),
    (400, {"error": {"code": "token_mismatched", "message": "m"}}, AuthError, "token_mismatched", False),
    (400, {"error": {"code": "bad_request", "message": "smoothing invalid"}}, ValidationError, "bad_request", False),
    (400, {"error": {"code": "api_not_implemented", "message": "no"}}, ValidationError, "api_not_implemented", False),
    (403, {"error": {"code": "forbidden", "message": "content policy"}}, ContentPolicyError, "forbidden", False),
    (402, {"error": {"code": "used_up", "message": "balance used up"}}, CreditsError, "used_up", False),
    (403, {"error": {"code": "disabled", "message": "service disabled"}}, AuthError, "disabled", False),
    (429, {"error": {"code": "too_many_requests", "message": "slow"}}, RateLimitError, "too_many_requests", True),
    (500, {"error": {"code": "api_error", "message": "boom"}}, ServiceError, "api_error", True),
    (500, {"error": {"code": "api_error", "message": "fetch failed"}}, ValidationError, "api_error", False),
    (400, {"error": {"code": "FailedOperation.ImageFacedetectFailed", "message": "no face"}}, NoFaceError,
     "FailedOperation.ImageFacedetectFailed", False),
    (503, {"detail": "maintenance"}, ServiceError, None, True),
    (200, {"success": False, "error": "quota reached"}, CloudError, None, False),
])
def test_error_answers_map_to_the_hierarchy(status, body, cls, code, retried):
    h = Handler(httpx.Response(status, json=body))
    with pytest.raises(cls) as info:
        run(client(h).beautify("https://x/y.jpg"))
    err = info.value
    assert err.code == code and err.http_status == status and err.provider == "Ace Data Cloud"
    assert len(h.requests) == (2 if retried else 1)
    assert "\n" not in str(err)
    if code:
        assert f"provider code {code}" in str(err)
    if body.get("trace_id"):
        assert "request id t1" in str(err)


def test_error_envelope_fallbacks():
    # error as a bare string
    h = Handler(httpx.Response(400, json={"success": False, "error": "image_url missing", "trace_id": "t9"}))
    with pytest.raises(ValidationError) as info:
        run(client(h).beautify("https://x/y.jpg"))
    assert info.value.provider_message == "image_url missing" and info.value.request_id == "t9"
    # no error: detail
    h = Handler(httpx.Response(422, json={"detail": [{"loc": ["body", "image_url"], "msg": "required"}]}))
    with pytest.raises(ValidationError) as info:
        run(client(h).beautify("https://x/y.jpg"))
    assert "required" in info.value.provider_message
    # not JSON at all: the raw text
    h = Handler(httpx.Response(400, text="Bad Request from proxy"))
    with pytest.raises(ValidationError) as info:
        run(client(h).beautify("https://x/y.jpg"))
    assert info.value.provider_message == "Bad Request from proxy"


def test_malformed_success_answers():
    for resp in (httpx.Response(200, text="{not json"), httpx.Response(200, json=["a"]),
                 httpx.Response(200, json={"ok": True})):
        h = Handler(resp)
        with pytest.raises(MalformedResponseError):
            run(client(h).beautify("https://x/y.jpg"))
        assert len(h.requests) == 1
    h = Handler(httpx.Response(200, json={"face_shape_set": [{"face_profile": [{"x": 1, "y": 2}]}]}))
    with pytest.raises(MalformedResponseError, match="90-point"):
        run(client(h).analyze("https://x/y.jpg"))

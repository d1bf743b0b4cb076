"""AILabTools client against httpx.MockTransport: exact multipart requests per endpoint, the
async polling protocol (progress, failure, timeout, cancellation) and the error-code table."""

from __future__ import annotations

import asyncio
import base64

import httpx
import pytest

from facestudio.cloud import (
    AilabClient,
    AuthError,
    CloudError,
    CreditsError,
    MalformedResponseError,
    NoFaceError,
    RateLimitError,
    RetiredEndpointError,
    RetryPolicy,
    ServiceError,
    TaskFailedError,
    TaskTimeoutError,
    ValidationError,
)
from facestudio.cloud.ailab import FILTERS, TIDYUP_PARTS
from facestudio.core.errors import ParameterError
from tests.cloud.helpers import parse_multipart, run
from tests.cloud.standin import ailab_envelope

SUBMIT = "https://ailab.test/api/portrait/effects/"
QUERY = "https://ailab.test/api/common/query-async-task-result"


class Service:
    """A scripted AILabTools: answers per URL path from queues, records requests."""

    def __init__(self, submit=None, polls=()):
        self.submit = submit or httpx.Response(200, json=ailab_envelope(task_type="async", task_id="T-1"))
        self.polls = list(polls)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path.startswith("/api/common/"):
            return self.polls.pop(0) if len(self.polls) > 1 else self.polls[0]
        if request.url.host == "cdn.test":
            return httpx.Response(200, content=b"RESULT")
        return self.submit


def poll(status, **extra):
    return httpx.Response(200, json=ailab_envelope(task_status=status, **extra))


def make(service: Service, **kw) -> AilabClient:
    kw.setdefault("retry", RetryPolicy(attempts=2, backoff_base=0.001, backoff_cap=0.001))
    kw.setdefault("first_poll", 0.0)
    kw.setdefault("poll_interval", 0.001)
    return AilabClient(api_key="key-7", base_url="https://ailab.test", transport=httpx.MockTransport(service), **kw)


def test_face_beauty_pro_request_poll_and_download():
    svc = Service(polls=[poll(0), poll(1), poll(2, result_url="https://cdn.test/r.jpg")])
    stages = []
    c = make(svc)
    result = run(c.face_beauty_pro(b"\xff\xd8img", whitening=10, smoothing=20, thinface=30, shrink_face=0,
                                   enlarge_eye=100, remove_eyebrow=0, filter_type=35,
                                   progress=lambda s, f: stages.append((s, f))))
    assert result.url == "https://cdn.test/r.jpg"
    sub = svc.requests[0]
    assert sub.method == "POST" and str(sub.url) == SUBMIT + "face-beauty-pro"
    assert sub.headers["ailabapi-api-key"] == "key-7" and "authorization" not in sub.headers
    assert sub.headers["content-type"].startswith("multipart/form-data; boundary=")
    fields, files = parse_multipart(sub.headers["content-type"], sub.content)
    assert fields == {"task_type": "async", "whitening": "10", "smoothing": "20", "thinface": "30",
                      "shrink_face": "0", "enlarge_eye": "100", "remove_eyebrow": "0", "filter_type": "35"}
    assert files == {"image": ("facestudio-upload.jpg", "image/jpeg", b"\xff\xd8img")}
    polls = svc.requests[1:]
    assert len(polls) == 3
    for p in polls:
        assert p.method == "GET" and str(p.url) == QUERY + "?task_id=T-1"
        assert p.headers["ailabapi-api-key"] == "key-7"
    assert stages == [("queued", None), ("queued", None), ("processing", None)]
    assert run(c.fetch(result)) == b"RESULT"
    assert "ailabapi-api-key" not in svc.requests[-1].headers  # the key never goes to the CDN


def test_all_sliders_and_filters_are_accepted_and_ranges_enforced():
    assert len(FILTERS) == 35 and FILTERS[1] == "Black and White" and FILTERS[35] == "Misty Rain"
    assert len(TIDYUP_PARTS) == 22 and TIDYUP_PARTS[21] == "philtrum"
    svc = Service(polls=[poll(2, result_url="https://cdn.test/r.jpg")])
    for bad in ({"whitening": 101}, {"smoothing": -1}, {"thinface": 1.5e3}, {"shrink_face": None},
                {"enlarge_eye": True}, {"remove_eyebrow": "9"}, {"filter_type": 0}, {"filter_type": 36},
                {"filter_type": 2.0}, {"task_type": "later"}):
        with pytest.raises(ParameterError):
            run(make(svc).face_beauty_pro(b"x", **bad))
    assert svc.requests == []


def test_smart_beauty_fields_and_data_image_url():
    svc = Service(polls=[poll(2, data={"image_url": "https://cdn.test/s.jpg"})])
    result = run(make(svc).smart_beauty(b"img", beauty_level=0.45, multi_face=True))
    assert result.url == "https://cdn.test/s.jpg"
    sub = svc.requests[0]
    assert str(sub.url) == SUBMIT + "smart-beauty"
    fields, files = parse_multipart(sub.headers["content-type"], sub.content)
    assert fields == {"task_type": "async", "beauty_level": "0.45", "multi_face": "1"}
    assert list(files) == ["image_target"]
    svc2 = Service(polls=[poll(2, data={"image_url": "https://cdn.test/s.jpg"})])
    run(make(svc2).smart_beauty(b"img", beauty_level=1, multi_face=False))
    fields, _ = parse_multipart(svc2.requests[0].headers["content-type"], svc2.requests[0].content)
    assert fields == {"task_type": "async", "beauty_level": "1"}  # largest face only
    with pytest.raises(ParameterError):
        run(make(svc2).smart_beauty(b"img", beauty_level=1.01))


def test_face_tidyup_is_sync_with_part_and_strength():
    svc = Service(submit=httpx.Response(200, json=ailab_envelope(data={"image_url": "https://cdn.test/t.jpg"})))
    result = run(make(svc).face_tidyup(b"img", shape_type=21, strength=0.25))
    assert result.url == "https://cdn.test/t.jpg" and len(svc.requests) == 1
    fields, files = parse_multipart(svc.requests[0].headers["content-type"], svc.requests[0].content)
    assert fields == {"shape_type": "21", "strength": "0.25"} and list(files) == ["image"]
    for bad in ({"shape_type": 22, "strength": 0.5}, {"shape_type": 1, "strength": 2}):
        with pytest.raises(ParameterError):
            run(make(svc).face_tidyup(b"img", **bad))


def test_sync_answers_with_base64_results():
    png = b"\x89PNG-result"
    svc = Service(submit=httpx.Response(200, json=ailab_envelope(result=base64.b64encode(png).decode())))
    result = run(make(svc).face_beauty_pro(b"img", task_type="sync"))
    assert result.data == png and result.url is None and len(svc.requests) == 1
    svc = Service(submit=httpx.Response(200, json=ailab_envelope(data={"image": base64.b64encode(png).decode()})))
    assert run(make(svc).fetch(run(make(svc).smart_beauty(b"img", task_type="sync")))) == png


def test_retired_tidyup_says_so_plainly():
    svc = Service(submit=httpx.Response(404, json=ailab_envelope("ERROR_AI_NOT_EXISTS", "API not exist", 404)))
    with pytest.raises(RetiredEndpointError) as info:
        run(make(svc).face_tidyup(b"img", shape_type=0, strength=0.5))
    text = str(info.value)
    assert "retired by AILabTools; use the local engine (--backend local)" in text
    assert "ERROR_AI_NOT_EXISTS" in text and "request id req-" in text and "log id log-" in text
    assert len(svc.requests) == 1  # never retried
    # a bare 404 page on that path means the same
    svc = Service(submit=httpx.Response(404, text="<html>404</html>"))
    with pytest.raises(RetiredEndpointError):
        run(make(svc).face_tidyup(b"img", shape_type=0, strength=0.5))


@pytest.mark.parametrize("code,status,cls,retryable", [
    ("ERROR_NO_FACE_IN_FILE", 200, NoFaceError, False),
    ("ERROR_NO_FACE_IN_FILE", 422, NoFaceError, False),  # the code decides, not the status
    ("ERROR_NOT_ENOUGH_CREDITS", 402, CreditsError, False),
    ("EXCEEDING_LIMITS", 429, RateLimitError, True),
    ("ERROR_USER_NOT_EXISTS", 401, AuthError, False),
    ("ERROR_APPLICATIONS_NOT_EXISTS", 200, AuthError, False),
    ("ERROR_AI_NOT_EXISTS", 404, RetiredEndpointError, False),
    ("FILE_SIZE_EXCEEDS_LIMIT", 413, ValidationError, False),
    ("ERROR_LOW_RESOLUTION", 400, ValidationError, False),
    ("UNSUPPORTED_FILE_TYPES", 400, ValidationError, False),
    ("ERROR_INVALID_PARAMETER", 400, ValidationError, False),
    ("PROCESSING_FAILURE", 500, ServiceError, True),
    ("AI_SERVICE_TIMEOUT", 200, ServiceError, True),
    ("ERROR_GATEWAY", 502, ServiceError, True),
    ("SOMETHING_NEW_42", 400, CloudError, False),
])
def test_error_codes(code, status, cls, retryable):
    svc = Service(submit=httpx.Response(status, json=ailab_envelope(code, f"msg for {code}", status)))
    with pytest.raises(cls) as info:
        run(make(svc).smart_beauty(b"img"))
    err = info.value
    assert type(err) is cls or cls is CloudError
    assert err.code == code and err.retryable is retryable
    assert len(svc.requests) == (2 if retryable else 1)
    text = str(err)
    assert code in text and f"msg for {code}" in text and "request id req-" in text and "\n" not in text


def test_legacy_envelope_error_code():
    body = {"request_id": "r1", "error_code": 1001, "error_code_str": "ERROR_NO_FACE_IN_FILE", "error_msg": "none"}
    svc = Service(submit=httpx.Response(200, json=body))
    with pytest.raises(NoFaceError, match="request id r1"):
        run(make(svc).smart_beauty(b"img"))


def test_failed_task_and_unknown_status_and_error_body():
    for last in (poll(3), poll(7), httpx.Response(200, json=ailab_envelope("PROCESSING_FAILURE", "crashed", 500))):
        svc = Service(polls=[poll(1), last])
        with pytest.raises(TaskFailedError) as info:
            run(make(svc).face_beauty_pro(b"img"))
        assert "try again" in str(info.value)
        assert len(svc.requests) == 3  # submit + 2 polls, the failure is not retried
    svc = Service(polls=[httpx.Response(200, json=ailab_envelope("ERROR_NO_FACE_IN_FILE", "none", 200))])
    with pytest.raises(NoFaceError):
        run(make(svc).face_beauty_pro(b"img"))


def test_done_without_result_is_malformed():
    svc = Service(polls=[poll(2)])
    with pytest.raises(MalformedResponseError, match="without a result image"):
        run(make(svc).face_beauty_pro(b"img"))
    svc = Service(polls=[httpx.Response(200, json=ailab_envelope())])
    with pytest.raises(MalformedResponseError, match="task_status"):
        run(make(svc).face_beauty_pro(b"img"))


def test_task_timeout():
    svc = Service(polls=[poll(1)])
    with pytest.raises(TaskTimeoutError, match="within 0.05 s.*task id T-1"):
        run(make(svc, task_timeout=0.05, poll_interval=0.01).face_beauty_pro(b"img"))


def test_cancellation_stops_polling_promptly_and_keeps_the_client_usable():
    svc = Service(polls=[poll(0)])
    c = make(svc, poll_interval=0.01, task_timeout=60)

    async def go():
        task = asyncio.create_task(c.face_beauty_pro(b"img"))
        while len(svc.requests) < 4:
            await asyncio.sleep(0.005)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        count = len(svc.requests)
        await asyncio.sleep(0.1)
        assert len(svc.requests) == count  # no poll after the cancel
        svc.polls = [poll(2, result_url="https://cdn.test/r.jpg")]
        assert (await c.face_beauty_pro(b"img")).url == "https://cdn.test/r.jpg"  # client still open
        await c.aclose()

    run(go())

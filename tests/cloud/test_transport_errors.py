"""The shared transport (retries, backoff, Retry-After, timeouts), the error hierarchy and
credentials, with httpx.MockTransport: what is retried, what is not, how long it waits, and
that keys never show up in messages, reprs or logs."""

from __future__ import annotations

import email.utils
import logging
import random
import time

import httpx
import pytest

from facestudio.cloud import (
    AceDataClient,
    AilabClient,
    AuthError,
    CloudError,
    CredentialsError,
    CreditsError,
    NetworkError,
    NoFaceError,
    RateLimitError,
    RetryPolicy,
    Secret,
    ServiceError,
    ValidationError,
    credential_source,
    delete_credential,
    get_credential,
    set_credential,
)
from facestudio.cloud._transport import ProviderTransport, parse_retry_after
from facestudio.cloud.errors import (
    ContentPolicyError,
    ImageLimitsError,
    MalformedResponseError,
    ResultExpiredError,
    RetiredEndpointError,
    TaskFailedError,
    TaskTimeoutError,
)
from facestudio.core.errors import FaceStudioError
from tests.cloud.helpers import run
from tests.cloud.standin import ailab_envelope


class Recorder:
    """A MockTransport handler answering from a list and recording requests; a fake sleep."""

    def __init__(self, *responses):
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        item = self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]
        if isinstance(item, Exception):
            raise item
        return item

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


def ailab(rec: Recorder, **kw) -> AilabClient:
    kw.setdefault("retry", RetryPolicy(attempts=4, backoff_base=0.5, backoff_cap=8.0))
    return AilabClient(api_key="k-123", base_url="https://ailab.test", transport=httpx.MockTransport(rec),
                       sleep=rec.sleep, first_poll=0, poll_interval=0, **kw)


def submit_ok() -> httpx.Response:
    return httpx.Response(200, json=ailab_envelope(data={"image_url": "https://cdn.test/r.jpg"}))


# -- retry policy -------------------------------------------------------------------------------

def test_backoff_is_exponential_jittered_and_capped():
    policy = RetryPolicy(backoff_base=0.5, backoff_cap=8.0)
    rng = random.Random(1)
    for n in range(8):
        d = min(8.0, 0.5 * 2 ** n)
        waits = [policy.delay(n, rng=rng) for _ in range(50)]
        assert all(d / 2 <= w <= d for w in waits)
        assert len(set(waits)) > 1  # jittered
    assert policy.delay(3, retry_after=0.2) == 0.2  # Retry-After wins


def test_parse_retry_after_seconds_and_http_date():
    assert parse_retry_after("0.2") == 0.2
    assert parse_retry_after(" 7 ") == 7.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    now = time.time()
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert 28 <= parse_retry_after(date, now=now) <= 31


def test_retryable_failures_are_retried_with_backoff_then_succeed():
    rec = Recorder(httpx.Response(503, text="busy"),
                   httpx.Response(200, json=ailab_envelope("EXCEEDING_LIMITS", "slow down", 429)),
                   submit_ok())
    client = ailab(rec)
    result = run(client.face_tidyup(b"jpeg", shape_type=2, strength=0.5))
    assert result.url == "https://cdn.test/r.jpg"
    assert len(rec.requests) == 3
    assert 0.25 <= rec.sleeps[0] <= 0.5 and 0.5 <= rec.sleeps[1] <= 1.0


def test_retry_after_header_is_honoured():
    rec = Recorder(httpx.Response(429, headers={"retry-after": "0.2"}, text="too many"), submit_ok())
    run(ailab(rec).face_tidyup(b"jpeg", shape_type=2, strength=0.5))
    assert rec.sleeps == [0.2] and len(rec.requests) == 2


def test_retry_after_beyond_the_cap_is_not_waited_out():
    rec = Recorder(httpx.Response(429, headers={"retry-after": "3600"}, text="come back later"))
    with pytest.raises(RateLimitError) as info:
        run(ailab(rec).face_tidyup(b"jpeg", shape_type=2, strength=0.5))
    assert rec.sleeps == [] and len(rec.requests) == 1
    assert info.value.retry_after == 3600


@pytest.mark.parametrize("code,cls", [
    ("ERROR_USER_NOT_EXISTS", AuthError),
    ("ERROR_PARAMETERS", ValidationError),
    ("ERROR_NO_FACE_IN_FILE", NoFaceError),
    ("ERROR_NOT_ENOUGH_CREDITS", CreditsError),
])
def test_never_retried(code, cls):
    rec = Recorder(httpx.Response(200, json=ailab_envelope(code, "nope", 400)))
    with pytest.raises(cls) as info:
        run(ailab(rec).face_tidyup(b"jpeg", shape_type=2, strength=0.5))
    assert len(rec.requests) == 1 and rec.sleeps == []
    assert info.value.retryable is False


def test_retries_run_out_and_the_last_error_is_raised():
    rec = Recorder(httpx.Response(502, text="<html>bad gateway</html>"))
    with pytest.raises(ServiceError) as info:
        run(ailab(rec, retry=RetryPolicy(attempts=3, backoff_base=0.01)).face_tidyup(
            b"jpeg", shape_type=2, strength=0.5))
    assert len(rec.requests) == 3 and len(rec.sleeps) == 2
    assert info.value.retryable and info.value.http_status == 502
    assert "HTTP 502" in str(info.value)


def test_timeouts_and_connection_failures_are_network_errors_and_retried():
    rec = Recorder(httpx.ReadTimeout("slow"))
    with pytest.raises(NetworkError) as info:
        run(ailab(rec, retry=RetryPolicy(attempts=2, backoff_base=0.01), timeout=7).face_tidyup(
            b"jpeg", shape_type=2, strength=0.5))
    assert len(rec.requests) == 2
    assert "did not answer within 7 s" in str(info.value) and "ailab.test" in str(info.value)
    rec = Recorder(httpx.ConnectError("refused"))
    with pytest.raises(NetworkError, match="Could not connect to AILabTools at ailab.test"):
        run(ailab(rec, retry=RetryPolicy(attempts=1)).face_tidyup(b"jpeg", shape_type=2, strength=0.5))


def test_one_long_lived_client_closed_by_aclose():
    rec = Recorder(submit_ok())
    transport = ProviderTransport("X", transport=httpx.MockTransport(rec))

    async def go():
        first = transport.client
        await transport.call("GET", "https://x.test/a", lambda r: r.status_code, what="a")
        await transport.call("GET", "https://x.test/b", lambda r: r.status_code, what="b")
        assert transport.client is first  # never one per call
        await transport.aclose()
        assert first.is_closed
        with pytest.raises(RuntimeError):
            transport.client

    run(go())


# -- errors ---------------------------------------------------------------------------------------

def test_every_cloud_error_is_a_facestudio_error_with_one_line_details():
    for cls in (AuthError, CreditsError, RateLimitError, ValidationError, ImageLimitsError, NoFaceError,
                ServiceError, TaskFailedError, TaskTimeoutError, NetworkError, ResultExpiredError,
                RetiredEndpointError, MalformedResponseError, CredentialsError, ContentPolicyError):
        assert issubclass(cls, CloudError) and issubclass(cls, FaceStudioError)
    err = NoFaceError("No face found: use a clearer photo", provider="AILabTools",
                      code="ERROR_NO_FACE_IN_FILE", provider_message="no face\nin the file",
                      request_id="r-1", log_id="l-2")
    text = str(err)
    assert "\n" not in text
    assert text == ('No face found: use a clearer photo (provider code ERROR_NO_FACE_IN_FILE: '
                    '"no face in the file", request id r-1, log id l-2)')
    assert err.trace_id == "r-1"
    bare = ServiceError("Server failed: try later", http_status=502)
    assert str(bare) == "Server failed: try later (HTTP 502)" and bare.retryable


# -- credentials ----------------------------------------------------------------------------------

def test_missing_key_says_where_to_set_it():
    with pytest.raises(CredentialsError) as info:
        get_credential("ailab-key", env={})
    text = str(info.value)
    assert "FACESTUDIO_AILAB_KEY" in text and "keyring set facestudio ailab-key" in text
    with pytest.raises(CredentialsError, match="FACESTUDIO_ACEDATA_PLATFORM_TOKEN"):
        get_credential("acedata-platform-token", env={})


def test_environment_wins_over_keyring(memory_keyring):
    set_credential("acedata-token", "from-keyring")
    assert memory_keyring.store[("facestudio", "acedata-token")] == "from-keyring"
    assert get_credential("acedata-token", env={}).reveal() == "from-keyring"
    assert credential_source("acedata-token", env={}) == "keyring"
    env = {"FACESTUDIO_ACEDATA_TOKEN": "from-env"}
    assert get_credential("acedata-token", env=env).reveal() == "from-env"
    assert credential_source("acedata-token", env=env) == "env"
    assert delete_credential("acedata-token") is True
    assert delete_credential("acedata-token") is False
    assert credential_source("acedata-token", env={}) is None


def test_secret_never_shows_itself():
    s = Secret("sk-very-secret")
    assert "sk-very" not in repr(s) + str(s) + f"{s}" + "%s" % s
    assert s.reveal() == "sk-very-secret"
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(s)


def test_keys_never_reach_logs_reprs_or_messages(caplog, monkeypatch):
    monkeypatch.setenv("FACESTUDIO_AILAB_KEY", "ailab-SECRET-1")
    rec = Recorder(httpx.Response(200, json=ailab_envelope("ERROR_USER_NOT_EXISTS", "bad key", 401)))
    client = AilabClient(base_url="https://ailab.test", transport=httpx.MockTransport(rec))
    ace_rec = Recorder(httpx.Response(401, json={"error": {"code": "invalid_token", "message": "x"}}))
    ace = AceDataClient(token="ace-SECRET-2", base_url="https://ace.test", transport=httpx.MockTransport(ace_rec))
    caplog.set_level(logging.DEBUG)
    texts = []
    for coro in (client.face_tidyup(b"j", shape_type=1, strength=0.1), ace.beautify("https://x/y.jpg")):
        with pytest.raises(AuthError) as info:
            run(coro)
        texts += [str(info.value), repr(info.value)]
    assert rec.requests[0].headers["ailabapi-api-key"] == "ailab-SECRET-1"  # it was used...
    blob = caplog.text + " ".join(texts) + repr(client) + repr(ace) + repr(vars(client)) + repr(vars(ace))
    assert "SECRET" not in blob  # ...but never shown
    assert caplog.records, "the transport logs its requests (without keys)"

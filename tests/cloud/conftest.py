"""Fixtures for the cloud tests: no real provider is ever reached, no real keyring is touched.

Every test here runs with (autouse):
- any httpx request to a host other than the loopback failing the test at once (the real
  transport is wrapped; ``httpx.MockTransport`` is not affected);
- the base-URL environment variables pointing at a closed loopback port, and the credential
  variables removed, so a test that forgets to configure something fails fast and offline;
- an in-memory keyring.
"""

from __future__ import annotations

import httpx
import keyring
import pytest

from facestudio.cloud import RetryPolicy
from tests.cloud.standin import StandIn
from tests.memory_keyring import MemoryKeyring

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    real_async = httpx.AsyncHTTPTransport.handle_async_request
    real_sync = httpx.HTTPTransport.handle_request

    async def guarded_async(self, request):
        if request.url.host not in LOOPBACK:
            raise AssertionError(f"a test tried to reach {request.url.host}")
        return await real_async(self, request)

    def guarded_sync(self, request):
        if request.url.host not in LOOPBACK:
            raise AssertionError(f"a test tried to reach {request.url.host}")
        return real_sync(self, request)

    monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", guarded_async)
    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", guarded_sync)
    for var in ("FACESTUDIO_ACEDATA_BASE_URL", "FACESTUDIO_ACEDATA_PLATFORM_URL", "FACESTUDIO_AILAB_BASE_URL"):
        monkeypatch.setenv(var, "http://127.0.0.1:9")
    for var in ("FACESTUDIO_ACEDATA_TOKEN", "FACESTUDIO_ACEDATA_PLATFORM_TOKEN", "FACESTUDIO_AILAB_KEY"):
        monkeypatch.delenv(var, raising=False)
    # no proxy from the environment may redirect loopback traffic
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(autouse=True)
def memory_keyring():
    previous = keyring.get_keyring()
    mem = MemoryKeyring()
    keyring.set_keyring(mem)
    try:
        yield mem
    finally:
        keyring.set_keyring(previous)


@pytest.fixture(scope="module")
def standin():
    server = StandIn().start()
    yield server
    server.stop()


@pytest.fixture
def server(standin):
    """The shared stand-in server, reset for this test."""
    with standin.lock:
        standin.requests.clear()
        standin.scripted.clear()
        standin.expired.clear()
        standin.received_images.clear()
        standin.analyze_faces = []
        standin.task_schedule = [0, 1, 2]
        standin.tidyup_retired = True
    from tests.cloud.standin import default_process

    standin.process = default_process
    return standin


@pytest.fixture
def fast_retry() -> RetryPolicy:
    return RetryPolicy(attempts=3, backoff_base=0.01, backoff_cap=0.05)

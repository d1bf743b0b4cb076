"""Sending requests to one provider: the long-lived client, timeouts, retries, downloads.

What belongs here: :class:`RetryPolicy` (exponential backoff with jitter, capped, honouring
``Retry-After``), :class:`ProviderTransport` (one lazily created ``httpx.AsyncClient`` per
provider per backend, closed by :meth:`ProviderTransport.aclose`; never one per call) and the
provider-neutral parts of reading an answer (JSON decoding, ``Retry-After``). Which answers are
errors, and which errors are worth retrying, is decided by the provider modules through a
``classify`` callback that raises a :class:`CloudError` with ``retryable`` set.

Secrets: headers are passed per request (so a result download never carries a key to a CDN)
and are never logged; redirects are not followed for API calls for the same reason.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from facestudio.cloud.errors import (
    CloudError,
    MalformedResponseError,
    NetworkError,
    RateLimitError,
    ResultExpiredError,
    ServiceError,
)

__all__ = ["ProviderTransport", "RetryPolicy", "decode_json", "host_of", "parse_retry_after"]

log = logging.getLogger("facestudio.cloud")

T = TypeVar("T")

#: HTTP statuses worth retrying whatever the body says.
RETRYABLE_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait before trying a failed call again.

    The n-th retry waits ``Retry-After`` when the server sent one, otherwise a random time in
    ``[d/2, d]`` with ``d = min(backoff_cap, backoff_base * 2**n)`` ("equal jitter": spread
    out, never zero). A ``Retry-After`` longer than ``max_retry_after`` is not waited out: the
    error is raised at once so the user can decide.
    """

    attempts: int = 4
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    max_retry_after: float = 60.0

    def delay(self, retry_index: int, retry_after: float | None = None,
              rng: random.Random | None = None) -> float:
        if retry_after is not None:
            return max(0.0, retry_after)
        d = min(self.backoff_cap, self.backoff_base * (2 ** retry_index))
        return d / 2 + (rng or random).uniform(0, d / 2)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def host_of(url: str) -> str:
    return urlsplit(url).netloc or url


def decode_json(response: httpx.Response) -> Any:
    """The JSON body, or raise ``ValueError`` (callers turn that into their own error)."""
    text = response.content.decode(response.encoding or "utf-8", errors="replace")
    return json.loads(text)


Classifier = Callable[[httpx.Response], T]


class ProviderTransport:
    """The HTTP side of one provider: a shared client plus retrying request/download helpers.

    Parameters
    ----------
    provider : str
        Shown in messages ("Ace Data Cloud").
    timeout : float
        Seconds to wait for each network operation (connect excepted). The providers' own
        clients use 180-300 s; the default is 180.
    connect_timeout : float
    retry : RetryPolicy
    transport : httpx.AsyncBaseTransport, optional
        For tests (``httpx.MockTransport``).
    sleep : coroutine function, optional
        Used between retries (tests can record the waits).
    """

    def __init__(self, provider: str, *, timeout: float = 180.0, connect_timeout: float = 15.0,
                 retry: RetryPolicy | None = None,
                 transport: httpx.AsyncBaseTransport | None = None,
                 sleep: Callable[[float], Awaitable[Any]] | None = None) -> None:
        self.provider = provider
        self.timeout = float(timeout)
        self.connect_timeout = float(min(connect_timeout, timeout))
        self.retry = retry or RetryPolicy()
        self._transport = transport
        self._sleep = sleep or asyncio.sleep
        self._client: httpx.AsyncClient | None = None
        self._closed = False

    @property
    def client(self) -> httpx.AsyncClient:
        if self._closed:
            raise RuntimeError(f"the {self.provider} client was closed")
        if self._client is None:
            from facestudio import __version__

            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.timeout, connect=self.connect_timeout),
                transport=self._transport,
                follow_redirects=False,
                headers={"user-agent": f"FaceStudio/{__version__}"},
            )
        return self._client

    async def aclose(self) -> None:
        self._closed = True
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    # -- requests ---------------------------------------------------------------------------

    def _network_error(self, exc: httpx.TransportError, url: str, what: str) -> NetworkError:
        host = host_of(url)
        if isinstance(exc, httpx.TimeoutException):
            kind = "connect" if isinstance(exc, httpx.ConnectTimeout) else "answer"
            limit = self.connect_timeout if kind == "connect" else self.timeout
            return NetworkError(
                f"{self.provider} ({host}) did not {kind} within {limit:g} s during {what}: "
                "try again later, or raise the timeout")
        if isinstance(exc, httpx.ConnectError):
            return NetworkError(
                f"Could not connect to {self.provider} at {host} during {what}: check the internet "
                "connection, the proxy and the service address")
        return NetworkError(
            f"The connection to {self.provider} ({host}) failed during {what} "
            f"({type(exc).__name__}): try again")

    async def call(self, method: str, url: str, classify: Classifier[T], *,
                   what: str, headers: Mapping[str, str] | None = None,
                   **kwargs: Any) -> T:
        """Send a request, retrying retryable failures; return ``classify(response)``.

        ``classify`` returns the parsed result or raises a :class:`CloudError`; one with
        ``retryable`` set is retried under the policy. Network failures and timeouts are
        retried too. ``kwargs`` go to ``httpx.AsyncClient.request`` (json, data, files, params).
        """
        policy = self.retry
        attempt = 0
        while True:
            started = time.monotonic()
            try:
                response = await self.client.request(method, url, headers=headers, **kwargs)
                log.info("%s %s %s -> HTTP %d in %.2f s", self.provider, method, _loggable(url),
                         response.status_code, time.monotonic() - started)
                return classify(response)
            except httpx.TransportError as exc:
                log.info("%s %s %s -> %s after %.2f s", self.provider, method, _loggable(url),
                         type(exc).__name__, time.monotonic() - started)
                error: CloudError = self._network_error(exc, url, what)
                error.provider = self.provider
                cause: BaseException = exc
            except CloudError as exc:
                error, cause = exc, exc
            attempt += 1
            if not error.retryable or attempt >= policy.attempts:
                if error is cause:
                    raise error
                raise error from cause
            if error.retry_after is not None and error.retry_after > policy.max_retry_after:
                raise error
            delay = policy.delay(attempt - 1, error.retry_after)
            log.info("%s: %s; retry %d of %d in %.2f s", self.provider, type(error).__name__,
                     attempt, policy.attempts - 1, delay)
            await self._sleep(delay)

    async def download(self, url: str, *, what: str = "the result download") -> bytes:
        """GET a result file (no credentials sent; redirects followed).

        404/403/410 mean the temporary URL is gone: :class:`ResultExpiredError`.
        """

        def classify(response: httpx.Response) -> bytes:
            status = response.status_code
            if status in (403, 404, 410):
                raise ResultExpiredError(
                    f"The result at {host_of(url)} is no longer available (HTTP {status}; result "
                    "links expire): run the retouch again", provider=self.provider,
                    http_status=status)
            if status == 429:
                raise RateLimitError(f"{self.provider}'s file server is rate-limiting downloads: "
                                     "try again in a minute", provider=self.provider,
                                     http_status=status,
                                     retry_after=parse_retry_after(response.headers.get("retry-after")))
            if status in RETRYABLE_STATUSES or status >= 500:
                raise ServiceError(f"{self.provider}'s file server failed to send the result: "
                                   "try again later", provider=self.provider, http_status=status,
                                   retry_after=parse_retry_after(response.headers.get("retry-after")))
            if not 200 <= status < 300 or not response.content:
                raise MalformedResponseError(
                    f"{self.provider}'s result download answered HTTP {status} without an image: "
                    "run the retouch again", provider=self.provider, http_status=status)
            return response.content

        return await self.call("GET", url, classify, what=what, follow_redirects=True)


def _loggable(url: str) -> str:
    """The URL without its query (never log signed result links' tokens)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"

"""The error hierarchy of the cloud layer: every provider failure as one actionable line.

What belongs here: :class:`CloudError` and its families, and nothing that talks HTTP. The
provider clients (``acedata``, ``ailab``) classify a response into one of these; the CLI prints
``str(err)`` and the GUI shows it, so ``str(err)`` is always one line: what happened, what to do,
then the provider's own code, message and request id in parentheses (support asks for them)::

    FaceStudioError
     └── CloudError                  provider, code, provider_message, request_id, log_id,
          │                          http_status, retryable, retry_after
          ├── CredentialsError       no key configured (says where to set it)
          ├── AuthError              key rejected, account or service disabled
          ├── CreditsError           balance / credits used up
          ├── RateLimitError         429, too_many_requests, EXCEEDING_LIMITS   (retried)
          ├── ValidationError        the request or the image was refused
          │    └── ImageLimitsError  the photo cannot be fitted to the endpoint's limits
          ├── ContentPolicyError     moderation refused the photo
          ├── NoFaceError            the service found no face
          ├── ServiceError           server side failure                          (retried)
          │    ├── TaskFailedError   an asynchronous task ended in failure
          │    └── TaskTimeoutError  a task did not finish in the allowed time
          ├── NetworkError           could not connect, or no answer in time      (retried)
          ├── ResultExpiredError     the result URL is gone (404/403/410 on download)
          ├── RetiredEndpointError   the provider switched the API off
          └── MalformedResponseError the answer cannot be read

Cancellation is not an error here: cancelling the awaiting task raises
:class:`asyncio.CancelledError`, as everywhere in asyncio.
"""

from __future__ import annotations

from facestudio.core.errors import FaceStudioError

__all__ = [
    "AuthError",
    "CloudError",
    "ContentPolicyError",
    "CredentialsError",
    "CreditsError",
    "ImageLimitsError",
    "MalformedResponseError",
    "NetworkError",
    "NoFaceError",
    "RateLimitError",
    "ResultExpiredError",
    "RetiredEndpointError",
    "ServiceError",
    "TaskFailedError",
    "TaskTimeoutError",
    "ValidationError",
]

_MAX_PROVIDER_MESSAGE = 200


def _one_line(text: object, limit: int = _MAX_PROVIDER_MESSAGE) -> str:
    s = " ".join(str(text).split())
    return s if len(s) <= limit else s[: limit - 3] + "..."


class CloudError(FaceStudioError):
    """A cloud call failed.

    Parameters
    ----------
    message : str
        What happened and what to do, as one sentence (no provider details: they are appended).
    provider : str, optional
        "Ace Data Cloud" or "AILabTools".
    code : str, optional
        The provider's error code (``error_detail.code``, ``error.code``...).
    provider_message : str, optional
        The provider's own message, shown shortened after the code.
    request_id, log_id : str, optional
        Ace's ``trace_id`` is stored as ``request_id``; AILabTools sends both.
    http_status : int, optional
    retryable : bool
        Whether trying again later can help (the transport retries these automatically).
    retry_after : float, optional
        Seconds the server asked us to wait (``Retry-After``).
    """

    default_retryable = False

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        code: str | None = None,
        provider_message: str | None = None,
        request_id: str | None = None,
        log_id: str | None = None,
        http_status: int | None = None,
        retryable: bool | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.message = _one_line(message, 1000)
        self.provider = provider
        self.code = code or None
        self.provider_message = _one_line(provider_message) if provider_message else None
        self.request_id = request_id or None
        self.log_id = log_id or None
        self.http_status = http_status
        self.retryable = self.default_retryable if retryable is None else retryable
        self.retry_after = retry_after
        super().__init__(self.__str__())

    @property
    def trace_id(self) -> str | None:
        """Ace Data Cloud's name for the request id."""
        return self.request_id

    def details(self) -> str:
        """The parenthesised provider details ("" when there are none)."""
        parts: list[str] = []
        if self.code:
            code = f"provider code {self.code}"
            if self.provider_message and self.provider_message not in self.message:
                code += f': "{self.provider_message}"'
            parts.append(code)
        elif self.provider_message and self.provider_message not in self.message:
            parts.append(f'provider said "{self.provider_message}"')
        if self.http_status is not None and not self.code:
            parts.append(f"HTTP {self.http_status}")
        if self.request_id:
            parts.append(f"request id {self.request_id}")
        if self.log_id:
            parts.append(f"log id {self.log_id}")
        return f"({', '.join(parts)})" if parts else ""

    def __str__(self) -> str:
        details = self.details()
        return f"{self.message} {details}" if details else self.message

    def __reduce__(self):  # keep keyword state through pickling (executors, multiprocessing)
        return (_rebuild, (type(self), self.__dict__.copy()))


def _rebuild(cls: type[CloudError], state: dict) -> CloudError:
    err = cls.__new__(cls)
    err.__dict__.update(state)
    Exception.__init__(err, str(err))
    return err


class CredentialsError(CloudError):
    """No key or token is configured for the chosen service."""


class AuthError(CloudError):
    """The service rejected the key or token, or the account/service is disabled."""


class CreditsError(CloudError):
    """The account has no credits or balance left."""


class RateLimitError(CloudError):
    """Too many requests; retried with backoff, raised when retries ran out."""

    default_retryable = True


class ValidationError(CloudError):
    """The service refused the request or the image (bad parameters, file, size)."""


class ImageLimitsError(ValidationError):
    """The photo cannot be fitted to the endpoint's limits (checked before sending)."""


class ContentPolicyError(CloudError):
    """The service's moderation refused the photo."""


class NoFaceError(CloudError):
    """The service found no face in the photo it received."""


class ServiceError(CloudError):
    """A failure on the service's side; retried with backoff, raised when retries ran out."""

    default_retryable = True


class TaskFailedError(ServiceError):
    """An asynchronous task ended in failure."""

    default_retryable = False


class TaskTimeoutError(ServiceError):
    """An asynchronous task did not finish in the allowed time."""

    default_retryable = False


class NetworkError(CloudError):
    """The service could not be reached or did not answer in time."""

    default_retryable = True


class ResultExpiredError(CloudError):
    """The result's temporary URL no longer serves the image."""


class RetiredEndpointError(CloudError):
    """The provider has switched this API off."""


class MalformedResponseError(CloudError):
    """The service answered something FaceStudio cannot read."""

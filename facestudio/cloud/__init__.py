"""Async clients for the cloud face services (Ace Data Cloud, AILabTools). No Qt, no core rendering.

What belongs here: one module per provider (``acedata``, ``ailab``) speaking its protocol, the
shared transport (``_transport``: one long-lived ``httpx.AsyncClient`` per provider, timeouts,
retries with backoff and jitter), the error hierarchy (``errors``), credentials (``credentials``:
keyring and environment), the endpoints' limits (``limits``) and fitting a photo to them
(``upload_prep``). Putting a result back into the full-resolution photo is
``facestudio.core.composite``; the flow that ties it together is ``facestudio.cloud_backends``
(behind the interface of ``facestudio.backends``).
"""

from __future__ import annotations

from facestudio.cloud._transport import RetryPolicy
from facestudio.cloud.acedata import AceDataClient
from facestudio.cloud.ailab import FILTERS, TIDYUP_PARTS, AilabClient, AilabResult
from facestudio.cloud.credentials import (
    CREDENTIALS,
    KEYRING_SERVICE,
    Secret,
    credential_source,
    delete_credential,
    get_credential,
    set_credential,
)
from facestudio.cloud.errors import (
    AuthError,
    CloudError,
    ContentPolicyError,
    CredentialsError,
    CreditsError,
    ImageLimitsError,
    MalformedResponseError,
    NetworkError,
    NoFaceError,
    RateLimitError,
    ResultExpiredError,
    RetiredEndpointError,
    ServiceError,
    TaskFailedError,
    TaskTimeoutError,
    ValidationError,
)
from facestudio.cloud.limits import ENDPOINT_LIMITS, EndpointLimits, check_upload, limits_for
from facestudio.cloud.upload_prep import PreparedUpload, prepare_upload

__all__ = [
    "CREDENTIALS", "ENDPOINT_LIMITS", "FILTERS", "KEYRING_SERVICE", "TIDYUP_PARTS",
    "AceDataClient", "AilabClient", "AilabResult", "AuthError", "CloudError",
    "ContentPolicyError", "CredentialsError", "CreditsError", "EndpointLimits",
    "ImageLimitsError", "MalformedResponseError", "NetworkError", "NoFaceError",
    "PreparedUpload", "RateLimitError", "ResultExpiredError", "RetiredEndpointError",
    "RetryPolicy", "Secret", "ServiceError", "TaskFailedError", "TaskTimeoutError",
    "ValidationError", "check_upload", "credential_source", "delete_credential",
    "get_credential", "limits_for", "prepare_upload", "set_credential",
]

"""Where the cloud keys come from, and how they are kept out of logs.

What belongs here: the three credentials FaceStudio knows (:data:`CREDENTIALS`), reading them
from the environment (scripts, CI) or the OS keyring (service ``"facestudio"``), storing and
deleting them in the keyring (the GUI's settings page), and :class:`Secret`, the wrapper every
key travels in so that an accidental ``repr``/``str``/f-string shows ``***`` instead of the key.
The environment wins over the keyring so a script can override a stored key. Keys are never
written anywhere else (settings, sidecars, exports, logs).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass

from facestudio.cloud.errors import CredentialsError

__all__ = [
    "CREDENTIALS",
    "KEYRING_SERVICE",
    "CredentialSpec",
    "Secret",
    "credential_source",
    "delete_credential",
    "get_credential",
    "set_credential",
]

log = logging.getLogger(__name__)

KEYRING_SERVICE = "facestudio"


@dataclass(frozen=True)
class CredentialSpec:
    """One credential: its keyring user name, environment variable and where to get it."""

    name: str
    env_var: str
    label: str
    provider: str
    where_to_get: str

    def how_to_set(self) -> str:
        return (f"set {self.env_var} or run `keyring set {KEYRING_SERVICE} {self.name}` "
                f"(get it from {self.where_to_get})")


CREDENTIALS: dict[str, CredentialSpec] = {
    spec.name: spec
    for spec in (
        CredentialSpec("acedata-token", "FACESTUDIO_ACEDATA_TOKEN", "Ace Data Cloud API token",
                       "Ace Data Cloud", "the Ace Data Cloud console, https://platform.acedata.cloud"),
        CredentialSpec("acedata-platform-token", "FACESTUDIO_ACEDATA_PLATFORM_TOKEN",
                       "Ace Data Cloud platform token (starts with 'platform-'), used to upload photos",
                       "Ace Data Cloud", "the Ace Data Cloud console, https://platform.acedata.cloud"),
        CredentialSpec("ailab-key", "FACESTUDIO_AILAB_KEY", "AILabTools API key",
                       "AILabTools", "the AILabTools console, https://www.ailabtools.com"),
    )
}


class Secret:
    """A key that does not show itself: ``repr``, ``str`` and formatting give ``***``.

    Use :meth:`reveal` at the single place the key goes into a request header.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if isinstance(value, Secret):
            value = value.reveal()
        object.__setattr__(self, "_value", str(value))

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def __format__(self, spec: str) -> str:
        return "***"

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Secret is immutable")

    def __reduce__(self):  # never pickle a key into a file or another process by accident
        raise TypeError("a Secret cannot be pickled")


def _spec(name: str) -> CredentialSpec:
    try:
        return CREDENTIALS[name]
    except KeyError:
        raise KeyError(f"unknown credential {name!r}; known: {', '.join(CREDENTIALS)}") from None


def _keyring_get(name: str) -> str | None:
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:  # pragma: no cover - keyring is a dependency
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, name)
    except (KeyringError, RuntimeError, OSError) as exc:
        # No usable keyring (headless CI, locked store): fall through to "missing".
        log.debug("keyring unavailable for %s: %s", name, type(exc).__name__)
        return None


def credential_source(name: str, *, env: Mapping[str, str] | None = None,
                      use_keyring: bool = True) -> str | None:
    """Where the credential would come from: ``"env"``, ``"keyring"`` or ``None``."""
    spec = _spec(name)
    env = os.environ if env is None else env
    if env.get(spec.env_var, "").strip():
        return "env"
    if use_keyring and (_keyring_get(name) or "").strip():
        return "keyring"
    return None


def get_credential(name: str, *, env: Mapping[str, str] | None = None,
                   use_keyring: bool = True) -> Secret:
    """The credential ``name`` from the environment, else the keyring.

    Raises
    ------
    CredentialsError
        When neither has it; the message names the environment variable and the
        ``keyring set facestudio <name>`` command.
    """
    spec = _spec(name)
    env = os.environ if env is None else env
    value = env.get(spec.env_var, "").strip()
    if not value and use_keyring:
        value = (_keyring_get(name) or "").strip()
    if not value:
        raise CredentialsError(f"No {spec.label} is configured: {spec.how_to_set()}",
                               provider=spec.provider)
    return Secret(value)


def set_credential(name: str, value: str | Secret) -> None:
    """Store a credential in the OS keyring (raises CredentialsError if there is none)."""
    spec = _spec(name)
    secret = Secret(value)
    if not secret.reveal().strip():
        raise CredentialsError(f"The {spec.label} is empty: paste the whole key", provider=spec.provider)
    try:
        import keyring
        from keyring.errors import KeyringError

        keyring.set_password(KEYRING_SERVICE, name, secret.reveal().strip())
    except (KeyringError, RuntimeError, OSError) as exc:
        raise CredentialsError(
            f"Could not store the {spec.label} in the system keyring ({type(exc).__name__}): "
            f"set {spec.env_var} in the environment instead", provider=spec.provider) from None


def delete_credential(name: str) -> bool:
    """Remove a stored credential; False when there was none (or no keyring)."""
    _spec(name)
    try:
        import keyring
        from keyring.errors import KeyringError, PasswordDeleteError

        keyring.delete_password(KEYRING_SERVICE, name)
        return True
    except (PasswordDeleteError,):
        return False
    except (KeyringError, RuntimeError, OSError):
        return False

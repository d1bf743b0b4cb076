"""The user's remembered preferences: one typed, Qt-free settings model stored as JSON.

What belongs here: :class:`Settings` (last folder, last export folder, recent files, the last
retouch parameters, the chosen backend, landmark display choices, the cloud services' base URLs,
whether exports write the sidecar edit) with its defaults and schema version, and loading/saving it in the user's config folder
(``platformdirs.user_config_dir("facestudio")``, or ``$FACESTUDIO_CONFIG_DIR`` when set, which
the tests use). Window geometry is *not* here: it is Qt state and lives in QSettings.

Secrets never live here. API keys belong in the system keyring; :meth:`Settings.from_dict`
ignores unknown keys, so even a hand-edited file cannot smuggle one in and out again. A base URL
is an address, not a secret; one carrying user:password credentials is refused.

A file that cannot be read (corrupt JSON, wrong types, a newer schema we cannot understand)
never stops the app: it is kept next to the original as ``settings.json.bak`` and the defaults
are used.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from facestudio.core.errors import FaceStudioError
from facestudio.core.params import RetouchParams

SCHEMA_VERSION = 1
ENV_CONFIG_DIR = "FACESTUDIO_CONFIG_DIR"
FILE_NAME = "settings.json"
MAX_RECENT = 10
#: mirrors facestudio.backends.BACKEND_NAMES (not imported: settings must stay light)
BACKENDS = ("local", "acedata", "ailab-pro", "ailab-smart", "ailab-tidyup")
#: the cloud base URLs the user may set (None: the environment variable, else the service's own)
URL_FIELDS = ("acedata_base_url", "acedata_platform_url", "ailab_base_url")


def check_url(value: object) -> str | None:
    """A usable base URL, or None for "not set"; raises SettingsError for anything else."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise SettingsError("a base URL must be text")
    url = value.strip()
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"'{url}' is not a web address: start it with https:// (or http:// for a "
                            "local stand-in)")
    if parts.username or parts.password:
        raise SettingsError("a base URL must not carry a user name or password: store keys in the "
                            "Cloud keys dialog")
    return url.rstrip("/")


def config_dir() -> Path:
    """The folder holding ``settings.json`` (``$FACESTUDIO_CONFIG_DIR`` wins)."""
    env = os.environ.get(ENV_CONFIG_DIR)
    if env:
        return Path(env)
    import platformdirs  # lazy: the CLI's fast paths need no settings

    return Path(platformdirs.user_config_dir("facestudio", appauthor=False))


def settings_path() -> Path:
    return config_dir() / FILE_NAME


@dataclass
class Settings:
    """Everything FaceStudio remembers between sessions (except window geometry)."""

    schema_version: int = SCHEMA_VERSION
    last_folder: str | None = None
    last_export_folder: str | None = None
    recent_files: list[str] = field(default_factory=list)
    last_params: RetouchParams = field(default_factory=RetouchParams)
    backend: str = "local"
    show_landmarks: bool = True
    hidden_groups: list[str] = field(default_factory=list)
    export_format: str = "JPEG"
    export_quality: int = 95
    export_sidecar: bool = True
    acedata_base_url: str | None = None
    acedata_platform_url: str | None = None
    ailab_base_url: str | None = None

    def backend_config(self, name: str) -> dict[str, str]:
        """``make_backend`` keyword arguments for the base URLs the user set for ``name``."""
        if name == "acedata":
            return {k: v for k, v in (("base_url", self.acedata_base_url),
                                      ("platform_url", self.acedata_platform_url)) if v}
        if name.startswith("ailab") and self.ailab_base_url:
            return {"base_url": self.ailab_base_url}
        return {}

    def add_recent(self, path: str | os.PathLike[str]) -> None:
        """Put ``path`` first in the recent files (no duplicates, at most :data:`MAX_RECENT`)."""
        p = str(Path(path).resolve())
        self.recent_files = [p] + [r for r in self.recent_files if r != p]
        del self.recent_files[MAX_RECENT:]
        self.last_folder = str(Path(p).parent)

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        params = self.last_params.replace(face=None)  # a face index means nothing in another photo
        d["last_params"] = params.to_dict()
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Settings:
        """Validate ``data`` field by field; raise :class:`SettingsError` on anything off."""
        if not isinstance(data, dict):
            raise SettingsError("settings file is not a JSON object")
        version = data.get("schema_version", SCHEMA_VERSION)
        if not isinstance(version, int) or version > SCHEMA_VERSION or version < 1:
            raise SettingsError(f"settings schema version {version!r} is not supported")
        s = cls()
        for name in ("last_folder", "last_export_folder"):
            value = data.get(name)
            if value is not None and not isinstance(value, str):
                raise SettingsError(f"{name} must be a string")
            setattr(s, name, value)
        recent = data.get("recent_files", [])
        if not isinstance(recent, list) or not all(isinstance(r, str) for r in recent):
            raise SettingsError("recent_files must be a list of paths")
        s.recent_files = list(dict.fromkeys(recent))[:MAX_RECENT]
        params = data.get("last_params", {})
        if not isinstance(params, dict):
            raise SettingsError("last_params must be an object")
        try:
            s.last_params = RetouchParams.from_dict({**params, "face": None})
        except (FaceStudioError, TypeError) as exc:
            raise SettingsError(f"last_params: {exc}") from exc
        backend = data.get("backend", "local")
        s.backend = backend if backend in BACKENDS else "local"
        s.show_landmarks = bool(data.get("show_landmarks", True))
        hidden = data.get("hidden_groups", [])
        s.hidden_groups = [str(g) for g in hidden] if isinstance(hidden, list) else []
        fmt = data.get("export_format", "JPEG")
        s.export_format = fmt if isinstance(fmt, str) else "JPEG"
        q = data.get("export_quality", 95)
        s.export_quality = q if isinstance(q, int) and not isinstance(q, bool) and 1 <= q <= 100 else 95
        s.export_sidecar = bool(data.get("export_sidecar", True))
        for name in URL_FIELDS:
            try:
                setattr(s, name, check_url(data.get(name)))
            except SettingsError:
                setattr(s, name, None)  # a bad address falls back to the default, not the whole file
        return s


class SettingsError(FaceStudioError):
    """The settings file is unreadable; the app falls back to the defaults."""


def load_settings(path: Path | None = None) -> Settings:
    """Read the settings, or the defaults when there are none or the file is damaged.

    A damaged file is copied to ``<name>.bak`` (so nothing the user had is lost) before the
    defaults are returned; the next :func:`save_settings` then writes a good file.
    """
    path = path or settings_path()
    try:
        raw = path.read_bytes()
    except OSError:  # missing or unreadable: nothing to keep
        return Settings()
    try:
        return Settings.from_dict(json.loads(raw.decode("utf-8")))
    except (ValueError, SettingsError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        try:
            path.with_name(path.name + ".bak").write_bytes(raw)
        except OSError:
            pass
        return Settings()


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write the settings atomically (temporary file + rename); returns the path."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(settings.to_dict(), indent=2, sort_keys=True)
    fd, tmp = tempfile.mkstemp(prefix=".settings-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path

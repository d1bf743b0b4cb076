"""Named parameter sets: a few built-in looks and the user's own, in the config folder.

What belongs here: the built-in presets (chosen for real portrait work: a natural everyday
retouch, a studio beauty look, a corporate headshot with no shape changes, a soft glow, and the
cloud service's defaults), reading and writing user presets as JSON files in
``<config dir>/presets/`` (atomically, never shadowing a built-in), and lookup by name for the
CLI's ``--preset`` and the GUI's preset menu. A preset holds slider values only: which face is
selected and per-face overrides belong to one photo, not to a look.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from facestudio.core.errors import FaceStudioError, ParameterError
from facestudio.core.params import RetouchParams

SCHEMA_VERSION = 1

BUILTIN_PRESETS: dict[str, RetouchParams] = {
    "natural": RetouchParams(smoothing=25, whitening=10, face_lifting=15, eye_enlarging=10, blemish_removal=40),
    "studio": RetouchParams(smoothing=40, whitening=20, face_lifting=30, eye_enlarging=20, blemish_removal=60,
                            teeth_whitening=30),
    "headshot": RetouchParams(smoothing=30, whitening=10, face_lifting=0, eye_enlarging=0, blemish_removal=70,
                              teeth_whitening=40),
    "soft-glow": RetouchParams(smoothing=45, whitening=25, face_lifting=20, eye_enlarging=15, blemish_removal=50,
                               filter_id=12, filter_strength=40),
    "cloud-defaults": RetouchParams(),
}

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,62}$")


class PresetError(FaceStudioError):
    """A preset cannot be found, read or written."""


def presets_dir() -> Path:
    from facestudio.settings import config_dir

    return config_dir() / "presets"


def _slug(name: str) -> str:
    if not _NAME.match(name.strip()):
        raise PresetError(f"'{name}' is not a usable preset name; use letters, digits, spaces, '-', '_' or '.'")
    return name.strip().lower().replace(" ", "-")


def _file(name: str) -> Path:
    return presets_dir() / f"{_slug(name)}.json"


def _portable(params: RetouchParams) -> RetouchParams:
    return params.replace(face=None, overrides=())


def user_presets() -> dict[str, RetouchParams]:
    """The user's presets by name; unreadable files are skipped (and named by :func:`check`)."""
    out: dict[str, RetouchParams] = {}
    folder = presets_dir()
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.json")):
        try:
            out[path.stem] = _read(path)
        except PresetError:
            continue
    return out


def _read(path: Path) -> RetouchParams:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return _portable(RetouchParams.from_dict(doc["params"]))
    except (OSError, ValueError, KeyError, TypeError, FaceStudioError) as exc:
        raise PresetError(f"preset file '{path}' is unreadable ({exc}); delete or fix it") from exc


def list_presets() -> list[str]:
    """Built-in names first, then the user's, sorted."""
    return list(BUILTIN_PRESETS) + sorted(n for n in user_presets() if n not in BUILTIN_PRESETS)


def load_preset(name: str) -> RetouchParams:
    """The parameters of preset ``name`` (built-in or the user's)."""
    key = _slug(name)
    if key in BUILTIN_PRESETS:
        return BUILTIN_PRESETS[key]
    path = _file(name)
    if not path.is_file():
        raise ParameterError(f"no preset named '{name}'; presets are: {', '.join(list_presets())}")
    return _read(path)


def save_preset(name: str, params: RetouchParams, *, overwrite: bool = False) -> Path:
    """Store ``params`` as the user's preset ``name`` (atomically)."""
    key = _slug(name)
    if key in BUILTIN_PRESETS:
        raise PresetError(f"'{name}' is a built-in preset; choose another name")
    path = _file(name)
    if path.exists() and not overwrite:
        raise PresetError(f"preset '{name}' exists; pass --overwrite to replace it")
    doc = {"schema_version": SCHEMA_VERSION, "name": name.strip(), "params": _portable(params).to_dict()}
    from facestudio.core.imageio import write_bytes_atomic

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(path, json.dumps(doc, indent=2).encode("utf-8"), overwrite=True, kind="JSON")
    except OSError as exc:
        raise PresetError(f"cannot save preset '{name}' in {path.parent}: {exc.strerror or exc}") from exc
    except FaceStudioError as exc:
        raise PresetError(f"cannot save preset '{name}': {exc}") from exc
    return path


def delete_preset(name: str) -> None:
    key = _slug(name)
    if key in BUILTIN_PRESETS:
        raise PresetError(f"'{name}' is a built-in preset and cannot be deleted")
    path = _file(name)
    if not path.exists():
        raise PresetError(f"no user preset named '{name}'")
    path.unlink()

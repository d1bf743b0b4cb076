"""Re-editable edits: ``PHOTO.facestudio.json`` beside a photo.

What belongs here: the :class:`Edit` of one photo (parameters with per-face overrides, the faces
as the user left them: deletions and landmark corrections included, the backend used, FaceStudio
and model versions, the photo's size and a hash of its bytes) and reading/writing it next to the
photo. Landmarks are stored at full float precision, so reopening a photo and exporting again
renders exactly the same pixels and writes an identical file. The sidecar never holds a secret,
a thumbnail or anything of the image itself.

The sidecar of ``portrait.jpg`` is ``portrait.jpg.facestudio.json`` (the whole file name is
kept, so ``portrait.jpg`` and ``portrait.png`` in one folder keep separate edits).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from facestudio import __version__
from facestudio.core.errors import FaceStudioError
from facestudio.core.faceshape import LOCAL_MODEL_VERSION, FaceAnalysis, FaceShape
from facestudio.core.params import RetouchParams

SUFFIX = ".facestudio.json"
SCHEMA_VERSION = 1


class SidecarError(FaceStudioError):
    """A sidecar cannot be read or written."""


@dataclass(frozen=True)
class Edit:
    """Everything needed to redo one photo's retouch."""

    params: RetouchParams
    analysis: FaceAnalysis | None = None
    backend: str = "local"
    photo_sha256: str | None = None
    facestudio_version: str = __version__
    model_version: str = LOCAL_MODEL_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    def made_on(self, digest: str | None) -> bool:
        """Whether the edit was made on the photo bytes with this sha256 (True if not recorded)."""
        return self.photo_sha256 is None or self.photo_sha256 == digest

    def faces_for(self, photo: str | os.PathLike[str]) -> FaceAnalysis | None:
        """The saved faces if they still belong to ``photo`` (its bytes unchanged), else None."""
        if self.analysis is None or not self.made_on(file_sha256(photo)):
            return None
        return self.analysis


def sidecar_path(photo: str | os.PathLike[str]) -> Path:
    p = Path(photo)
    return p.with_name(p.name + SUFFIX)


def file_sha256(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _analysis_doc(analysis: FaceAnalysis) -> dict[str, Any]:
    return {
        "image_width": analysis.image_width,
        "image_height": analysis.image_height,
        "face_model_version": analysis.model_version,
        # full precision: json writes the shortest repr that reads back to the same float
        "faces": [{"score": float(f.score), "points": f.points.tolist()} for f in analysis.faces],
    }


def _analysis_from(doc: dict[str, Any]) -> FaceAnalysis:
    faces = tuple(FaceShape(np.asarray(f["points"], dtype=np.float64), float(f.get("score", 1.0)))
                  for f in doc["faces"])
    return FaceAnalysis(int(doc["image_width"]), int(doc["image_height"]), faces,
                        str(doc.get("face_model_version", "unknown")))


def to_json(edit: Edit) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "facestudio_version": edit.facestudio_version,
        "model_version": edit.model_version,
        "backend": edit.backend,
        "photo_sha256": edit.photo_sha256,
        "params": edit.params.to_dict(),
        "analysis": None if edit.analysis is None else _analysis_doc(edit.analysis),
        "extra": edit.extra,
    }


def from_json(doc: dict[str, Any]) -> Edit:
    if not isinstance(doc, dict) or "params" not in doc:
        raise SidecarError("not a FaceStudio edit (no parameters)")
    if int(doc.get("schema_version", 0)) > SCHEMA_VERSION:
        raise SidecarError("this edit was saved by a newer FaceStudio; update FaceStudio to open it")
    analysis = doc.get("analysis")
    return Edit(
        params=RetouchParams.from_dict(doc["params"]),
        analysis=None if analysis is None else _analysis_from(analysis),
        backend=str(doc.get("backend", "local")),
        photo_sha256=doc.get("photo_sha256"),
        facestudio_version=str(doc.get("facestudio_version", "unknown")),
        model_version=str(doc.get("model_version", "unknown")),
        extra=dict(doc.get("extra") or {}),
    )


def save_edit(photo: str | os.PathLike[str], edit: Edit) -> Path:
    """Write ``edit`` beside ``photo`` (atomically; replaces an older sidecar of the same photo)."""
    from facestudio.core.imageio import write_bytes_atomic

    path = sidecar_path(photo)
    try:
        return write_bytes_atomic(path, json.dumps(to_json(edit), indent=1).encode("utf-8"), overwrite=True,
                                  kind="JSON")
    except FaceStudioError as exc:
        raise SidecarError(f"cannot save the edit beside '{photo}': {exc}") from exc


def load_edit(photo: str | os.PathLike[str]) -> Edit | None:
    """The edit saved beside ``photo``, or None when there is none.

    Raises :class:`SidecarError` (one line) when the sidecar is damaged or from a newer version.
    """
    path = sidecar_path(photo)
    if not path.is_file():
        return None
    try:
        return from_json(json.loads(path.read_text(encoding="utf-8")))
    except SidecarError as exc:
        raise SidecarError(f"'{path.name}': {exc}") from exc
    except (OSError, ValueError, KeyError, TypeError, FaceStudioError) as exc:
        raise SidecarError(f"the edit '{path.name}' is damaged ({exc}); move it away to start afresh") from exc


def matches_photo(edit: Edit, photo: str | os.PathLike[str]) -> bool:
    """Whether the photo's bytes are those the edit was made on (None: not recorded)."""
    return edit.made_on(file_sha256(photo))

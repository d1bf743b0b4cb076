"""The 90-point face shape every landmark producer speaks (see shared/spec/landmarks-90.md).

What belongs here: the schema (groups, their sizes and order), the immutable :class:`FaceShape`
(90 x 2 float coordinates in pixels of the image as displayed, plus a score), the
:class:`FaceAnalysis` of one photo, and parsing/writing the JSON of Ace Data Cloud's
``face/analyze`` (keys read case-insensitively). Geometry helpers that only need the points
(bounding box, scaling, inter-ocular distance) live here too; masks and warps do not.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from facestudio.core.errors import FaceStudioError

#: (group name, number of points) in the order of the analyze JSON and of ``FaceShape.points``.
GROUPS: tuple[tuple[str, int], ...] = (
    ("face_profile", 21),
    ("left_eye", 8),
    ("right_eye", 8),
    ("left_eye_brow", 8),
    ("right_eye_brow", 8),
    ("mouth", 22),
    ("nose", 13),
    ("left_pupil", 1),
    ("right_pupil", 1),
)
N_POINTS = sum(n for _, n in GROUPS)  # 90

#: slice of ``FaceShape.points`` for each group.
GROUP_SLICES: dict[str, slice] = {}
_start = 0
for _name, _n in GROUPS:
    GROUP_SLICES[_name] = slice(_start, _start + _n)
    _start += _n
del _start, _name, _n

#: display groups for overlays (one colour and one toggle each).
DISPLAY_GROUPS: dict[str, tuple[str, ...]] = {
    "contour": ("face_profile",),
    "brows": ("left_eye_brow", "right_eye_brow"),
    "eyes": ("left_eye", "right_eye"),
    "nose": ("nose",),
    "mouth": ("mouth",),
    "pupils": ("left_pupil", "right_pupil"),
}

LOCAL_MODEL_VERSION = "facestudio-local-mediapipe-1"


class FaceShapeError(FaceStudioError):
    """A landmark document does not follow the 90-point schema."""


@dataclass(frozen=True, eq=False)
class FaceShape:
    """One face's 90 landmarks.

    Parameters
    ----------
    points : (90, 2) float64 ndarray
        x, y in pixels of the displayed image (origin top-left, y down), in the order of
        :data:`GROUPS`. Stored read-only.
    score : float
        Detector confidence in [0, 1]; 1.0 for shapes read from a file without one.
    """

    points: np.ndarray
    score: float = 1.0

    def __post_init__(self) -> None:
        pts = np.array(self.points, dtype=np.float64)  # always a private copy
        if pts.shape != (N_POINTS, 2):
            raise FaceShapeError(f"a face shape needs {N_POINTS} points, got array of shape {pts.shape}")
        if not np.all(np.isfinite(pts)):
            raise FaceShapeError("a face shape has non-finite coordinates")
        pts.setflags(write=False)
        object.__setattr__(self, "points", pts)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FaceShape):
            return NotImplemented
        return self.score == other.score and np.array_equal(self.points, other.points)

    def __hash__(self) -> int:
        return hash((self.points.tobytes(), self.score))

    def group(self, name: str) -> np.ndarray:
        """The (n, 2) points of one group (a read-only view)."""
        return self.points[GROUP_SLICES[name]]

    def bbox(self) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) of all points."""
        x0, y0 = self.points.min(axis=0)
        x1, y1 = self.points.max(axis=0)
        return float(x0), float(y0), float(x1), float(y1)

    def area(self) -> float:
        x0, y0, x1, y1 = self.bbox()
        return (x1 - x0) * (y1 - y0)

    def center(self) -> np.ndarray:
        return self.points.mean(axis=0)

    def interocular(self) -> float:
        """Distance between the pupils (a scale for tolerances and effect radii)."""
        return float(np.linalg.norm(self.group("left_pupil")[0] - self.group("right_pupil")[0]))

    def roll_degrees(self) -> float:
        """Angle of the line from the image-left pupil to the image-right pupil."""
        d = self.group("right_pupil")[0] - self.group("left_pupil")[0]
        return float(np.degrees(np.arctan2(d[1], d[0])))

    def scaled(self, factor: float) -> FaceShape:
        """The same face in an image resized by ``factor`` (pixel-centre convention)."""
        return FaceShape((self.points + 0.5) * factor - 0.5, self.score)

    def translated(self, dx: float, dy: float) -> FaceShape:
        return FaceShape(self.points + np.array([dx, dy]), self.score)

    def to_groups(self, *, integers: bool = False) -> dict[str, list[dict[str, float | int]]]:
        out: dict[str, list[dict[str, float | int]]] = {}
        for name, _n in GROUPS:
            pts = self.group(name)
            if integers:
                out[name] = [{"x": int(round(x)), "y": int(round(y))} for x, y in pts]
            else:
                out[name] = [{"x": round(float(x), 2), "y": round(float(y), 2)} for x, y in pts]
        return out


@dataclass(frozen=True)
class FaceAnalysis:
    """All faces of one photo, in the photo's displayed pixel coordinates."""

    image_width: int
    image_height: int
    faces: tuple[FaceShape, ...] = field(default_factory=tuple)
    model_version: str = LOCAL_MODEL_VERSION

    def largest(self) -> FaceAnalysis:
        """Only the face with the largest landmark bounding box (none if there are none)."""
        if not self.faces:
            return self
        big = max(self.faces, key=FaceShape.area)
        return FaceAnalysis(self.image_width, self.image_height, (big,), self.model_version)

    def without(self, index: int) -> FaceAnalysis:
        """A copy with face ``index`` removed (a false detection the user deleted)."""
        faces = tuple(f for i, f in enumerate(self.faces) if i != index)
        return FaceAnalysis(self.image_width, self.image_height, faces, self.model_version)

    def scaled(self, factor: float) -> FaceAnalysis:
        return FaceAnalysis(
            max(1, round(self.image_width * factor)),
            max(1, round(self.image_height * factor)),
            tuple(f.scaled(factor) for f in self.faces),
            self.model_version,
        )

    def to_json(self, *, integers: bool = False, scores: bool = True) -> dict[str, Any]:
        """The ``face/analyze`` document. ``integers=True`` rounds like the cloud does."""
        doc: dict[str, Any] = {
            "image_width": int(self.image_width),
            "image_height": int(self.image_height),
            "face_model_version": self.model_version,
            "face_shape_set": [],
        }
        for face in self.faces:
            entry: dict[str, Any] = face.to_groups(integers=integers)
            if scores:
                entry["score"] = round(float(face.score), 4)
            doc["face_shape_set"].append(entry)
        return doc

    def dumps(self, **kwargs: Any) -> str:
        return json.dumps(self.to_json(**kwargs), indent=2)


def _lower_keys(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k).lower(): _lower_keys(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_lower_keys(v) for v in obj]
    return obj


def _parse_points(name: str, raw: Any, expected: int) -> list[tuple[float, float]]:
    if not isinstance(raw, list) or len(raw) != expected:
        got = len(raw) if isinstance(raw, list) else type(raw).__name__
        raise FaceShapeError(f"group '{name}' must have {expected} points, got {got}")
    pts = []
    for p in raw:
        if isinstance(p, Mapping) and "x" in p and "y" in p:
            try:
                pts.append((float(p["x"]), float(p["y"])))
            except (TypeError, ValueError) as exc:
                raise FaceShapeError(f"group '{name}' has a non-numeric point {p!r}") from exc
        else:
            raise FaceShapeError(f"group '{name}' has a point without x/y: {p!r}")
    return pts


def parse_face(raw: Mapping[str, Any]) -> FaceShape:
    """One entry of ``face_shape_set`` (keys already case-insensitive or not)."""
    raw = _lower_keys(raw)
    pts: list[tuple[float, float]] = []
    for name, n in GROUPS:
        if name not in raw:
            raise FaceShapeError(f"face is missing the group '{name}'")
        pts.extend(_parse_points(name, raw[name], n))
    score = float(raw.get("score", 1.0))
    return FaceShape(np.asarray(pts), score)


def parse_analysis(doc: Mapping[str, Any] | str | bytes) -> FaceAnalysis:
    """Parse a ``face/analyze`` document (dict or JSON text), keys case-insensitive.

    Raises :class:`FaceShapeError` with a one-line reason when the document is malformed.
    """
    if isinstance(doc, (str, bytes)):
        try:
            doc = json.loads(doc)
        except json.JSONDecodeError as exc:
            raise FaceShapeError(f"landmark document is not valid JSON ({exc.msg})") from exc
    if not isinstance(doc, Mapping):
        raise FaceShapeError("landmark document must be a JSON object")
    d = _lower_keys(doc)
    if "data" in d and "face_shape_set" not in d and isinstance(d["data"], Mapping):
        d = d["data"]  # tolerate an enveloped answer
    try:
        width = int(d.get("image_width", 0))
        height = int(d.get("image_height", 0))
    except (TypeError, ValueError) as exc:
        raise FaceShapeError("image_width/image_height must be integers") from exc
    raw_faces = d.get("face_shape_set") or []
    if not isinstance(raw_faces, list):
        raise FaceShapeError("face_shape_set must be a list")
    faces = tuple(parse_face(f) for f in raw_faces)
    version = str(d.get("face_model_version", "unknown"))
    return FaceAnalysis(width, height, faces, version)

"""Which warp moves each shape slider makes, from a face's 90 landmarks.

What belongs here: functions ``<slider>_moves(face, strength) -> list[Move]`` that translate a
slider value (0-100, or signed where the opposite makes sense) into the primitives of
:mod:`facestudio.core.warp`, sized from the face itself (its inter-ocular distance and axes), so
a face looks the same whatever the resolution. The moves of all sliders and all faces are then
fused by the pipeline into one remap per region.

Reach is kept inside the face: the jaw moves fade to nothing within :data:`OUTSIDE_REACH`
inter-ocular distances outside the contour; that is the margin beyond which the background
cannot move.
"""

from __future__ import annotations

import numpy as np

from facestudio.core.faceshape import FaceShape
from facestudio.core.masks import face_axes, face_polygon
from facestudio.core.warp import Bulge, CurveShift, LocalTransform, Move

#: how far outside the jaw contour a slimming move may still drag pixels (inter-ocular units)
OUTSIDE_REACH = 0.3
#: how far inside the contour the slimming fades out (inter-ocular units)
INSIDE_REACH = 0.55
#: the largest inward shift of the jaw at strength 100 (inter-ocular units)
MAX_SLIM = 0.075
#: central magnification of each eye at strength 100 is 1 + MAX_EYE
MAX_EYE = 0.16


def face_lifting_moves(face: FaceShape, strength: float) -> list[Move]:
    """Slim the jaw and lower cheeks towards the face's vertical axis.

    The jaw points move horizontally (in the face's own frame) towards the axis through the
    nose bridge and the chin; the shift is largest along the mid-jaw and fades to zero at the
    temples and at the chin, so the chin keeps its shape and the face its height.
    """
    if strength <= 0:
        return []
    right, up, iod = face_axes(face)
    prof = face.group("face_profile")
    axis_pt = face.group("nose")[1]
    idx = np.arange(21)
    # 0 at the temples (0, 20) and the chin (10), largest mid-jaw (about 5 and 15)
    weight = np.sin(np.pi * np.abs(idx - 10) / 10.0) ** 1.3
    side = np.sign((prof - axis_pt) @ right)
    amount = (strength / 100.0) * MAX_SLIM * iod * weight
    shifts = -(side * amount)[:, None] * right[None, :]
    return [CurveShift(points=prof.copy(), shifts=shifts, inside=face_polygon(face),
                       reach_in=INSIDE_REACH * iod, reach_out=OUTSIDE_REACH * iod)]


def _eye_bulge(face: FaceShape, group: str, amount: float) -> Bulge:
    right, up, iod = face_axes(face)
    eye = face.group(group)
    centre = eye.mean(axis=0)
    width = float(np.linalg.norm(eye[0] - eye[4]))
    width = max(width, 0.25 * iod)
    return Bulge(centre=centre, right=right, up=up, rx=0.95 * width, ry=0.75 * width, amount=amount)


def eye_enlarging_moves(face: FaceShape, strength: float) -> list[Move]:
    """Enlarge each eye around its centre, smoothly fading out before the brow and cheek."""
    if strength <= 0:
        return []
    amount = (strength / 100.0) * MAX_EYE
    return [_eye_bulge(face, "left_eye", amount), _eye_bulge(face, "right_eye", amount)]


# --- small face and the 22 reshape parts -------------------------------------------------------

def _inward(face: FaceShape, points: np.ndarray) -> np.ndarray:
    """Unit vectors, per point, horizontal in the face frame and pointing to the face's axis."""
    right, _, _ = face_axes(face)
    side = np.sign((points - face.group("nose")[1]) @ right)
    return -side[:, None] * right[None, :]


def _bump(centres: tuple[float, ...], width: float) -> np.ndarray:
    """Weights over the 21 profile points: Gaussian bumps at ``centres`` (profile indices)."""
    idx = np.arange(21, dtype=np.float64)
    return np.clip(sum(np.exp(-((idx - c) / width) ** 2) for c in centres), 0.0, 1.0)


def _profile_move(face: FaceShape, shifts: np.ndarray, *, reach_in: float = INSIDE_REACH) -> list[Move]:
    _, _, iod = face_axes(face)
    if not np.any(shifts):
        return []
    return [CurveShift(points=face.group("face_profile").copy(), shifts=shifts, inside=face_polygon(face),
                       reach_in=reach_in * iod, reach_out=OUTSIDE_REACH * iod)]


def _profile_inward(face: FaceShape, weights: np.ndarray, amount: float) -> list[Move]:
    """Move profile points towards the axis by ``amount`` (inter-ocular units) x ``weights``."""
    _, _, iod = face_axes(face)
    prof = face.group("face_profile")
    return _profile_move(face, _inward(face, prof) * (amount * iod * weights)[:, None])


def _profile_vertical(face: FaceShape, weights: np.ndarray, amount: float, *, reach_in: float) -> list[Move]:
    """Move profile points along the face's up axis (amount > 0 is up)."""
    _, up, iod = face_axes(face)
    return _profile_move(face, np.outer(amount * iod * weights, up), reach_in=reach_in)


def shrink_face_moves(face: FaceShape, strength: float) -> list[Move]:
    """Small face: the whole outline drawn towards the face's centre (sides in, chin up)."""
    if strength <= 0:
        return []
    _, _, iod = face_axes(face)
    prof = face.group("face_profile")
    centre = face.group("nose")[0]
    towards = centre - prof
    towards /= np.maximum(np.linalg.norm(towards, axis=1, keepdims=True), 1e-9)
    weight = np.sin(np.pi * np.arange(21) / 20.0) ** 0.5  # 0 at the temples, full along the jaw
    return _profile_move(face, towards * ((strength / 100.0) * 0.07 * iod * weight)[:, None])


def _feature(face: FaceShape, centre: np.ndarray, rx: float, ry: float, *, matrix=None, offset=(0.0, 0.0),
             falloff: float = 1.8) -> LocalTransform:
    right, up, _ = face_axes(face)
    return LocalTransform(centre=np.asarray(centre, np.float64), right=right, up=up, rx=max(rx, 1.0),
                          ry=max(ry, 1.0), matrix=np.eye(2) if matrix is None else np.asarray(matrix, np.float64),
                          offset=np.asarray(offset, np.float64), falloff=falloff)


def _rotation(degrees: float) -> np.ndarray:
    t = np.radians(degrees)
    return np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])


def _eye_frame(face: FaceShape, group: str) -> tuple[np.ndarray, float, float]:
    """Centre, width and the sign of 'outward' (+1 when the outer corner is on the image right)."""
    eye = face.group(group)
    right, _, iod = face_axes(face)
    width = max(float(np.linalg.norm(eye[0] - eye[4])), 0.25 * iod)
    outward = float(np.sign((eye[0] - eye[4]) @ right)) or 1.0
    return eye.mean(axis=0), width, outward


def _eyes(face: FaceShape, make) -> list[Move]:
    return [make(group, *_eye_frame(face, group)) for group in ("left_eye", "right_eye")]


def _mouth_frame(face: FaceShape) -> tuple[np.ndarray, float, float]:
    mouth = face.group("mouth")
    right, up, iod = face_axes(face)
    rel = mouth[:12] - mouth[:12].mean(axis=0)
    half_w = max(float(np.ptp(rel @ right)) / 2, 0.15 * iod)
    half_h = max(float(np.ptp(rel @ up)) / 2, 0.06 * iod)
    return mouth[:12].mean(axis=0), half_w, half_h


def _nose_frame(face: FaceShape) -> tuple[np.ndarray, float, float]:
    nose = face.group("nose")
    right, up, iod = face_axes(face)
    half_w = max(float(abs((nose[9] - nose[5]) @ right)) / 2, 0.12 * iod)
    half_h = max(float(abs((nose[1] - nose[7]) @ up)) / 2, 0.15 * iod)
    return (nose[1] + nose[7]) / 2, half_w, half_h


def part_moves(face: FaceShape, part: int, strength: float) -> list[Move]:
    """The moves of reshape part ``part`` (0-21, see params.RESHAPE_PARTS) at ``strength``.

    ``strength`` is -100..100; positive does what the part's name says (slimmer, longer,
    bigger, closer, shorter philtrum ...), negative the opposite.
    """
    s = float(np.clip(strength, -100, 100)) / 100.0
    if s == 0:
        return []
    _, _, iod = face_axes(face)
    if part == 0:   # cheekbone: narrow the upper contour at the cheekbones
        return _profile_inward(face, _bump((2.0, 18.0), 1.6), 0.06 * s)
    if part == 1:   # cut face: V-line, the lower jaw towards the chin
        return _profile_inward(face, _bump((7.5, 12.5), 1.4) * (1 - _bump((10.0,), 0.8)), 0.07 * s)
    if part == 2:   # slim face: the whole cheek line
        return _profile_inward(face, np.sin(np.pi * np.abs(np.arange(21) - 10) / 10.0) ** 0.6, 0.065 * s)
    if part == 3:   # long face: the lower face longer (chin and lower jaw down)
        return _profile_vertical(face, _bump((10.0,), 3.5), -0.11 * s, reach_in=0.9)
    if part == 4:   # chin shortening
        return _profile_vertical(face, _bump((10.0,), 1.6), 0.08 * s, reach_in=0.5)
    if part == 5:   # chin lengthening
        return _profile_vertical(face, _bump((10.0,), 1.6), -0.08 * s, reach_in=0.5)
    if part == 6:   # slim chin
        return _profile_inward(face, _bump((8.5, 11.5), 1.0), 0.05 * s)
    if part == 7:   # slim jaw: the jaw angles
        return _profile_inward(face, _bump((4.5, 15.5), 1.5), 0.07 * s)
    if part == 8:   # big eyes
        return eye_enlarging_moves(face, 100 * s) if s > 0 else \
            [Bulge(b.centre, b.right, b.up, b.rx, b.ry, -b.amount) for b in eye_enlarging_moves(face, -100 * s)]
    if part == 9:   # eye angle 1: tilt each eye about its centre, outer corner up
        return _eyes(face, lambda g, c, w, out: _feature(face, c, 0.65 * w, 0.45 * w, falloff=2.0,
                                                         matrix=_rotation(8.0 * s * out)))
    if part in (10, 11):  # eye distance: 10 moves the eyes closer, 11 apart
        sign = 1.0 if part == 10 else -1.0
        return _eyes(face, lambda g, c, w, out: _feature(face, c, 0.65 * w, 0.5 * w, falloff=2.0,
                                                         offset=(-out * sign * 0.05 * iod * s, 0.0)))
    if part == 12:  # eye angle 2: tilt about the inner corner (the outer corner lifts)
        def tilt(g: str, c: np.ndarray, w: float, out: float) -> LocalTransform:
            right, up, _ = face_axes(face)
            inner = face.group(g)[4]
            rot = _rotation(7.0 * s * out)
            rel = np.array([(c - inner) @ right, (c - inner) @ up])
            return _feature(face, c, 0.65 * w, 0.45 * w, falloff=2.0, matrix=rot, offset=(rot - np.eye(2)) @ rel)
        return _eyes(face, tilt)
    if part == 13:  # eye height: open the eyes vertically
        return _eyes(face, lambda g, c, w, out: _feature(face, c, 0.6 * w, 0.3 * w, falloff=2.2,
                                                         matrix=np.diag([1.0, 1.0 + 0.16 * s])))
    if part == 14:  # slim nose
        c, hw, hh = _nose_frame(face)
        return [_feature(face, c, hw * 1.1, hh * 1.1, matrix=np.diag([1.0 - 0.16 * s, 1.0]), falloff=1.6)]
    if part == 15:  # nose wing: narrower nostril wings
        nose = face.group("nose")
        c, hw, _ = _nose_frame(face)
        base = nose[[5, 7, 9]].mean(axis=0)
        return [_feature(face, base, hw * 1.15, 0.12 * iod, matrix=np.diag([1.0 - 0.18 * s, 1.0]), falloff=1.6)]
    if part in (16, 17):  # nose length: the tip down (longer), negative up (shorter)
        nose = face.group("nose")
        c, hw, hh = _nose_frame(face)
        tip = nose[[0, 5, 7, 9]].mean(axis=0)
        return [_feature(face, tip, hw * 1.1, 0.16 * iod, offset=(0.0, -0.045 * iod * s), falloff=1.8)]
    if part == 18:  # lip width
        c, hw, hh = _mouth_frame(face)
        return [_feature(face, c, hw, hh * 1.2, matrix=np.diag([1.0 + 0.14 * s, 1.0]), falloff=1.5)]
    if part == 19:  # lip size
        c, hw, hh = _mouth_frame(face)
        return [_feature(face, c, hw, hh * 1.2, matrix=np.eye(2) * (1.0 + 0.12 * s), falloff=1.5)]
    if part == 20:  # lip height: fuller lips
        c, hw, hh = _mouth_frame(face)
        return [_feature(face, c, hw, hh, matrix=np.diag([1.0, 1.0 + 0.2 * s]), falloff=1.6)]
    if part == 21:  # philtrum: the mouth up (shorter philtrum); the reach stops below the nose
        c, hw, hh = _mouth_frame(face)
        _, up, _ = face_axes(face)
        gap = max(float((face.group("nose")[7] - c) @ up), 1.5 * hh)
        ry = max(hh, min(1.3 * hh, 0.5 * gap))
        falloff = max(1.2, min(1.7, 0.85 * gap / ry))
        return [_feature(face, c, hw * 1.1, ry, offset=(0.0, 0.045 * iod * s), falloff=falloff)]
    raise ValueError(f"reshape part {part} does not exist (0-21)")

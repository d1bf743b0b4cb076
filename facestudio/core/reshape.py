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
from facestudio.core.warp import Bulge, CurveShift, Move

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

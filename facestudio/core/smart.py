"""One-click smart beauty: a balanced mix of operations, chosen per face from what it needs.

What belongs here: turning one control (``level`` 0-1, like AILabTools ``smart-beauty``'s
``beauty_level``) into :class:`RetouchParams` with a per-face override for each face, and the
provider's ``multi_face`` meaning (every face, or only the largest). The mix is measured, not
fixed: smoothing follows how blotchy the skin is (the band between pores and tone), whitening is
gentle and falls for skin that is already light, teeth are whitened only where the mouth is open,
and the shape changes stay modest so a one-click result never looks overdone.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from facestudio.core.errors import ParameterError
from facestudio.core.faceshape import FaceShape
from facestudio.core.masks import face_axes, face_roi, skin_mask
from facestudio.core.params import RetouchParams


def _skin_figures(image: np.ndarray, face: FaceShape) -> tuple[float, float]:
    """(blotchiness, lightness) of the face's skin: mid-band energy over fine-band energy, and
    mean L* (0-100)."""
    roi = face_roi(face, image.shape)
    crop = image[roi.slices]
    if crop.dtype != np.uint8:
        crop = (crop.astype(np.float32) / 257.0 + 0.5).astype(np.uint8)
    m = skin_mask(image, face, roi) > 0.9
    if m.sum() < 50:
        return 1.0, 60.0
    lab = cv2.cvtColor(crop, cv2.COLOR_RGB2LAB).astype(np.float32)
    y = lab[..., 0]
    iod = face_axes(face)[2]
    fine = y - cv2.GaussianBlur(y, (0, 0), max(0.7, 0.01 * iod))
    mid = cv2.GaussianBlur(y, (0, 0), max(0.7, 0.01 * iod)) - cv2.GaussianBlur(y, (0, 0), max(2.0, 0.08 * iod))
    blotch = float(np.sqrt(np.mean(mid[m] ** 2) / max(np.mean(fine[m] ** 2), 1e-6)))
    return blotch, float(y[m].mean() * 100.0 / 255.0)


def _mouth_open(face: FaceShape) -> bool:
    _, up, iod = face_axes(face)
    inner = face.group("mouth")[12:22]
    return float(np.ptp(inner @ up)) > 0.05 * iod


def face_mix(image: np.ndarray, face: FaceShape, level: float) -> RetouchParams:
    """The balanced mix for one face at ``level`` (0-1)."""
    blotch, lightness = _skin_figures(image, face)
    smoothing = np.clip(25 + 12 * blotch, 30, 65)
    whitening = np.clip(30 - 0.4 * (lightness - 55), 8, 30)
    teeth = 35 if _mouth_open(face) else 0

    def lv(value: float) -> int:
        return int(round(float(value) * level))

    return RetouchParams(smoothing=lv(smoothing), whitening=lv(whitening), face_lifting=lv(30),
                         eye_enlarging=lv(25), blemish_removal=lv(60), teeth_whitening=lv(teeth))


def smart_beauty(image: np.ndarray, faces: Sequence[FaceShape], level: float = 1.0, *,
                 multi_face: bool = True) -> RetouchParams:
    """Parameters for smart beauty: every face (``multi_face``) or only the largest one.

    Parameters
    ----------
    image : (H, W, 3) uint8 or uint16 ndarray
        The photo the faces belong to (skin is measured on it).
    faces : sequence of FaceShape
    level : float
        0-1; 0 gives parameters that change nothing.
    multi_face : bool
        True: each face gets its own mix; False: only the largest face is retouched.
    """
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0.0 <= level <= 1.0:
        raise ParameterError(f"smart beauty level must be from 0 to 1 (got {level!r})")
    base = RetouchParams.zero()
    if not faces or level == 0:
        return base
    indices = range(len(faces)) if multi_face else [max(range(len(faces)), key=lambda i: faces[i].area())]
    for i in indices:
        base = base.with_override(i, face_mix(image, faces[i], float(level)))
    return base

"""Where an effect may act: face regions and the skin mask, built from the 90 landmarks.

What belongs here: the region of interest around a face (every per-face operation works on that
crop, never on the whole frame), the geometric face polygon (jaw contour closed by a forehead arc),
the feature polygons that must never be touched (eyes with lashes, brows, lips, nostrils), and the
skin mask: the face polygon, gated by a skin-colour model sampled from the cheeks (so hair,
background, beard and glasses fall out), minus the features, feathered in proportion to the face
size. Masks are float32 in [0, 1] with exactly 0 outside the skin, so an effect blended through
them leaves every other pixel bit-identical.

Masks are computed at a working scale where the inter-ocular distance is about
:data:`MASK_IOD` pixels and then resized to the ROI: they are smooth by construction, and this
keeps their cost the same for a 2 MP preview and a 45 MP original.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from facestudio.core.faceshape import FaceShape

#: inter-ocular distance (px) of the working scale the masks are computed at.
MASK_IOD = 80.0


@dataclass(frozen=True)
class Roi:
    """A crop of the frame: rows y0:y1, columns x0:x1."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    @property
    def slices(self) -> tuple[slice, slice]:
        return slice(self.y0, self.y1), slice(self.x0, self.x1)

    def union(self, other: Roi) -> Roi:
        return Roi(min(self.x0, other.x0), min(self.y0, other.y0), max(self.x1, other.x1), max(self.y1, other.y1))

    def overlaps(self, other: Roi) -> bool:
        return self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1

    def is_empty(self) -> bool:
        return self.width <= 0 or self.height <= 0


def face_axes(face: FaceShape) -> tuple[np.ndarray, np.ndarray, float]:
    """Unit vectors (right, up) of the face's own frame, and its inter-ocular distance.

    ``right`` points from the image-left pupil to the image-right one; ``up`` points from the
    chin towards the forehead. Works for rolled faces.
    """
    lp = face.group("left_pupil")[0]
    rp = face.group("right_pupil")[0]
    right = rp - lp
    iod = float(np.linalg.norm(right))
    if iod < 1e-6:  # degenerate shape: fall back to the eye corners
        right = face.group("right_eye")[0] - face.group("left_eye")[0]
        iod = max(float(np.linalg.norm(right)), 1.0)
    right = right / np.linalg.norm(right) if np.linalg.norm(right) > 0 else np.array([1.0, 0.0])
    up = np.array([right[1], -right[0]])  # rotate -90 deg (y down)
    chin = face.group("face_profile")[10]
    eyes_mid = (lp + rp) / 2
    if np.dot(eyes_mid - chin, up) < 0:
        up = -up
    return right, up, iod


def face_polygon(face: FaceShape, *, forehead: float = 0.85) -> np.ndarray:
    """The face outline: the 21 jaw points closed by an elliptical forehead arc.

    ``forehead`` is the arc's height above the temples in inter-ocular distances.
    Returns (N, 2) float64 points in image pixels.
    """
    right, up, iod = face_axes(face)
    prof = face.group("face_profile")
    a_pt, b_pt = prof[0], prof[20]
    centre = (a_pt + b_pt) / 2
    half = np.linalg.norm(b_pt - a_pt) / 2
    # arc from the image-right temple over the top back to the image-left one
    t = np.linspace(0.0, np.pi, 15)[1:-1]
    arc = centre + np.outer(np.cos(t) * half, right) + np.outer(np.sin(t) * forehead * iod, up)
    return np.vstack([prof, arc])


def face_roi(face: FaceShape, image_shape: tuple[int, ...], *, margin: float = 0.35) -> Roi:
    """The crop that holds the face polygon plus ``margin`` inter-ocular distances, clipped."""
    _, _, iod = face_axes(face)
    poly = face_polygon(face)
    pad = margin * iod
    h, w = image_shape[:2]
    x0 = int(np.floor(max(0.0, poly[:, 0].min() - pad)))
    y0 = int(np.floor(max(0.0, poly[:, 1].min() - pad)))
    x1 = int(np.ceil(min(float(w), poly[:, 0].max() + pad + 1)))
    y1 = int(np.ceil(min(float(h), poly[:, 1].max() + pad + 1)))
    return Roi(x0, y0, max(x0, x1), max(y0, y1))


def _fill(mask: np.ndarray, pts: np.ndarray, offset: np.ndarray, scale: float) -> None:
    p = np.round((pts - offset) * scale * 16).astype(np.int32)  # 4 fractional bits
    cv2.fillPoly(mask, [p], 1.0, lineType=cv2.LINE_AA, shift=4)


def feature_polygons(face: FaceShape) -> list[tuple[np.ndarray, float]]:
    """Polygons that are never skin, each with its dilation in inter-ocular distances."""
    mouth = face.group("mouth")
    nose = face.group("nose")
    return [
        (face.group("left_eye"), 0.06),          # the lid line and lashes
        (face.group("right_eye"), 0.06),
        (face.group("left_eye_brow"), 0.05),
        (face.group("right_eye_brow"), 0.05),
        (mouth[0:12], 0.03),                      # the lips' outer edge
        (nose[[5, 6, 7]], 0.03),                  # image-left nostril: wing to base centre
        (nose[[7, 8, 9]], 0.03),                  # image-right nostril
    ]


def _skin_samples(face: FaceShape, work: np.ndarray, offset: np.ndarray, scale: float) -> np.ndarray:
    """Pixels of the cheeks and the nose bridge, where skin is nearly certain."""
    right, up, iod = face_axes(face)
    le, re = face.group("left_eye"), face.group("right_eye")
    mouth = face.group("mouth")
    nose = face.group("nose")
    centres = [
        (le[2] + mouth[0]) / 2 - 0.12 * iod * right,   # image-left cheek
        (re[2] + mouth[6]) / 2 + 0.12 * iod * right,   # image-right cheek
        (nose[1] + nose[0]) / 2,                        # nose bridge
        nose[1] + 0.45 * iod * up,                      # middle of the forehead
    ]
    sample = np.zeros(work.shape[:2], np.uint8)
    for c in centres:
        cc = (c - offset) * scale
        cv2.circle(sample, (int(round(cc[0])), int(round(cc[1]))), max(2, int(0.11 * iod * scale)), 1, -1)
    return work[sample.astype(bool)]


def _colour_likelihood(work: np.ndarray, samples: np.ndarray) -> np.ndarray:
    """How skin-like each pixel is, from a robust YCrCb model of ``samples`` (0..1 float32)."""
    ycc = cv2.cvtColor(work, cv2.COLOR_RGB2YCrCb).astype(np.float32)
    s = cv2.cvtColor(samples.reshape(-1, 1, 3), cv2.COLOR_RGB2YCrCb).reshape(-1, 3).astype(np.float32)
    if len(s) < 8:
        return np.ones(work.shape[:2], np.float32)
    med = np.median(s, axis=0)
    mad = np.median(np.abs(s - med), axis=0) * 1.4826
    # chroma decides; luma only excludes what is much darker (hair, nostrils, shadows under hair)
    sig_c = np.maximum(mad[1:], 3.0) * 3.5
    d2 = ((ycc[..., 1] - med[1]) / sig_c[0]) ** 2 + ((ycc[..., 2] - med[2]) / sig_c[1]) ** 2
    like = np.exp(-0.5 * np.maximum(d2 - 1.0, 0.0))
    dark = np.clip((ycc[..., 0] - 0.42 * med[0]) / (0.22 * med[0] + 1e-3), 0.0, 1.0)
    return (like * dark).astype(np.float32)


def skin_mask(image: np.ndarray, face: FaceShape, roi: Roi | None = None) -> np.ndarray:
    """The skin of one face inside ``roi``: float32 (roi.height, roi.width) in [0, 1].

    Parameters
    ----------
    image : (H, W, 3) uint8 or uint16 ndarray
        The photo (RGB); only the ROI is read.
    face : FaceShape
        The face, in ``image`` pixel coordinates.
    roi : Roi, optional
        The crop to return the mask for; :func:`face_roi` by default.

    Returns
    -------
    mask : (h, w) float32 ndarray
        1 on skin, 0 on eyes, brows, lips, nostrils, hair and background; a soft edge whose
        width grows with the face. Exactly 0 wherever no effect may reach.
    """
    if roi is None:
        roi = face_roi(face, image.shape)
    if roi.is_empty():
        return np.zeros((max(roi.height, 0), max(roi.width, 0)), np.float32)
    _, _, iod = face_axes(face)
    scale = min(1.0, MASK_IOD / max(iod, 1.0))
    wh = (max(1, round(roi.width * scale)), max(1, round(roi.height * scale)))
    crop = image[roi.slices]
    if crop.dtype != np.uint8:
        crop = (crop.astype(np.float32) * (255.0 / 65535.0) + 0.5).astype(np.uint8)
    work = cv2.resize(crop, wh, interpolation=cv2.INTER_AREA) if scale < 1.0 else np.ascontiguousarray(crop)
    offset = np.array([roi.x0, roi.y0], np.float64)
    sx, sy = wh[0] / roi.width, wh[1] / roi.height
    s = (sx + sy) / 2

    sigma = max(0.8, 0.035 * iod * s)
    reach = int(np.ceil(2 * sigma))

    # geometry: the face polygon minus the grown features, eroded by the feather's reach so the
    # blur below cannot carry the effect past the face outline or into an eye or a lip.
    geo = np.zeros((wh[1], wh[0]), np.float32)
    _fill(geo, face_polygon(face), offset, s)
    for pts, grow in feature_polygons(face):
        one = np.zeros_like(geo)
        _fill(one, pts, offset, s)
        r = max(1, int(round(grow * iod * s)))
        one = cv2.dilate(one, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)))
        geo *= 1.0 - one
    geo = cv2.erode(geo, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1, 2 * reach + 1)))

    # colour: how skin-like, smoothed first (pores and noise must not punch holes) and saturated
    # so ordinary skin counts fully; hair, background, beard and frames fall out.
    colour = _colour_likelihood(work, _skin_samples(face, work, offset, s))
    colour = cv2.GaussianBlur(colour, (0, 0), max(0.7, 0.5 * sigma))
    colour = np.clip((colour - 0.15) / 0.45, 0.0, 1.0)

    mask = cv2.GaussianBlur(geo * colour, (0, 0), sigma)
    mask[mask < 1.0 / 255.0] = 0.0
    if scale < 1.0:
        mask = cv2.resize(mask, (roi.width, roi.height), interpolation=cv2.INTER_LINEAR)
        mask[mask < 1.0 / 255.0] = 0.0
    return np.clip(mask, 0.0, 1.0, out=mask)

"""Putting a cloud provider's (downscaled, re-encoded) result back into the full-resolution photo.

What belongs here: the pure numpy/OpenCV steps after a cloud call: aligning the provider's image
to the crop that was sent (resize, then a translation estimated by phase correlation and clamped
to a few pixels), the feathered face-region mask (convex hull of the contour, brows and forehead,
grown and Gaussian-feathered; or, when no faces are known, where the result differs from the
upload beyond noise), and the blend. Nothing here knows HTTP or a provider.

The blend is detail-preserving. The provider saw a smaller copy, so copying its pixels would
trade the original's full-resolution detail for an upscaled one. Instead the *change* the
provider made (result minus what was sent, both at the provider's size) is upscaled and added to
the original, which keeps the original's pores and eyelashes wherever the provider only changed
tone (whitening, smoothing, colour). Where the provider moved structure (face slimming, eye
enlarging) adding a change would leave a ghost of the old edge, so there the upscaled result
replaces the original. A per-pixel weight chooses between the two by how much fine structure
differs. Outside the mask the output is bit-identical to the original, dtype preserved.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from facestudio.core.errors import FaceStudioError
from facestudio.core.faceshape import FaceShape

__all__ = ["CompositeError", "composite_result", "difference_mask", "estimate_shift",
           "face_region_mask"]

#: mask values below this are treated as 0 (keeps the untouched area bit-exact and the ROI small)
_MASK_FLOOR = 1.0 / 512.0
#: pixels per band of the full-resolution blend (bounds memory: ~50 MB per float array)
_BAND_PIXELS = 4_000_000


class CompositeError(FaceStudioError):
    """The provider's image cannot be matched to what was sent (wrong shape, empty...)."""


def _to_unit(image: np.ndarray) -> np.ndarray:
    if image.dtype == np.uint8:
        return image.astype(np.float32) * (1.0 / 255.0)
    if image.dtype == np.uint16:
        return image.astype(np.float32) * (1.0 / 65535.0)
    if image.dtype in (np.float32, np.float64):
        return image.astype(np.float32)
    raise TypeError(f"unsupported dtype {image.dtype}")


def _gray(unit: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.ascontiguousarray(unit), cv2.COLOR_RGB2GRAY)


def estimate_shift(reference: np.ndarray, moving: np.ndarray, *, max_shift: float = 4.0,
                   work_side: int = 1024, min_response: float = 0.05) -> tuple[float, float]:
    """Translation (dx, dy) of ``moving`` relative to ``reference`` (same size), in pixels.

    Phase correlation on a grey, Hann-windowed copy downscaled to at most ``work_side``. The
    estimate is clamped to ``max_shift`` pixels; a weak correlation peak gives (0, 0) (a
    re-encoded, retouched image can fool it, and no shift is the provider's usual behaviour).

    Parameters
    ----------
    reference, moving : (H, W, 3) ndarray
        Any of uint8, uint16, float32 (0-1).
    """
    if reference.shape[:2] != moving.shape[:2]:
        raise ValueError("estimate_shift needs images of the same size")
    h, w = reference.shape[:2]
    if min(h, w) < 16:
        return 0.0, 0.0
    f = min(1.0, work_side / max(h, w))
    a, b = _gray(_to_unit(reference)), _gray(_to_unit(moving))
    if f < 1.0:
        size = (max(16, int(round(w * f))), max(16, int(round(h * f))))
        a = cv2.resize(a, size, interpolation=cv2.INTER_AREA)
        b = cv2.resize(b, size, interpolation=cv2.INTER_AREA)
    window = cv2.createHanningWindow((a.shape[1], a.shape[0]), cv2.CV_32F)
    (dx, dy), response = cv2.phaseCorrelate(a.astype(np.float32), b.astype(np.float32), window)
    if not np.isfinite(response) or response < min_response:
        return 0.0, 0.0
    sx, sy = dx * (w / a.shape[1]), dy * (h / a.shape[0])
    norm = float(np.hypot(sx, sy))
    if norm > max_shift:
        sx, sy = sx * max_shift / norm, sy * max_shift / norm
    return float(sx), float(sy)


def _face_polygon(face: FaceShape, forehead: float) -> np.ndarray:
    """Contour + brows + points above the brows (the landmarks stop at the brows)."""
    brows = np.vstack([face.group("left_eye_brow"), face.group("right_eye_brow")])
    profile = face.group("face_profile")
    d = face.group("right_pupil")[0] - face.group("left_pupil")[0]
    n = float(np.hypot(*d))
    up = np.array([d[1], -d[0]]) / n if n > 1e-6 else np.array([0.0, -1.0])
    chin = profile[10]
    height = float(np.linalg.norm(chin - brows.mean(axis=0)))
    top = brows + up * forehead * height
    return np.vstack([profile, brows, top])


def face_region_mask(size: tuple[int, int], faces: Sequence[FaceShape], *, grow: float = 0.12,
                     feather: float = 0.06, forehead: float = 0.45) -> np.ndarray:
    """A feathered mask covering each face (contour, brows, forehead).

    Parameters
    ----------
    size : (width, height)
        Mask size; ``faces`` are in this image's pixel coordinates.
    faces : sequence of FaceShape
    grow : float
        The hull is enlarged about its centre by this fraction of the face size.
    feather : float
        Gaussian sigma as a fraction of the face size.
    forehead : float
        How far above the brows to reach, as a fraction of the brow-to-chin distance.

    Returns
    -------
    mask : (height, width) float32 ndarray in [0, 1]
    """
    w, h = size
    mask = np.zeros((h, w), np.float32)
    for face in faces:
        poly = _face_polygon(face, forehead)
        hull = cv2.convexHull(poly.astype(np.float32)).reshape(-1, 2)
        x0, y0 = hull.min(axis=0)
        x1, y1 = hull.max(axis=0)
        side = float(max(x1 - x0, y1 - y0, 1.0))
        centre = hull.mean(axis=0)
        hull = centre + (hull - centre) * (1.0 + grow)
        one = np.zeros((h, w), np.float32)
        cv2.fillConvexPoly(one, np.round(hull * 16).astype(np.int32), 1.0, lineType=cv2.LINE_AA,
                           shift=4)
        sigma = max(0.5, feather * side)
        one = cv2.GaussianBlur(one, (0, 0), sigma)
        np.maximum(mask, one, out=mask)
    mask[mask < _MASK_FLOOR] = 0.0
    return mask


def difference_mask(before: np.ndarray, after: np.ndarray, *, threshold: float | None = None,
                    feather: float = 0.01) -> np.ndarray:
    """Where ``after`` differs from ``before`` beyond noise, feathered.

    Parameters
    ----------
    before, after : (H, W, 3) ndarray (same size; uint8, uint16 or float 0-1)
    threshold : float, optional
        Difference (0-1 scale) that counts as a change; default from the noise level
        (6 robust standard deviations of the smoothed difference, at least 5/255).
    feather : float
        Gaussian sigma as a fraction of the image diagonal.

    Returns
    -------
    mask : (H, W) float32 in [0, 1]
    """
    # Blur before differencing: re-encoding noise and ringing are zero-mean and cancel, while
    # an edit (tone, a removed blemish, a moved edge) survives.
    a = cv2.GaussianBlur(_to_unit(after), (0, 0), 2.0)
    b = cv2.GaussianBlur(_to_unit(before), (0, 0), 2.0)
    diff = np.abs(a - b).max(axis=2)
    if threshold is None:
        med = float(np.median(diff))
        mad = float(np.median(np.abs(diff - med))) * 1.4826
        threshold = max(5.0 / 255.0, med + 6.0 * mad)
    changed = (diff > threshold).astype(np.uint8)
    h, w = changed.shape
    k = max(3, int(round(0.004 * np.hypot(h, w))) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    changed = cv2.morphologyEx(changed, cv2.MORPH_OPEN, kernel)
    changed = cv2.dilate(changed, kernel, iterations=2)
    mask = cv2.GaussianBlur(changed.astype(np.float32), (0, 0), max(0.5, feather * np.hypot(h, w)))
    mask = np.clip(mask * 1.5, 0.0, 1.0)  # full strength inside the changed area
    mask[mask < _MASK_FLOOR] = 0.0
    return mask


def _structure_weight(result: np.ndarray, sent: np.ndarray) -> np.ndarray:
    """0 where the provider only changed tone, 1 where fine structure moved (warps)."""
    a, b = _gray(result), _gray(sent)
    hf = (a - cv2.GaussianBlur(a, (0, 0), 2.0)) - (b - cv2.GaussianBlur(b, (0, 0), 2.0))
    energy = cv2.GaussianBlur(np.abs(hf), (0, 0), 3.0)
    return np.clip((energy - 0.015) / 0.03, 0.0, 1.0)


def _edge_taper(mask: np.ndarray, crop: tuple[int, int, int, int], full: tuple[int, int]) -> None:
    """Fade the mask to 0 at crop edges that lie inside the photo (no seam at the crop)."""
    x0, y0, x1, y1 = crop
    h, w = mask.shape
    fade = max(2, int(0.03 * max(h, w)))
    ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
    if x0 > 0:
        mask[:, :fade] *= ramp[None, : min(fade, w)]
    if x1 < full[0]:
        mask[:, -fade:] *= ramp[::-1][None, -min(fade, w):]
    if y0 > 0:
        mask[:fade, :] *= ramp[: min(fade, h), None]
    if y1 < full[1]:
        mask[-fade:, :] *= ramp[::-1][-min(fade, h):, None]


def composite_result(original: np.ndarray, result: np.ndarray, crop: tuple[int, int, int, int], *,
                     uploaded: np.ndarray | None = None, faces: Sequence[FaceShape] = (),
                     whole: bool = False, opacity: float = 1.0, max_shift: float = 4.0,
                     detail: bool = True, grow: float = 0.12,
                     feather: float = 0.06, aspect_tolerance: float = 0.03) -> np.ndarray:
    """Blend a provider's result for ``crop`` into the full-resolution ``original``.

    Parameters
    ----------
    original : (H, W, 3) uint8 or uint16 ndarray
        The full-resolution photo, RGB. Not modified.
    result : (h, w, 3) uint8 or uint16 ndarray
        The provider's image of the crop, at any size with the crop's aspect ratio.
    crop : (x0, y0, x1, y1)
        The region of ``original`` that was sent (x1, y1 exclusive).
    uploaded : (h', w', 3) ndarray, optional
        Exactly what was sent (the decoded JPEG). Default: the crop downscaled to the
        result's size.
    faces : sequence of FaceShape
        Faces to blend, in ``original``'s coordinates. Empty: blend where the result differs
        from the upload beyond noise.
    whole : bool
        Blend the whole crop (a colour filter applies everywhere); ``faces`` is then ignored.
    opacity : float
        How much of the provider's change to apply, 0-1 (a filter's strength).
    max_shift : float
        Largest translation (in the result's pixels) the alignment may apply.
    detail : bool
        Keep the original's full-resolution detail where the provider only changed tone.
    grow, feather : float
        Face mask shape, see :func:`face_region_mask`.
    aspect_tolerance : float
        Relative aspect-ratio difference accepted between the result and the crop.

    Returns
    -------
    (H, W, 3) ndarray, same dtype as ``original``; identical to it outside the mask.

    Raises
    ------
    CompositeError
        The result's shape does not match the crop.
    """
    if original.ndim != 3 or original.shape[2] != 3:
        raise ValueError(f"original must be (H, W, 3), got {original.shape}")
    if result.ndim == 2:
        result = np.repeat(result[:, :, None], 3, axis=2)
    if result.ndim != 3 or result.shape[2] not in (3, 4) or min(result.shape[:2]) < 2:
        raise CompositeError(f"the service returned an image of shape {result.shape}, not an RGB photo")
    result = result[:, :, :3]
    H, W = original.shape[:2]
    x0, y0, x1, y1 = (int(v) for v in crop)
    if not (0 <= x0 < x1 <= W and 0 <= y0 < y1 <= H):
        raise ValueError(f"crop {crop} lies outside the {W}x{H} photo")
    cw, ch = x1 - x0, y1 - y0
    rh, rw = result.shape[:2]
    if abs((rw / rh) / (cw / ch) - 1.0) > aspect_tolerance:
        raise CompositeError(f"the service returned a {rw}x{rh} image for a {cw}x{ch} region (a "
                             "different shape), so it cannot be put back into the photo")
    region = original[y0:y1, x0:x1]

    # Everything is compared at the result's size: what was sent vs what came back.
    res = _to_unit(result)
    if uploaded is None:
        sent = _to_unit(cv2.resize(region, (rw, rh), interpolation=cv2.INTER_AREA))
    else:
        sent = _to_unit(uploaded[:, :, :3])
        if sent.shape[:2] != (rh, rw):
            interp = cv2.INTER_AREA if sent.shape[1] > rw else cv2.INTER_CUBIC
            sent = cv2.resize(sent, (rw, rh), interpolation=interp)
    dx, dy = estimate_shift(sent, res, max_shift=max_shift)
    if abs(dx) > 0.1 or abs(dy) > 0.1:
        m = np.float32([[1, 0, -dx], [0, 1, -dy]])
        res = cv2.warpAffine(res, m, (rw, rh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)

    if not whole and float(np.median(np.abs(res - sent))) > 0.12:
        # A retouch leaves most of the picture alone; this is another picture (a public URL
        # that is not this photo, or a provider error page rendered as an image).
        raise CompositeError("the service returned a picture that does not match the photo sent, "
                             "so it cannot be put back")
    fx, fy = rw / cw, rh / ch
    if whole:
        mask = np.ones((rh, rw), np.float32)
    elif faces:
        local = [FaceShape(np.column_stack([(f.points[:, 0] - x0 + 0.5) * fx - 0.5,
                                            (f.points[:, 1] - y0 + 0.5) * fy - 0.5]), f.score)
                 for f in faces]
        mask = face_region_mask((rw, rh), local, grow=grow, feather=feather)
    else:
        mask = difference_mask(sent, res)
    _edge_taper(mask, (x0, y0, x1, y1), (W, H))
    if opacity < 1.0:
        mask *= max(0.0, float(opacity))
        mask[mask < _MASK_FLOOR] = 0.0
    out = original.copy()
    rows = np.flatnonzero(mask.max(axis=1) > 0)
    cols = np.flatnonzero(mask.max(axis=0) > 0)
    if rows.size == 0:
        return out
    weight = _structure_weight(res, sent) if detail else np.ones((rh, rw), np.float32)

    # The region of interest in result pixels, then in crop pixels (one result pixel of slack).
    r0, r1 = max(0, rows[0] - 1), min(rh, rows[-1] + 2)
    c0, c1 = max(0, cols[0] - 1), min(rw, cols[-1] + 2)
    X0, X1 = int(np.floor(c0 / fx)), min(cw, int(np.ceil(c1 / fx)))
    Y0, Y1 = int(np.floor(r0 / fy)), min(ch, int(np.ceil(r1 / fy)))
    delta = res - sent
    maxval = 255.0 if original.dtype == np.uint8 else 65535.0
    # Bands of about 4 Mpx bound the memory of a whole-photo blend on a 24+ MP original.
    band = max(16, _BAND_PIXELS // max(1, X1 - X0))
    for b0 in range(Y0, Y1, band):
        b1 = min(Y1, b0 + band)
        size = (X1 - X0, b1 - b0)
        # sample result-sized arrays on this band's crop-pixel grid (pixel-centre convention)
        mx = np.float32([[fx, 0, (X0 + 0.5) * fx - 0.5], [0, fy, (b0 + 0.5) * fy - 0.5]])

        def up(a: np.ndarray, interp: int) -> np.ndarray:
            return cv2.warpAffine(a, mx, size, flags=interp | cv2.WARP_INVERSE_MAP,
                                  borderMode=cv2.BORDER_REPLICATE)

        m_up = np.clip(up(mask, cv2.INTER_LINEAR), 0.0, 1.0)
        m_up[m_up < _MASK_FLOOR] = 0.0
        if not m_up.any():
            continue
        orig_roi = region[b0:b1, X0:X1]
        orig_unit = _to_unit(orig_roi)
        change = up(delta, cv2.INTER_CUBIC)  # the provider's edit, added to the original
        g_up = np.clip(up(weight, cv2.INTER_LINEAR), 0.0, 1.0)
        if g_up.any():  # where structure moved, take the provider's pixels instead
            change += g_up[:, :, None] * (up(res, cv2.INTER_CUBIC) - orig_unit - change)
        blended = orig_unit + m_up[:, :, None] * change
        new = np.rint(np.clip(blended, 0.0, 1.0) * maxval).astype(original.dtype)
        keep = (m_up <= 0.0)[:, :, None]
        out[y0 + b0:y0 + b1, x0 + X0:x0 + X1] = np.where(keep, orig_roi, new)
    return out

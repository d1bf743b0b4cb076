"""Local touch-ups that repaint small areas: eyebrow removal, blemishes, teeth.

What belongs here: operations that replace or recolour pixels inside one feature's area, each a
pure function over a face crop ``(image, face, roi, strength)`` returning a new crop of the same
shape and dtype (0 strength returns an identical copy; nothing outside the feature's feathered
mask changes).

- Eyebrow removal fills the brow with the surrounding skin: its low frequencies come from an
  inpainting of the brow area on a downscale (tone and shading continue smoothly), its high
  frequencies are transplanted from the forehead just above the brow, so the filled skin has
  pores and grain instead of the smear a plain inpaint leaves.
- Blemish removal finds small spots on skin (darker or redder than the skin around them, smaller
  than a size that depends on the face: larger marks such as moles are kept as features of the
  person) and replaces them with their surroundings' tone, keeping the texture band.
- Teeth whitening brightens and removes yellow from the light, low-saturation pixels inside the
  inner lip line.
"""

from __future__ import annotations

import cv2
import numpy as np

from facestudio.core.faceshape import FaceShape
from facestudio.core.masks import Roi, face_axes

#: spots with an area above (MOLE_DIAMETER x inter-ocular distance)^2 * pi/4 are kept
MOLE_DIAMETER = 0.07


def _full(dtype: np.dtype) -> float:
    return 65535.0 if dtype == np.uint16 else 255.0


def _poly_mask(shape: tuple[int, int], pts: np.ndarray, offset: np.ndarray) -> np.ndarray:
    m = np.zeros(shape, np.float32)
    p = np.round((pts - offset) * 16).astype(np.int32)
    cv2.fillPoly(m, [p], 1.0, lineType=cv2.LINE_AA, shift=4)
    return m


def _blend(crop: np.ndarray, target: np.ndarray, weight: np.ndarray) -> np.ndarray:
    f = crop.astype(np.float32)
    out = f + weight[..., None] * (target - f)
    return np.clip(np.rint(out), 0, _full(crop.dtype)).astype(crop.dtype)


def _inpaint(crop8: np.ndarray, hole: np.ndarray, radius: float) -> np.ndarray:
    """cv2.inpaint on a downscale where the hole is about 24 px across, upsampled (float32 RGB)."""
    h, w = hole.shape
    ys, xs = np.nonzero(hole)
    span = max(int(np.ptp(ys)) if len(ys) else 1, 1)
    scale = min(1.0, 24.0 / span)
    small = (max(8, int(w * scale)), max(8, int(h * scale)))
    img_s = cv2.resize(crop8, small, interpolation=cv2.INTER_AREA)
    hole_s = (cv2.resize(hole.astype(np.uint8) * 255, small, interpolation=cv2.INTER_LINEAR) > 0).astype(np.uint8)
    hole_s = cv2.dilate(hole_s, np.ones((3, 3), np.uint8))
    filled = cv2.inpaint(img_s, hole_s, max(3.0, radius * scale), cv2.INPAINT_TELEA)
    return cv2.resize(filled.astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)


def _to8(crop: np.ndarray) -> np.ndarray:
    if crop.dtype == np.uint8:
        return crop
    return (crop.astype(np.float32) * (255.0 / 65535.0) + 0.5).astype(np.uint8)


def _skin_fill(f: np.ndarray, skin: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """Tone of the nearby skin at every pixel: a blur of ``f`` weighted by ``skin`` (normalised
    convolution, on a downscale for speed), and the weights' support (0 where no skin is near)."""
    h, w = skin.shape
    k = min(1.0, 6.0 / max(sigma, 1e-6))
    small = (max(4, int(w * k)), max(4, int(h * k)))
    fs = cv2.resize(f, small, interpolation=cv2.INTER_AREA)
    ws = cv2.resize(skin, small, interpolation=cv2.INTER_AREA)
    num = cv2.GaussianBlur(fs * ws[..., None], (0, 0), sigma * k)
    den = cv2.GaussianBlur(ws, (0, 0), sigma * k)
    tone = num / np.maximum(den, 1e-4)[..., None]
    return (cv2.resize(tone, (w, h), interpolation=cv2.INTER_CUBIC),
            cv2.resize(den, (w, h), interpolation=cv2.INTER_LINEAR))


def remove_eyebrows(crop: np.ndarray, face: FaceShape, roi: Roi, skin: np.ndarray, *, strength: float) -> np.ndarray:
    """Replace both brows with plausible skin (tone from the skin around, texture from above).

    Parameters
    ----------
    crop : (h, w, 3) uint8 or uint16 ndarray
        The ROI of the photo (``roi`` gives its place in the frame).
    face : FaceShape
        Landmarks in frame coordinates.
    skin : (h, w) float32 ndarray
        The face's skin mask over the whole crop: the tone is taken only from skin, so hair
        or an eye next to a brow never bleeds into the fill.
    strength : float
        0-100: how far the brow fades into skin (100 = gone).
    """
    if strength <= 0:
        return crop.copy()
    _, up, iod = face_axes(face)
    offset = np.array([roi.x0, roi.y0], np.float64)
    hole = np.zeros(crop.shape[:2], np.float32)
    for group in ("left_eye_brow", "right_eye_brow"):
        hole = np.maximum(hole, _poly_mask(crop.shape[:2], face.group(group), offset))
    if not hole.any():
        return crop.copy()
    feather = max(1.0, 0.025 * iod)
    # grown by the stray hairs' margin plus the feather's reach, so the weight is ~1 on the brow
    grow = max(1, int(round(0.045 * iod + 2 * feather)))
    hole = cv2.dilate(hole, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1)))
    full = _full(crop.dtype)
    f = crop.astype(np.float32)
    tone, support = _skin_fill(f, skin * (hole < 0.5), 0.12 * iod)
    if float(support[hole > 0.5].min(initial=1.0)) < 0.02:
        # no skin within reach of part of the brow (a tight crop): inpaint that part instead
        painted = _inpaint(_to8(crop), hole > 0.5, 0.1 * iod) * (full / 255.0)
        trust = np.clip(support / 0.05, 0.0, 1.0)[..., None]
        tone = trust * tone + (1.0 - trust) * painted
    base = tone
    # texture: the fine band of the skin above the brow, shifted down onto it. Its energy is
    # matched to the skin around the brow, so a fringe of hair above cannot be transplanted.
    sigma = max(0.8, 0.02 * iod)
    fine = f - cv2.GaussianBlur(f, (0, 0), sigma)
    lift = up * (0.25 * iod)  # dst(x) = src(x + lift): the donor lies above the brow
    shift = np.float32([[1, 0, lift[0]], [0, 1, lift[1]]])
    size = (crop.shape[1], crop.shape[0])
    donor = cv2.warpAffine(fine, shift, size, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                           borderMode=cv2.BORDER_REFLECT)
    energy = cv2.GaussianBlur((fine * fine).sum(axis=2), (0, 0), 3 * sigma)
    ring = (cv2.dilate(hole, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8), iterations=2) > 0.5) & (hole < 0.5)
    ref = float(np.median(energy[ring])) if ring.any() else float(np.median(energy))
    donor_energy = cv2.warpAffine(energy, shift, size, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                  borderMode=cv2.BORDER_REFLECT)
    donor *= np.sqrt(np.minimum(1.0, ref / np.maximum(donor_energy, 1e-6)))[..., None]
    filled = base + donor
    weight = cv2.GaussianBlur(hole, (0, 0), feather)
    weight[weight < 1.0 / 255.0] = 0.0
    return _blend(crop, filled, weight * np.float32(min(float(strength), 100.0) / 100.0))


def find_blemishes(crop: np.ndarray, skin: np.ndarray, iod: float, *, strength: float) -> np.ndarray:
    """A float32 mask of small spots on the skin to repair (0 elsewhere).

    A spot is a connected area that is darker (or redder) than the skin around it by a margin
    that falls as ``strength`` rises, with an area between a speck and a mole.
    """
    c8 = _to8(crop)
    lab = cv2.cvtColor(c8, cv2.COLOR_RGB2LAB).astype(np.float32)
    sigma = max(1.5, 0.06 * iod)
    local = cv2.GaussianBlur(lab, (0, 0), sigma)
    dark = local[..., 0] - lab[..., 0]
    red = lab[..., 1] - local[..., 1]
    s = min(float(strength), 100.0) / 100.0
    threshold = 14.0 - 8.0 * s
    score = np.maximum(dark, 1.3 * red)
    cand = ((score > threshold) & (skin > 0.6)).astype(np.uint8)
    if not cand.any():
        return np.zeros(crop.shape[:2], np.float32)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(cand, connectivity=8)
    max_area = np.pi / 4 * (MOLE_DIAMETER * iod) ** 2
    min_area = 2 if iod > 60 else 1
    keep = np.zeros(n, bool)
    areas = stats[:, cv2.CC_STAT_AREA]
    w_, h_ = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    keep[1:] = (areas[1:] >= min_area) & (areas[1:] <= max_area) & (np.maximum(w_[1:], h_[1:]) <= 2.5 * np.sqrt(max_area))
    spots = keep[labels].astype(np.float32)
    grow = max(1, int(round(0.012 * iod)))
    spots = cv2.dilate(spots, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1)))
    return spots


def remove_blemishes(crop: np.ndarray, skin: np.ndarray, iod: float, *, strength: float) -> np.ndarray:
    """Repair small spots on skin; moles above :data:`MOLE_DIAMETER` are left alone.

    Parameters
    ----------
    crop : (h, w, 3) uint8 or uint16 ndarray
    skin : (h, w) float32 ndarray
        Skin mask of the crop (spots are only looked for on skin).
    iod : float
        Inter-ocular distance in pixels (sets the spot sizes).
    strength : float
        0-100: higher finds fainter spots.
    """
    if strength <= 0:
        return crop.copy()
    spots = find_blemishes(crop, skin, iod, strength=strength)
    if not spots.any():
        return crop.copy()
    f = crop.astype(np.float32)
    # the spot's surroundings: a blur that ignores the spots themselves (normalised convolution)
    sigma = max(1.5, 0.05 * iod)
    keep = 1.0 - spots
    num = cv2.GaussianBlur(f * keep[..., None], (0, 0), sigma)
    den = cv2.GaussianBlur(keep, (0, 0), sigma)[..., None]
    around = num / np.maximum(den, 1e-3)
    fine = f - cv2.GaussianBlur(f, (0, 0), max(0.7, 0.008 * iod))
    target = around + 0.6 * fine
    weight = cv2.GaussianBlur(spots, (0, 0), max(0.7, 0.01 * iod)) * skin
    weight[weight < 1.0 / 255.0] = 0.0
    return _blend(crop, target, np.clip(weight, 0, 1))


def whiten_teeth(crop: np.ndarray, face: FaceShape, roi: Roi, *, strength: float) -> np.ndarray:
    """Brighten and de-yellow teeth: light, low-chroma pixels inside the inner lip line."""
    if strength <= 0:
        return crop.copy()
    _, _, iod = face_axes(face)
    offset = np.array([roi.x0, roi.y0], np.float64)
    inner = _poly_mask(crop.shape[:2], face.group("mouth")[12:22], offset)
    if not inner.any():
        return crop.copy()
    lab = cv2.cvtColor(_to8(crop), cv2.COLOR_RGB2LAB).astype(np.float32)
    lightness, a, b = lab[..., 0], lab[..., 1] - 128, lab[..., 2] - 128
    chroma = np.hypot(a, b)
    l_ref = np.percentile(lightness[inner > 0.5], 80) if (inner > 0.5).any() else 200.0
    likely = np.clip((lightness - 0.55 * l_ref) / (0.2 * l_ref + 1e-3), 0, 1) * np.clip((40 - chroma) / 20, 0, 1)
    weight = cv2.GaussianBlur(inner * likely, (0, 0), max(0.7, 0.01 * iod))
    s = min(float(strength), 100.0) / 100.0
    out_lab = lab.copy()
    out_lab[..., 2] = 128 + b * (1.0 - 0.7 * s) - 2.0 * s      # less yellow
    out_lab[..., 1] = 128 + a * (1.0 - 0.4 * s)                # less red
    out_lab[..., 0] = lightness + (255 - lightness) * 0.18 * s  # brighter, never clipped
    rgb = cv2.cvtColor(np.clip(out_lab, 0, 255).astype(np.uint8), cv2.COLOR_LAB2RGB).astype(np.float32)
    if crop.dtype == np.uint16:
        # carry the change as a ratio so 16-bit precision survives outside the teeth
        rgb8 = _to8(crop).astype(np.float32)
        rgb = crop.astype(np.float32) + (rgb - rgb8) * 257.0
    return _blend(crop, rgb, weight)

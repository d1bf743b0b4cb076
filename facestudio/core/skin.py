"""Tone operations on skin: texture-keeping smoothing and whitening.

What belongs here: pure functions over an RGB crop and its skin mask that change tone, never
geometry. Each takes ``strength`` on the providers' 0-100 scale; 0 returns the input unchanged,
and pixels where the mask is 0 are returned bit-identical (the change is blended through the
mask in the image's own integer scale).

Smoothing is a frequency separation whose low band is smoothed edge-aware (a guided filter with
the luminance as guide, coefficients computed at reduced resolution: the "fast guided filter")
and whose fine band, the pores and fine hair, is kept from the original. That is what keeps skin
from looking plastic: blotches, uneven tone and soft wrinkles go; texture stays.

Whitening is a per-channel lifting curve (log-shaped, so highlights never clip and darker channels
rise a little more), which brightens and slightly de-saturates skin towards white without shifting
its hue, blended through the same feathered mask so there is no halo at the edge.
"""

from __future__ import annotations

import cv2
import numpy as np


def _full_scale(dtype: np.dtype) -> float:
    return 65535.0 if dtype == np.uint16 else 255.0


def _blend(image: np.ndarray, target: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """image + weight * (target - image), back in image's dtype; exact where weight == 0."""
    f = image.astype(np.float32)
    out = f + weight[..., None] * (target - f)
    np.rint(out, out=out)
    np.clip(out, 0, _full_scale(image.dtype), out=out)
    return out.astype(image.dtype)


def _box(img: np.ndarray, r: int) -> np.ndarray:
    return cv2.boxFilter(img, -1, (2 * r + 1, 2 * r + 1), borderType=cv2.BORDER_REFLECT)


def guided_filter(image: np.ndarray, guide: np.ndarray, *, radius: int, eps: float,
                  subsample: int = 4) -> np.ndarray:
    """Fast guided filter (He & Sun 2015) of a float32 (h, w, c) image by a (h, w) guide.

    Linear coefficients are fitted in windows of ``radius`` on a ``subsample``-times smaller
    copy and upsampled; ``eps`` (in squared intensity units) decides which contrasts count as
    edges to keep.
    """
    h, w = guide.shape
    s = max(1, min(subsample, radius))
    small = (max(1, w // s), max(1, h // s))
    g = cv2.resize(guide, small, interpolation=cv2.INTER_AREA)
    p = cv2.resize(image, small, interpolation=cv2.INTER_AREA)
    r = max(1, radius // s)
    mean_g = _box(g, r)
    var_g = _box(g * g, r) - mean_g * mean_g
    mean_p = _box(p, r)
    cov = _box(p * g[..., None], r) - mean_p * mean_g[..., None]
    a = cov / (var_g[..., None] + eps)
    b = mean_p - a * mean_g[..., None]
    a = cv2.resize(_box(a, r), (w, h), interpolation=cv2.INTER_LINEAR)
    b = cv2.resize(_box(b, r), (w, h), interpolation=cv2.INTER_LINEAR)
    return a * guide[..., None] + b


def smooth_skin(image: np.ndarray, mask: np.ndarray, *, strength: float, iod: float) -> np.ndarray:
    """Texture-preserving skin smoothing of a crop.

    Parameters
    ----------
    image : (h, w, 3) uint8 or uint16 ndarray
        RGB crop around one face.
    mask : (h, w) float32 ndarray
        Skin mask in [0, 1] (see :func:`facestudio.core.masks.skin_mask`).
    strength : float
        0-100; 0 returns a copy of ``image``.
    iod : float
        The face's inter-ocular distance in pixels of ``image``: sets the scale of what is
        smoothed (blotches) and what is kept (pores).

    Returns
    -------
    out : ndarray, same shape and dtype as ``image``.
    """
    if strength <= 0 or not np.any(mask):
        return image.copy()
    s = min(float(strength), 100.0) / 100.0
    full = _full_scale(image.dtype)
    f = image.astype(np.float32)
    guide = cv2.cvtColor(f, cv2.COLOR_RGB2GRAY)
    radius = max(2, int(round(0.09 * iod)))
    eps = ((0.015 + 0.07 * s) * full) ** 2
    base = guided_filter(f, guide, radius=radius, eps=eps)
    # keep the fine band (pores) of the original: only the low-pass of the change is applied.
    sigma_fine = max(1.2, 0.015 * iod)
    change = cv2.GaussianBlur(base - f, (0, 0), sigma_fine)
    weight = mask * (0.35 + 0.65 * s) * np.float32(min(1.0, 1.6 * s + 0.2))
    return _blend(image, f + change, weight.astype(np.float32))


def _whitening_lut(strength: float, size: int) -> np.ndarray:
    """A monotone lifting curve on [0, 1] sampled at ``size`` levels (log-shaped)."""
    beta = 1.0 + 9.0 * (min(float(strength), 100.0) / 100.0) ** 1.2  # 1..10
    x = np.linspace(0.0, 1.0, size, dtype=np.float64)
    curve = np.log1p((beta - 1.0) * x) / np.log(beta) if beta > 1.0 + 1e-9 else x
    # a gentle curve: at 100 the mid-tones rise by ~0.17 of full scale, never more
    return 0.55 * x + 0.45 * curve


def whiten_skin(image: np.ndarray, mask: np.ndarray, *, strength: float, iod: float | None = None) -> np.ndarray:
    """Brighten skin without a colour cast and without flattening its texture.

    The lifting curve is applied to a low-pass copy of the skin and the fine detail is added back
    unchanged: a curve applied to every pixel would compress the pores' contrast by its slope
    (about 15 % in bright skin), one of the ways retouched skin starts to look plastic.

    Parameters
    ----------
    image : (h, w, 3) uint8 or uint16 ndarray
        RGB crop.
    mask : (h, w) float32 ndarray
        Skin mask in [0, 1].
    strength : float
        0-100; 0 returns a copy.
    iod : float, optional
        Inter-ocular distance in pixels; sets the detail band kept (default: 1.5 px).

    Returns
    -------
    out : ndarray, same shape and dtype as ``image``.
    """
    if strength <= 0 or not np.any(mask):
        return image.copy()
    full = _full_scale(image.dtype)
    size = 65536 if image.dtype == np.uint16 else 256
    lut = (_whitening_lut(strength, size) * full).astype(np.float32)
    f = image.astype(np.float32)
    sigma = 1.5 if iod is None else max(1.0, 0.02 * iod)
    base = cv2.GaussianBlur(f, (0, 0), sigma)
    # the curve on the base: it is smooth, so rounding it to the table's levels is invisible
    # (the detail added back dithers any step)
    if image.dtype == np.uint8:
        lifted_base = cv2.LUT(np.clip(base + 0.5, 0, 255).astype(np.uint8), lut)
    else:
        lifted_base = np.take(lut, np.clip(base + 0.5, 0, 65535).astype(np.uint16))
    return _blend(image, lifted_base + (f - base), mask)

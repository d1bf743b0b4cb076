"""The 35 colour filters of AILabTools face-beauty-pro (``filter_type`` 1-35), offline.

What belongs here: the filter catalogue (:data:`FILTERS`, lookup by id or name), applying a
filter with a strength (:func:`apply_filter`), and the small renders the GUI and the docs show
(:func:`thumbnails`, :func:`contact_sheet`). The looks themselves are recipes in
:mod:`facestudio.core._looks`; nothing is downloaded.

A filter is global, as the provider's are. Each look compiles once into a 3x3 colour matrix
and one tone table per channel (256 entries for 8-bit photos, 65536 for 16-bit), so applying it
is ``cv2.transform`` plus ``cv2.LUT``: two fused passes over the image, no float copy of it. A
look without a matrix folds the strength into its table (one pass). The few looks with a glow
or vignette add four or two more integer passes; the glow is computed on a copy at most 256 px
long and upsampled, so its cost and its look do not depend on the photo's size. Pass ``out=``
(even the input itself) to skip allocating the result, which at 24 MP costs as much as a pass.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from facestudio.core._looks import LOOKS, Look
from facestudio.core.errors import ParameterError

__all__ = ["FILTERS", "FilterSpec", "apply_filter", "contact_sheet", "filter_by_id",
           "filter_by_name", "thumbnails"]

#: long side of the copy the glow is computed on
_GLOW_SIDE = 256
#: long side of the vignette's grid before upsampling
_VIGNETTE_SIDE = 128
#: rows per block in the 16-bit table lookup (bounds the temporary)
_BLOCK_PIXELS = 1 << 20


@dataclass(frozen=True)
class FilterSpec:
    """One filter: its provider id (1-35), its name as the provider spells it, a one-line look."""

    id: int
    name: str
    description: str


FILTERS: tuple[FilterSpec, ...] = tuple(
    FilterSpec(i + 1, look.name, look.description) for i, look in enumerate(LOOKS))


def _key(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name).casefold()


_BY_KEY = {_key(f.name): f for f in FILTERS}


def _catalogue() -> str:
    return ", ".join(f"{f.id} {f.name}" for f in FILTERS)


def filter_by_id(filter_id: int) -> FilterSpec:
    """The filter with provider id ``filter_id`` (1-35); ParameterError otherwise."""
    if isinstance(filter_id, (bool, np.bool_)) or not isinstance(filter_id, (int, np.integer)) \
            or not 1 <= filter_id <= len(FILTERS):
        raise ParameterError(f"filter must be a filter id from 1 to {len(FILTERS)} (got {filter_id!r}); "
                             f"filters: {_catalogue()}")
    return FILTERS[int(filter_id) - 1]


def filter_by_name(name: str) -> FilterSpec:
    """The filter called ``name``: case, spaces, underscores and hyphens are ignored.

    ``"misty-rain"``, ``"MistyRain"`` and ``"Misty Rain"`` all give filter 35. An unknown name
    raises ParameterError naming the closest match and listing every id and name.
    """
    spec = _BY_KEY.get(_key(str(name)))
    if spec is None:
        close = difflib.get_close_matches(_key(str(name)), list(_BY_KEY), n=1, cutoff=0.6)
        hint = f"did you mean {_BY_KEY[close[0]].name!r}? " if close else ""
        raise ParameterError(f"unknown filter {name!r}; {hint}use one of (id name): {_catalogue()}")
    return spec


# --------------------------------------------------------------------------------- compiling

@dataclass(frozen=True)
class _Compiled:
    id: int
    look: Look
    matrix: np.ndarray | None   # (3, 3) float32, None when the look has no colour matrix
    unit8: np.ndarray           # (256, 3) float64: the tone functions at the 8-bit levels, 0-1
    lut8: np.ndarray            # (256, 1, 3) uint8, for cv2.LUT

    @property
    def spatial(self) -> bool:
        return self.look.glow > 0 or self.look.vignette > 0

    @property
    def lut16(self) -> np.ndarray:
        """(3, 65536) uint16 tables, built on first use (16-bit photos only)."""
        return _lut16(self.id)


@lru_cache(maxsize=None)
def _compiled(filter_id: int) -> _Compiled:
    look = LOOKS[filter_id - 1]
    fns = look.channel_functions()
    unit8 = np.stack([f(np.arange(256) / 255.0) for f in fns], axis=1)
    matrix = None if np.allclose(look.matrix, np.eye(3)) else look.matrix.astype(np.float32)
    return _Compiled(filter_id, look, matrix, unit8, np.rint(unit8 * 255.0).astype(np.uint8).reshape(256, 1, 3))


@lru_cache(maxsize=8)
def _lut16(filter_id: int) -> np.ndarray:
    x16 = np.arange(65536) / 65535.0
    fns = LOOKS[filter_id - 1].channel_functions()
    return np.stack([np.rint(f(x16) * 65535.0) for f in fns]).astype(np.uint16)


def _lookup16(image: np.ndarray, tables: np.ndarray) -> None:
    """In place: channel c of the uint16 ``image`` through ``tables[c]``, in row blocks."""
    h, w = image.shape[:2]
    step = max(1, _BLOCK_PIXELS // max(1, w))
    for y in range(0, h, step):
        block = image[y:y + step]
        for c in range(3):
            block[..., c] = tables[c][block[..., c]]


def _grade(image: np.ndarray, comp: _Compiled, out: np.ndarray | None = None) -> np.ndarray:
    """Matrix then per-channel tone tables, into ``out`` (may be ``image``) or a new array."""
    if comp.matrix is not None:
        out = cv2.transform(image, comp.matrix, dst=out)
    elif out is None:
        out = image.copy()
    elif out is not image:
        np.copyto(out, image)
    if image.dtype == np.uint8:
        cv2.LUT(out, comp.lut8, dst=out)
    else:
        _lookup16(out, comp.lut16)
    return out


def _folded(image: np.ndarray, comp: _Compiled, weight: float, out: np.ndarray | None) -> np.ndarray:
    """A matrix-free look with the strength folded into the tables: one pass."""
    if image.dtype == np.uint8:
        x = np.arange(256, dtype=np.float64)[:, None]
        lut = np.rint(x + weight * (comp.unit8 * 255.0 - x)).astype(np.uint8).reshape(256, 1, 3)
        return cv2.LUT(image, lut, dst=out)
    x = np.arange(65536, dtype=np.float64)[None, :]
    tables = np.rint(x + weight * (comp.lut16 - x)).astype(np.uint16)
    if out is None:
        out = image.copy()
    elif out is not image:
        np.copyto(out, image)
    _lookup16(out, tables)
    return out


def _full(dtype: np.dtype) -> float:
    return 255.0 if dtype == np.uint8 else 65535.0


def _glow_layer(image: np.ndarray, comp: _Compiled) -> np.ndarray:
    """The look's glow at most _GLOW_SIDE px long: blurred, highlight-weighted, opacity applied."""
    h, w = image.shape[:2]
    full = _full(image.dtype)
    scale = min(1.0, _GLOW_SIDE / max(h, w))
    small = image
    if scale < 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        # average over a sparser grid (every step-th pixel) when the reduction is large: the
        # area filter still averages >= 9 samples per small pixel (and the blur hundreds more),
        # at a fraction of the cost
        step = max(1, int(1.0 / scale) // 3)
        if step > 1:
            sparse = (max(size[0], w // step), max(size[1], h // step))
            image = cv2.resize(image, sparse, interpolation=cv2.INTER_NEAREST)
        small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    f = _grade(small, comp).astype(np.float32) * np.float32(1.0 / full)
    f *= f  # glow comes mostly from the highlights
    sigma = comp.look.glow_sigma * max(small.shape[:2])
    f = cv2.GaussianBlur(f, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    return np.rint(f * (comp.look.glow * full)).astype(image.dtype)


def _screen(out: np.ndarray, glow_small: np.ndarray) -> None:
    """In place: out + glow * (full - out) / full, glow upsampled to ``out``'s size.

    No full-size temporary beyond the upsampled glow (bitwise_not is its own inverse, so
    ``out`` is restored exactly after serving as full - out).
    """
    h, w = out.shape[:2]
    glow = glow_small
    if glow.shape != out.shape:
        glow = cv2.resize(glow_small, (w, h), interpolation=cv2.INTER_LINEAR)
    cv2.bitwise_not(out, dst=out)
    cv2.multiply(out, glow, dst=glow, scale=1.0 / _full(out.dtype))
    cv2.bitwise_not(out, dst=out)
    cv2.add(out, glow, dst=out)


def _vignette(out: np.ndarray, amount: float) -> None:
    """Darken towards the corners (smoothstep from 40 % of the half-diagonal), in place."""
    h, w = out.shape[:2]
    full = _full(out.dtype)
    s = _VIGNETTE_SIDE / max(h, w)
    gh, gw = max(2, round(h * s)), max(2, round(w * s))
    yy = (np.arange(gh) + 0.5) / gh * 2.0 - 1.0
    xx = (np.arange(gw) + 0.5) / gw * 2.0 - 1.0
    r = np.sqrt((xx[None, :] ** 2 + yy[:, None] ** 2) / 2.0)
    t = np.clip((r - 0.4) / 0.6, 0.0, 1.0)
    mask = (1.0 - amount * t * t * (3.0 - 2.0 * t)) * full
    mask3 = np.repeat(np.rint(mask).astype(out.dtype)[..., None], 3, axis=2)
    mask3 = cv2.resize(mask3, (w, h), interpolation=cv2.INTER_LINEAR)
    cv2.multiply(out, mask3, dst=out, scale=1.0 / full)


def _check_image(image: np.ndarray) -> np.ndarray:
    if not isinstance(image, np.ndarray) or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) RGB array, got {getattr(image, 'shape', type(image))}")
    if image.dtype not in (np.uint8, np.uint16):
        raise TypeError(f"expected uint8 or uint16 pixels, got {image.dtype}")
    return np.ascontiguousarray(image)


def _check_strength(strength: float) -> float:
    if isinstance(strength, (bool, np.bool_)) or not isinstance(strength, (int, float, np.number)) \
            or not 0 <= strength <= 100:
        raise ParameterError(f"filter strength must be a number from 0 to 100 (got {strength!r})")
    return float(strength)


def apply_filter(image: np.ndarray, filter_id: int, *, strength: float = 100,
                 out: np.ndarray | None = None) -> np.ndarray:
    """Apply colour filter ``filter_id`` (1-35) to the whole photo.

    Parameters
    ----------
    image : (H, W, 3) uint8 or uint16 ndarray
        RGB photo; not mutated (unless it is passed as ``out`` too).
    filter_id : int
        The provider's ``filter_type`` (see :data:`FILTERS`; :func:`filter_by_name` maps names).
    strength : float
        0-100: how far from the original towards the full look (a linear blend). 0 returns an
        identical copy.
    out : ndarray, optional
        Contiguous array of the same shape and dtype to write into (saves allocating a new
        image, which is costly at 24 MP); it may be ``image`` itself to filter in place.

    Returns
    -------
    out : ndarray of the same shape and dtype: a new array, or ``out`` when given.

    Raises
    ------
    ParameterError
        Unknown filter id or strength outside 0-100.
    """
    spec = filter_by_id(filter_id)
    weight = _check_strength(strength) / 100.0
    src = _check_image(image)
    if out is not None and (not isinstance(out, np.ndarray) or out.shape != src.shape
                            or out.dtype != src.dtype or not out.flags.c_contiguous or not out.flags.writeable):
        raise ValueError("out must be a writeable, contiguous array of the image's shape and dtype")
    if out is not None and out is not src and np.may_share_memory(out, src):
        src = src.copy()  # partial overlap: work from a private copy
    if weight == 0.0:
        if out is None:
            return image.copy()
        if out is not src:
            np.copyto(out, src)
        return out
    comp = _compiled(spec.id)
    if comp.matrix is None and not comp.spatial:
        return _folded(src, comp, weight, out)
    glow = _glow_layer(src, comp) if comp.look.glow > 0 else None
    original = src.copy() if weight < 1.0 and out is src else src
    result = _grade(src, comp, out)
    if glow is not None:
        _screen(result, glow)
    if comp.look.vignette > 0:
        _vignette(result, comp.look.vignette)
    if weight < 1.0:
        cv2.addWeighted(original, 1.0 - weight, result, weight, 0.0, dst=result)
    return result


# ------------------------------------------------------------------------- small renders

def _small_uint8(image: np.ndarray, size: int) -> np.ndarray:
    """``image`` scaled so its long side is at most ``size`` (area filter), as uint8."""
    src = _check_image(image)
    h, w = src.shape[:2]
    s = size / max(h, w)
    if s < 1.0:
        src = cv2.resize(src, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    if src.dtype == np.uint16:
        src = np.rint(src / 257.0).astype(np.uint8)
    return src if src is not image else src.copy()


def thumbnails(image: np.ndarray, *, size: int = 96) -> dict[int, np.ndarray]:
    """Every filter rendered on a small copy: {filter id: (h, w, 3) uint8 RGB}.

    The copy's long side is ``size`` (or the photo's own, if smaller); 16-bit photos give 8-bit
    thumbnails (they are for display).
    """
    small = _small_uint8(image, size)
    return {f.id: apply_filter(small, f.id) for f in FILTERS}


def contact_sheet(image: np.ndarray, *, thumb: int = 160, columns: int = 6) -> np.ndarray:
    """The original and all 35 filters in a labelled grid: an (H, W, 3) uint8 RGB image.

    Each cell is the photo with its long side ``thumb`` over a caption "id name" ("Original"
    first), on a dark background.
    """
    from facestudio.core.sheet import grid

    small = _small_uint8(image, thumb)
    tiles = [("Original", small)] + [(f"{f.id} {f.name}", apply_filter(small, f.id)) for f in FILTERS]
    return grid(tiles, columns=columns)

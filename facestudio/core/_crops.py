"""Image pyramid and rotated square crops for the face models.

What belongs here: :class:`Pyramid` (the image and its 2x area-averaged reductions, built
lazily, so a 24 MP photo is never resized with a slow interpolation) and :class:`Roi` (a
rotated, optionally mirrored square region) with :func:`crop`, which samples a region into a
model input from the pyramid level nearest in size (no aliasing, no full-frame work) and
returns the affine map from crop pixels back to image coordinates.

Coordinates here are continuous (pixel corners at integers, the first pixel's centre at
0.5, 0.5), the convention of the models' outputs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np


class Pyramid:
    """An RGB image (uint8 or uint16, not copied) and its 2x INTER_AREA reductions.

    ``level(j)`` is the image reduced by ``2**j`` (odd edges dropped); built on first use.
    """

    def __init__(self, image: np.ndarray) -> None:
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"expected an (H, W, 3) RGB image, got shape {image.shape}")
        self.levels: list[np.ndarray] = [image]
        self.height, self.width = image.shape[:2]
        #: factor that brings pixel values to [0, 1]
        self.unit = np.float32(1.0 / 65535.0 if image.dtype == np.uint16 else 1.0 / 255.0)

    def level(self, j: int) -> np.ndarray:
        while len(self.levels) <= j:
            prev = self.levels[-1]
            h, w = prev.shape[0] // 2, prev.shape[1] // 2
            if h < 1 or w < 1:
                raise ValueError("pyramid level too small")
            src = prev[: 2 * h, : 2 * w]
            self.levels.append(cv2.resize(src, (w, h), interpolation=cv2.INTER_AREA))
        return self.levels[j]

    def max_level(self, min_side: int = 16) -> int:
        """Deepest level whose short side is at least ``min_side`` pixels."""
        j = 0
        short = min(self.height, self.width)
        while short // (2 ** (j + 1)) >= min_side:
            j += 1
        return j


@dataclass(frozen=True)
class Roi:
    """A square region: centre (image coordinates), side, angle of its x axis, mirror flag.

    The crop's x axis points along ``(cos angle, sin angle)`` in the image (y down); with
    ``mirror`` the crop is flipped left-right (the iris model sees every eye as an image-left
    eye).
    """

    cx: float
    cy: float
    size: float
    angle: float
    mirror: bool = False

    def affine(self, out: int) -> np.ndarray:
        """2x3 map from crop coordinates (0..out, continuous) to image coordinates."""
        s = self.size / out
        c, si = math.cos(self.angle) * s, math.sin(self.angle) * s
        m = -1.0 if self.mirror else 1.0
        lin = np.array([[c * m, -si], [si * m, c]])
        t = np.array([self.cx, self.cy]) - lin @ np.array([out / 2.0, out / 2.0])
        return np.hstack([lin, t[:, None]])

    def corners(self) -> np.ndarray:
        a = self.affine(1)
        unit = np.array([[0, 0, 1], [1, 0, 1], [1, 1, 1], [0, 1, 1]], dtype=np.float64)
        return unit @ a.T


def apply(affine: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Apply a 2x3 affine to (n, 2) points."""
    return pts @ affine[:, :2].T + affine[:, 2]


def crop(pyr: Pyramid, roi: Roi, out: int) -> tuple[np.ndarray, np.ndarray]:
    """Sample ``roi`` into an (out, out, 3) float32 tensor in [0, 1] (black outside the image).

    The source is the pyramid level whose pixel size is nearest to the crop's (the remaining
    bilinear resampling is between 0.7x and 1.4x), so small crops of big photos are not aliased.

    Returns
    -------
    tensor : (out, out, 3) float32 ndarray
    affine : (2, 3) ndarray
        Crop coordinates to image coordinates (continuous).
    """
    a = roi.affine(out)
    s = roi.size / out
    j = 0
    if s > 1.4:
        j = min(int(math.floor(math.log2(s / 1.4))) + 1, pyr.max_level())
    src = pyr.level(j)
    f = 2.0**j
    # crop -> level, in pixel-index convention (centres at integers) for warpAffine
    lin = a[:, :2] / f
    t = a[:, 2] / f + lin @ np.array([0.5, 0.5]) - 0.5
    m = np.hstack([lin, t[:, None]])
    patch = cv2.warpAffine(src, m, (out, out), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))
    return patch.astype(np.float32) * pyr.unit, a

"""Real-face test images: scikit-image's astronaut (public domain) and composites built from it.

The composition itself lives in :mod:`facestudio.samples` (the benchmark uses it too); this
module feeds it scikit-image's copy of the portrait, as the tests' source of truth.
"""

from __future__ import annotations

import numpy as np

from facestudio import samples
from facestudio.samples import FACE_CENTER, HEAD_BOX, GroupPhoto, backdrop  # noqa: F401 (re-exported)


def astronaut() -> np.ndarray:
    """The 512x512 RGB uint8 astronaut portrait (a fresh copy each call)."""
    from skimage import data

    return np.ascontiguousarray(data.astronaut())


def group_photo(n_faces: int = 7, width: int = 3000, height: int = 2000,
                head_heights: tuple[int, ...] | None = None, seed: int = 0) -> GroupPhoto:
    """``n_faces`` astronaut heads on a backdrop (see :func:`facestudio.samples.group_photo`)."""
    return samples.group_photo(astronaut(), n_faces, width, height, head_heights, seed)


def large_portrait(width: int = 6000, height: int = 4000) -> np.ndarray:
    """A 24 MP frame with the astronaut upscaled in the middle."""
    return samples.large_portrait(astronaut(), width, height)

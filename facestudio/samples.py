"""Sample portraits for the benchmark and the tests, composed from one real face.

What belongs here: loading the shipped public-domain astronaut portrait, and composing larger
frames from a face photo (a 24 MP portrait, a group photo with faces of several sizes on a smooth
backdrop) so benchmarks and tests run on real faces without downloading anything. The tests pass
scikit-image's copy of the same portrait as ``source``; ``facestudio bench`` uses the shipped one.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import cv2
import numpy as np

#: the astronaut's head and shoulders inside the 512x512 portrait (y0, y1, x0, x1)
HEAD_BOX = (0, 250, 110, 340)
#: approximate face centre (x, y) in the 512x512 portrait
FACE_CENTER = (224.0, 125.0)


def sample_path() -> str:
    """File path of the shipped sample portrait (JPEG with EXIF, ICC and XMP)."""
    ref = resources.files("facestudio.resources").joinpath("samples/astronaut.jpg")
    return str(ref)


def shipped_astronaut() -> np.ndarray:
    """The shipped sample portrait as a 512x512 RGB uint8 array."""
    data = resources.files("facestudio.resources").joinpath("samples/astronaut.jpg").read_bytes()
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def backdrop(height: int, width: int, seed: int = 0) -> np.ndarray:
    """A smooth gradient background with mild noise, like a studio backdrop (RGB uint8)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    base = 150 + 40 * (xx / max(width - 1, 1)) - 30 * (yy / max(height - 1, 1))
    img = np.stack([base, base * 0.95 + 5, base * 0.9 + 10], axis=-1)
    img += rng.normal(0, 3, img.shape).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class GroupPhoto:
    image: np.ndarray
    #: (x, y) of each pasted face's centre, in image pixels
    centers: tuple[tuple[float, float], ...]
    #: head heights in pixels
    sizes: tuple[int, ...]


def group_photo(source: np.ndarray, n_faces: int = 7, width: int = 3000, height: int = 2000,
                head_heights: tuple[int, ...] | None = None, seed: int = 0) -> GroupPhoto:
    """A canvas with ``n_faces`` heads cut from the 512x512 ``source`` portrait, on a grid."""
    y0, y1, x0, x1 = HEAD_BOX
    head = source[y0:y1, x0:x1]
    canvas = backdrop(height, width, seed)
    cols = int(np.ceil(np.sqrt(n_faces * width / height)))
    rows = int(np.ceil(n_faces / cols))
    cell_w, cell_h = width // cols, height // rows
    if head_heights is None:
        base = int(min(cell_h, cell_w * head.shape[0] / head.shape[1]) * 0.8)
        head_heights = tuple(int(base * f) for f in np.linspace(1.0, 0.55, n_faces))
    centers = []
    for i in range(n_faces):
        r, c = divmod(i, cols)
        h = int(head_heights[i % len(head_heights)])
        w = int(round(h * head.shape[1] / head.shape[0]))
        interp = cv2.INTER_AREA if h < head.shape[0] else cv2.INTER_CUBIC
        patch = cv2.resize(head, (w, h), interpolation=interp)
        cx, cy = c * cell_w + cell_w // 2, r * cell_h + cell_h // 2
        px, py = cx - w // 2, cy - h // 2
        canvas[py:py + h, px:px + w] = patch
        s = h / head.shape[0]
        centers.append((px + (FACE_CENTER[0] - x0) * s, py + (FACE_CENTER[1] - y0) * s))
    return GroupPhoto(canvas, tuple(centers), tuple(int(h) for h in head_heights[:n_faces]))


def large_portrait(source: np.ndarray, width: int = 6000, height: int = 4000) -> np.ndarray:
    """A landscape frame (24 MP by default) with ``source`` upscaled to its height, centred."""
    big = cv2.resize(source, (height, height), interpolation=cv2.INTER_CUBIC)
    canvas = backdrop(height, width)
    x = (width - height) // 2
    canvas[:, x:x + height] = big
    return canvas

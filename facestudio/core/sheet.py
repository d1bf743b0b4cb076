"""Contact sheets: labelled grids of small renders, for looking at many effects at once.

What belongs here: laying tiles out in a grid with captions (:func:`grid`), and the sheet of the
22 reshape parts at -100 and +100 on a face crop (:func:`parts_sheet`). The filters' sheet
(:func:`facestudio.core.filters.contact_sheet`) uses the same grid. Pure: arrays in, an RGB
uint8 image out.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from facestudio.core.faceshape import FaceShape


def grid(tiles: Sequence[tuple[str, np.ndarray]], *, columns: int = 6) -> np.ndarray:
    """Tiles (caption, (h, w, 3) uint8 RGB, all the same size) in a grid on a dark background."""
    th, tw = tiles[0][1].shape[:2]
    cap, gap = max(14, th // 9), 4
    rows = -(-len(tiles) // columns)
    sheet = np.full((gap + rows * (th + cap + gap), gap + columns * (tw + gap), 3), 32, np.uint8)
    font = cv2.FONT_HERSHEY_SIMPLEX
    for k, (label, tile) in enumerate(tiles):
        y, x = gap + (k // columns) * (th + cap + gap), gap + (k % columns) * (tw + gap)
        sheet[y:y + th, x:x + tw] = tile
        scale = cap / 30.0
        while scale > 0.25 and cv2.getTextSize(label, font, scale, 1)[0][0] > tw - 4:
            scale -= 0.05
        cv2.putText(sheet, label, (x + 2, y + th + cap - cap // 4), font, scale, (235, 235, 235), 1,
                    cv2.LINE_AA)
    return sheet


def parts_sheet(image: np.ndarray, face: FaceShape, *, thumb: int = 200, strength: int = 100) -> np.ndarray:
    """Each reshape part at -strength and +strength on a crop around ``face``, with the original.

    The crop is the face region with a margin, rendered at full resolution and then scaled so
    its long side is ``thumb`` px; three columns per row: -, original, +.
    """
    from facestudio.core.masks import face_roi
    from facestudio.core.params import RESHAPE_PARTS, RetouchParams
    from facestudio.core.pipeline import render

    roi = face_roi(face, image.shape, margin=0.6)
    zero = RetouchParams.zero()

    def small(img: np.ndarray) -> np.ndarray:
        crop = img[roi.slices]
        if crop.dtype != np.uint8:
            crop = np.rint(crop / 257.0).astype(np.uint8)
        s = thumb / max(crop.shape[:2])
        return cv2.resize(crop, (max(1, round(crop.shape[1] * s)), max(1, round(crop.shape[0] * s))),
                          interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC)

    original = small(image)
    tiles: list[tuple[str, np.ndarray]] = []
    for index, (name, label) in enumerate(RESHAPE_PARTS):
        for sign in (-1, 1):
            out = render(image, [face], zero.with_part(name, sign * strength))
            tiles.append((f"{index} {label} {sign * strength:+d}", small(out)))
        tiles.insert(len(tiles) - 1, ("original", original))
    return grid(tiles, columns=6)

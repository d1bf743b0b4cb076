"""Drawing the 90 landmarks over a photo, by group, for ``facestudio analyze --overlay``.

What belongs here: the colour of each display group (shared with the GUI's overlay so the two
look alike) and a pure function that draws points, group outlines and face numbers on a copy of
an RGB image with OpenCV. The GUI draws with Qt from the same colours; it does not call this.
"""

from __future__ import annotations

from collections.abc import Iterable

import cv2
import numpy as np

from facestudio.core.faceshape import DISPLAY_GROUPS, FaceAnalysis

#: RGB colour per display group (distinct, readable on skin and on dark backgrounds)
GROUP_COLOURS: dict[str, tuple[int, int, int]] = {
    "contour": (255, 214, 10),
    "brows": (255, 120, 40),
    "eyes": (40, 220, 255),
    "nose": (150, 255, 80),
    "mouth": (255, 70, 160),
    "pupils": (255, 255, 255),
}
#: groups drawn as closed outlines (the others as open polylines)
_CLOSED = {"left_eye", "right_eye", "left_eye_brow", "right_eye_brow"}


def draw_landmarks(image: np.ndarray, analysis: FaceAnalysis,
                   groups: Iterable[str] = tuple(DISPLAY_GROUPS)) -> np.ndarray:
    """A copy of ``image`` ((H, W, 3) RGB uint8) with each face's points drawn by group.

    Point size and line width scale with each face, so small faces in a group photo stay
    readable and large ones are not smothered. Each face is numbered (from 1, as people count and as the app and CLI show them) at its forehead.
    """
    out = np.ascontiguousarray(image.copy())
    for index, face in enumerate(analysis.faces):
        iod = max(face.interocular(), 8.0)
        radius = max(1, int(round(iod * 0.025)))
        thick = max(1, int(round(iod * 0.012)))
        for group in groups:
            colour = GROUP_COLOURS[group]
            for name in DISPLAY_GROUPS[group]:
                pts = face.group(name)
                if len(pts) > 1:
                    poly = np.round(pts).astype(np.int32).reshape(-1, 1, 2)
                    cv2.polylines(out, [poly], name in _CLOSED, colour, thick, cv2.LINE_AA)
                for x, y in pts:
                    cv2.circle(out, (int(round(x)), int(round(y))), radius + 1, colour, -1, cv2.LINE_AA)
        x0, y0, x1, _ = face.bbox()
        scale = max(0.4, iod / 60.0)
        org = (int(round((x0 + x1) / 2 - 8 * scale)), int(round(y0 - 0.2 * iod)))
        cv2.putText(out, str(index + 1), org, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), thick + 2, cv2.LINE_AA)
        cv2.putText(out, str(index + 1), org, cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thick, cv2.LINE_AA)
    return out

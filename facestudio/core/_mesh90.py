"""From MediaPipe's 468-vertex face mesh and its iris model to FaceStudio's 90 points.

What belongs here: the vertex table of ``shared/spec/local-landmarks.md`` (one mesh vertex per
90-point slot, in the order of :data:`facestudio.core.faceshape.GROUPS`), the positions of the
eye and brow slots in the iris model's 71-point eye contour, and :func:`to_90` that assembles
one face. Geometry of crops and model runs lives in :mod:`facestudio.core.landmarks`.

The iris model's 71-point eye contour (MediaPipe ``iris_landmark``), for the eye whose outer
corner is vertex 33 (image-left in an upright photo): 0-8 the lower lid from the outer corner
(33) to the inner corner (133); 9-15 the upper lid from the outer end inward, corners excluded
(246, 161, ..., 173); 16-31 and 32-47 two halos around the eye; 48-53 the brow's lower edge
(vertices 35, 124, 46, 53, 52, 65); 54-62 a lower halo; 63-70 the brow's upper edge (156, 70,
63, 105, 66, 107, 55, 193). Checked by drawing all 71 points on the astronaut: 50-53 and 65-69
lie on the visible brow, 0-15 on the lids. The other eye is run mirrored, so the same contour
index lands on the mirror vertex (263 for 33, 276 for 46 and so on): one index list serves
both eyes.
"""

from __future__ import annotations

import numpy as np

from facestudio.core.faceshape import GROUP_SLICES, N_POINTS

FACE_PROFILE = (127, 234, 93, 132, 58, 172, 136, 150, 149, 148, 152,
                377, 378, 379, 365, 397, 288, 361, 323, 454, 356)
LEFT_EYE = (33, 163, 145, 154, 133, 157, 159, 161)
RIGHT_EYE = (263, 390, 374, 381, 362, 384, 386, 388)
LEFT_BROW = (46, 53, 52, 65, 55, 66, 105, 63)
RIGHT_BROW = (276, 283, 282, 295, 285, 296, 334, 293)
MOUTH = (61, 91, 84, 17, 314, 321, 291, 270, 267, 0, 37, 40,
         95, 178, 14, 402, 324, 415, 311, 13, 81, 191)
NOSE = (1, 168, 196, 3, 51, 64, 98, 2, 327, 294, 281, 248, 419)

#: mesh vertex for each of the first 88 slots (the two pupils come from the iris model).
MESH_VERTICES = np.array(FACE_PROFILE + LEFT_EYE + RIGHT_EYE + LEFT_BROW + RIGHT_BROW
                         + MOUTH + NOSE, dtype=np.intp)

#: index in the iris model's 71-point contour of each eye slot (0 outer corner, 4 inner corner,
#: 1-3 lower lid, 5-7 upper lid back out) and of each brow slot (0 outer end, 1-3 lower edge,
#: 4 inner end, 5-7 upper edge back out); same list for both sides (the right eye is mirrored).
IRIS_EYE = np.array([0, 2, 4, 6, 8, 14, 12, 10], dtype=np.intp)
IRIS_BROW = np.array([50, 51, 52, 53, 69, 67, 66, 65], dtype=np.intp)

# mesh vertices used to place crops
OUTER_LEFT, INNER_LEFT = 33, 133
INNER_RIGHT, OUTER_RIGHT = 362, 263
CHIN = 152
NOSE_TIP = 1

_SL = GROUP_SLICES


def to_90(mesh: np.ndarray, left_contour: np.ndarray | None, right_contour: np.ndarray | None,
          left_pupil: np.ndarray, right_pupil: np.ndarray) -> np.ndarray:
    """The (90, 2) points of one face.

    Parameters
    ----------
    mesh : (468, 2) ndarray
        Mesh vertices in image coordinates.
    left_contour, right_contour : (71, 2) ndarray or None
        The iris model's eye contours of the image-left and image-right eye in image coordinates;
        ``None`` keeps the mesh's own eyelid and brow points for that side.
    left_pupil, right_pupil : (2,) ndarray
        Iris centres (iris point 0).
    """
    pts = np.empty((N_POINTS, 2))
    pts[:len(MESH_VERTICES)] = mesh[MESH_VERTICES]
    if left_contour is not None:
        pts[_SL["left_eye"]] = left_contour[IRIS_EYE]
        pts[_SL["left_eye_brow"]] = left_contour[IRIS_BROW]
    if right_contour is not None:
        pts[_SL["right_eye"]] = right_contour[IRIS_EYE]
        pts[_SL["right_eye_brow"]] = right_contour[IRIS_BROW]
    pts[_SL["left_pupil"]] = left_pupil
    pts[_SL["right_pupil"]] = right_pupil
    return pts

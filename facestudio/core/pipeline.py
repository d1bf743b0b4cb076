"""The retouch pipeline: a photo, its faces and the parameters in, the retouched photo out.

What belongs here: the order of operations and the bookkeeping around them, nothing else. Each
face (or group of overlapping faces) is processed inside its own region of interest, with its
own parameters (``RetouchParams.for_face``): tone operations and touch-ups first (blemishes,
smoothing, whitening through the skin mask built from the untouched photo; eyebrows; teeth), then
every geometric move of every face in that region fused into one remap. The colour filter, a
global look, comes last over the whole frame. Without a filter, pixels outside the face regions
are never touched; the input is never mutated.

:class:`PreparedPhoto` keeps what does not depend on the sliders (regions, skin masks) so a
preview re-render after a slider move pays only for the operations; :func:`render` is the pure
one-shot form used by the CLI and tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from facestudio.core import reshape, skin, touchup
from facestudio.core.errors import ParameterError
from facestudio.core.faceshape import FaceShape
from facestudio.core.masks import Roi, face_axes, face_roi, skin_mask
from facestudio.core.params import RetouchParams
from facestudio.core.warp import Move, apply_moves


@dataclass(frozen=True)
class Region:
    """A crop of the photo and the faces (by index) processed inside it."""

    roi: Roi
    faces: tuple[int, ...]


def plan_regions(image_shape: tuple[int, ...], faces: Sequence[FaceShape],
                 selected: Sequence[int]) -> list[Region]:
    """One region per selected face, merging regions that overlap (group photos)."""
    regions = [Region(face_roi(faces[i], image_shape), (i,)) for i in selected]
    regions = [r for r in regions if not r.roi.is_empty()]
    merged = True
    while merged:
        merged = False
        for i in range(len(regions)):
            for j in range(i + 1, len(regions)):
                if regions[i].roi.overlaps(regions[j].roi):
                    a, b = regions[i], regions.pop(j)
                    regions[i] = Region(a.roi.union(b.roi), a.faces + b.faces)
                    merged = True
                    break
            if merged:
                break
    return regions


def selected_faces(faces: Sequence[FaceShape], face: int | None) -> list[int]:
    """Indices of the faces ``params.face`` selects (all when None).

    Indices are 0-based; people see faces numbered from 1, so messages say ``index + 1``.
    """
    if face is None:
        return list(range(len(faces)))
    if not 0 <= face < len(faces):
        if not faces:
            raise ParameterError(f"face {face + 1} was chosen but no face was found in this photo")
        raise ParameterError(f"face {face + 1} does not exist: this photo has {len(faces)} face(s), "
                             f"numbered 1 to {len(faces)} from the left")
    return [face]


def face_moves(face: FaceShape, params: RetouchParams) -> list[Move]:
    """Every geometric move the parameters ask of one face."""
    moves = (reshape.face_lifting_moves(face, params.face_lifting)
             + reshape.eye_enlarging_moves(face, params.eye_enlarging)
             + reshape.shrink_face_moves(face, params.shrink_face))
    for part, value in enumerate(params.reshape):
        if value:
            moves += reshape.part_moves(face, part, value)
    return moves


def _retouch_face(prepared: PreparedPhoto, crop: np.ndarray, index: int, roi: Roi,
                  p: RetouchParams) -> np.ndarray:
    """Tone and touch-up operations of one face on its region's crop (geometry comes later)."""
    face = prepared.faces[index]
    iod = face_axes(face)[2]
    if p.smoothing or p.whitening or p.blemish_removal:
        (mr, mc), m = prepared.mask(index, roi)
        part = crop[mr, mc]
        if part.size:
            if p.blemish_removal:
                part = touchup.remove_blemishes(part, m, iod, strength=p.blemish_removal)
            if p.smoothing:
                part = skin.smooth_skin(part, m, strength=p.smoothing, iod=iod)
            if p.whitening:
                part = skin.whiten_skin(part, m, strength=p.whitening, iod=iod)
            crop[mr, mc] = part
    if p.remove_eyebrow:
        (mr, mc), m = prepared.mask(index, roi)
        skin_roi = np.zeros(crop.shape[:2], np.float32)
        skin_roi[mr, mc] = m
        crop = touchup.remove_eyebrows(crop, face, roi, skin_roi, strength=p.remove_eyebrow)
    if p.teeth_whitening:
        crop = touchup.whiten_teeth(crop, face, roi, strength=p.teeth_whitening)
    return crop


class PreparedPhoto:
    """A photo and its faces, with the slider-independent work cached.

    Parameters
    ----------
    image : (H, W, 3) uint8 or uint16 ndarray
        RGB photo; kept by reference and never written to.
    faces : sequence of FaceShape
        Faces in ``image`` pixel coordinates.
    """

    def __init__(self, image: np.ndarray, faces: Sequence[FaceShape]) -> None:
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype not in (np.uint8, np.uint16):
            raise ParameterError("the image must be an RGB uint8 or uint16 array")
        self.image = image
        self.faces = tuple(faces)
        self._masks: dict[tuple[int, Roi], tuple[tuple[slice, slice], np.ndarray]] = {}

    def mask(self, index: int, roi: Roi) -> tuple[tuple[slice, slice], np.ndarray]:
        """Face ``index``'s skin mask inside ``roi``, cropped to where it is non-zero.

        Returns the (rows, cols) slices of that crop relative to the ROI, and the mask there.
        Tone operations only run on that crop.
        """
        key = (index, roi)
        hit = self._masks.get(key)
        if hit is None:
            m = skin_mask(self.image, self.faces[index], roi)
            ys, xs = np.nonzero(m.any(axis=1))[0], np.nonzero(m.any(axis=0))[0]
            if len(ys) == 0:
                hit = ((slice(0, 0), slice(0, 0)), m[:0, :0])
            else:
                sl = (slice(int(ys[0]), int(ys[-1]) + 1), slice(int(xs[0]), int(xs[-1]) + 1))
                hit = (sl, np.ascontiguousarray(m[sl]))
            self._masks[key] = hit
        return hit

    def render(self, params: RetouchParams) -> np.ndarray:
        """The retouched photo: a new array of the image's shape and dtype."""
        out = self.image.copy()
        chosen = selected_faces(self.faces, params.face)  # reports a bad index even with no effect
        active = [i for i in chosen if not params.for_face(i).face_is_identity()]
        for region in plan_regions(self.image.shape, self.faces, active):
            rows, cols = region.roi.slices
            crop = self.image[rows, cols].copy()
            moves: list[Move] = []
            for i in region.faces:
                p = params.for_face(i)
                crop = _retouch_face(self, crop, i, region.roi, p)
                moves += face_moves(self.faces[i], p)
            if moves:
                crop = apply_moves(crop, moves, region.roi.x0, region.roi.y0)
            out[rows, cols] = crop
        if params.filter_id is not None and params.filter_strength > 0:
            from facestudio.core.filters import apply_filter

            out = apply_filter(out, params.filter_id, strength=params.filter_strength, out=out)
        return out


def render(image: np.ndarray, faces: Sequence[FaceShape], params: RetouchParams) -> np.ndarray:
    """Retouch ``image``: pure, the input is not mutated.

    Parameters
    ----------
    image : (H, W, 3) uint8 or uint16 ndarray
        RGB photo.
    faces : sequence of FaceShape
        Faces in ``image``'s own pixel coordinates (scale them for a preview).
    params : RetouchParams
        Slider values; ``params.face`` selects one face, None means every face.

    Returns
    -------
    out : ndarray of the same shape and dtype; identical to ``image`` for
        ``RetouchParams.zero()`` or when there are no faces.
    """
    return PreparedPhoto(image, faces).render(params)

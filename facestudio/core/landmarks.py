"""The offline 90-point landmark engine: find every face in a photo and place its 90 points.

What belongs here: :func:`detect_faces` (the entry point) and :class:`LandmarkDetector`, the
pipeline of ``shared/spec/local-landmarks.md``: BlazeFace on the whole frame and, for large
frames or when nothing is found, on overlapping tiles (and on turned copies for sideways or
upside-down photos); for each detection three passes of the face mesh on rotated square crops
with an orientation check; the iris model on each eye; de-duplication; the mapping to the
90-point schema (:mod:`facestudio.core._mesh90`). Model loading lives in
:mod:`facestudio.core._tflite`, the detector's decoding in :mod:`facestudio.core._blazeface`,
pyramid and crops in :mod:`facestudio.core._crops`.

Thread safety: each thread gets its own interpreters, so :func:`detect_faces` may run in
several threads at once. Images are never modified.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

from facestudio.core import _blazeface as bf
from facestudio.core import _mesh90 as m90
from facestudio.core._crops import Pyramid, Roi, apply, crop
from facestudio.core._tflite import FaceModels, thread_models
from facestudio.core.errors import ParameterError
from facestudio.core.faceshape import LOCAL_MODEL_VERSION, FaceAnalysis, FaceShape

MESH_SIZE = 192
IRIS_SIZE = 64
#: minimum detector score for a candidate (the mesh's face score is the real filter)
DETECTION_SCORE = 0.4
#: minimum mesh face score (sigmoid) to keep a face
FACE_SCORE = 0.5
FACE_LOGIT = math.log(FACE_SCORE / (1.0 - FACE_SCORE))
#: a mesh fit this sure (logit; upright faces score 14-45, upside-down crops 0-6) is not
#: tried at quarter turns
CONFIDENT_LOGIT = 10.0
NMS_IOU = 0.3
DUPLICATE_IOU = 0.4
#: "auto" tiling also tiles frames whose long side exceeds this (small faces could hide there)
AUTO_TILE_LONG_SIDE = 2000
#: the finest tiles are about this fraction of the long side (50 % overlap)
FINE_TILE_FRACTION = 1.0 / 3.0


@dataclass(frozen=True)
class _Face:
    """One face in image coordinates (continuous): 468 mesh vertices, 90 points, score."""

    mesh: np.ndarray
    points: np.ndarray
    score: float

    def box(self) -> np.ndarray:
        return np.concatenate([self.mesh.min(axis=0), self.mesh.max(axis=0)])


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-80.0, min(80.0, float(x)))))


def _tiles(width: int, height: int, side: float) -> Iterator[tuple[int, int, int, int]]:
    """Square-ish tiles of about ``side`` pixels covering the frame at 50 % overlap."""
    def spans(length: int) -> list[tuple[int, int]]:
        t = int(round(min(side, length)))
        if t >= length:
            return [(0, length)]
        n = math.ceil((length - t) / (t / 2.0)) + 1
        starts = np.linspace(0, length - t, n)
        return [(int(round(s)), int(round(s)) + t) for s in starts]

    for y0, y1 in spans(height):
        for x0, x1 in spans(width):
            yield x0, y0, x1, y1


class LandmarkDetector:
    """Runs the face models of the calling thread on one image.

    Parameters
    ----------
    image : (H, W, 3) uint8 or uint16 ndarray
        RGB pixels (not copied, not modified).
    """

    def __init__(self, image: np.ndarray, models: FaceModels | None = None) -> None:
        image = np.asarray(image)
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype not in (np.uint8, np.uint16):
            raise ParameterError(
                f"landmarks need an RGB image of shape (H, W, 3), uint8 or uint16; "
                f"got {image.dtype} {image.shape}")
        if image.size == 0:
            raise ParameterError("landmarks need a non-empty image")
        item = image.itemsize
        if image.strides[2] != item or image.strides[1] != 3 * item or image.strides[0] <= 0:
            image = np.ascontiguousarray(image)  # e.g. a flipped or rotated view; OpenCV needs rows
        self.pyr = Pyramid(image)
        self.models = models or thread_models()
        self.height, self.width = image.shape[:2]

    # -- detection -----------------------------------------------------------------------

    def _detect_region(self, x0: int, y0: int, x1: int, y1: int, level_src: Pyramid | None = None,
                       ) -> np.ndarray:
        """Detector candidates inside one region (full-resolution pixels) of ``level_src``."""
        pyr = level_src or self.pyr
        long = max(x1 - x0, y1 - y0)
        j = 0
        while long / 2 ** (j + 1) >= bf.INPUT_SIZE and j + 1 <= pyr.max_level(8):
            j += 1
        f = 2**j
        src = pyr.level(j)
        lx0, ly0 = x0 // f, y0 // f
        lx1 = min(src.shape[1], max(lx0 + 1, x1 // f))
        ly1 = min(src.shape[0], max(ly0 + 1, y1 // f))
        tensor, back = bf.letterbox(src, lx0, ly0, lx1, ly1, float(pyr.unit))
        raw_boxes, raw_scores = self.models.detector(tensor)
        dets = bf.decode(raw_boxes, raw_scores, back, DETECTION_SCORE)
        dets[:, : bf.SCORE] *= f
        return self._drop_cut(dets, x0, y0, x1, y1, pyr.width, pyr.height)

    @staticmethod
    def _drop_cut(dets: np.ndarray, x0: int, y0: int, x1: int, y1: int, w: int, h: int,
                  ) -> np.ndarray:
        """Drop boxes touching a tile edge that is not a frame edge (a neighbour sees them
        whole)."""
        if len(dets) == 0:
            return dets
        margin = 0.02 * max(x1 - x0, y1 - y0)
        bad = np.zeros(len(dets), bool)
        if x0 > 0:
            bad |= dets[:, 0] < x0 + margin
        if y0 > 0:
            bad |= dets[:, 1] < y0 + margin
        if x1 < w:
            bad |= dets[:, 2] > x1 - margin
        if y1 < h:
            bad |= dets[:, 3] > y1 - margin
        return dets[~bad]

    def frame_detections(self, pyr: Pyramid | None = None) -> np.ndarray:
        """Candidates (n, DET_COLS) of one detector pass on the whole frame, best first."""
        pyr = pyr or self.pyr
        return bf.weighted_nms(self._detect_region(0, 0, pyr.width, pyr.height, pyr), NMS_IOU)

    def tile_detections(self, pyr: Pyramid | None = None, thorough: bool = False) -> np.ndarray:
        """Candidates from overlapping tiles (about a third of the long side; with ``thorough``
        also half), merged by weighted NMS, best first."""
        pyr = pyr or self.pyr
        w, h = pyr.width, pyr.height
        found = [np.zeros((0, bf.DET_COLS))]
        if max(w, h) > 2 * bf.INPUT_SIZE:
            for side in self._tile_sides(max(w, h), thorough):
                found.extend(self._detect_region(*t, pyr) for t in _tiles(w, h, side))
        return bf.weighted_nms(np.concatenate(found), NMS_IOU)

    def detections(self, tiling: bool | str = "auto", pyr: Pyramid | None = None) -> np.ndarray:
        """Frame and (unless ``tiling`` is False) tile candidates merged, best first."""
        dets = self.frame_detections(pyr)
        if tiling is not False:
            dets = np.concatenate([dets, self.tile_detections(pyr, tiling is True)])
        return bf.weighted_nms(dets, NMS_IOU)

    @staticmethod
    def _tile_sides(long: int, thorough: bool) -> list[float]:
        sides = [long * FINE_TILE_FRACTION]
        if thorough:
            sides.insert(0, long / 2.0)
        return [s for s in sides if s >= bf.INPUT_SIZE]

    # -- landmarks -----------------------------------------------------------------------

    def _mesh(self, roi: Roi) -> tuple[np.ndarray, float]:
        """Mesh vertices (468, 2) in image coordinates and the face-score logit for one crop."""
        tensor, a = crop(self.pyr, roi, MESH_SIZE)
        raw, logit = self.models.mesh(tensor)
        pts = raw.reshape(-1, 3)[:, :2].astype(np.float64)
        return apply(a, pts), float(logit[0])

    def _iris(self, roi: Roi) -> tuple[np.ndarray, np.ndarray]:
        tensor, a = crop(self.pyr, roi, IRIS_SIZE)
        contour, iris = self.models.iris(tensor)
        c = apply(a, contour.reshape(-1, 3)[:, :2].astype(np.float64))
        i = apply(a, iris.reshape(-1, 3)[:, :2].astype(np.float64))
        return c, i

    @staticmethod
    def roi_from_detection(det: np.ndarray) -> Roi:
        x0, y0, x1, y1 = det[:4]
        (lx, ly), (rx, ry) = det[4:6], det[6:8]
        return Roi((x0 + x1) / 2, (y0 + y1) / 2, 1.5 * max(x1 - x0, y1 - y0),
                   math.atan2(ry - ly, rx - lx))

    @staticmethod
    def roi_from_mesh(mesh: np.ndarray) -> Roi:
        d = mesh[m90.OUTER_RIGHT] - mesh[m90.OUTER_LEFT]
        ang = math.atan2(d[1], d[0])
        c, s = math.cos(ang), math.sin(ang)
        rot = np.array([[c, s], [-s, c]])  # image -> face frame
        local = mesh @ rot.T
        lo, hi = local.min(axis=0), local.max(axis=0)
        centre = ((lo + hi) / 2) @ rot  # back to the image frame
        return Roi(float(centre[0]), float(centre[1]), 1.5 * float(max(hi - lo)), ang)

    @staticmethod
    def _eye_roi(a: np.ndarray, b: np.ndarray, mirror: bool) -> Roi:
        d = b - a
        return Roi(float((a[0] + b[0]) / 2), float((a[1] + b[1]) / 2),
                   2.3 * float(np.hypot(*d)), math.atan2(d[1], d[0]), mirror)

    def face_from_detection(self, det: np.ndarray) -> _Face | None:
        """Mesh passes and iris for one detection; ``None`` if it is not a sane face.

        Pass 1 runs on the detector's region, pass 2 on the region of pass 1's points, pass 3
        (the result) on the region of pass 2's. Each must reach FACE_SCORE. At pass 2 the crop
        is also tried turned by half a turn (and by quarter turns when the fit is weak): the
        mesh fits an upright face even to an upside-down crop, with a clearly lower score.
        """
        mesh, logit = self._mesh(self.roi_from_detection(det))
        if logit < FACE_LOGIT:
            return None
        roi = self.roi_from_mesh(mesh)
        mesh, logit = self._mesh(roi)
        turns = (math.pi,) if logit >= CONFIDENT_LOGIT else (math.pi, math.pi / 2, -math.pi / 2)
        for turn in turns:
            alt_mesh, alt_logit = self._mesh(replace(roi, angle=roi.angle + turn))
            if alt_logit > logit:
                mesh, logit = alt_mesh, alt_logit
            if turn == math.pi and logit >= CONFIDENT_LOGIT:
                break
        if logit < FACE_LOGIT:
            return None
        mesh, logit = self._mesh(self.roi_from_mesh(mesh))
        if logit < FACE_LOGIT or not _upright(mesh):
            return None
        lc, li = self._iris(self._eye_roi(mesh[m90.OUTER_LEFT], mesh[m90.INNER_LEFT], False))
        rc, ri = self._iris(self._eye_roi(mesh[m90.INNER_RIGHT], mesh[m90.OUTER_RIGHT], True))
        pts = m90.to_90(mesh, lc, rc, li[0], ri[0])
        return _Face(mesh, pts, _sigmoid(logit))

    def faces(self, dets: np.ndarray, known: list[_Face] | None = None) -> list[_Face]:
        """Faces for candidates (best first), skipping candidates inside a face already found
        (in ``known`` or earlier in ``dets``); returns ``known`` plus the new faces, deduped."""
        out = list(known or [])
        for det in dets:
            if len(_not_inside(det[None], out)) == 0:
                continue
            face = self.face_from_detection(det)
            if face is not None:
                out.append(face)
        return _dedupe(out)

    def find_faces(self, tiling: bool | str = "auto", turn: int = 0,
                   known: list[_Face] | None = None) -> list[_Face]:
        """Faces of the image, detected on it (``turn`` = 0) or on a reduced copy turned by
        ``np.rot90(.., turn)``; the mesh always runs on this image, upright. Faces in
        ``known`` are kept and not searched again."""
        if turn:
            j, long = 0, max(self.width, self.height)
            while long / 2 ** (j + 1) >= 1024 and j + 1 <= self.pyr.max_level():
                j += 1
            small = self.pyr.level(j)
            pyr = Pyramid(np.ascontiguousarray(np.rot90(small, turn)))

            def to_image(d: np.ndarray) -> np.ndarray:
                d = _unrotate(d, turn, small.shape[1], small.shape[0])
                d[:, : bf.SCORE] *= 2**j
                return d
        else:
            pyr = self.pyr

            def to_image(d: np.ndarray) -> np.ndarray:
                return d

        faces = self.faces(to_image(self.frame_detections(pyr)), known)
        found_new = len(faces) > len(known or [])
        long = max(self.width, self.height)
        if tiling is True or (tiling == "auto" and (not found_new or long > AUTO_TILE_LONG_SIDE)):
            faces = self.faces(to_image(self.tile_detections(pyr, tiling is True)), faces)
        return faces

    def analyze(self, tiling: bool | str = "auto") -> FaceAnalysis:
        """All faces with their 90 points, left to right (see :func:`detect_faces`)."""
        faces = self.find_faces(tiling)
        if tiling is not False:
            if not faces:  # a sideways or upside-down photo the detector did not take?
                for k in (1, 3, 2):  # (whole-frame passes only: tiles x 3 would cost ~0.5 s)
                    faces = self.find_faces(False, turn=k)
                    if faces:
                        break
            # the faces found are mostly turned: the photo is, so look again the right way up
            k = _quarter_turns(faces)
            if k:
                faces = self.find_faces(tiling, turn=k, known=faces)
        faces.sort(key=lambda f: float(f.points[:, 0].mean()))
        shapes = tuple(FaceShape(f.points - 0.5, f.score) for f in faces)
        return FaceAnalysis(self.width, self.height, shapes, LOCAL_MODEL_VERSION)


def _not_inside(dets: np.ndarray, faces: list[_Face]) -> np.ndarray:
    """Candidates whose box centre is not inside a face already found (no need to mesh twice)."""
    if len(dets) == 0 or not faces:
        return dets
    centres = (dets[:, 0:2] + dets[:, 2:4]) / 2
    inside = np.zeros(len(dets), bool)
    for f in faces:
        x0, y0, x1, y1 = f.box()
        inside |= ((centres[:, 0] > x0) & (centres[:, 0] < x1)
                   & (centres[:, 1] > y0) & (centres[:, 1] < y1))
    return dets[~inside]


def _quarter_turns(faces: list[_Face]) -> int:
    """Quarter turns (np.rot90's k) that bring most of ``faces`` upright; 0 if they are."""
    if not faces:
        return 0
    rolls = []
    for f in faces:
        d = f.mesh[m90.OUTER_RIGHT] - f.mesh[m90.OUTER_LEFT]
        rolls.append(math.atan2(d[1], d[0]))
    # circular mean of the rolls, in quarter turns
    mean = math.atan2(sum(math.sin(r) for r in rolls), sum(math.cos(r) for r in rolls))
    return round(math.degrees(mean) / 90.0) % 4


def _unrotate(dets: np.ndarray, k: int, w: int, h: int) -> np.ndarray:
    """Map detections made on ``np.rot90(img, k)`` (img of size w x h) back to ``img``."""
    out = dets.copy()
    xs, ys = dets[:, 0:bf.SCORE:2], dets[:, 1:bf.SCORE:2]
    if k == 1:  # rotated (x', y') = (y, w - x)
        nx, ny = w - ys, xs
    elif k == 2:
        nx, ny = w - xs, h - ys
    else:  # k == 3: (x', y') = (h - y, x)
        nx, ny = ys, h - xs
    out[:, 0:bf.SCORE:2], out[:, 1:bf.SCORE:2] = nx, ny
    # the box corners swapped roles: rebuild (x0, y0, x1, y1)
    bx, by = out[:, [0, 2]], out[:, [1, 3]]
    out[:, 0], out[:, 2] = bx.min(axis=1), bx.max(axis=1)
    out[:, 1], out[:, 3] = by.min(axis=1), by.max(axis=1)
    return out


def _upright(mesh: np.ndarray) -> bool:
    """The chin lies below the eyes in the face's own frame (the eye line 33 -> 263)."""
    a, b = mesh[m90.OUTER_LEFT], mesh[m90.OUTER_RIGHT]
    e = b - a
    n2 = float(e @ e)
    if n2 <= 0:
        return False
    down = np.array([-e[1], e[0]])
    chin = float((mesh[m90.CHIN] - (a + b) / 2) @ down) / n2
    return chin > 0.4


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return float(bf.box_iou(a, b[None])[0])


def _dedupe(faces: list[_Face]) -> list[_Face]:
    """Keep the better of two faces whose mesh boxes overlap by more than DUPLICATE_IOU."""
    kept: list[_Face] = []
    for face in sorted(faces, key=lambda f: -f.score):
        if all(_iou(face.box(), k.box()) <= DUPLICATE_IOU for k in kept):
            kept.append(face)
    return kept


def detect_faces(image: np.ndarray, *, tiling: bool | str = "auto") -> FaceAnalysis:
    """Find every face of an RGB photo and its 90 landmarks (offline, MediaPipe models).

    Parameters
    ----------
    image : (H, W, 3) uint8 or uint16 ndarray
        RGB pixels as displayed (EXIF orientation applied). Not modified.
    tiling : {"auto", True, False}
        ``False``: one detector pass on the whole frame (fast; misses faces smaller than about
        5 % of the long side). ``True``: also overlapping tiles (thorough, for batch work).
        ``"auto"``: whole frame, plus tiles when nothing is found or when the long side
        exceeds 2000 px.

    Returns
    -------
    FaceAnalysis
        Faces sorted left to right, coordinates in ``image`` pixels (pixel-index convention),
        score = the mesh's face score. Group order follows the face's own upright frame: for
        an upright face ``left_*`` is the image-left side; for a face turned upside down it
        is the side that is image-left once the photo is turned upright (the same anatomical
        points as in the upright photo).

    Raises
    ------
    ParameterError
        ``image`` is not an (H, W, 3) uint8/uint16 array or ``tiling`` is invalid.
    ModelError
        A shipped model file is missing or damaged.
    """
    if not (tiling is True or tiling is False or tiling == "auto"):
        raise ParameterError(f"tiling must be True, False or 'auto', not {tiling!r}")
    return LandmarkDetector(image).analyze(tiling)

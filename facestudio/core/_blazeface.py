"""BlazeFace (MediaPipe's back-camera face detector): input tensors, decoding, weighted NMS.

What belongs here: the 896 SSD anchors of the 256x256 back model, turning the raw regressors
and logits into detections (box + 6 keypoints + score), letterboxing an image or a tile into the
model's input, mapping detections back to image coordinates, and the weighted non-maximum
suppression that merges detections of overlapping tiles. Which tiles to run is decided by
:mod:`facestudio.core.landmarks`; nothing here knows about the face mesh.

A detection is one row of a float64 array of :data:`DET_COLS` columns: ``x0, y0, x1, y1`` (the
box), then six keypoints ``x, y`` (0 = image-left eye, 1 = image-right eye, 2 = nose tip,
3 = mouth, 4 and 5 = ear tragions), then the score, all in continuous image coordinates
(pixel corners at integers).
"""

from __future__ import annotations

import cv2
import numpy as np

INPUT_SIZE = 256
N_KEYPOINTS = 6
DET_COLS = 4 + 2 * N_KEYPOINTS + 1
SCORE = DET_COLS - 1
RAW_SCORE_CLIP = 80.0


def _anchors() -> np.ndarray:
    """(896, 2) anchor centres in [0, 1] for strides 16, 32, 32, 32 on 256 (16x16x2 + 8x8x6)."""
    rows = []
    for grid, per_cell in ((INPUT_SIZE // 16, 2), (INPUT_SIZE // 32, 6)):
        c = (np.arange(grid, dtype=np.float64) + 0.5) / grid
        yy, xx = np.meshgrid(c, c, indexing="ij")
        centres = np.stack([xx.ravel(), yy.ravel()], axis=1)
        rows.append(np.repeat(centres, per_cell, axis=0))
    return np.concatenate(rows)


ANCHORS = _anchors()


def letterbox(image: np.ndarray, x0: int, y0: int, x1: int, y1: int,
              unit: float = 1.0 / 255.0) -> tuple[np.ndarray, np.ndarray]:
    """The detector input for the region ``[y0:y1, x0:x1]`` of ``image``, and its back-mapping.

    Parameters
    ----------
    image : (H, W, 3) uint8 or uint16 ndarray
        RGB pixels; ``unit`` brings them to [0, 1] (1/255 or 1/65535).
    x0, y0, x1, y1 : int
        Region in pixels; it is scaled (area interpolation) so its long side is 256 and padded
        with black at the right or bottom.

    Returns
    -------
    tensor : (256, 256, 3) float32 ndarray
        Values in [-1, 1].
    back : (4,) float64 ndarray
        ``(ox, oy, sx, sy)``: image coordinate = origin + input coordinate * scale, for input
        coordinates in pixels of the 256x256 tensor.
    """
    w, h = x1 - x0, y1 - y0
    f = INPUT_SIZE / max(w, h)
    tw, th = max(1, min(INPUT_SIZE, round(w * f))), max(1, min(INPUT_SIZE, round(h * f)))
    region = image[y0:y1, x0:x1]
    interp = cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR
    small = cv2.resize(region, (tw, th), interpolation=interp) if (tw, th) != (w, h) else region
    tensor = np.full((INPUT_SIZE, INPUT_SIZE, 3), -1.0, np.float32)
    tensor[:th, :tw] = small.astype(np.float32) * np.float32(2.0 * unit) - np.float32(1.0)
    return tensor, np.array([x0, y0, w / tw, h / th])


def decode(raw_boxes: np.ndarray, raw_scores: np.ndarray, back: np.ndarray,
           min_score: float) -> np.ndarray:
    """Detections (n, DET_COLS) in image coordinates from one run of the detector.

    ``raw_boxes`` is the flattened (896, 16) regressor output, ``raw_scores`` the 896 logits,
    ``back`` the mapping returned by :func:`letterbox`.
    """
    logits = np.clip(raw_scores.astype(np.float64), -RAW_SCORE_CLIP, RAW_SCORE_CLIP)
    scores = 1.0 / (1.0 + np.exp(-logits))
    keep = np.flatnonzero(scores >= min_score)
    if keep.size == 0:
        return np.zeros((0, DET_COLS))
    reg = raw_boxes.reshape(-1, 8, 2)[keep].astype(np.float64)
    anchors = ANCHORS[keep] * INPUT_SIZE
    centre = reg[:, 0] + anchors
    half = reg[:, 1] / 2.0
    kps = reg[:, 2:] + anchors[:, None, :]
    out = np.empty((keep.size, DET_COLS))
    out[:, 0:2] = centre - half
    out[:, 2:4] = centre + half
    out[:, 4:SCORE] = kps.reshape(keep.size, -1)
    out[:, SCORE] = scores[keep]
    valid = np.all(half > 0, axis=1)
    out = out[valid]
    ox, oy, sx, sy = back
    out[:, 0:SCORE:2] = ox + out[:, 0:SCORE:2] * sx
    out[:, 1:SCORE:2] = oy + out[:, 1:SCORE:2] * sy
    return out


def box_iou(a: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """IoU of box ``a`` (x0, y0, x1, y1) with each row of ``boxes`` (n, 4)."""
    ix = np.clip(np.minimum(a[2], boxes[:, 2]) - np.maximum(a[0], boxes[:, 0]), 0, None)
    iy = np.clip(np.minimum(a[3], boxes[:, 3]) - np.maximum(a[1], boxes[:, 1]), 0, None)
    inter = ix * iy
    area_a = (a[2] - a[0]) * (a[3] - a[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / np.maximum(area_a + areas - inter, 1e-9)


def weighted_nms(dets: np.ndarray, iou_threshold: float = 0.3) -> np.ndarray:
    """MediaPipe-style weighted NMS: each cluster becomes the score-weighted mean of its members.

    The merged detection keeps the cluster's best score. Rows are returned best first.
    """
    if len(dets) == 0:
        return dets
    order = np.argsort(-dets[:, SCORE], kind="stable")
    remaining = dets[order]
    merged = []
    while len(remaining):
        iou = box_iou(remaining[0, :4], remaining[:, :4])
        cluster = iou > iou_threshold
        cluster[0] = True
        members = remaining[cluster]
        w = members[:, SCORE:SCORE + 1]
        row = (members * w).sum(axis=0) / w.sum()
        row[SCORE] = members[0, SCORE]
        merged.append(row)
        remaining = remaining[~cluster]
    return np.array(merged)

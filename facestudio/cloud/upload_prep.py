"""Fitting a photo to an endpoint before it is sent: crop, downscale, re-encode.

What belongs here: choosing the region to send (the faces with a margin, or the whole photo),
downscaling it to the endpoint's side limit, and re-encoding it as a metadata-free JPEG whose
quality is lowered (then its size) until it fits the byte cap. The result,
:class:`PreparedUpload`, remembers the crop box and the scale so the provider's answer can be
put back into the full-resolution original (``facestudio.core.composite``), and keeps the exact
pixels that were sent (the decoded JPEG) for that comparison. Nothing here talks HTTP.

Only the crop leaves the machine: no EXIF, ICC, XMP or GPS, and nothing outside the box.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from facestudio.cloud.errors import ImageLimitsError
from facestudio.cloud.limits import EndpointLimits, check_upload
from facestudio.core.faceshape import FaceShape

__all__ = ["PreparedUpload", "face_crop_box", "prepare_upload", "to_uint8"]

#: how much context to keep around the faces, as a fraction of the largest face's size.
DEFAULT_MARGIN = 0.6


@dataclass(frozen=True, eq=False)
class PreparedUpload:
    """A JPEG ready to send and how it maps back to the original.

    Attributes
    ----------
    data : bytes
        The JPEG file (no metadata).
    crop : (x0, y0, x1, y1)
        The region of the original that was sent, in original pixels (x1, y1 exclusive).
    scale : float
        Upload pixels per original pixel along x (<= 1); ``width / (x1 - x0)``.
    width, height : int
        Pixel size of the JPEG.
    pixels : (height, width, 3) uint8 ndarray
        The decoded JPEG, i.e. exactly what the provider receives.
    """

    data: bytes
    crop: tuple[int, int, int, int]
    scale: float
    width: int
    height: int
    quality: int
    whole_image: bool
    original_size: tuple[int, int]
    pixels: np.ndarray = field(repr=False)
    filename: str = "facestudio-upload.jpg"
    mime: str = "image/jpeg"

    @property
    def crop_size(self) -> tuple[int, int]:
        x0, y0, x1, y1 = self.crop
        return x1 - x0, y1 - y0

    def face_to_original(self, face: FaceShape, *, reported_width: int | None = None) -> FaceShape:
        """A face found in the uploaded image, in the original's pixel coordinates.

        ``reported_width`` is the image width the service says it analysed (if it resized the
        upload itself, its coordinates are in that size).
        """
        cw, _ = self.crop_size
        factor = cw / (reported_width if reported_width else self.width)
        return face.scaled(factor).translated(self.crop[0], self.crop[1])

    def describe(self) -> str:
        """One line for the user: what exactly is sent."""
        ow, oh = self.original_size
        cw, ch = self.crop_size
        size = f"{self.width}x{self.height} px"
        scaled = self.scale < 0.999
        if self.whole_image:
            what = (f"the whole photo, downscaled from {cw}x{ch} to {size}," if scaled
                    else f"the whole photo ({size})")
        else:
            what = f"the face region ({cw}x{ch} px of the {ow}x{oh} photo"
            what += f", downscaled to {size})" if scaled else ")"
        return f"{what} as a JPEG ({len(self.data) / 1e6:.2f} MB, no metadata)"


def to_uint8(pixels: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 or uint16 RGB to uint8 (rounded); uint8 is returned as is."""
    if pixels.dtype == np.uint8:
        return pixels
    if pixels.dtype == np.uint16:
        return ((pixels.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
    raise TypeError(f"expected uint8 or uint16 pixels, got {pixels.dtype}")


def face_crop_box(size: tuple[int, int], faces: Sequence[FaceShape], *,
                  margin: float = DEFAULT_MARGIN, min_side: int = 1) -> tuple[int, int, int, int]:
    """The box around ``faces`` grown by ``margin`` face sizes, clipped to the image.

    Parameters
    ----------
    size : (width, height)
        The original's size.
    faces : sequence of FaceShape
        In the original's pixel coordinates; empty means the whole image.
    margin : float
        Context kept on each side, in units of the largest face's landmark box side. The
        landmarks stop at the brows, so the default 0.6 keeps the forehead, hair and neck.
    min_side : int
        The box is widened (around its centre) to at least this many pixels a side.

    Returns
    -------
    (x0, y0, x1, y1) : tuple of int, x1 and y1 exclusive.
    """
    w, h = size
    if not faces:
        return 0, 0, w, h
    boxes = np.array([f.bbox() for f in faces], dtype=np.float64)
    face_side = float(np.max(np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])))
    pad = margin * max(face_side, 1.0)
    x0, y0 = boxes[:, 0].min() - pad, boxes[:, 1].min() - pad
    x1, y1 = boxes[:, 2].max() + pad, boxes[:, 3].max() + pad
    box = [int(np.floor(x0)), int(np.floor(y0)), int(np.ceil(x1)) + 1, int(np.ceil(y1)) + 1]
    for lo, hi, limit in ((0, 2, w), (1, 3, h)):
        need = min(max(min_side, 1), limit)
        if box[hi] - box[lo] < need:
            centre = (box[lo] + box[hi]) / 2
            box[lo] = int(round(centre - need / 2))
            box[hi] = box[lo] + need
        if box[lo] < 0:
            box[hi] -= box[lo]
            box[lo] = 0
        if box[hi] > limit:
            box[lo] -= box[hi] - limit
            box[hi] = limit
        box[lo] = max(box[lo], 0)
    return box[0], box[1], box[2], box[3]


def _encode(rgb: np.ndarray, quality: int) -> bytes:
    params = [cv2.IMWRITE_JPEG_QUALITY, int(quality)]
    if quality >= 85 and hasattr(cv2, "IMWRITE_JPEG_SAMPLING_FACTOR"):
        # 4:4:4 keeps skin-tone edges (lips, eyes) clean at high qualities.
        params += [cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444]
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), params)
    if not ok:  # pragma: no cover - OpenCV always encodes 8-bit RGB
        raise ImageLimitsError("The photo could not be encoded as JPEG for upload")
    return buf.tobytes()


def prepare_upload(pixels: np.ndarray, limits: EndpointLimits, *,
                   faces: Sequence[FaceShape] = (), margin: float = DEFAULT_MARGIN,
                   max_side: int | None = None, start_quality: int = 92,
                   min_quality: int = 60) -> PreparedUpload:
    """Fit ``pixels`` (or the region around ``faces``) to ``limits``.

    Parameters
    ----------
    pixels : (H, W, 3) uint8 or uint16 ndarray
        The full-resolution original, RGB. Not modified.
    limits : EndpointLimits
    faces : sequence of FaceShape
        Faces to keep, in ``pixels`` coordinates; empty sends the whole photo.
    margin : float
        See :func:`face_crop_box`.
    max_side : int, optional
        A tighter side cap than the endpoint's (smaller, faster uploads).
    start_quality, min_quality : int
        JPEG quality is lowered from ``start_quality`` to ``min_quality`` before the image is
        shrunk further to meet the byte cap.

    Returns
    -------
    PreparedUpload

    Raises
    ------
    ImageLimitsError
        The photo is smaller than the endpoint accepts, or cannot be made to fit.
    """
    if pixels.ndim != 3 or pixels.shape[2] != 3:
        raise ValueError(f"expected (H, W, 3) pixels, got shape {pixels.shape}")
    h, w = pixels.shape[:2]
    if min(w, h) < limits.min_side:
        check_upload(limits, width=w, height=h, nbytes=None)  # raises with the message
    x0, y0, x1, y1 = face_crop_box((w, h), faces, margin=margin, min_side=limits.min_side)
    crop = pixels[y0:y1, x0:x1]
    cw, ch = x1 - x0, y1 - y0
    side_cap = limits.max_side_for("JPEG")
    if max_side is not None:
        side_cap = min(side_cap, max_side)
    scale = min(1.0, side_cap / max(cw, ch))
    quality = start_quality
    for _attempt in range(12):
        uw, uh = max(1, int(cw * scale)), max(1, int(ch * scale))
        if (uw, uh) == (cw, ch):
            small = crop
        else:
            small = cv2.resize(crop, (uw, uh), interpolation=cv2.INTER_AREA)
        small8 = np.ascontiguousarray(to_uint8(small))
        while True:
            data = _encode(small8, quality)
            if len(data) <= limits.max_bytes or quality <= min_quality:
                break
            quality = max(min_quality, quality - 8)
        if len(data) <= limits.max_bytes:
            break
        # Still too big at the lowest quality: shrink (area scales with bytes) and go again.
        scale *= max(0.5, min(0.95, float(np.sqrt(limits.max_bytes / len(data))) * 0.95))
        quality = min(start_quality, 85)
    else:  # pragma: no cover - twelve shrinks of >= 5 % always fit a real cap
        raise ImageLimitsError(f"The photo could not be compressed under "
                               f"{limits.max_bytes / 1e6:g} MB for {limits.provider}",
                               provider=limits.provider)
    check_upload(limits, width=uw, height=uh, nbytes=len(data))
    sent = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    sent = cv2.cvtColor(sent, cv2.COLOR_BGR2RGB)
    sent.setflags(write=False)
    return PreparedUpload(data=data, crop=(x0, y0, x1, y1), scale=uw / cw, width=uw, height=uh,
                          quality=quality, whole_image=(x0, y0, x1, y1) == (0, 0, w, h),
                          original_size=(w, h), pixels=sent)

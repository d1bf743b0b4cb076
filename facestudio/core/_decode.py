"""Pixel decoding for :mod:`facestudio.core.imageio`: any supported file to RGB (+ alpha) arrays.

Each source is routed to the fastest decoder that is exact for it: OpenCV for baseline
photographic data (8-bit JPEG, 8/16-bit RGB(A)/gray PNG, 16-bit RGB TIFF: it decodes straight
into numpy and releases the GIL), Pillow for everything else (palette, 1-bit, CMYK, BMP, WebP,
8-bit TIFF variants). Colour-managed conversions (CMYK, gray with a gray profile) go through
Pillow's ImageCms to sRGB. Orientation is NOT applied here (``imageio`` does it), and metadata
other than the ICC profile is not touched. Failures raise :class:`DecodeFailure` with a kind
(``"truncated"``, ``"damaged"``, ``"unsupported"``) that ``imageio`` turns into a user message.
"""

from __future__ import annotations

import io
import logging
import zlib
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageCms

from . import _metadata

log = logging.getLogger(__name__)

_IGNORE = cv2.IMREAD_IGNORE_ORIENTATION
_HAS_RGB_FLAG = hasattr(cv2, "IMREAD_COLOR_RGB")
_REDUCED = {1: 0, 2: cv2.IMREAD_REDUCED_GRAYSCALE_2, 4: cv2.IMREAD_REDUCED_GRAYSCALE_4,
            8: cv2.IMREAD_REDUCED_GRAYSCALE_8}
_PIL_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError,
               zlib.error, Image.DecompressionBombError)


class DecodeFailure(Exception):
    """Decoding failed; ``kind`` is "truncated", "damaged" or "unsupported"."""

    def __init__(self, kind: str, detail: str = ""):
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.detail = detail


@dataclass
class Decoded:
    """Decoded pixels in stored (not yet displayed) orientation."""

    pixels: np.ndarray  # (H, W, 3) RGB, uint8 or uint16, C-contiguous
    alpha: np.ndarray | None  # (H, W), same dtype
    source_mode: str
    icc: bytes | None  # the profile that describes ``pixels`` (sRGB after a conversion)
    oriented: bool = False  # the decoder already applied the orientation (Pillow does for TIFF)


@lru_cache(maxsize=1)
def srgb_profile() -> tuple[ImageCms.ImageCmsProfile, bytes]:
    """LittleCMS's built-in sRGB profile and its bytes."""
    prof = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return prof, prof.tobytes()


def decode(data: bytes, im: Image.Image, fmt: str, icc: bytes | None, *, reduce: int = 1,
           png: _metadata.PngInfo | None = None) -> Decoded:
    """Decode ``data`` (the whole file; ``im`` is Pillow's lazily opened view of it).

    Parameters
    ----------
    data : the file's bytes.
    im : ``Image.open`` of ``data``, not yet loaded.
    fmt : "JPEG", "PNG", "TIFF", "WEBP" or "BMP".
    icc : the embedded ICC profile, or None.
    reduce : 1, 2, 4 or 8: JPEG only, decode at 1/reduce size (libjpeg DCT scaling).
    png : the parsed PNG chunks when ``fmt`` is "PNG".
    """
    if fmt == "JPEG":
        if not _metadata.jpeg_is_complete(data):
            raise DecodeFailure("truncated")
        gray_profile = im.mode == "L" and _metadata.icc_color_space(icc) == "GRAY"
        if im.mode in ("RGB", "L") and not gray_profile:
            arr = _cv2_decode(data, _jpeg_flags(reduce))
            if arr is not None:
                if not _HAS_RGB_FLAG:
                    arr = cv2.cvtColor(arr, cv2.COLOR_BGR2RGB)
                return Decoded(arr, None, im.mode, _rgb_icc(icc, im.mode))
    elif fmt == "PNG":
        assert png is not None
        if not png.complete:
            raise DecodeFailure("truncated")
        if png.bit_depth == 16 or (png.color_type in (2, 6) and not png.has_trns):
            arr = _cv2_decode(data, cv2.IMREAD_UNCHANGED)  # UNCHANGED never applies EXIF orientation
            if arr is not None:
                return _from_cv2(arr, icc, png.bit_depth, im.mode)
            if png.bit_depth == 16:
                raise DecodeFailure("damaged")
    elif fmt == "TIFF" and _is_16bit_rgb_tiff(im):
        _check_tiff_extents(im, len(data))
        arr = _cv2_decode(_metadata.tiff_file_without_orientation(data), cv2.IMREAD_UNCHANGED)
        if arr is None or arr.dtype != np.uint16:
            raise DecodeFailure("unsupported", "a 16-bit TIFF layout OpenCV cannot decode")
        return _from_cv2(arr, icc, 16, im.mode)
    return _pil_decode(im, fmt, icc, reduce)


def _jpeg_flags(reduce: int) -> int:
    if _HAS_RGB_FLAG:
        return _REDUCED[reduce] | cv2.IMREAD_COLOR_RGB | _IGNORE
    return _REDUCED[reduce] | cv2.IMREAD_COLOR | _IGNORE


def _cv2_decode(data: bytes, flags: int) -> np.ndarray | None:
    try:
        return cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    except cv2.error:
        return None


def _from_cv2(arr: np.ndarray, icc: bytes | None, depth: int, pil_mode: str) -> Decoded:
    alpha = None
    if arr.ndim == 2:
        mode = "I;16" if depth == 16 else "L"
        rgb = cv2.cvtColor(arr, cv2.COLOR_GRAY2RGB)
        icc = _gray_icc_dropped(icc)
    elif arr.shape[2] == 4:
        mode = "RGBA;16" if depth == 16 else "RGBA"
        alpha = np.ascontiguousarray(arr[..., 3])
        rgb = cv2.cvtColor(arr, cv2.COLOR_BGRA2RGB)
        icc = _rgb_icc(icc, mode) if pil_mode != "LA" else _gray_icc_dropped(icc)
    elif arr.shape[2] == 3:
        mode = "RGB;16" if depth == 16 else "RGB"
        rgb = cv2.cvtColor(arr, cv2.COLOR_BGR2RGB)
        icc = _rgb_icc(icc, mode)
    elif arr.shape[2] == 2:
        mode = "LA;16" if depth == 16 else "LA"
        alpha = np.ascontiguousarray(arr[..., 1])
        rgb = cv2.cvtColor(np.ascontiguousarray(arr[..., 0]), cv2.COLOR_GRAY2RGB)
        icc = _gray_icc_dropped(icc)
    else:
        raise DecodeFailure("unsupported", f"{arr.shape[2]} channels")
    return Decoded(rgb, alpha, mode, icc)


def _is_16bit_rgb_tiff(im: Image.Image) -> bool:
    tags = getattr(im, "tag_v2", {})
    bits = _as_tuple(tags.get(258))
    sample_format = _as_tuple(tags.get(339, 1))
    return tags.get(262) == 2 and len(bits) >= 3 and all(b == 16 for b in bits) \
        and all(f == 1 for f in sample_format)


def _as_tuple(value) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def _check_tiff_extents(im: Image.Image, size: int) -> None:
    tags = im.tag_v2
    offsets, counts = tags.get(273) or tags.get(324), tags.get(279) or tags.get(325)
    if offsets is None or counts is None:
        return
    offsets, counts = _as_tuple(offsets), _as_tuple(counts)
    if any(o + c > size for o, c in zip(offsets, counts)):
        raise DecodeFailure("truncated")


def _pil_decode(im: Image.Image, fmt: str, icc: bytes | None, reduce: int) -> Decoded:
    source_mode = im.mode
    if reduce > 1 and fmt == "JPEG":
        im.draft(im.mode, (max(1, im.width // reduce), max(1, im.height // reduce)))
    before = im.getexif().get(0x0112) if fmt == "TIFF" else None
    try:
        im.load()
    except _PIL_ERRORS as err:
        if "truncated" in str(err) or isinstance(err, EOFError):
            raise DecodeFailure("truncated") from err
        raise DecodeFailure("damaged", str(err)) from err
    # Pillow's TIFF loader transposes the image by its orientation itself and then drops the
    # tag (Pillow >= 9): remember that, so imageio does not rotate a second time
    oriented = before not in (None, 1) and im.getexif().get(0x0112) in (None, 1)
    try:
        decoded = _pil_to_rgb(im, icc, source_mode)
    except (ValueError, OSError) as err:
        raise DecodeFailure("unsupported", f"colour mode {source_mode}: {err}") from err
    decoded.oriented = oriented
    return decoded


def _pil_to_rgb(im: Image.Image, icc: bytes | None, source_mode: str) -> Decoded:
    mode = im.mode
    if mode == "F" or mode.startswith("F;"):
        raise DecodeFailure("unsupported", "32-bit floating-point pixels")
    if mode == "I":
        raise DecodeFailure("unsupported", "32-bit integer pixels")
    if mode in ("LAB", "HSV"):
        raise DecodeFailure("unsupported", f"the {mode} colour mode")
    if mode.startswith("I;16"):
        gray = np.array(im).astype(np.uint16, copy=False)
        return Decoded(cv2.cvtColor(np.ascontiguousarray(gray), cv2.COLOR_GRAY2RGB), None,
                       source_mode, _gray_icc_dropped(icc))
    if mode in ("P", "PA"):
        has_alpha = mode == "PA" or "transparency" in im.info or im.palette.mode == "RGBA"
        im = im.convert("RGBA" if has_alpha else "RGB")
    elif mode == "1":
        im = im.convert("L")
    elif mode == "La":
        im = im.convert("LA")
    elif mode == "RGBa":
        im = im.convert("RGBA")
    elif mode in ("RGBX", "YCbCr"):
        im = im.convert("RGB")
    if im.mode in ("L", "RGB") and "transparency" in im.info:
        im = im.convert("LA" if im.mode == "L" else "RGBA")
    if im.mode == "CMYK":
        rgb_im, icc = _cmyk_to_rgb(im, icc)
        return Decoded(np.array(rgb_im), None, source_mode, icc)
    if im.mode in ("L", "LA"):
        gray = im.getchannel("L") if im.mode == "LA" else im
        alpha = np.array(im.getchannel("A")) if im.mode == "LA" else None
        rgb_im, icc = _gray_to_rgb(gray, icc)
        return Decoded(np.array(rgb_im), alpha, source_mode, icc)
    if im.mode == "RGBA":
        arr = np.asarray(im)
        return Decoded(np.ascontiguousarray(arr[..., :3]), np.ascontiguousarray(arr[..., 3]),
                       source_mode, _rgb_icc(icc, source_mode))
    if im.mode == "RGB":
        return Decoded(np.array(im), None, source_mode, _rgb_icc(icc, source_mode))
    raise DecodeFailure("unsupported", f"the {source_mode} colour mode")


def _rgb_icc(icc: bytes | None, mode: str) -> bytes | None:
    """Keep an RGB profile for RGB pixels; a gray profile on gray data converted by plain
    replication is dropped (the pixels are then taken as sRGB), as is any other kind."""
    if not icc:
        return None
    space = _metadata.icc_color_space(icc)
    if space == "RGB":
        return icc
    if mode in ("L", "LA") and space == "GRAY":
        return None
    log.warning("dropping an ICC profile for %s data attached to %s pixels", space, mode)
    return None


def _gray_icc_dropped(icc: bytes | None) -> bytes | None:
    space = _metadata.icc_color_space(icc)
    if icc and space not in ("GRAY", None):
        log.warning("dropping an ICC profile for %s data attached to gray pixels", space)
    return None


def _transform(im: Image.Image, icc: bytes, in_mode: str) -> Image.Image | None:
    try:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        dst, _ = srgb_profile()
        transform = ImageCms.buildTransform(
            src, dst, in_mode, "RGB", renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
            flags=ImageCms.Flags.BLACKPOINTCOMPENSATION)
        return ImageCms.applyTransform(im, transform)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError) as err:
        log.warning("could not use the embedded ICC profile (%s); converting without it", err)
        return None


def _cmyk_to_rgb(im: Image.Image, icc: bytes | None) -> tuple[Image.Image, bytes | None]:
    """CMYK to sRGB through the embedded CMYK profile, else Pillow's naive conversion."""
    if icc and _metadata.icc_color_space(icc) == "CMYK":
        out = _transform(im, icc, "CMYK")
        if out is not None:
            return out, srgb_profile()[1]
    return im.convert("RGB"), None


def _gray_to_rgb(im: Image.Image, icc: bytes | None) -> tuple[Image.Image, bytes | None]:
    """8-bit gray to RGB: through a gray ICC profile to sRGB when there is one."""
    if icc and _metadata.icc_color_space(icc) == "GRAY":
        out = _transform(im, icc, "L")
        if out is not None:
            return out, srgb_profile()[1]
    elif icc:
        _gray_icc_dropped(icc)
    return im.convert("RGB"), None

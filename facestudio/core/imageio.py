"""Loading and saving photos: decoding, metadata, orientation and safe writing.

``load_image`` turns a JPEG, PNG, TIFF, WebP or BMP file into RGB numpy pixels (uint8, or
uint16 for 16-bit sources) in displayed orientation (EXIF orientation applied), plus alpha and
the metadata a photographer expects to survive an edit: EXIF (orientation reset to 1, stale
thumbnail removed), ICC profile, XMP and resolution. It checks the pixel count in the header
before decoding (decompression bombs) and refuses truncated or damaged files instead of showing
half-grey pictures. ``save_image`` writes pixels back with that metadata, atomically, and never
overwrites a file unless asked. ``load_image_for_preview`` is a fast reduced-size load for the
GUI's first paint. Every failure a user can cause is an ``ImageReadError`` /
``ImageWriteError`` subclass with a one-line message; the byte-level work lives in the private
modules ``_decode``, ``_metadata``, ``_tiff`` and ``_save``.

What each output format keeps:

======  ====  =====  =====  ====  ===  ======
format  EXIF  ICC    XMP    dpi   16b  alpha
======  ====  =====  =====  ====  ===  ======
JPEG    yes   yes    yes    yes   no   dropped (not composited: photographers want the pixels)
PNG     yes   yes    yes    yes   yes  yes
TIFF    yes   yes    yes    yes   yes  yes (unassociated), uncompressed
WebP    yes   yes    yes    no    no   yes
BMP     no    no     no     yes   no   dropped
======  ====  =====  =====  ====  ===  ======
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from . import _decode, _metadata, _save, _tiff
from .errors import (
    ImageReadError,
    ImageTooLargeError,
    ImageWriteError,
    OutputExistsError,
    ParameterError,
)

__all__ = [
    "DEFAULT_MAX_PIXELS", "SUPPORTED_EXTENSIONS", "ImageMetadata", "LoadedImage", "load_image",
    "load_image_for_preview", "save_image", "to_uint8",
]

#: file extensions load_image and save_image accept (lower case, with the dot)
SUPPORTED_EXTENSIONS: tuple[str, ...] = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
#: decompression-bomb limit: images with more pixels are refused unless the caller raises it
DEFAULT_MAX_PIXELS = 200_000_000

# FaceStudio checks the pixel count itself (load_image's max_pixels, before any decoding), with
# a limit the user can raise; Pillow's own global check would fire first with a different limit
# and a traceback, so it is switched off for the process.
Image.MAX_IMAGE_PIXELS = None

_EXTENSION_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".bmp": "BMP",
                      ".tif": "TIFF", ".tiff": "TIFF", ".webp": "WEBP"}
_PIL_FORMATS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "TIFF": "TIFF", "WEBP": "WEBP",
                "BMP": "BMP"}
_READABLE = "JPEG, PNG, TIFF, WebP and BMP"


@dataclass(frozen=True)
class ImageMetadata:
    """Metadata carried from a loaded photo to its export.

    ``exif`` is Pillow's convention (``b"Exif\\0\\0"`` + TIFF structure) with orientation 1;
    ``icc_profile`` is an RGB profile describing the pixels (``None`` means sRGB);
    ``xmp`` is the UTF-8 XMP packet; ``dpi`` is (x, y) dots per inch.
    """

    exif: bytes | None = None
    icc_profile: bytes | None = None
    xmp: bytes | None = None
    dpi: tuple[float, float] | None = None


@dataclass(frozen=True, eq=False)
class LoadedImage:
    """A decoded photo in displayed orientation.

    ``pixels`` is (H, W, 3) RGB, C-contiguous, uint8 or uint16; ``alpha`` is (H, W) of the same
    dtype or None; ``format`` is "JPEG", "PNG", "TIFF", "WEBP" or "BMP"; ``source_mode`` is the
    file's colour mode in Pillow's names ("RGB", "CMYK", "P", "I;16", ...; "RGB;16" for 16-bit
    RGB).
    """

    pixels: np.ndarray
    alpha: np.ndarray | None
    metadata: ImageMetadata
    path: Path | None
    format: str
    source_mode: str

    @property
    def bit_depth(self) -> int:
        """8 or 16 bits per channel."""
        return 16 if self.pixels.dtype == np.uint16 else 8

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in displayed orientation."""
        return self.pixels.shape[1], self.pixels.shape[0]


# ------------------------------------------------------------------------------------ loading
def load_image(path: str | os.PathLike, *, max_pixels: int | None = DEFAULT_MAX_PIXELS) -> LoadedImage:
    """Decode a photo into RGB pixels in displayed orientation, with its metadata.

    Parameters
    ----------
    path : a JPEG, PNG, TIFF, WebP or BMP file (recognised by content, not extension).
    max_pixels : refuse images with more pixels than this (checked from the header, before
        decoding); None disables the check.

    Returns
    -------
    LoadedImage
        ``pixels`` (H, W, 3) RGB uint8, or uint16 for 16-bit sources; gray, palette, 1-bit and
        CMYK sources are converted to RGB (CMYK and gray through their ICC profile to sRGB when
        they have one); EXIF orientation is applied and reset to 1 in the metadata.

    Raises
    ------
    ImageTooLargeError
        More than ``max_pixels`` pixels.
    ImageReadError
        Missing, unreadable, not an image, unsupported, truncated or damaged.
    """
    return _load(path, max_pixels=max_pixels, max_side=None)


def load_image_for_preview(path: str | os.PathLike, *, max_side: int,
                           max_pixels: int | None = DEFAULT_MAX_PIXELS) -> LoadedImage:
    """Like :func:`load_image`, but the result's longer side is at most ``max_side``.

    JPEGs are decoded at 1/2, 1/4 or 1/8 scale by libjpeg (much faster than a full decode),
    then resized with area averaging; other formats are decoded fully and resized. The same
    checks (size limit, truncation) apply. ``metadata`` is the full image's.
    """
    if int(max_side) < 1:
        raise ValueError(f"max_side must be >= 1, got {max_side}")
    return _load(path, max_pixels=max_pixels, max_side=int(max_side))


def _load(path: str | os.PathLike, *, max_pixels: int | None, max_side: int | None) -> LoadedImage:
    p = Path(path)
    name = os.fspath(path)
    data = _read_checked(p, name, max_pixels)
    with _pil_open(io.BytesIO(data), name, data[:4]) as im:
        fmt = _PIL_FORMATS[im.format]
        width, height = im.size
        png = _read_png(data, name) if fmt == "PNG" else None
        exif, icc, xmp, dpi = _read_metadata(data, im, fmt, png)
        reduce = 1
        if max_side is not None and fmt == "JPEG":
            longest = max(width, height)
            reduce = next((r for r in (8, 4, 2) if longest / r >= max_side), 1)
        try:
            decoded = _decode.decode(data, im, fmt, icc, reduce=reduce, png=png)
        except _decode.DecodeFailure as failure:
            raise ImageReadError(_failure_message(name, failure)) from failure
    pixels, alpha = decoded.pixels, decoded.alpha
    if max_side is not None and max(pixels.shape[:2]) > max_side:
        pixels, alpha = _shrink(pixels, alpha, max_side)
    orientation = _metadata.exif_orientation(exif) or _metadata.xmp_orientation(xmp) or 1
    if decoded.oriented:
        orientation = 1
    pixels, alpha = _orient(pixels, orientation), _orient(alpha, orientation)
    metadata = ImageMetadata(exif=_metadata.normalize_exif(exif), icc_profile=decoded.icc,
                             xmp=_metadata.xmp_reset_orientation(xmp), dpi=dpi)
    return LoadedImage(pixels=pixels, alpha=alpha, metadata=metadata, path=p, format=fmt,
                       source_mode=decoded.source_mode)


def _read_checked(p: Path, name: str, max_pixels: int | None) -> bytes:
    """The file's bytes, read only after its header showed a supported image within the limit
    (so neither a decompression bomb nor a huge non-image file is read or decoded)."""
    try:
        if p.is_dir():
            raise ImageReadError(f"{name} is a folder, not an image; pass a photo file")
        with open(p, "rb") as fh:
            magic = fh.read(4)
            if not magic:
                raise ImageReadError(f"{name} is empty (0 bytes), not an image; copy it again")
            fh.seek(0)
            with _pil_open(fh, name, magic) as im:
                _check_pixel_count(name, im.width, im.height, max_pixels)
            fh.seek(0)
            return fh.read()
    except FileNotFoundError:
        raise ImageReadError(f"{name} does not exist; check the path") from None
    except IsADirectoryError:
        raise ImageReadError(f"{name} is a folder, not an image; pass a photo file") from None
    except PermissionError:
        raise ImageReadError(f"cannot read {name}: permission denied; check the file's "
                             "permissions") from None
    except OSError as err:
        raise ImageReadError(f"cannot read {name}: {err.strerror or err}; check the file and "
                             "the disk") from err


def _pil_open(fp, name: str, magic: bytes) -> Image.Image:
    """Pillow's lazy open (header only) of a format FaceStudio reads, or an ImageReadError."""
    try:
        im = Image.open(fp)
    except UnidentifiedImageError:
        raise ImageReadError(_not_an_image(name, magic)) from None
    except Image.DecompressionBombError as err:  # only if someone re-enabled Pillow's check
        raise ImageTooLargeError(f"{name} is too large to open ({err}); pass --max-megapixels "
                                 "to raise the limit") from None
    except Exception as err:  # Pillow's header parsers raise assorted errors on garbage
        raise ImageReadError(f"{name} is damaged and cannot be read ({_short(err)}); copy it "
                             "again from the camera card or a backup") from err
    if im.format not in _PIL_FORMATS:
        im.close()
        raise ImageReadError(f"{name} is a {im.format} image; FaceStudio reads {_READABLE}; "
                             "convert it first")
    return im


def _not_an_image(name: str, magic: bytes) -> str:
    if magic[:4] in (b"II*\x00", b"MM\x00*"):
        return (f"{name} is a TIFF variant FaceStudio cannot read (e.g. floating-point or "
                "unusual layout); save it as an 8- or 16-bit RGB TIFF")
    return f"{name} is not an image FaceStudio can read ({_READABLE}); check the file"


def _short(err: BaseException, limit: int = 80) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _failure_message(name: str, failure: _decode.DecodeFailure) -> str:
    if failure.kind == "truncated":
        return (f"{name} is truncated (the file ends before the image does); copy it again "
                "from the camera card or a backup")
    if failure.kind == "unsupported":
        return (f"{name} uses {failure.detail}, which FaceStudio cannot read; save it as an "
                "8- or 16-bit RGB JPEG, PNG or TIFF")
    detail = f" ({_short(failure.detail)})" if failure.detail else ""
    return (f"{name} is damaged and cannot be decoded{detail}; copy it again from the camera "
            "card or a backup")


def _megapixels(n: float, other: float) -> str:
    for digits in (0, 1, 2):
        a, b = f"{n / 1e6:.{digits}f}", f"{other / 1e6:.{digits}f}"
        if a != b and float(a) > 0:
            return a
    return f"{n / 1e6:.3g}"


def _check_pixel_count(name: str, width: int, height: int, max_pixels: int | None) -> None:
    if max_pixels is None:
        return
    if max_pixels <= 0:
        raise ParameterError(f"the pixel limit must be positive, got {max_pixels}; pass a "
                             "positive --max-megapixels")
    count = width * height
    if count > max_pixels:
        raise ImageTooLargeError(
            f"{name} is {width}x{height} ({_megapixels(count, max_pixels)} MP), above the "
            f"{_megapixels(max_pixels, count)} MP limit; pass --max-megapixels to raise it")


def _read_png(data: bytes, name: str) -> _metadata.PngInfo:
    try:
        return _metadata.read_png(data)
    except (ValueError, IndexError) as err:
        raise ImageReadError(f"{name} is damaged and cannot be decoded ({_short(err)}); copy it "
                             "again from the camera card or a backup") from err


def _read_metadata(data: bytes, im: Image.Image, fmt: str, png: _metadata.PngInfo | None):
    """(exif, icc, xmp, dpi) of the file, without decoding pixels."""
    info = im.info
    if fmt == "JPEG":
        jm = _metadata.read_jpeg_metadata(data)
        exif, icc, xmp = jm.exif, jm.icc or info.get("icc_profile"), jm.xmp
    elif fmt == "PNG":
        assert png is not None
        exif, icc, xmp = png.exif, png.icc, png.xmp
        return exif, icc, xmp, png.dpi
    elif fmt == "TIFF":
        exif = _tiff.exif_from_tiff(im)
        tags = im.tag_v2
        icc = info.get("icc_profile") or _as_bytes(tags.get(34675))
        xmp = _as_bytes(tags.get(700)) or _as_bytes(info.get("xmp"))
    else:
        exif = _metadata.with_exif_prefix(info.get("exif"))
        icc, xmp = info.get("icc_profile"), _as_bytes(info.get("xmp"))
    return exif, icc or None, xmp or None, _dpi(info.get("dpi"))


def _as_bytes(value) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, tuple):  # Pillow may hand BYTE arrays back as tuples
        value = value[0] if len(value) == 1 and isinstance(value[0], bytes) else bytes(value)
    return bytes(value) or None


def _dpi(value) -> tuple[float, float] | None:
    try:
        x, y = (float(v) for v in value)
    except (TypeError, ValueError):
        return None
    if not (0 < x < 1e6 and 0 < y < 1e6):
        return None
    return _metadata.snap_dpi(x), _metadata.snap_dpi(y)


def _shrink(pixels: np.ndarray, alpha: np.ndarray | None, max_side: int):
    h, w = pixels.shape[:2]
    scale = max_side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    # area averaging is needed against aliasing below 1/2, but it is 5-10x slower than
    # bilinear at fractional factors; after a JPEG DCT-scaled decode the factor is above 1/2
    interpolation = cv2.INTER_LINEAR if scale > 0.5 else cv2.INTER_AREA
    pixels = cv2.resize(pixels, size, interpolation=interpolation)
    if alpha is not None:
        alpha = cv2.resize(alpha, size, interpolation=interpolation)
    return pixels, alpha


def _orient(arr: np.ndarray | None, orientation: int) -> np.ndarray | None:
    """Apply an EXIF orientation (1-8) so the array is in displayed orientation."""
    if arr is None or orientation == 1:
        return arr
    if orientation == 2:
        return cv2.flip(arr, 1)
    if orientation == 3:
        return cv2.rotate(arr, cv2.ROTATE_180)
    if orientation == 4:
        return cv2.flip(arr, 0)
    if orientation == 5:
        return cv2.transpose(arr)
    if orientation == 6:
        return cv2.rotate(arr, cv2.ROTATE_90_CLOCKWISE)
    if orientation == 7:
        return cv2.flip(cv2.transpose(arr), -1)
    if orientation == 8:
        return cv2.rotate(arr, cv2.ROTATE_90_COUNTERCLOCKWISE)
    return arr


# ------------------------------------------------------------------------------------- saving
def save_image(path: str | os.PathLike, pixels: np.ndarray, *, metadata: ImageMetadata | None = None,
               alpha: np.ndarray | None = None, quality: int = 95, overwrite: bool = False,
               protect: Iterable[str | os.PathLike] = ()) -> Path:
    """Write ``pixels`` to ``path`` atomically, in the format its extension names.

    Parameters
    ----------
    path : target file; the extension (one of :data:`SUPPORTED_EXTENSIONS`) picks the format.
    pixels : (H, W, 3) RGB uint8 or uint16 array in displayed orientation. 16-bit data is
        written as 16-bit to PNG and TIFF and rounded to 8 bits for JPEG, WebP and BMP.
    metadata : EXIF / ICC / XMP / dpi to embed (EXIF orientation is forced to 1, its pixel
        dimensions are set to the saved size and its thumbnail removed); see the module table
        for what each format keeps.
    alpha : (H, W) alpha kept by PNG, TIFF and WebP; dropped (not composited) for JPEG and BMP.
    quality : 1-100, for JPEG (4:4:4 chroma at >= 90) and WebP.
    overwrite : replace an existing file (including a path in ``protect``).
    protect : paths (e.g. the input photo) that are only written when ``overwrite`` is true.

    Returns
    -------
    Path of the written file.

    Raises
    ------
    OutputExistsError
        The target exists (or is protected) and ``overwrite`` is false.
    ImageWriteError
        Unknown extension, unwritable folder, full disk, or an encoder failure; no partial
        file and no temp file is left behind.
    ParameterError
        ``quality`` out of range.
    """
    target = Path(path)
    name = os.fspath(path)
    fmt = _EXTENSION_FORMATS.get(target.suffix.lower())
    if fmt is None:
        shown = target.suffix or "(none)"
        raise ImageWriteError(f"cannot save {name}: unknown extension {shown}; use one of "
                              f"{', '.join(SUPPORTED_EXTENSIONS)}")
    if isinstance(quality, bool) or not isinstance(quality, (int, np.integer)) \
            or not 1 <= quality <= 100:
        raise ParameterError(f"quality must be a whole number from 1 to 100, got {quality!r}")
    pixels = _check_pixels(pixels)
    alpha = _check_alpha(alpha, pixels)
    _check_target(target, name, overwrite, protect)
    meta = _output_metadata(metadata or ImageMetadata(), pixels)
    if fmt in ("JPEG", "WEBP", "BMP"):
        pixels = to_uint8(pixels)
        alpha = to_uint8(alpha) if alpha is not None and fmt == "WEBP" else None
    encoder = _save.ENCODERS[fmt]
    _save.atomic_write(target, lambda: encoder(pixels, alpha, meta, int(quality)),
                       overwrite=overwrite, fmt=fmt)
    return target


def write_bytes_atomic(path: str | os.PathLike, data: bytes, *, overwrite: bool = False,
                       kind: str = "file") -> Path:
    """Store ``data`` at ``path`` the way images are stored: a temp file in the same folder,
    fsynced, then linked into place; nothing half-written is ever left. An existing ``path`` is
    replaced only with ``overwrite``. Raises ImageWriteError/OutputExistsError with a one-line
    message (disk full, permission denied ...). Used for sidecars, presets and JSON outputs."""
    target = Path(path)
    if target.exists() and not overwrite:
        raise OutputExistsError(f"{target} exists; choose another name or pass --overwrite")
    _save.atomic_write(target, lambda: [data], overwrite=overwrite, fmt=kind)
    return target


def _check_pixels(pixels: np.ndarray) -> np.ndarray:
    arr = np.asarray(pixels)
    if arr.ndim != 3 or arr.shape[2] != 3 or arr.dtype not in (np.uint8, np.uint16) \
            or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"pixels must be an (H, W, 3) uint8 or uint16 array, got shape "
                         f"{arr.shape} dtype {arr.dtype}")
    return np.ascontiguousarray(arr)


def _check_alpha(alpha: np.ndarray | None, pixels: np.ndarray) -> np.ndarray | None:
    if alpha is None:
        return None
    a = np.asarray(alpha)
    if a.shape != pixels.shape[:2] or a.dtype not in (np.uint8, np.uint16):
        raise ValueError(f"alpha must be an (H, W) uint8 or uint16 array matching pixels "
                         f"{pixels.shape[:2]}, got shape {a.shape} dtype {a.dtype}")
    if a.dtype != pixels.dtype:
        a = to_uint8(a) if pixels.dtype == np.uint8 else a.astype(np.uint16) * 257
    return np.ascontiguousarray(a)


def _same_file(a: Path, b: str | os.PathLike) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        real = os.path.normcase(os.path.realpath(a))
        return real == os.path.normcase(os.path.realpath(b))


def _check_target(target: Path, name: str, overwrite: bool,
                  protect: Iterable[str | os.PathLike]) -> None:
    if target.is_dir():
        raise ImageWriteError(f"cannot save {name}: it is a folder; choose a file name")
    if overwrite:
        return
    for protected in protect:
        if _same_file(target, protected):
            raise OutputExistsError(f"{name} is the input photo; pass --overwrite to replace "
                                    "it or choose another name")
    if os.path.lexists(target):
        raise OutputExistsError(f"{name} exists; pass --overwrite or choose another name")


def _output_metadata(meta: ImageMetadata, pixels: np.ndarray) -> ImageMetadata:
    """The metadata as it must be written next to ``pixels`` (displayed orientation)."""
    h, w = pixels.shape[:2]
    icc = meta.icc_profile
    if icc and _metadata.icc_color_space(icc) != "RGB":
        _metadata.log.warning("not embedding an ICC profile that is not an RGB profile")
        icc = None
    return ImageMetadata(exif=_metadata.normalize_exif(meta.exif, size=(w, h)),
                         icc_profile=bytes(icc) if icc else None,
                         xmp=_metadata.xmp_reset_orientation(meta.xmp),
                         dpi=_dpi(meta.dpi) if meta.dpi is not None else None)


def to_uint8(pixels: np.ndarray) -> np.ndarray:
    """``pixels`` as uint8: uint8 input is returned as is; uint16 is rounded (x / 257).

    Parameters
    ----------
    pixels : uint8 or uint16 ndarray of any shape.

    Returns
    -------
    uint8 ndarray of the same shape (a new array for uint16 input).
    """
    arr = np.asarray(pixels)
    if arr.dtype == np.uint8:
        return arr
    if arr.dtype != np.uint16:
        raise ValueError(f"expected uint8 or uint16 pixels, got {arr.dtype}")
    if arr.ndim in (2, 3) and (arr.ndim == 2 or arr.shape[2] <= 4) and arr.size:
        # x / 257 is never exactly half-way for integer x, so OpenCV's rounding is exact
        return cv2.convertScaleAbs(np.ascontiguousarray(arr), alpha=1.0 / 257.0)
    return ((arr.astype(np.uint32) + 128) // 257).astype(np.uint8)

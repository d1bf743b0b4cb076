"""Encoders and the atomic file writer behind :func:`facestudio.core.imageio.save_image`.

Encoders turn RGB (+ alpha) arrays and metadata into a list of bytes-like pieces held in
memory: JPEG and PNG with OpenCV (several times faster than Pillow, and it releases the GIL)
plus metadata segments/chunks spliced in by :mod:`._metadata`; TIFF with :mod:`._tiff`; WebP and
BMP with Pillow. :func:`atomic_write` puts the pieces on disk safely: a hidden ``.NAME.*.part``
temp file in the target folder, fsync, then a no-clobber hard link (or ``os.replace`` when
overwriting), so a crash, a full disk or an encoder error never leaves a partial or clobbered
file. OS errors become one-line :class:`ImageWriteError` messages.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import stat
import tempfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from . import _metadata, _tiff
from .errors import FaceStudioError, ImageWriteError, OutputExistsError

log = logging.getLogger(__name__)

#: PNG encoder parameters: none, i.e. OpenCV's speed defaults (zlib level 1, SUB filter, RLE
#: strategy): measured 2-3.5x faster than an explicit level 1 and 4x faster than level 6, for
#: files about 10 % larger than level 6 (same size as level 1 for 16-bit photos)
PNG_PARAMS: list[int] = []
_JPEG_MAX_SIDE = 65500
_WEBP_MAX_SIDE = 16383


class EncodeLimitError(ValueError):
    """The image cannot be stored in the chosen format (too large); message is user-facing."""


def encode_jpeg(rgb: np.ndarray, alpha, meta, quality: int) -> list:
    """JPEG (alpha is dropped): libjpeg-turbo via OpenCV, 4:4:4 at quality >= 90, no optimize."""
    h, w, _ = rgb.shape
    if max(h, w) > _JPEG_MAX_SIDE:
        raise EncodeLimitError(f"JPEG cannot hold images over {_JPEG_MAX_SIDE} px on a side; "
                               "save as PNG or TIFF")
    params = [cv2.IMWRITE_JPEG_QUALITY, int(quality), cv2.IMWRITE_JPEG_OPTIMIZE, 0]
    if quality >= 90:
        params += [cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444]
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), params)
    if not ok:
        raise ValueError("the JPEG encoder failed")
    segments = _metadata.jpeg_metadata_segments(meta.exif, meta.xmp, meta.icc_profile)
    return _metadata.jpeg_with_metadata(memoryview(buf.reshape(-1)), segments, meta.dpi)


def encode_png(rgb: np.ndarray, alpha, meta, quality: int) -> list:
    """PNG (8 or 16 bit, alpha kept) via OpenCV with iCCP/pHYs/eXIf/iTXt chunks after IHDR."""
    if alpha is None:
        arr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    else:
        arr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGRA)
        arr[..., 3] = alpha
    ok, buf = cv2.imencode(".png", arr, PNG_PARAMS)
    if not ok:
        raise ValueError("the PNG encoder failed")
    chunks = _metadata.png_metadata_chunks(meta.exif, meta.icc_profile, meta.xmp, meta.dpi)
    return _metadata.png_with_chunks(memoryview(buf.reshape(-1)), chunks)


def encode_tiff(rgb: np.ndarray, alpha, meta, quality: int) -> list:
    """Uncompressed TIFF (8 or 16 bit, alpha kept) with EXIF, ICC, XMP and resolution."""
    return _tiff.encode_tiff(rgb, alpha, exif=meta.exif, icc=meta.icc_profile, xmp=meta.xmp,
                             dpi=meta.dpi)


def encode_webp(rgb: np.ndarray, alpha, meta, quality: int) -> list:
    """Lossy WebP via Pillow with EXIF, ICC and XMP (WebP has no resolution field)."""
    h, w, _ = rgb.shape
    if max(h, w) > _WEBP_MAX_SIDE:
        raise EncodeLimitError(f"WebP cannot hold images over {_WEBP_MAX_SIDE} px on a side; "
                               "save as JPEG, PNG or TIFF")
    im = Image.fromarray(rgb) if alpha is None else Image.fromarray(np.dstack((rgb, alpha)))
    kwargs = {k: v for k, v in (("exif", meta.exif), ("icc_profile", meta.icc_profile),
                                ("xmp", meta.xmp)) if v}
    out = io.BytesIO()
    im.save(out, "WEBP", quality=int(quality), **kwargs)
    return [out.getbuffer()]


def encode_bmp(rgb: np.ndarray, alpha, meta, quality: int) -> list:
    """24-bit BMP via Pillow; keeps the resolution, drops alpha and all other metadata."""
    out = io.BytesIO()
    kwargs = {"dpi": tuple(meta.dpi)} if meta.dpi else {}
    Image.fromarray(rgb).save(out, "BMP", **kwargs)
    return [out.getbuffer()]


ENCODERS: dict[str, Callable[..., list]] = {
    "JPEG": encode_jpeg, "PNG": encode_png, "TIFF": encode_tiff, "WEBP": encode_webp,
    "BMP": encode_bmp,
}


# ----------------------------------------------------------------------------- atomic writing
def write_piece(fd: int, piece) -> None:
    """Write one bytes-like piece completely to ``fd`` (a seam tests use to simulate failures)."""
    view = memoryview(piece).cast("B")
    while view:
        n = os.write(fd, view[:1 << 26])
        view = view[n:]


def atomic_write(target: Path, make_pieces: Callable[[], list], *, overwrite: bool,
                 fmt: str) -> None:
    """Encode with ``make_pieces()`` and store the result at ``target`` atomically.

    The temp file is created first (so an unwritable folder fails before any encoding), then
    filled, fsynced and given normal permissions (those of the replaced file when
    overwriting), then linked into place. Any failure removes the temp file.
    """
    name = os.fspath(target)
    folder = os.path.abspath(target.parent)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    except OSError as err:
        raise ImageWriteError(describe_os_error(err, name, folder)) from err
    try:
        try:
            for piece in make_pieces():
                write_piece(fd, piece)
            os.fsync(fd)
            _set_permissions(fd, target, overwrite)
        finally:
            os.close(fd)
        _commit(tmp, target, overwrite)
    except BaseException as err:
        _remove_quietly(tmp)
        if isinstance(err, FaceStudioError) or not isinstance(err, Exception):
            raise
        if isinstance(err, EncodeLimitError):
            raise ImageWriteError(f"cannot save {name}: {err}") from err
        if isinstance(err, OSError):
            raise ImageWriteError(describe_os_error(err, name, folder)) from err
        raise ImageWriteError(f"could not encode {name} as {fmt} ({err}); "
                              "try another format") from err
    _fsync_folder(folder)


def _commit(tmp: str, target: Path, overwrite: bool) -> None:
    if overwrite:
        os.replace(tmp, target)
        return
    try:
        os.link(tmp, target)  # atomic and never clobbers a file that appeared meanwhile
    except FileExistsError:
        raise OutputExistsError(f"{os.fspath(target)} exists; pass --overwrite or choose "
                                "another name") from None
    except OSError:  # no hard links on this file system (FAT, some shares)
        if os.path.lexists(target):
            raise OutputExistsError(f"{os.fspath(target)} exists; pass --overwrite or choose "
                                    "another name") from None
        os.replace(tmp, target)
        return
    _remove_quietly(tmp)


def describe_os_error(err: OSError, name: str, folder: str) -> str:
    """A one-line message for an OS error while writing ``name`` in ``folder``."""
    code = err.errno
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return f"cannot write {name}: the disk is full; free some space or choose another folder"
    if code in (errno.EACCES, errno.EPERM) or isinstance(err, PermissionError):
        return f"cannot write to {folder}: permission denied; choose another folder"
    if code == errno.EROFS:
        return f"cannot write to {folder}: the disk is read-only; choose another folder"
    if code == errno.ENOENT:
        return f"cannot write {name}: the folder {folder} does not exist; create it or choose another"
    if code == errno.ENAMETOOLONG:
        return f"cannot write {name}: the file name is too long; choose a shorter name"
    if code == errno.EISDIR:
        return f"cannot write {name}: it is a folder; choose a file name"
    return f"cannot write {name}: {err.strerror or err}; choose another folder"


@lru_cache(maxsize=1)
def _umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _set_permissions(fd: int, target: Path, overwrite: bool) -> None:
    """mkstemp makes 0600 files; give the output the permissions a normal save would."""
    if not hasattr(os, "fchmod"):
        return
    mode = None
    if overwrite:
        try:
            mode = stat.S_IMODE(os.stat(target).st_mode)
        except OSError:
            mode = None
    os.fchmod(fd, mode if mode is not None else 0o666 & ~_umask())


def _remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError as err:  # pragma: no cover - nothing more we can do
        log.warning("could not remove temporary file %s: %s", path, err)


def _fsync_folder(folder: str) -> None:
    """Make the new directory entry durable (POSIX); best effort."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

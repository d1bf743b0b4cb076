"""TIFF specifics for :mod:`facestudio.core.imageio`: a metadata-complete baseline TIFF writer.

Pillow cannot write 16-bit RGB TIFFs, drops the Exif sub-IFD (DateTimeOriginal, exposure...)
when saving a TIFF and does not write XMP to TIFF; OpenCV writes no metadata at all. So TIFFs
are written here: one uncompressed, chunky, little-endian image (8 or 16 bits per sample, RGB or
RGB + unassociated alpha) in strips of about 1 MiB, with IFD0 carrying the EXIF IFD0 tags, the
Exif and GPS sub-IFDs, the ICC profile (tag 34675), XMP (tag 700) and the resolution. Tag
serialisation is Pillow's ``ImageFileDirectory_v2``. The pixel data is written straight from
the numpy buffer, without a copy, when there is no alpha.

Also here: turning the tags of a TIFF opened with Pillow into a standalone EXIF block.
"""

from __future__ import annotations

import logging
import struct

import numpy as np
from PIL import Image
from PIL.TiffImagePlugin import ImageFileDirectory_v2

from . import _metadata

log = logging.getLogger(__name__)

_EXIF_IFD, _GPS_IFD, _INTEROP_IFD = 0x8769, 0x8825, 0xA005

#: TIFF tags describing the image structure or carried separately: never copied into EXIF
STRUCTURAL_TAGS = frozenset({
    254, 255, 256, 257, 258, 259, 262, 263, 264, 265, 266, 273, 277, 278, 279, 280, 281, 284,
    288, 289, 290, 291, 292, 293, 297, 317, 320, 321, 322, 323, 324, 325, 330, 332, 333, 334,
    336, 338, 339, 340, 341, 342, 347, 512, 513, 514, 515, 517, 518, 519, 520, 521, 530,
    700, 33723, 34377, 34675, 37724,
})

_STRIP_BYTES = 1 << 20


def exif_from_tiff(im: Image.Image) -> bytes | None:
    """The EXIF block (``Exif\\0\\0`` + TIFF) for the descriptive tags of a TIFF image.

    Structural tags (strip offsets, compression...) and the ICC/XMP/Photoshop tags are left out;
    the Exif, GPS and Interoperability sub-IFDs are included.
    """
    try:
        return _exif_from_tiff(im)
    except Exception as err:  # odd private tags can trip Pillow's serialiser: keep the pixels
        log.warning("dropping the TIFF's EXIF tags (%s)", err)
        return None


def _exif_from_tiff(im: Image.Image) -> bytes | None:
    src = im.getexif()
    out = Image.Exif()
    for tag, value in src.items():
        if tag in STRUCTURAL_TAGS:
            continue
        if tag == _EXIF_IFD:
            value = dict(src.get_ifd(_EXIF_IFD))
            if _INTEROP_IFD in value:
                value[_INTEROP_IFD] = dict(src.get_ifd(_INTEROP_IFD))
        elif tag == _GPS_IFD:
            value = dict(src.get_ifd(_GPS_IFD))
        out[tag] = value
    if not len(out):
        return None
    return out.tobytes()


def encode_tiff(pixels: np.ndarray, alpha: np.ndarray | None, *, exif: bytes | None,
                icc: bytes | None, xmp: bytes | None,
                dpi: tuple[float, float] | None) -> list:
    """The pieces of a baseline TIFF file holding ``pixels`` (and ``alpha``) plus metadata.

    Parameters
    ----------
    pixels : (H, W, 3) uint8 or uint16 ndarray, RGB, displayed orientation.
    alpha : (H, W) ndarray of the same dtype, or None.
    exif : EXIF block (orientation is written as 1), or None.
    icc, xmp : ICC profile and XMP packet bytes, or None.
    dpi : (x, y) resolution in dots per inch, or None.

    Returns
    -------
    list of bytes-like pieces to be written in order.
    """
    h, w, _ = pixels.shape
    data = pixels if alpha is None else np.dstack((pixels, alpha))
    data = np.ascontiguousarray(data, dtype="<u2" if pixels.dtype == np.uint16 else np.uint8)
    spp = data.shape[2]
    bits = data.dtype.itemsize * 8
    row_bytes = w * spp * data.dtype.itemsize
    total = row_bytes * h
    if total > 0xFFFF_0000:
        raise ValueError("image too large for a classic TIFF (over 4 GB)")
    rows = max(1, min(h, _STRIP_BYTES // max(row_bytes, 1)))
    offsets = tuple(range(0, total, rows * row_bytes))
    counts = tuple(min(rows * row_bytes, total - off) for off in offsets)

    ifd = ImageFileDirectory_v2(ifh=b"II*\x00\x08\x00\x00\x00")
    if exif:
        try:
            _copy_exif_tags(ifd, exif)
            ifd.tobytes(8)  # fail here, not below, if Pillow cannot serialise some tag
        except Exception as err:
            log.warning("writing the TIFF without its EXIF tags (%s)", err)
            ifd = ImageFileDirectory_v2(ifh=b"II*\x00\x08\x00\x00\x00")
    ifd[256] = w
    ifd[257] = h
    ifd[258] = (bits,) * spp
    ifd[259] = 1  # no compression
    ifd[262] = 2  # RGB
    ifd[273] = offsets  # relative to the image data; Pillow adds the IFD's end
    ifd[274] = 1
    ifd[277] = spp
    ifd[278] = rows
    ifd[279] = counts
    ifd[284] = 1  # chunky
    if spp == 4:
        ifd[338] = (2,)  # unassociated alpha
    if dpi is not None:
        ifd[282] = float(dpi[0])
        ifd[283] = float(dpi[1])
        ifd[296] = 2  # inch
    if icc:
        ifd.tagtype[34675] = 7  # UNDEFINED
        ifd[34675] = bytes(icc)
    if xmp:
        ifd.tagtype[700] = 1  # BYTE
        ifd[700] = bytes(xmp)
    header = b"II*\x00" + struct.pack("<I", 8)
    return [header, ifd.tobytes(8), memoryview(data).cast("B")]


def _copy_exif_tags(ifd: ImageFileDirectory_v2, exif: bytes) -> None:
    src = Image.Exif()
    src.load(_metadata.with_exif_prefix(exif))
    for tag, value in src.items():
        if tag in STRUCTURAL_TAGS or tag == 0x0112:
            continue
        if tag == _EXIF_IFD:
            value = dict(src.get_ifd(_EXIF_IFD))
            if _INTEROP_IFD in value:
                value[_INTEROP_IFD] = dict(src.get_ifd(_INTEROP_IFD))
            if not value:
                continue
        elif tag == _GPS_IFD:
            value = dict(src.get_ifd(_GPS_IFD))
            if not value:
                continue
        ifd[tag] = value

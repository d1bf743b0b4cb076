"""Byte-level metadata handling for :mod:`facestudio.core.imageio`: EXIF, XMP, ICC, JPEG, PNG.

This module knows the container formats well enough to read and write photographers' metadata
without re-encoding it: it patches EXIF in place (orientation, pixel dimensions, the stale
thumbnail), rewrites the XMP orientation, reads the metadata segments of JPEG files and the
chunks of PNG files, checks that a JPEG or PNG file is complete, and inserts APP1/APP2 segments
into a JPEG and iCCP/pHYs/eXIf/iTXt chunks into a PNG produced by OpenCV's fast encoders.
Nothing here decodes pixels; everything works on ``bytes`` and raises :class:`ValueError` (or
returns ``None``) on malformed input, leaving user-facing messages to ``imageio``.

EXIF blocks are passed around in Pillow's convention: ``b"Exif\\0\\0"`` followed by a TIFF
structure (what ``Image.info["exif"]`` holds for a JPEG).
"""

from __future__ import annotations

import logging
import re
import struct
import zlib
from dataclasses import dataclass

log = logging.getLogger(__name__)

EXIF_PREFIX = b"Exif\x00\x00"
XMP_NS = b"http://ns.adobe.com/xap/1.0/\x00"
ICC_MARKER = b"ICC_PROFILE\x00"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_XMP_KEYWORD = b"XML:com.adobe.xmp"

#: largest payload of one JPEG marker segment (65535 minus the 2-byte length field)
JPEG_SEGMENT_MAX = 65533
#: ICC bytes per APP2 segment: 65533 - len("ICC_PROFILE\0") - sequence byte - count byte
ICC_CHUNK_MAX = JPEG_SEGMENT_MAX - len(ICC_MARKER) - 2
#: cap on decompressed PNG iCCP / iTXt payloads (zip-bomb guard)
MAX_INFLATED = 64 * 1024 * 1024

_TAG_ORIENTATION = 0x0112
_TAG_EXIF_IFD = 0x8769
_TAG_PIXEL_X = 0xA002
_TAG_PIXEL_Y = 0xA003
_TAG_THUMB_OFFSET = 0x0201
_TAG_THUMB_LENGTH = 0x0202
_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
_SHORT, _LONG = 3, 4


# --------------------------------------------------------------------------------------- EXIF
def with_exif_prefix(exif: bytes | None) -> bytes | None:
    """``exif`` in Pillow's convention (``Exif\\0\\0`` + TIFF); ``None`` for empty input."""
    if not exif:
        return None
    exif = bytes(exif)
    return exif if exif.startswith(EXIF_PREFIX) else EXIF_PREFIX + exif


class _Tiff:
    """A bounds-checked view of a TIFF structure (an EXIF block) in a mutable buffer."""

    def __init__(self, buf: bytearray):
        self.buf = buf
        if buf[:4] == b"II*\x00":
            self.e = "<"
        elif buf[:4] == b"MM\x00*":
            self.e = ">"
        else:
            raise ValueError("not a TIFF header")
        self.ifd0 = self.u32(4)

    def _check(self, off: int, size: int) -> None:
        if off < 0 or off + size > len(self.buf):
            raise ValueError("offset outside the EXIF block")

    def u16(self, off: int) -> int:
        self._check(off, 2)
        return struct.unpack_from(self.e + "H", self.buf, off)[0]

    def u32(self, off: int) -> int:
        self._check(off, 4)
        return struct.unpack_from(self.e + "I", self.buf, off)[0]

    def entries(self, ifd: int) -> dict[int, tuple[int, int, int]]:
        """``{tag: (entry_position, type, count)}`` of the IFD at offset ``ifd``."""
        n = self.u16(ifd)
        self._check(ifd + 2, 12 * n + 4)
        out = {}
        for i in range(n):
            pos = ifd + 2 + 12 * i
            tag, typ, count = struct.unpack_from(self.e + "HHI", self.buf, pos)
            out.setdefault(tag, (pos, typ, count))
        return out

    def next_pointer(self, ifd: int) -> int:
        """Position of the IFD's next-IFD offset field."""
        return ifd + 2 + 12 * self.u16(ifd)

    def inline_int(self, pos: int, typ: int, count: int) -> int | None:
        """The value of a one-element SHORT/LONG entry at ``pos``, else ``None``."""
        if count != 1:
            return None
        if typ == _SHORT:
            return self.u16(pos + 8)
        if typ == _LONG:
            return self.u32(pos + 8)
        return None

    def set_inline_int(self, pos: int, value: int) -> None:
        """Rewrite the entry at ``pos`` as one SHORT (if it fits) or LONG ``value``."""
        typ = _SHORT if value < 65536 else _LONG
        struct.pack_into(self.e + "HI", self.buf, pos + 2, typ, 1)
        if typ == _SHORT:
            struct.pack_into(self.e + "HH", self.buf, pos + 8, value, 0)
        else:
            struct.pack_into(self.e + "I", self.buf, pos + 8, value)


def exif_orientation(exif: bytes | None) -> int | None:
    """The EXIF orientation (1-8) of IFD0, or ``None`` when absent or unreadable."""
    exif = with_exif_prefix(exif)
    if exif is None:
        return None
    try:
        t = _Tiff(bytearray(exif[len(EXIF_PREFIX):]))
        entry = t.entries(t.ifd0).get(_TAG_ORIENTATION)
        value = t.inline_int(*entry) if entry else None
    except (ValueError, struct.error):
        return None
    return value if value is not None and 1 <= value <= 8 else None


def normalize_exif(exif: bytes | None, *, size: tuple[int, int] | None = None) -> bytes | None:
    """Prepare an EXIF block for pixels that are already in displayed orientation.

    Sets IFD0's orientation to 1 (if the tag is present), unlinks the IFD1 thumbnail and blanks
    its JPEG bytes (it would show the unretouched photo, in the old orientation), and, when
    ``size`` = (width, height) is given, rewrites the Exif IFD's PixelXDimension and
    PixelYDimension. Everything else (maker notes included) stays byte for byte.

    Returns the block with the ``Exif\\0\\0`` prefix, or ``None`` if it cannot be parsed (an
    unparseable block could carry a stale orientation, so it is not passed on).
    """
    exif = with_exif_prefix(exif)
    if exif is None:
        return None
    buf = bytearray(exif[len(EXIF_PREFIX):])
    try:
        t = _Tiff(buf)
        ifd0 = t.entries(t.ifd0)
        if _TAG_ORIENTATION in ifd0:
            t.set_inline_int(ifd0[_TAG_ORIENTATION][0], 1)
        if size is not None and _TAG_EXIF_IFD in ifd0:
            sub = t.inline_int(*ifd0[_TAG_EXIF_IFD])
            if sub:
                sub_entries = t.entries(sub)
                for tag, value in ((_TAG_PIXEL_X, size[0]), (_TAG_PIXEL_Y, size[1])):
                    if tag in sub_entries:
                        t.set_inline_int(sub_entries[tag][0], int(value))
        buf = _drop_thumbnail(t)
    except (ValueError, struct.error) as err:
        log.warning("dropping unreadable EXIF block (%s)", err)
        return None
    return EXIF_PREFIX + bytes(buf)


def tiff_file_without_orientation(data: bytes) -> bytes | bytearray:
    """A TIFF file's bytes with IFD0's orientation set to 1 (a copy only when it was not 1).

    OpenCV's TIFF decoder applies the orientation tag whatever the flags say; FaceStudio applies
    it itself, exactly once.
    """
    try:
        t = _Tiff(data)  # type: ignore[arg-type]  # reading works on bytes
        entry = t.entries(t.ifd0).get(_TAG_ORIENTATION)
        if entry is None or t.inline_int(*entry) in (None, 1):
            return data
        buf = bytearray(data)
        _Tiff(buf).set_inline_int(entry[0], 1)
        return buf
    except (ValueError, struct.error):
        return data


def _drop_thumbnail(t: _Tiff) -> bytearray:
    """Unlink IFD1 and zero (or cut, when it ends the block) its embedded JPEG thumbnail."""
    ptr = t.next_pointer(t.ifd0)
    ifd1 = t.u32(ptr)
    if not ifd1:
        return t.buf
    struct.pack_into(t.e + "I", t.buf, ptr, 0)
    try:
        entries = t.entries(ifd1)
    except ValueError:
        return t.buf
    start = t.inline_int(*entries[_TAG_THUMB_OFFSET]) if _TAG_THUMB_OFFSET in entries else None
    length = t.inline_int(*entries[_TAG_THUMB_LENGTH]) if _TAG_THUMB_LENGTH in entries else None
    if start and length and start + length <= len(t.buf):
        if not any(t.buf[start + length:]):
            del t.buf[start:]
        else:
            t.buf[start:start + length] = bytes(length)
    return t.buf


# ---------------------------------------------------------------------------------------- XMP
_XMP_ORIENT = re.compile(
    rb"(tiff:Orientation\s*=\s*[\"'])([0-9])([\"'])|(<tiff:Orientation>\s*)([0-9])(\s*</tiff:Orientation>)")


def xmp_orientation(xmp: bytes | None) -> int | None:
    """The ``tiff:Orientation`` of an XMP packet, or ``None``."""
    if not xmp:
        return None
    m = _XMP_ORIENT.search(xmp)
    if not m:
        return None
    value = int(m.group(2) or m.group(5))
    return value if 1 <= value <= 8 else None


def xmp_reset_orientation(xmp: bytes | None) -> bytes | None:
    """The packet with every ``tiff:Orientation`` set to 1 (same length, still valid XML)."""
    if not xmp:
        return None
    return _XMP_ORIENT.sub(
        lambda m: (m.group(1) + b"1" + m.group(3)) if m.group(1) else (m.group(4) + b"1" + m.group(6)),
        bytes(xmp))


# ---------------------------------------------------------------------------------------- ICC
def icc_color_space(icc: bytes | None) -> str | None:
    """The data colour space of an ICC profile (``"RGB"``, ``"CMYK"``, ``"GRAY"``...) or ``None``."""
    if not icc or len(icc) < 128 or icc[36:40] != b"acsp":
        return None
    return icc[16:20].decode("latin-1").strip()


# --------------------------------------------------------------------------------------- JPEG
@dataclass
class JpegMetadata:
    exif: bytes | None = None
    xmp: bytes | None = None
    icc: bytes | None = None


def read_jpeg_metadata(data: bytes) -> JpegMetadata:
    """EXIF, XMP and the reassembled ICC profile from the segments before the first scan."""
    meta = JpegMetadata()
    icc_chunks: dict[int, bytes] = {}
    icc_count = 0
    for marker, start, end in _jpeg_segments(data):
        if marker == 0xE1:
            payload = data[start:end]
            if meta.exif is None and payload.startswith(EXIF_PREFIX):
                meta.exif = bytes(payload)
            elif meta.xmp is None and payload.startswith(XMP_NS):
                meta.xmp = bytes(payload[len(XMP_NS):]).rstrip(b"\x00") or None
        elif marker == 0xE2 and data.startswith(ICC_MARKER, start) and end - start > 14:
            seq, count = data[start + 12], data[start + 13]
            icc_count = max(icc_count, count)
            icc_chunks.setdefault(seq, bytes(data[start + 14:end]))
    if icc_chunks:
        if icc_count and all(i in icc_chunks for i in range(1, icc_count + 1)):
            meta.icc = b"".join(icc_chunks[i] for i in range(1, icc_count + 1))
        else:
            log.warning("ignoring an incomplete ICC profile (%d of %d parts)", len(icc_chunks), icc_count)
    return meta


def _jpeg_segments(data: bytes):
    """Yield (marker, payload_start, payload_end) of the marker segments up to SOS."""
    n = len(data)
    if data[:2] != b"\xff\xd8":
        return
    pos = 2
    while pos + 4 <= n:
        if data[pos] != 0xFF:
            return
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        if marker in (0xDA, 0xD9):
            return
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            pos += 2
            continue
        length = (data[pos + 2] << 8) | data[pos + 3]
        end = pos + 2 + length
        if length < 2 or end > n:
            return
        yield marker, pos + 4, end
        pos = end


_JPEG_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


def jpeg_is_complete(data: bytes) -> bool:
    """Whether the first JPEG image in ``data`` runs to its EOI marker (is not truncated).

    Walks the marker segments and the entropy-coded scans (progressive files have several), so
    data appended after the image (MPO pages, motion-photo videos) is allowed.
    """
    if data[:2] != b"\xff\xd8":
        return False
    if data.endswith(b"\xff\xd9"):
        return True
    n, pos = len(data), 2
    while pos + 2 <= n:
        if data[pos] != 0xFF:
            m = _JPEG_MARKER.search(data, pos)  # stray bytes between segments: libjpeg skips them
            if not m:
                return False
            pos = m.start()
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        if marker == 0xD9:
            return True
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            pos += 2
            continue
        if pos + 4 > n:
            return False
        end = pos + 2 + ((data[pos + 2] << 8) | data[pos + 3])
        if end > n:
            return False
        if marker == 0xDA:
            m = _JPEG_MARKER.search(data, end)
            if not m:
                return False
            end = m.start()
        pos = end
    return False


def jpeg_segment(marker: int, payload: bytes) -> bytes:
    """One marker segment; ``payload`` must be at most :data:`JPEG_SEGMENT_MAX` bytes."""
    if len(payload) > JPEG_SEGMENT_MAX:
        raise ValueError("JPEG segment too long")
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def jpeg_metadata_segments(exif: bytes | None, xmp: bytes | None, icc: bytes | None) -> list[bytes]:
    """APP1 Exif, APP1 XMP and APP2 ICC_PROFILE segments (ICC split into numbered parts).

    Metadata that cannot fit a JPEG (EXIF over 64 KB, XMP over 64 KB: extended XMP is not
    written, ICC over 255 parts) is left out with a logged warning.
    """
    out = []
    if exif:
        exif = with_exif_prefix(exif)
        if len(exif) <= JPEG_SEGMENT_MAX:
            out.append(jpeg_segment(0xE1, exif))
        else:
            log.warning("EXIF block of %d bytes does not fit a JPEG; left out", len(exif))
    if xmp:
        if len(XMP_NS) + len(xmp) <= JPEG_SEGMENT_MAX:
            out.append(jpeg_segment(0xE1, XMP_NS + xmp))
        else:
            log.warning("XMP packet of %d bytes does not fit a JPEG segment; left out", len(xmp))
    if icc:
        parts = [icc[i:i + ICC_CHUNK_MAX] for i in range(0, len(icc), ICC_CHUNK_MAX)]
        if len(parts) <= 255:
            for i, part in enumerate(parts, 1):
                out.append(jpeg_segment(0xE2, ICC_MARKER + bytes((i, len(parts))) + part))
        else:
            log.warning("ICC profile of %d bytes is too large for a JPEG; left out", len(icc))
    return out


def jpeg_with_metadata(encoded: memoryview, segments: list[bytes],
                       dpi: tuple[float, float] | None) -> list:
    """Pieces of a JPEG file: ``encoded`` (from libjpeg, starting SOI + APP0 JFIF) with
    ``segments`` inserted after the JFIF header, and the JFIF density set to ``dpi``.

    ``encoded`` must be writable when ``dpi`` is given (the density is patched in place).
    """
    if bytes(encoded[:2]) != b"\xff\xd8":
        raise ValueError("encoder output is not a JPEG")
    pos = 2
    if bytes(encoded[2:4]) == b"\xff\xe0" and bytes(encoded[6:11]) == b"JFIF\x00":
        pos = 4 + ((encoded[4] << 8) | encoded[5])
        if dpi is not None:
            x, y = (min(65535, max(1, int(round(v)))) for v in dpi)
            encoded[13:18] = struct.pack(">BHH", 1, x, y)
    return [encoded[:pos], *segments, encoded[pos:]]


# ---------------------------------------------------------------------------------------- PNG
@dataclass
class PngInfo:
    width: int
    height: int
    bit_depth: int
    color_type: int
    complete: bool
    has_trns: bool = False
    exif: bytes | None = None
    icc: bytes | None = None
    xmp: bytes | None = None
    dpi: tuple[float, float] | None = None


def _inflate(data: bytes) -> bytes:
    d = zlib.decompressobj()
    out = d.decompress(data, MAX_INFLATED)
    if d.unconsumed_tail:
        raise ValueError("compressed PNG metadata is implausibly large")
    return out


def read_png(data: bytes) -> PngInfo:
    """Header, completeness (IEND reached) and the metadata chunks of a PNG file."""
    if not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise ValueError("not a PNG file")
    w, h, depth, ctype = struct.unpack_from(">IIBB", data, 16)
    info = PngInfo(w, h, depth, ctype, complete=False)
    pos, n = 8, len(data)
    while pos + 12 <= n:
        length, ctype_ = struct.unpack_from(">I4s", data, pos)
        start, end = pos + 8, pos + 8 + length
        if end + 4 > n:
            break
        try:
            _png_chunk_metadata(info, ctype_, data[start:end])
        except (ValueError, zlib.error, struct.error, IndexError) as err:
            log.warning("ignoring a damaged PNG %s chunk (%s)", ctype_.decode("latin-1"), err)
        if ctype_ == b"IEND":
            info.complete = True
            break
        pos = end + 4
    return info


def _png_chunk_metadata(info: PngInfo, ctype: bytes, body: bytes) -> None:
    if ctype == b"tRNS":
        info.has_trns = True
    elif ctype == b"iCCP" and info.icc is None:
        name_end = body.index(b"\x00")
        info.icc = _inflate(body[name_end + 2:])
    elif ctype == b"eXIf" and info.exif is None:
        info.exif = with_exif_prefix(body)
    elif ctype == b"pHYs" and len(body) == 9:
        px, py, unit = struct.unpack(">IIB", body)
        if unit == 1 and px and py:
            info.dpi = (snap_dpi(px * 0.0254), snap_dpi(py * 0.0254))
    elif ctype == b"iTXt" and info.xmp is None and body.startswith(PNG_XMP_KEYWORD + b"\x00"):
        rest = body[len(PNG_XMP_KEYWORD) + 1:]
        compressed = rest[0] == 1
        rest = rest[2:]
        rest = rest[rest.index(b"\x00") + 1:]  # language tag
        rest = rest[rest.index(b"\x00") + 1:]  # translated keyword
        info.xmp = (_inflate(rest) if compressed else bytes(rest)) or None


def snap_dpi(value: float) -> float:
    """A resolution converted from pixels per metre, snapped to a whole dpi when within 0.01."""
    r = round(value)
    return float(r) if abs(value - r) < 0.01 else float(value)


def png_chunk(ctype: bytes, body: bytes) -> bytes:
    """One PNG chunk with its length and CRC."""
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))


def png_metadata_chunks(exif: bytes | None, icc: bytes | None, xmp: bytes | None,
                        dpi: tuple[float, float] | None) -> list[bytes]:
    """iCCP, pHYs, eXIf and iTXt (XMP) chunks, in an order valid right after IHDR."""
    out = []
    if icc:
        out.append(png_chunk(b"iCCP", b"ICC profile\x00\x00" + zlib.compress(icc, 6)))
    if dpi is not None:
        px, py = (max(1, int(round(v / 0.0254))) for v in dpi)
        out.append(png_chunk(b"pHYs", struct.pack(">IIB", px, py, 1)))
    if exif:
        out.append(png_chunk(b"eXIf", with_exif_prefix(exif)[len(EXIF_PREFIX):]))
    if xmp:
        out.append(png_chunk(b"iTXt", PNG_XMP_KEYWORD + b"\x00\x00\x00\x00\x00" + bytes(xmp)))
    return out


def png_with_chunks(encoded: memoryview, chunks: list[bytes]) -> list:
    """Pieces of a PNG file: ``encoded`` with ``chunks`` inserted right after IHDR."""
    if bytes(encoded[:8]) != PNG_SIGNATURE or bytes(encoded[12:16]) != b"IHDR":
        raise ValueError("encoder output is not a PNG")
    end = 8 + 12 + struct.unpack(">I", bytes(encoded[8:12]))[0]
    return [encoded[:end], *chunks, encoded[end:]]

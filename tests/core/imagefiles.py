"""Builders for the image-file tests: EXIF blocks, XMP packets, ICC profiles, file surgery.

The ICC profiles are real, valid ICC v2 profiles built here from a lookup table (lut16Type
AToB0 tag, Lab PCS), because the test machine has no CMYK or large profile installed: a CMYK
"printer" profile with a naive ink model, and an RGB profile whose 33^3 table makes it larger
than one JPEG APP2 segment. Also a small independent JPEG segment walker and PNG chunk walker
so tests do not check the code under test with itself.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageCms

XMP_MARKER = b"FaceStudio-test-packet-7f3a"


def xmp_packet(orientation: int | None = None) -> bytes:
    """A small x:xmpmeta packet with a dc:creator and, optionally, tiff:Orientation."""
    orient = f' tiff:Orientation="{orientation}"' if orientation else ""
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        f'xmlns:tiff="http://ns.adobe.com/tiff/1.0/"{orient}>'
        f'<dc:creator><rdf:Seq><rdf:li>{XMP_MARKER.decode()}</rdf:li></rdf:Seq></dc:creator>'
        '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>').encode("utf-8")


EXIF_TAGS = {0x010F: "Canon", 0x0110: "EOS R5", 0x013B: "Jane Photographer"}
DATETIME_ORIGINAL = "2024:05:06 07:08:09"


def exif_block(orientation: int | None = None) -> bytes:
    """EXIF (``Exif\\0\\0`` + TIFF) with Make, Model, Artist, DateTimeOriginal [+ orientation]."""
    ex = Image.Exif()
    for tag, value in EXIF_TAGS.items():
        ex[tag] = value
    if orientation is not None:
        ex[0x0112] = orientation
    ex.get_ifd(0x8769)[0x9003] = DATETIME_ORIGINAL
    return ex.tobytes()


def exif_with_thumbnail(orientation: int, thumbnail: bytes) -> bytes:
    """A hand-built little-endian EXIF block: IFD0 (Make, Orientation) and an IFD1 thumbnail."""
    make = b"Nikon\x00"
    # layout: header 8 | IFD0 (2 entries) 2+24+4 = 30 -> 38 | make 6 -> 44 | IFD1 2+24+4 -> 74
    ifd0 = struct.pack("<H", 2)
    ifd0 += struct.pack("<HHII", 0x010F, 2, len(make), 38)
    ifd0 += struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0)
    ifd0 += struct.pack("<I", 44)
    ifd1 = struct.pack("<H", 2)
    ifd1 += struct.pack("<HHII", 0x0201, 4, 1, 74)
    ifd1 += struct.pack("<HHII", 0x0202, 4, 1, len(thumbnail))
    ifd1 += struct.pack("<I", 0)
    body = b"II*\x00" + struct.pack("<I", 8) + ifd0 + make + ifd1
    assert len(body) == 74
    return b"Exif\x00\x00" + body + thumbnail


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _s15(v: float) -> bytes:
    return struct.pack(">i", int(round(v * 65536)))


def _tag_desc(text: str) -> bytes:
    ascii_ = text.encode("ascii") + b"\x00"
    return (b"desc" + bytes(4) + struct.pack(">I", len(ascii_)) + ascii_ + bytes(4) + bytes(4)
            + bytes(2) + bytes(1) + bytes(67))


def _tag_xyz(x: float, y: float, z: float) -> bytes:
    return b"XYZ " + bytes(4) + _s15(x) + _s15(y) + _s15(z)


def _srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB in [0, 1] -> CIELAB (D50 white, Bradford-adapted matrix)."""
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    m = np.array([[0.4360747, 0.3850649, 0.1430804],
                  [0.2225045, 0.7168786, 0.0606169],
                  [0.0139322, 0.0971045, 0.7141733]])
    xyz = lin @ m.T / np.array([0.9642, 1.0, 0.8249])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], 1)


def lut_profile(space: str, grid: int, to_srgb: Callable[[np.ndarray], np.ndarray],
                description: str) -> bytes:
    """A valid ICC v2 profile: ``space`` ("CMYK" or "RGB") -> Lab via a lut16 AToB0 table.

    ``to_srgb`` maps an (N, channels) array of device values in [0, 1] to (N, 3) sRGB in [0, 1].
    """
    n_in = {"CMYK": 4, "RGB": 3}[space]
    axes = np.linspace(0.0, 1.0, grid)
    mesh = np.stack(np.meshgrid(*([axes] * n_in), indexing="ij"), -1).reshape(-1, n_in)
    lab = _srgb_to_lab(np.clip(to_srgb(mesh), 0, 1))
    enc = np.empty_like(lab)
    enc[:, 0] = np.clip(lab[:, 0], 0, 100) * 652.80
    enc[:, 1:] = (np.clip(lab[:, 1:], -128, 127.99) + 128) * 256
    clut = np.round(enc).astype(">u2").tobytes()
    ident = [1, 0, 0, 0, 1, 0, 0, 0, 1]
    lut = (b"mft2" + bytes(4) + bytes((n_in, 3, grid, 0)) + b"".join(_s15(v) for v in ident)
           + struct.pack(">HH", 2, 2) + struct.pack(">HH", 0, 65535) * n_in + clut
           + struct.pack(">HH", 0, 65535) * 3)
    tags = [(b"desc", _tag_desc(description)), (b"wtpt", _tag_xyz(0.9642, 1.0, 0.8249)),
            (b"cprt", b"text" + bytes(4) + b"public domain test profile\x00"), (b"A2B0", lut)]
    offset = 128 + 4 + 12 * len(tags)
    table, data = struct.pack(">I", len(tags)), b""
    for sig, body in tags:
        body += bytes(-len(body) % 4)
        table += sig + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = 128 + len(table) + len(data)
    header = (struct.pack(">I", size) + b"lcms" + b"\x02\x10\x00\x00"
              + (b"prtr" if space == "CMYK" else b"scnr") + space.ljust(4).encode() + b"Lab "
              + struct.pack(">6H", 2024, 1, 1, 0, 0, 0) + b"acsp" + bytes(4) + bytes(4)
              + bytes(4) + bytes(4) + bytes(8) + struct.pack(">I", 0)
              + _s15(0.9642) + _s15(1.0) + _s15(0.8249) + bytes(4) + bytes(16) + bytes(28))
    assert len(header) == 128
    return header + table + data


def cmyk_profile() -> bytes:
    """A CMYK profile with a naive subtractive ink model (11^4 grid: ~88 KB, two APP2 parts)."""
    def model(cmyk: np.ndarray) -> np.ndarray:
        k = cmyk[:, 3:4]
        return (1 - cmyk[:, :3]) * (1 - k)
    return lut_profile("CMYK", 11, model, "FaceStudio test CMYK")


def large_rgb_profile() -> bytes:
    """An sRGB-like RGB profile with a 33^3 table: about 215 KB, four JPEG APP2 segments."""
    return lut_profile("RGB", 33, lambda rgb: rgb, "FaceStudio test large RGB")


# ------------------------------------------------------------------------------ file surgery
def jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """(marker, payload) of every segment before the first SOS, walked independently."""
    out, pos = [], 2
    assert data[:2] == b"\xff\xd8"
    while data[pos] == 0xFF and data[pos + 1] != 0xDA:
        marker = data[pos + 1]
        length = struct.unpack(">H", data[pos + 2:pos + 4])[0]
        out.append((marker, data[pos + 4:pos + 2 + length]))
        pos += 2 + length
    return out


def png_chunks(data: bytes) -> list[tuple[bytes, bytes, bool]]:
    """(type, body, crc_ok) of every chunk of a PNG file."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    out, pos = [], 8
    while pos < len(data):
        length = struct.unpack(">I", data[pos:pos + 4])[0]
        ctype, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        crc = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0]
        out.append((ctype, body, crc == zlib.crc32(ctype + body)))
        pos += 12 + length
    return out


def png_with_size(data: bytes, width: int, height: int) -> bytes:
    """The PNG with its IHDR claiming ``width`` x ``height`` (CRC fixed up)."""
    ihdr = bytearray(data[12:29])
    ihdr[4:12] = struct.pack(">II", width, height)
    crc = struct.pack(">I", zlib.crc32(bytes(ihdr)))
    return data[:12] + bytes(ihdr) + crc + data[33:]

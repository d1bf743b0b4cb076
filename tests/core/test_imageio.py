"""Tests for facestudio.core.imageio: formats, metadata survival, orientation, 16-bit, colour
modes, damaged files, decompression bombs and atomic, no-clobber writing.

Files are real images (the astronaut) written with Pillow/OpenCV/tifffile in tmp_path; outputs
are checked by reopening them with Pillow and with independent byte walkers (imagefiles.py).
"""

from __future__ import annotations

import errno
import io
import os
import stat

import cv2
import numpy as np
import pytest
from PIL import Image, ImageCms, ImageOps, JpegImagePlugin, PngImagePlugin

from facestudio.core import _decode, _metadata, _save, imageio
from facestudio.core.errors import (
    ImageReadError,
    ImageTooLargeError,
    ImageWriteError,
    OutputExistsError,
    ParameterError,
)
from facestudio.core.imageio import ImageMetadata, load_image, save_image
from tests import faces
from tests.core import imagefiles as files

LOSSLESS = (".png", ".tif", ".bmp")
FORMATS = (".jpg", ".png", ".tif", ".webp", ".bmp")


@pytest.fixture
def photo() -> np.ndarray:
    """A 240x360 (H x W) crop of the astronaut with a pure red 16x16 marker at the top left."""
    img = faces.astronaut()[40:280, 60:420].copy()
    img[:16, :16] = (255, 0, 0)
    return img


@pytest.fixture
def full_meta() -> ImageMetadata:
    return ImageMetadata(exif=files.exif_block(), icc_profile=files.srgb_icc(),
                         xmp=files.xmp_packet(), dpi=(300.0, 300.0))


def _pil_save(path, arr, **kwargs):
    Image.fromarray(arr).save(path, **kwargs)
    return path


def _save_source(path, arr, *, exif=None, xmp=None, **kwargs):
    """Write a test source with Pillow, putting XMP where each format keeps it."""
    kwargs = dict(kwargs)
    if exif is not None:
        kwargs["exif"] = exif
    if xmp is not None:
        if path.suffix == ".png":
            info = PngImagePlugin.PngInfo()
            info.add_itxt("XML:com.adobe.xmp", xmp.decode("utf-8"))
            kwargs["pnginfo"] = info
        elif path.suffix in (".tif", ".tiff"):
            kwargs["tiffinfo"] = {700: xmp}
        else:
            kwargs["xmp"] = xmp
    return _pil_save(path, arr, **kwargs)


def _is_red(patch: np.ndarray) -> bool:
    r, g, b = patch.reshape(-1, 3).astype(float).mean(0)
    return r > 200 and g < 60 and b < 60


def _modes_enforced(tmp_path) -> bool:
    """Whether file modes block this process (not for root with CAP_DAC_OVERRIDE)."""
    probe = tmp_path / "probe"
    probe.mkdir()
    probe.chmod(0o555)
    try:
        (probe / "x").write_bytes(b"")
    except PermissionError:
        return True
    finally:
        probe.chmod(0o755)
        (probe / "x").unlink(missing_ok=True)
        probe.rmdir()
    return False


def _leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ----------------------------------------------------------------------------- constants, API
def test_public_constants():
    assert set(imageio.SUPPORTED_EXTENSIONS) == {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}
    assert imageio.DEFAULT_MAX_PIXELS == 200_000_000
    meta = ImageMetadata()
    with pytest.raises(AttributeError):
        meta.exif = b""  # frozen


def test_to_uint8_rounds_every_16bit_value():
    values = np.arange(65536, dtype=np.uint16)
    expected = np.floor(values / 257.0 + 0.5).astype(np.uint8)
    assert np.array_equal(imageio.to_uint8(values.reshape(256, 256)).ravel(), expected)
    assert np.array_equal(imageio.to_uint8(np.stack([values] * 3, -1).reshape(256, 256, 3))[..., 1].ravel(), expected)
    assert np.array_equal(imageio.to_uint8(values), expected)  # 1-D goes the numpy way
    u8 = np.zeros((2, 2, 3), np.uint8)
    assert imageio.to_uint8(u8) is u8
    with pytest.raises(ValueError):
        imageio.to_uint8(np.zeros((2, 2), np.float32))


# --------------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("ext", FORMATS)
def test_round_trip_keeps_pixels_size_and_metadata(tmp_path, photo, full_meta, ext):
    src = _pil_save(tmp_path / f"src{ext}", photo, **({"quality": 95} if ext in (".jpg", ".webp") else {}))
    loaded = load_image(src)
    assert loaded.pixels.dtype == np.uint8 and loaded.pixels.flags.c_contiguous
    assert loaded.size == (360, 240) and loaded.bit_depth == 8 and loaded.alpha is None
    assert loaded.format == {".jpg": "JPEG", ".png": "PNG", ".tif": "TIFF", ".webp": "WEBP", ".bmp": "BMP"}[ext]
    if ext in LOSSLESS:
        assert np.array_equal(loaded.pixels, photo)
    else:
        assert np.abs(loaded.pixels.astype(int) - photo).mean() < 4

    out = save_image(tmp_path / f"out{ext}", loaded.pixels, metadata=full_meta)
    assert out == tmp_path / f"out{ext}"
    raw = out.read_bytes()
    with Image.open(out) as im:
        assert im.size == (360, 240)
        info = dict(im.info)
        exif = im.getexif()
        pixels = np.asarray(im.convert("RGB"))
    if ext in LOSSLESS:
        assert np.array_equal(pixels, loaded.pixels)
    else:
        assert np.abs(pixels.astype(int) - loaded.pixels).mean() < 4
    if ext == ".bmp":  # BMP keeps only pixels and resolution
        assert info["dpi"] == pytest.approx((300, 300), abs=0.01)
        return
    for tag, value in files.EXIF_TAGS.items():
        assert exif.get(tag) == value
        assert value.encode() in raw
    assert exif.get_ifd(0x8769).get(0x9003) == files.DATETIME_ORIGINAL
    assert info["icc_profile"] == full_meta.icc_profile
    assert files.XMP_MARKER in raw
    xmp = info.get("xmp") or info.get("XML:com.adobe.xmp")
    assert files.XMP_MARKER in (xmp.encode() if isinstance(xmp, str) else xmp)
    if ext != ".webp":  # WebP has no resolution field
        assert info["dpi"] == pytest.approx((300, 300), abs=0.01)

    again = load_image(out)
    assert again.metadata.icc_profile == full_meta.icc_profile
    assert files.XMP_MARKER in again.metadata.xmp
    ex = Image.Exif()
    ex.load(again.metadata.exif)
    assert ex.get(0x0110) == "EOS R5" and ex.get_ifd(0x8769).get(0x9003) == files.DATETIME_ORIGINAL
    assert again.metadata.dpi == (None if ext == ".webp" else (300.0, 300.0))


def test_jpeg_extension_alias_and_exif_pixel_dimensions(tmp_path, photo, full_meta):
    ex = Image.Exif()
    ex.load(files.exif_block())
    ex.get_ifd(0x8769)[0xA002] = 9999
    ex.get_ifd(0x8769)[0xA003] = 7777
    meta = ImageMetadata(exif=ex.tobytes())
    out = save_image(tmp_path / "out.jpeg", photo, metadata=meta)
    with Image.open(out) as im:
        assert im.format == "JPEG"
        sub = im.getexif().get_ifd(0x8769)
    assert (sub[0xA002], sub[0xA003]) == (360, 240)


@pytest.mark.parametrize("quality", [95, 80])
def test_jpeg_encoding_uses_pillow_equivalent_settings(tmp_path, photo, quality):
    ours = save_image(tmp_path / "ours.jpg", photo, quality=quality)
    ref = tmp_path / "pillow.jpg"
    Image.fromarray(photo).save(ref, quality=quality, **({"subsampling": 0} if quality >= 90 else {}))
    with Image.open(ours) as a, Image.open(ref) as b:
        assert a.quantization == b.quantization
        assert JpegImagePlugin.get_sampling(a) == JpegImagePlugin.get_sampling(b) == (0 if quality >= 90 else 2)
        assert np.abs(np.asarray(a).astype(int) - np.asarray(b)).max() <= 2


def test_mpo_loads_its_first_picture_as_jpeg(tmp_path, photo):
    src = tmp_path / "stereo.jpg"
    Image.fromarray(photo).save(src, "MPO", save_all=True, append_images=[Image.fromarray(photo[::-1].copy())],
                                quality=95, exif=files.exif_block())
    loaded = load_image(src)
    assert loaded.format == "JPEG" and loaded.size == (360, 240)
    assert np.abs(loaded.pixels.astype(int) - photo).mean() < 4
    assert loaded.metadata.exif is not None


def test_large_icc_profile_is_split_over_numbered_app2_segments(tmp_path, photo):
    icc = files.large_rgb_profile()
    assert len(icc) > 65519 * 3
    out = save_image(tmp_path / "big-icc.jpg", photo, metadata=ImageMetadata(icc_profile=icc))
    app2 = [p for m, p in files.jpeg_segments(out.read_bytes()) if m == 0xE2]
    assert [p[:12] for p in app2] == [b"ICC_PROFILE\x00"] * len(app2)
    assert [(p[12], p[13]) for p in app2] == [(i, len(app2)) for i in range(1, len(app2) + 1)]
    assert len(app2) == 4 and b"".join(p[14:] for p in app2) == icc
    with Image.open(out) as im:
        assert im.info["icc_profile"] == icc
        ImageCms.ImageCmsProfile(io.BytesIO(im.info["icc_profile"]))  # still a valid profile
    assert load_image(out).metadata.icc_profile == icc


def test_jpeg_metadata_segments_are_well_formed(tmp_path, photo, full_meta):
    out = save_image(tmp_path / "o.jpg", photo, metadata=full_meta)
    segs = files.jpeg_segments(out.read_bytes())
    markers = [m for m, _ in segs]
    assert markers[0] == 0xE0 and segs[0][1][:5] == b"JFIF\x00"
    assert segs[0][1][7] == 1 and segs[0][1][8:12] == b"\x01\x2c\x01\x2c"  # 300 dpi, in inches
    exif = [p for m, p in segs if m == 0xE1 and p.startswith(b"Exif\x00\x00")]
    xmp = [p for m, p in segs if m == 0xE1 and p.startswith(b"http://ns.adobe.com/xap/1.0/\x00")]
    assert len(exif) == 1 and len(xmp) == 1 and files.XMP_MARKER in xmp[0]
    decoded = cv2.imdecode(np.frombuffer(out.read_bytes(), np.uint8), cv2.IMREAD_COLOR)
    assert decoded is not None and decoded.shape == (240, 360, 3)


def test_png_metadata_chunks_have_valid_crcs_and_precede_idat(tmp_path, photo, full_meta):
    out = save_image(tmp_path / "o.png", photo, metadata=full_meta)
    chunks = files.png_chunks(out.read_bytes())
    assert all(ok for _, _, ok in chunks)
    types = [t for t, _, _ in chunks]
    assert types[0] == b"IHDR" and types[-1] == b"IEND"
    first_idat = types.index(b"IDAT")
    for t in (b"iCCP", b"pHYs", b"eXIf", b"iTXt"):
        assert types.index(t) < first_idat
    assert b"sRGB" not in types  # iCCP and sRGB must not both be present


def test_tiff_tags_read_by_tifffile(tmp_path, photo, full_meta):
    tifffile = pytest.importorskip("tifffile")
    out = save_image(tmp_path / "o.tiff", photo, metadata=full_meta)
    with tifffile.TiffFile(out) as tf:
        page = tf.pages[0]
        assert np.array_equal(page.asarray(), photo)
        tags = page.tags
        assert bytes(tags["InterColorProfile"].value) == full_meta.icc_profile
        assert files.XMP_MARKER in bytes(tags["XMP"].value)
        assert tags["Make"].value == "Canon" and tags["Orientation"].value == 1
        assert tags["ExifTag"].value["DateTimeOriginal"] == files.DATETIME_ORIGINAL


@pytest.mark.parametrize("ext", [".tif", ".png", ".jpg"])
def test_camera_exif_values_survive_from_a_jpeg(tmp_path, photo, ext):
    from PIL.TiffImagePlugin import IFDRational
    ex = Image.Exif()
    ex.load(files.exif_block())
    sub = ex.get_ifd(0x8769)
    sub[0x829A] = IFDRational(1, 250)  # ExposureTime
    sub[0x829D] = IFDRational(28, 10)  # FNumber
    sub[0x8827] = 400  # ISO
    sub[0x927C] = b"MAKERNOTE\x00\x01\x02binary"  # MakerNote
    gps = ex.get_ifd(0x8825)
    gps[1], gps[2] = "N", (IFDRational(52, 1), IFDRational(31, 1), IFDRational(1234, 100))
    src = _pil_save(tmp_path / "cam.jpg", photo, quality=95, exif=ex.tobytes())
    loaded = load_image(src)
    out = save_image(tmp_path / f"o{ext}", loaded.pixels, metadata=loaded.metadata)
    with Image.open(out) as im:
        got = im.getexif()
        sub, gps = got.get_ifd(0x8769), got.get_ifd(0x8825)
    assert got[0x010F] == "Canon" and sub[0x9003] == files.DATETIME_ORIGINAL
    assert float(sub[0x829A]) == pytest.approx(1 / 250) and float(sub[0x829D]) == pytest.approx(2.8)
    assert sub[0x8827] == 400 and sub[0x927C] == b"MAKERNOTE\x00\x01\x02binary"
    assert gps[1] == "N" and [float(v) for v in gps[2]] == pytest.approx([52, 31, 12.34])


def test_non_rgb_icc_profile_is_not_embedded(tmp_path, photo):
    out = save_image(tmp_path / "o.png", photo, metadata=ImageMetadata(icc_profile=files.cmyk_profile()))
    with Image.open(out) as im:
        assert "icc_profile" not in im.info


# --------------------------------------------------------------------------------- orientation
@pytest.mark.parametrize("orientation, corner", [(3, "bottom-right"), (6, "top-right"), (8, "bottom-left")])
@pytest.mark.parametrize("ext", [".jpg", ".png", ".tif", ".webp"])
def test_exif_orientation_applied_on_load_and_reset_on_export(tmp_path, photo, orientation, corner, ext):
    src = tmp_path / f"o{orientation}{ext}"
    kwargs = {"quality": 95} if ext in (".jpg", ".webp") else {}
    _save_source(src, photo, exif=files.exif_block(orientation), xmp=files.xmp_packet(orientation), **kwargs)
    with Image.open(src) as im:  # the source really carries both orientations
        assert im.getexif().get(0x0112) == orientation and b'tiff:Orientation="%d"' % orientation in src.read_bytes()
    loaded = load_image(src)
    h, w = loaded.pixels.shape[:2]
    assert (w, h) == ((240, 360) if orientation in (6, 8) else (360, 240))
    m = 16
    regions = {"top-left": (slice(0, m), slice(0, m)), "top-right": (slice(0, m), slice(w - m, w)),
               "bottom-left": (slice(h - m, h), slice(0, m)), "bottom-right": (slice(h - m, h), slice(w - m, w))}
    assert _is_red(loaded.pixels[regions[corner]])
    assert not _is_red(loaded.pixels[regions["top-left"]])
    assert _metadata.exif_orientation(loaded.metadata.exif) == 1
    assert b'tiff:Orientation="1"' in loaded.metadata.xmp

    out = save_image(tmp_path / f"out{ext}", loaded.pixels, metadata=loaded.metadata)
    with Image.open(out) as im:
        assert im.getexif().get(0x0112) == 1
        shown = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
    assert shown.shape == loaded.pixels.shape
    assert _is_red(shown[regions[corner]])
    assert b'tiff:Orientation="1"' in out.read_bytes()
    assert b'tiff:Orientation="%d"' % orientation not in out.read_bytes()


@pytest.mark.parametrize("orientation", range(1, 9))
def test_all_orientations_match_pillow_exif_transpose(tmp_path, photo, orientation):
    src = _pil_save(tmp_path / "o.png", photo, exif=files.exif_block(orientation))
    with Image.open(src) as im:
        expected = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
    assert np.array_equal(load_image(src).pixels, expected)


def test_xmp_orientation_used_when_exif_has_none(tmp_path, photo):
    src = _pil_save(tmp_path / "x.jpg", photo, quality=95, xmp=files.xmp_packet(6))
    loaded = load_image(src)
    assert loaded.size == (240, 360) and _is_red(loaded.pixels[:16, -16:])
    assert b'tiff:Orientation="1"' in loaded.metadata.xmp


def test_exif_thumbnail_is_removed_and_other_tags_kept(tmp_path, photo):
    thumb = b"\xff\xd8" + b"OLD-UNRETOUCHED-THUMBNAIL" * 40 + b"\xff\xd9"
    src = _pil_save(tmp_path / "t.jpg", photo, quality=95, exif=files.exif_with_thumbnail(6, thumb))
    loaded = load_image(src)
    assert loaded.size == (240, 360)
    exif = loaded.metadata.exif
    assert b"OLD-UNRETOUCHED" not in exif
    ex = Image.Exif()
    ex.load(exif)
    assert ex.get(0x010F) == "Nikon" and ex.get(0x0112) == 1
    assert not ex.get_ifd(0x0001)  # IFD1 unlinked
    out = save_image(tmp_path / "o.jpg", loaded.pixels, metadata=loaded.metadata)
    assert b"OLD-UNRETOUCHED" not in out.read_bytes()


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_unreadable_exif_is_dropped_not_fatal(tmp_path, photo):
    src = tmp_path / "bad-exif.jpg"
    data = io.BytesIO()
    Image.fromarray(photo).save(data, "JPEG", quality=90, exif=b"Exif\x00\x00II*\x00\xff\xff\xff\x7f")
    src.write_bytes(data.getvalue())
    loaded = load_image(src)
    assert loaded.size == (360, 240) and loaded.metadata.exif is None


# -------------------------------------------------------------------------------------- 16-bit
def _photo16(photo: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(1)
    return (photo.astype(np.uint16) * 257 + rng.integers(0, 257, photo.shape)).astype(np.uint16)


@pytest.mark.parametrize("out_ext", [".png", ".tif"])
def test_16bit_png_round_trip_is_exact(tmp_path, photo, full_meta, out_ext):
    src16 = _photo16(photo)
    src = tmp_path / "src16.png"
    assert cv2.imwrite(str(src), cv2.cvtColor(src16, cv2.COLOR_RGB2BGR))
    loaded = load_image(src)
    assert loaded.pixels.dtype == np.uint16 and loaded.bit_depth == 16 and loaded.source_mode == "RGB;16"
    assert np.array_equal(loaded.pixels, src16)
    out = save_image(tmp_path / f"out{out_ext}", loaded.pixels, metadata=full_meta)
    independent = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
    assert independent.dtype == np.uint16
    assert np.array_equal(cv2.cvtColor(independent, cv2.COLOR_BGR2RGB), src16)
    again = load_image(out)
    assert again.pixels.dtype == np.uint16 and np.array_equal(again.pixels, src16)
    assert again.metadata.icc_profile == full_meta.icc_profile
    assert files.XMP_MARKER in again.metadata.xmp
    ex = Image.Exif()
    ex.load(again.metadata.exif)
    assert ex.get(0x010F) == "Canon" and ex.get_ifd(0x8769).get(0x9003) == files.DATETIME_ORIGINAL


def test_16bit_tiff_written_by_tifffile_with_alpha_and_orientation(tmp_path, photo):
    tifffile = pytest.importorskip("tifffile")
    src16 = _photo16(photo)
    alpha = np.linspace(0, 65535, photo.shape[0] * photo.shape[1]).astype(np.uint16).reshape(photo.shape[:2])
    src = tmp_path / "tf.tif"
    tifffile.imwrite(src, np.dstack((src16, alpha)), photometric="rgb", extrasamples=["unassalpha"],
                     compression="zlib", iccprofile=files.srgb_icc(), extratags=[(274, "H", 1, 6, True)])
    loaded = load_image(src)
    assert loaded.source_mode == "RGBA;16" and loaded.pixels.dtype == np.uint16
    assert np.array_equal(loaded.pixels, np.rot90(src16, -1))
    assert np.array_equal(loaded.alpha, np.rot90(alpha, -1))
    assert loaded.metadata.icc_profile == files.srgb_icc()
    out = save_image(tmp_path / "o.tif", loaded.pixels, alpha=loaded.alpha, metadata=loaded.metadata)
    back = tifffile.imread(out)
    assert back.dtype == np.uint16 and back.shape == (360, 240, 4)
    assert np.array_equal(back[..., :3], loaded.pixels) and np.array_equal(back[..., 3], loaded.alpha)


def test_16bit_rgba_png_keeps_alpha_and_8bit_alpha_is_scaled(tmp_path, photo):
    src16 = _photo16(photo)
    alpha8 = np.tile(np.arange(360, dtype=np.uint16) % 256, (240, 1)).astype(np.uint8)
    out = save_image(tmp_path / "a.png", src16, alpha=alpha8)
    loaded = load_image(out)
    assert loaded.pixels.dtype == np.uint16 and np.array_equal(loaded.pixels, src16)
    assert loaded.alpha.dtype == np.uint16 and np.array_equal(loaded.alpha, alpha8.astype(np.uint16) * 257)


def test_16bit_to_8bit_formats_is_rounded(tmp_path, photo):
    src16 = _photo16(photo)
    out = save_image(tmp_path / "o.bmp", src16)
    assert np.array_equal(load_image(out).pixels, imageio.to_uint8(src16))
    jpg = save_image(tmp_path / "o.jpg", src16, quality=100)
    assert load_image(jpg).pixels.dtype == np.uint8


def test_16bit_gray_png_loads_as_rgb_uint16(tmp_path):
    gray = (np.arange(64 * 48, dtype=np.uint32) * 21).astype(np.uint16).reshape(48, 64)
    src = tmp_path / "g16.png"
    Image.fromarray(gray).save(src)  # Pillow writes mode I;16 as a 16-bit gray PNG
    loaded = load_image(src)
    assert loaded.pixels.dtype == np.uint16 and loaded.pixels.shape == (48, 64, 3)
    assert all(np.array_equal(loaded.pixels[..., c], gray) for c in range(3))


# ------------------------------------------------------------------------------- colour modes
def test_palette_with_transparency_gives_alpha(tmp_path, photo):
    pal = Image.fromarray(photo).quantize(64)
    pal.info["transparency"] = 0
    src = tmp_path / "p.png"
    pal.save(src, transparency=0)
    loaded = load_image(src)
    with Image.open(src) as im:
        expected = np.asarray(im.convert("RGBA"))
    assert loaded.source_mode == "P"
    assert np.array_equal(loaded.pixels, expected[..., :3])
    assert np.array_equal(loaded.alpha, expected[..., 3]) and (loaded.alpha == 0).any()


def test_la_and_rgba_png_alpha_round_trip(tmp_path, photo):
    alpha = np.tile(np.linspace(0, 255, 360).astype(np.uint8), (240, 1))
    la = tmp_path / "la.png"
    Image.fromarray(np.dstack((photo[..., 1], alpha)), "LA").save(la)
    loaded = load_image(la)
    assert loaded.source_mode == "LA" and np.array_equal(loaded.alpha, alpha)
    assert np.array_equal(loaded.pixels[..., 0], photo[..., 1]) and np.array_equal(loaded.pixels[..., 2], photo[..., 1])

    rgba = _pil_save(tmp_path / "rgba.png", np.dstack((photo, alpha)))
    loaded = load_image(rgba)
    assert np.array_equal(loaded.pixels, photo) and np.array_equal(loaded.alpha, alpha)
    for ext in (".png", ".tif", ".webp"):
        out = save_image(tmp_path / f"out{ext}", loaded.pixels, alpha=loaded.alpha)
        back = load_image(out)
        assert back.alpha is not None
        if ext == ".webp":  # lossy colour, alpha close
            assert np.abs(back.alpha.astype(int) - alpha).max() <= 4
        else:
            assert np.array_equal(back.alpha, alpha) and np.array_equal(back.pixels, photo)
    out = save_image(tmp_path / "flat.jpg", loaded.pixels, alpha=loaded.alpha)
    with Image.open(out) as im:
        assert im.mode == "RGB"  # alpha dropped, colours not composited over anything
        assert np.abs(np.asarray(im).astype(int) - photo).mean() < 4


def _cmyk_patches() -> Image.Image:
    """Left half pure red ink (M+Y), right half pure cyan ink."""
    arr = np.zeros((64, 128, 4), np.uint8)
    arr[:, :64] = (0, 255, 255, 0)
    arr[:, 64:] = (255, 0, 0, 0)
    return Image.fromarray(arr, "CMYK")


@pytest.mark.parametrize("with_icc", [False, True])
def test_cmyk_jpeg_loads_as_rgb_with_sensible_colours(tmp_path, with_icc):
    src = tmp_path / "cmyk.jpg"
    icc = files.cmyk_profile() if with_icc else None
    _cmyk_patches().save(src, quality=95, **({"icc_profile": icc} if icc else {}))
    loaded = load_image(src)
    assert loaded.source_mode == "CMYK" and loaded.pixels.shape == (64, 128, 3)
    assert _is_red(loaded.pixels[8:56, 8:56])
    r, g, b = loaded.pixels[8:56, 72:120].reshape(-1, 3).mean(0)
    assert r < 60 and g > 180 and b > 180  # cyan
    if with_icc:
        assert _metadata.icc_color_space(loaded.metadata.icc_profile) == "RGB"
        assert loaded.metadata.icc_profile == _decode.srgb_profile()[1]
    else:
        assert loaded.metadata.icc_profile is None
    out = save_image(tmp_path / "o.jpg", loaded.pixels, metadata=loaded.metadata)
    with Image.open(out) as im:
        assert im.mode == "RGB"
        assert _metadata.icc_color_space(im.info.get("icc_profile")) in (None, "RGB")


def test_gray_and_1bit_load_as_rgb(tmp_path, photo):
    gray = photo[..., 1].copy()
    for ext in (".jpg", ".png", ".tif"):
        src = _pil_save(tmp_path / f"g{ext}", gray)
        loaded = load_image(src)
        assert loaded.pixels.shape == (240, 360, 3) and loaded.source_mode == "L"
        assert np.array_equal(loaded.pixels[..., 0], loaded.pixels[..., 2])
        assert np.abs(loaded.pixels[..., 0].astype(int) - gray).mean() < (3 if ext == ".jpg" else 0.01)
    bits = Image.fromarray(gray > 128)
    for ext in (".png", ".bmp", ".tif"):
        src = tmp_path / f"b{ext}"
        bits.save(src)
        loaded = load_image(src)
        assert loaded.source_mode == "1" and set(np.unique(loaded.pixels)) == {0, 255}
        assert np.array_equal(loaded.pixels[..., 0] == 255, gray > 128)


# ------------------------------------------------------------------------------------- errors
@pytest.mark.parametrize("progressive", [False, True])
@pytest.mark.parametrize("keep", [0.5, 0.9, -2])
def test_truncated_jpeg_is_refused(tmp_path, photo, progressive, keep):
    data = io.BytesIO()
    Image.fromarray(photo).save(data, "JPEG", quality=90, progressive=progressive)
    raw = data.getvalue()
    cut = raw[:keep] if keep < 0 else raw[:int(len(raw) * keep)]
    src = tmp_path / "cut.jpg"
    src.write_bytes(cut)
    with pytest.raises(ImageReadError, match=r"cut\.jpg is truncated"):
        load_image(src)
    with pytest.raises(ImageReadError, match="truncated"):
        imageio.load_image_for_preview(src, max_side=64)


def test_jpeg_with_trailing_data_loads(tmp_path, photo):
    data = io.BytesIO()
    Image.fromarray(photo).save(data, "JPEG", quality=90)
    src = tmp_path / "trailer.jpg"
    src.write_bytes(data.getvalue() + b"\x00\x00MOTION-PHOTO-VIDEO" * 10)
    assert load_image(src).size == (360, 240)


@pytest.mark.parametrize("ext", [".png", ".tif", ".webp", ".bmp"])
def test_truncated_other_formats_are_refused(tmp_path, photo, ext):
    src = _pil_save(tmp_path / f"full{ext}", photo)
    cut = tmp_path / f"cut{ext}"
    cut.write_bytes(src.read_bytes()[: src.stat().st_size * 2 // 3])
    with pytest.raises(ImageReadError, match=r"cut\.\w+ is (truncated|damaged)"):
        load_image(cut)


def test_truncated_16bit_png_is_refused(tmp_path, photo):
    src = tmp_path / "s.png"
    cv2.imwrite(str(src), _photo16(photo))
    cut = tmp_path / "cut.png"
    cut.write_bytes(src.read_bytes()[:-100])
    with pytest.raises(ImageReadError, match="truncated"):
        load_image(cut)


def test_not_an_image_missing_folder_empty_and_unsupported(tmp_path):
    fake = tmp_path / "notes.jpg"
    fake.write_text("these are my notes, not a photo\n")
    with pytest.raises(ImageReadError, match=r"notes\.jpg is not an image FaceStudio can read"):
        load_image(fake)
    with pytest.raises(ImageReadError, match="does not exist"):
        load_image(tmp_path / "missing.jpg")
    with pytest.raises(ImageReadError, match="is a folder"):
        load_image(tmp_path)
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(ImageReadError, match="empty"):
        load_image(tmp_path / "empty.png")
    gif = tmp_path / "anim.gif"
    Image.new("P", (8, 8)).save(gif)
    with pytest.raises(ImageReadError, match="GIF image"):
        load_image(gif)
    garbage_png = tmp_path / "garbage.png"
    garbage_png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    with pytest.raises(ImageReadError):
        load_image(garbage_png)


def test_float_tiff_is_refused_with_a_clear_message(tmp_path):
    src = tmp_path / "f.tif"
    Image.fromarray(np.linspace(0, 1, 64 * 64, dtype=np.float32).reshape(64, 64)).save(src)
    with pytest.raises(ImageReadError, match=r"f\.tif uses 32-bit floating-point"):
        load_image(src)


def test_float_rgb_tiff_is_refused_with_a_clear_message(tmp_path):
    tifffile = pytest.importorskip("tifffile")
    src = tmp_path / "hdr.tif"
    tifffile.imwrite(src, np.zeros((8, 8, 3), np.float32), photometric="rgb")
    with pytest.raises(ImageReadError, match=r"hdr\.tif is a TIFF variant FaceStudio cannot read"):
        load_image(src)


def test_unreadable_file_permission(tmp_path, photo, monkeypatch):
    src = _pil_save(tmp_path / "secret.png", photo)

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")
    monkeypatch.setattr(imageio, "open", denied, raising=False)
    with pytest.raises(ImageReadError, match="permission denied"):
        load_image(src)


def test_unreadable_file_real_chmod(tmp_path, photo):
    if not _modes_enforced(tmp_path):
        pytest.skip("file modes do not apply to this user (root)")
    src = _pil_save(tmp_path / "secret.png", photo)
    src.chmod(0)
    try:
        with pytest.raises(ImageReadError, match="permission denied"):
            load_image(src)
    finally:
        src.chmod(0o644)


# --------------------------------------------------------------------------- decompression bomb
def test_decompression_bomb_refused_before_decoding(tmp_path, photo, monkeypatch):
    small = io.BytesIO()
    Image.fromarray(photo[:8, :8]).save(small, "PNG")
    bomb = tmp_path / "photo.png"
    bomb.write_bytes(files.png_with_size(small.getvalue(), 30000, 30000))

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded before checking the size")
    monkeypatch.setattr(_decode, "decode", no_decoding)
    with pytest.raises(ImageTooLargeError) as err:
        load_image(bomb)
    assert str(err.value) == (f"{bomb} is 30000x30000 (900 MP), above the 200 MP limit; "
                              "pass --max-megapixels to raise it")
    with pytest.raises(ImageTooLargeError):
        imageio.load_image_for_preview(bomb, max_side=256)
    monkeypatch.undo()
    # 196 MP: within FaceStudio's 200 MP default but above Pillow's own 179 MP error threshold;
    # the (fake) data then fails cleanly instead of raising Pillow's DecompressionBombError
    near = tmp_path / "near.png"
    near.write_bytes(files.png_with_size(small.getvalue(), 14000, 14000))
    with pytest.raises(ImageReadError) as err:
        load_image(near)
    assert not isinstance(err.value, ImageTooLargeError)
    # and if some other code re-enables Pillow's global check, its error is still ours
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10)
    with pytest.raises(ImageTooLargeError, match="--max-megapixels"):
        load_image(_pil_save(tmp_path / "small.png", photo))


def test_max_pixels_override(tmp_path):
    src = _pil_save(tmp_path / "a.png", faces.astronaut())  # 512 x 512 = 0.26 MP
    with pytest.raises(ImageTooLargeError, match=r"512x512 \(0\.3 MP\), above the 0\.2 MP limit"):
        load_image(src, max_pixels=200_000)
    assert load_image(src, max_pixels=262_144).size == (512, 512)


# ------------------------------------------------------------------------------------ writing
def test_unknown_extension_and_bad_arguments(tmp_path, photo):
    with pytest.raises(ImageWriteError, match=r"unknown extension \.gif; use one of \.jpg, \.jpeg, \.png"):
        save_image(tmp_path / "x.gif", photo)
    with pytest.raises(ImageWriteError, match="unknown extension"):
        save_image(tmp_path / "noext", photo)
    with pytest.raises(ParameterError, match="quality"):
        save_image(tmp_path / "x.jpg", photo, quality=0)
    with pytest.raises(ValueError):
        save_image(tmp_path / "x.png", photo[..., 0])
    with pytest.raises(ValueError):
        save_image(tmp_path / "x.png", photo, alpha=np.zeros((3, 3), np.uint8))
    assert _leftovers(tmp_path) == []


def test_existing_target_is_never_overwritten(tmp_path, photo):
    target = tmp_path / "out.jpg"
    target.write_bytes(b"client's original delivery")
    with pytest.raises(OutputExistsError) as err:
        save_image(target, photo)
    assert str(err.value) == f"{target} exists; pass --overwrite or choose another name"
    assert target.read_bytes() == b"client's original delivery"
    target.chmod(0o640)
    save_image(target, photo, overwrite=True)
    with Image.open(target) as im:
        assert im.size == (360, 240)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert _leftovers(tmp_path) == ["out.jpg"]


def test_writing_over_the_input_needs_overwrite(tmp_path, photo):
    src = _pil_save(tmp_path / "input.png", photo)
    before = src.read_bytes()
    alias = tmp_path / "." / "input.png"
    with pytest.raises(OutputExistsError, match="is the input photo; pass --overwrite"):
        save_image(alias, photo[::-1].copy(), protect=[src])
    assert src.read_bytes() == before
    save_image(src, photo[::-1].copy(), protect=[src], overwrite=True)
    assert np.array_equal(load_image(src).pixels, photo[::-1])


def test_new_file_gets_normal_permissions(tmp_path, photo):
    mask = os.umask(0o022)
    os.umask(mask)
    out = save_image(tmp_path / "perm.png", photo)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~_save._umask()
    assert _save._umask() == mask


def test_failure_after_partial_write_leaves_nothing(tmp_path, photo, monkeypatch):
    real = _save.write_piece

    def crash_midway(fd, piece):
        view = memoryview(piece).cast("B")
        real(fd, view[: len(view) // 2])
        raise RuntimeError("encoder crashed")
    monkeypatch.setattr(_save, "write_piece", crash_midway)
    with pytest.raises(ImageWriteError, match=r"could not encode .*out\.png as PNG \(encoder crashed\)"):
        save_image(tmp_path / "out.png", photo)
    assert _leftovers(tmp_path) == []


def test_encoder_error_leaves_nothing(tmp_path, photo, monkeypatch):
    def broken(*args):
        raise cv2.error("simulated libpng failure")
    monkeypatch.setitem(_save.ENCODERS, "PNG", broken)
    with pytest.raises(ImageWriteError, match="could not encode"):
        save_image(tmp_path / "out.png", photo)
    assert _leftovers(tmp_path) == []


def test_disk_full_leaves_nothing(tmp_path, photo, monkeypatch):
    real = _save.write_piece
    written = []

    def fill_disk(fd, piece):
        view = memoryview(piece).cast("B")
        if sum(written) + len(view) > 4096:
            real(fd, view[:100])
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fd, view)
        written.append(len(view))
    monkeypatch.setattr(_save, "write_piece", fill_disk)
    with pytest.raises(ImageWriteError) as err:
        save_image(tmp_path / "full.tif", photo, metadata=ImageMetadata(icc_profile=files.srgb_icc()))
    assert str(err.value) == (f"cannot write {tmp_path / 'full.tif'}: the disk is full; free some space "
                              "or choose another folder")
    assert _leftovers(tmp_path) == []


def test_fsync_failure_and_interrupt_leave_nothing(tmp_path, photo, monkeypatch):
    def eio(fd):
        raise OSError(errno.EIO, "Input/output error")
    monkeypatch.setattr(_save.os, "fsync", eio)
    with pytest.raises(ImageWriteError, match="Input/output error"):
        save_image(tmp_path / "a.jpg", photo)
    monkeypatch.undo()

    def interrupted(fd, piece):
        raise KeyboardInterrupt
    monkeypatch.setattr(_save, "write_piece", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_image(tmp_path / "b.jpg", photo)
    assert _leftovers(tmp_path) == []


def test_read_only_folder_simulated(tmp_path, photo, monkeypatch):
    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")
    monkeypatch.setattr(_save.tempfile, "mkstemp", denied)
    with pytest.raises(ImageWriteError) as err:
        save_image(tmp_path / "out.jpg", photo)
    assert str(err.value) == f"cannot write to {tmp_path}: permission denied; choose another folder"
    monkeypatch.undo()

    monkeypatch.setattr(_save.os, "link", denied)
    monkeypatch.setattr(_save.os, "replace", denied)
    with pytest.raises(ImageWriteError, match="permission denied"):
        save_image(tmp_path / "out.jpg", photo)
    assert _leftovers(tmp_path) == []


def test_read_only_folder_real_chmod(tmp_path, photo):
    if not _modes_enforced(tmp_path):
        pytest.skip("file modes do not apply to this user (root)")
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(ImageWriteError, match="permission denied; choose another folder"):
            save_image(folder / "out.jpg", photo)
        assert _leftovers(folder) == []
    finally:
        folder.chmod(0o755)


def test_missing_folder(tmp_path, photo):
    with pytest.raises(ImageWriteError, match="does not exist"):
        save_image(tmp_path / "nope" / "out.png", photo)


def test_target_appearing_during_encoding_is_not_clobbered(tmp_path, photo, monkeypatch):
    target = tmp_path / "race.png"
    real = _save.ENCODERS["PNG"]

    def racing(*args):
        target.write_bytes(b"written by another export meanwhile")
        return real(*args)
    monkeypatch.setitem(_save.ENCODERS, "PNG", racing)
    with pytest.raises(OutputExistsError):
        save_image(target, photo)
    assert target.read_bytes() == b"written by another export meanwhile"
    assert _leftovers(tmp_path) == ["race.png"]


def test_webp_too_large_is_a_clear_error(tmp_path):
    wide = np.zeros((1, 16384, 3), np.uint8)
    with pytest.raises(ImageWriteError, match="WebP cannot hold images over 16383 px"):
        save_image(tmp_path / "wide.webp", wide)
    assert _leftovers(tmp_path) == []


# ------------------------------------------------------------------------------------ preview
def test_preview_of_rotated_jpeg_uses_reduced_decode(tmp_path):
    big = np.ascontiguousarray(np.hstack([cv2.resize(faces.astronaut(), (1500, 1500))[:, :1000]] * 2))
    big[:100, :100] = (255, 0, 0)
    src = _pil_save(tmp_path / "big.jpg", big, quality=92, exif=files.exif_block(6))
    preview = imageio.load_image_for_preview(src, max_side=400)
    assert preview.size == (300, 400) and preview.format == "JPEG"
    assert _is_red(preview.pixels[2:16, -16:-2])
    full = load_image(src)
    reference = cv2.resize(full.pixels, (300, 400), interpolation=cv2.INTER_AREA)
    assert np.abs(preview.pixels.astype(int) - reference).mean() < 3
    assert _metadata.exif_orientation(preview.metadata.exif) == 1
    assert preview.metadata.exif == full.metadata.exif


def test_preview_of_png_and_small_images(tmp_path, photo):
    src = _pil_save(tmp_path / "p.png", photo)
    preview = imageio.load_image_for_preview(src, max_side=120)
    assert preview.size == (120, 80)
    assert imageio.load_image_for_preview(src, max_side=1000).size == (360, 240)

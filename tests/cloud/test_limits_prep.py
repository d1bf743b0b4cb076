"""Endpoint limits and upload fitting: every endpoint's upload fits its caps, keeps the faces
with a margin, carries no metadata, and maps back to the original exactly."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from facestudio.cloud import ENDPOINT_LIMITS, ImageLimitsError, check_upload, limits_for, prepare_upload
from facestudio.cloud.upload_prep import face_crop_box, to_uint8
from facestudio.core.faceshape import FaceShape
from tests.cloud.helpers import astronaut_face, pil_open, upscaled_astronaut


def test_limits_match_the_spec():
    pro, smart, tidy = limits_for("ailab-beauty-pro"), limits_for("ailab-smart-beauty"), limits_for("ailab-tidyup")
    assert pro.formats == {"JPEG", "PNG"} and pro.max_bytes == 2_000_000 and pro.max_side == 4095
    assert pro.min_side == 49
    assert smart.formats == {"JPEG", "PNG", "BMP"} and smart.max_bytes == 5_000_000 and smart.max_side == 4095
    assert tidy.max_bytes == 3_000_000 and tidy.max_side == 1999
    ace, ana = limits_for("acedata-beautify"), limits_for("acedata-analyze")
    assert ace.max_side == 4000 and ace.max_bytes == 3_700_000 and not ace.alpha and "GIF" not in ace.formats
    assert ana.max_side_for("JPEG") == 4000 and ana.max_side_for("PNG") == 2000 and ana.min_side == 64
    with pytest.raises(KeyError):
        limits_for("nope")


@pytest.mark.parametrize("kwargs,match", [
    (dict(width=100, height=100, nbytes=10, fmt="BMP"), "accepts only JPEG/PNG"),
    (dict(width=100, height=100, nbytes=10, has_alpha=True), "transparency"),
    (dict(width=40, height=100, nbytes=10), "too small"),
    (dict(width=4096, height=100, nbytes=10), "at most 4095 px"),
    (dict(width=1000, height=1000, nbytes=2_000_001), "at most 2 MB"),
])
def test_check_upload_refuses_with_a_reason(kwargs, match):
    with pytest.raises(ImageLimitsError, match=match):
        check_upload(limits_for("ailab-beauty-pro"), **kwargs)
    check_upload(limits_for("ailab-beauty-pro"), width=4095, height=49, nbytes=2_000_000, fmt="jpg")


def noisy(h: int, w: int, seed: int = 0) -> np.ndarray:
    """Worst case for JPEG: full-resolution noise over the astronaut."""
    base = cv2.resize(upscaled_astronaut(512), (w, h))
    rng = np.random.default_rng(seed)
    return np.clip(base.astype(np.int16) + rng.integers(-40, 41, base.shape), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("endpoint", sorted(ENDPOINT_LIMITS))
def test_whole_photo_upload_fits_every_endpoint(endpoint):
    lim = limits_for(endpoint)
    pixels = cv2.resize(upscaled_astronaut(512), (4500, 1500))  # longer than every side cap
    prep = prepare_upload(pixels, lim)
    assert prep.whole_image and prep.crop == (0, 0, 4500, 1500)
    assert len(prep.data) <= lim.max_bytes
    assert max(prep.width, prep.height) == lim.max_side_for("JPEG")
    assert min(prep.width, prep.height) >= lim.min_side
    assert prep.width / prep.height == pytest.approx(3.0, rel=0.01)
    assert prep.scale == pytest.approx(prep.width / 4500)
    img = pil_open(prep.data)
    assert img.format == "JPEG" and img.size == (prep.width, prep.height)
    assert not img.getexif() and "icc_profile" not in img.info and "xmp" not in img.info
    assert prep.pixels.shape == (prep.height, prep.width, 3)
    assert "whole photo" in prep.describe() and "no metadata" in prep.describe()


def test_byte_cap_is_met_by_lowering_quality_then_size():
    pixels = noisy(600, 1800)
    base = dataclasses.replace(limits_for("ailab-beauty-pro"), max_bytes=50_000_000, max_side=1500)
    at92 = len(prepare_upload(pixels, base, start_quality=92).data)
    at60 = len(prepare_upload(pixels, base, start_quality=60).data)
    # a cap that lower quality alone meets: same size, lower quality
    mid = dataclasses.replace(base, max_bytes=(at92 + at60) // 2)
    prep = prepare_upload(pixels, mid, start_quality=92, min_quality=60)
    assert len(prep.data) <= mid.max_bytes and prep.width == 1500 and 60 <= prep.quality < 92
    # a cap below the lowest quality: the image shrinks too
    tight = dataclasses.replace(base, max_bytes=at60 // 3)
    prep = prepare_upload(pixels, tight, start_quality=92, min_quality=60)
    assert len(prep.data) <= tight.max_bytes and prep.width < 1500
    assert prep.width / prep.height == pytest.approx(3.0, rel=0.01)
    assert prepare_upload(pixels, base).quality == 92  # no needless loss


def test_face_crop_keeps_the_faces_with_a_margin_and_maps_back():
    pixels = upscaled_astronaut(2048)
    face = astronaut_face(4.0)
    prep = prepare_upload(pixels, limits_for("ailab-beauty-pro"), faces=[face])
    x0, y0, x1, y1 = prep.crop
    fx0, fy0, fx1, fy1 = face.bbox()
    side = max(fx1 - fx0, fy1 - fy0)
    assert x0 <= fx0 - 0.5 * side and x1 >= fx1 + 0.5 * side and y0 <= fy0 - 0.5 * side
    assert not prep.whole_image and "face region" in prep.describe()
    assert (x1 - x0) * (y1 - y0) < 0.3 * 2048 * 2048  # most of the photo stays home
    # the crop was not downscaled (it fits), so the upload is the crop itself up to JPEG noise
    assert prep.scale == 1.0
    assert np.abs(prep.pixels.astype(int) - pixels[y0:y1, x0:x1]).mean() < 3
    # a face found in the upload maps back onto the original
    in_upload = FaceShape(face.points - [x0, y0])
    back = prep.face_to_original(in_upload)
    assert np.allclose(back.points, face.points)
    half = FaceShape((in_upload.points + 0.5) * 0.5 - 0.5)  # service analysed a half-size copy
    assert np.allclose(prep.face_to_original(half, reported_width=prep.width // 2).points, face.points, atol=0.6)


def test_downscaled_crop_and_uint16_input():
    pixels = (upscaled_astronaut(2100).astype(np.uint16) * 257)
    face = astronaut_face(2100 / 512)
    prep = prepare_upload(pixels, limits_for("ailab-tidyup"), faces=[face], margin=3.0)
    assert max(prep.width, prep.height) <= 1999 and prep.scale < 1
    x0, y0, x1, y1 = prep.crop
    ref = cv2.resize(to_uint8(pixels[y0:y1, x0:x1]), (prep.width, prep.height), interpolation=cv2.INTER_AREA)
    assert np.abs(prep.pixels.astype(int) - ref).mean() < 3


def test_crop_box_edges_and_minimum_side():
    face = astronaut_face(1.0)
    box = face_crop_box((512, 512), [face], margin=5.0)
    assert box == (0, 0, 512, 512)  # clipped to the photo
    tiny = FaceShape(face.points * 0.05 + 10)
    x0, y0, x1, y1 = face_crop_box((512, 512), [tiny], margin=0.1, min_side=64)
    assert x1 - x0 == 64 and y1 - y0 == 64 and x0 >= 0 and y0 >= 0
    assert face_crop_box((300, 200), []) == (0, 0, 300, 200)


def test_photo_too_small_for_the_endpoint():
    with pytest.raises(ImageLimitsError, match="too small.*at least 64 px"):
        prepare_upload(np.zeros((40, 400, 3), np.uint8), limits_for("acedata-beautify"))

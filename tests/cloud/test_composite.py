"""core.composite: a provider's downscaled, re-encoded result goes back into the full-resolution
original: full size and dtype kept, only the face region changed, small shifts undone, the
original's fine detail kept where the provider only changed tone."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from facestudio.cloud import limits_for, prepare_upload
from facestudio.core.composite import (
    CompositeError,
    composite_result,
    difference_mask,
    estimate_shift,
    face_region_mask,
)
from tests.cloud.helpers import astronaut_face, decode, jpeg_bytes, upscaled_astronaut
from tests.cloud.standin import default_process

SIDE = 1536
SCALE = SIDE / 512


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    img = upscaled_astronaut(SIDE)
    img.setflags(write=False)
    return img


@pytest.fixture(scope="module")
def face():
    return astronaut_face(SCALE)


def provider(prep, process=default_process, shift=(0, 0)):
    """What a provider sends back: processed, optionally shifted, re-encoded without metadata."""
    out = process(prep.pixels)
    if shift != (0, 0):
        m = np.float32([[1, 0, shift[0]], [0, 1, shift[1]]])
        out = cv2.warpAffine(out, m, (out.shape[1], out.shape[0]), borderMode=cv2.BORDER_REFLECT)
    return decode(jpeg_bytes(out, 90))


def far_from(mask_shape, face, margin):
    """Pixels farther than ``margin`` face sizes from the face box."""
    x0, y0, x1, y1 = face.bbox()
    side = max(x1 - x0, y1 - y0)
    far = np.ones(mask_shape, bool)
    far[max(0, int(y0 - margin * side)):int(y1 + margin * side), max(0, int(x0 - margin * side)):int(x1 + margin * side)] = False
    return far


def test_result_goes_back_at_full_size_changing_only_the_face(photo, face):
    prep = prepare_upload(photo, limits_for("ailab-beauty-pro"), faces=[face])
    result = provider(prep)
    assert result.shape[0] < prep.height  # the provider downscaled
    out = composite_result(photo, result, prep.crop, uploaded=prep.pixels, faces=[face])
    assert out.shape == photo.shape and out.dtype == photo.dtype
    diff = np.abs(out.astype(int) - photo).max(axis=2)
    assert np.all(diff[far_from(diff.shape, face, 1.0)] == 0)  # bit-identical away from the face
    x0, y0, x1, y1 = prep.crop
    assert np.all(diff[:y0] == 0) and np.all(diff[y1:] == 0) and np.all(diff[:, :x0] == 0)
    # the tint (R +40, B -30 at the crop centre) arrived at full resolution
    cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
    centre = (slice(cy - 20, cy + 20), slice(cx - 20, cx + 20))
    delta = out[centre].astype(float).mean(axis=(0, 1)) - photo[centre].astype(float).mean(axis=(0, 1))
    assert 30 < delta[0] < 45 and abs(delta[1]) < 5 and -35 < delta[2] < -20


def test_uint16_photos_stay_uint16(photo, face):
    photo16 = photo.astype(np.uint16) * 257
    prep = prepare_upload(photo16, limits_for("ailab-smart-beauty"), faces=[face])
    out = composite_result(photo16, provider(prep), prep.crop, uploaded=prep.pixels, faces=[face])
    assert out.dtype == np.uint16 and out.shape == photo16.shape
    diff = np.abs(out.astype(np.int64) - photo16).max(axis=2)
    assert np.all(diff[far_from(diff.shape, face, 1.0)] == 0)
    assert diff.max() > 20 * 257


def test_small_provider_shift_is_undone(photo, face):
    prep = prepare_upload(photo, limits_for("ailab-beauty-pro"), faces=[face])
    identity = lambda im: cv2.resize(im, (im.shape[1] // 2, im.shape[0] // 2), interpolation=cv2.INTER_AREA)
    shifted = provider(prep, identity, shift=(2, -1))
    sent_small = cv2.resize(prep.pixels, (shifted.shape[1], shifted.shape[0]), interpolation=cv2.INTER_AREA)
    dx, dy = estimate_shift(sent_small, shifted)
    assert dx == pytest.approx(2, abs=0.3) and dy == pytest.approx(-1, abs=0.3)
    # aligned, an unchanged face composites back to (nearly) the original; unaligned it would not
    aligned = composite_result(photo, shifted, prep.crop, uploaded=prep.pixels, faces=[face])
    naive = composite_result(photo, shifted, prep.crop, uploaded=prep.pixels, faces=[face], max_shift=0)
    err_aligned = np.abs(aligned.astype(int) - photo).mean()
    err_naive = np.abs(naive.astype(int) - photo).mean()
    assert err_aligned < 0.5 * err_naive
    # a large bogus shift is clamped
    assert np.hypot(*estimate_shift(sent_small, np.roll(sent_small, 30, axis=1), max_shift=4)) <= 4.0001


def test_detail_is_kept_where_only_tone_changed(photo, face):
    prep = prepare_upload(photo, limits_for("ailab-beauty-pro"), faces=[face])
    # make the original's full-resolution texture distinctive: fine noise the upload averages away
    rng = np.random.default_rng(3)
    textured = np.clip(photo.astype(int) + rng.integers(-12, 13, photo.shape), 0, 255).astype(np.uint8)
    prep = prepare_upload(textured, limits_for("ailab-beauty-pro"), faces=[face])
    result = provider(prep)
    keep = composite_result(textured, result, prep.crop, uploaded=prep.pixels, faces=[face], detail=True)
    flat = composite_result(textured, result, prep.crop, uploaded=prep.pixels, faces=[face], detail=False)
    cx, cy = (prep.crop[0] + prep.crop[2]) // 2, (prep.crop[1] + prep.crop[3]) // 2
    sl = (slice(cy - 30, cy + 30), slice(cx - 30, cx + 30), 1)

    def highpass(img):
        f = img[sl].astype(np.float32)
        return f - cv2.GaussianBlur(f, (0, 0), 2)

    ref = highpass(textured).ravel()
    corr_keep = np.corrcoef(ref, highpass(keep).ravel())[0, 1]
    corr_flat = np.corrcoef(ref, highpass(flat).ravel())[0, 1]
    assert corr_keep > 0.9 > corr_flat


def test_without_faces_the_changed_area_is_found(photo, face):
    prep = prepare_upload(photo, limits_for("ailab-beauty-pro"))  # whole photo, no faces known
    assert prep.whole_image and prep.crop == (0, 0, SIDE, SIDE)
    result = provider(prep)
    out = composite_result(photo, result, prep.crop, uploaded=prep.pixels)
    diff = np.abs(out.astype(int) - photo).max(axis=2)
    c = SIDE // 2
    assert diff[c - 10:c + 10, c - 10:c + 10].mean() > 20  # the tinted centre changed
    ring = np.ones(diff.shape, bool)
    ring[c - SIDE // 4:c + SIDE // 4, c - SIDE // 4:c + SIDE // 4] = False
    assert (diff[ring] > 0).mean() < 0.01  # JPEG noise elsewhere is not blended in


def test_whole_crop_blend_for_global_filters(photo):
    prep = prepare_upload(photo, limits_for("ailab-beauty-pro"))
    grey = lambda im: np.repeat(cv2.cvtColor(cv2.resize(im, (im.shape[1] // 2, im.shape[0] // 2)),
                                             cv2.COLOR_RGB2GRAY)[:, :, None], 3, axis=2)
    out = composite_result(photo, provider(prep, grey), prep.crop, uploaded=prep.pixels, whole=True)
    sat = np.ptp(out.astype(int), axis=2)
    assert np.percentile(sat, 99) < 12  # the whole photo went (nearly) grey


def test_masks(face):
    m = face_region_mask((SIDE, SIDE), [face])
    assert m.dtype == np.float32 and m.max() == pytest.approx(1.0) and m.min() == 0.0
    nose_tip = face.group("nose")[0]
    assert m[int(nose_tip[1]), int(nose_tip[0])] == pytest.approx(1.0)
    x0, y0, x1, y1 = face.bbox()
    brow_y = face.group("left_eye_brow")[:, 1].min()
    forehead = (int(brow_y - 0.15 * (y1 - y0)), int((x0 + x1) / 2))
    assert m[forehead] > 0.9  # the landmarks stop at the brows; the mask does not
    assert m[far_from(m.shape, face, 1.0)].max() == 0.0
    a = np.zeros((64, 64, 3), np.uint8)
    b = a.copy()
    b[20:40, 20:40] = 80
    d = difference_mask(a, b)
    assert d[30, 30] == pytest.approx(1.0) and d[0, 0] == 0.0 and d[63, 63] == 0.0


def test_a_result_of_another_shape_is_refused(photo, face):
    prep = prepare_upload(photo, limits_for("ailab-beauty-pro"), faces=[face])
    wrong = np.zeros((prep.height // 2, prep.width, 3), np.uint8)
    with pytest.raises(CompositeError, match="different shape"):
        composite_result(photo, wrong, prep.crop, uploaded=prep.pixels, faces=[face])
    other = np.ascontiguousarray(prep.pixels[::-1, ::-1])  # same size, another picture
    with pytest.raises(CompositeError, match="does not match the photo sent"):
        composite_result(photo, other, prep.crop, uploaded=prep.pixels, faces=[face])


def test_banded_blend_equals_one_pass(photo, face, monkeypatch):
    import facestudio.core.composite as composite

    prep = prepare_upload(photo, limits_for("ailab-beauty-pro"), faces=[face])
    result = provider(prep)
    one = composite_result(photo, result, prep.crop, uploaded=prep.pixels, faces=[face])
    monkeypatch.setattr(composite, "_BAND_PIXELS", 20_000)  # many thin bands
    banded = composite_result(photo, result, prep.crop, uploaded=prep.pixels, faces=[face])
    assert np.array_equal(one, banded)


def test_opacity_scales_the_change(photo, face):
    prep = prepare_upload(photo, limits_for("ailab-beauty-pro"))
    grey = lambda im: np.repeat(cv2.cvtColor(cv2.resize(im, (im.shape[1] // 2, im.shape[0] // 2)),
                                             cv2.COLOR_RGB2GRAY)[:, :, None], 3, axis=2)
    result = provider(prep, grey)
    full = composite_result(photo, result, prep.crop, uploaded=prep.pixels, whole=True)
    half = composite_result(photo, result, prep.crop, uploaded=prep.pixels, whole=True, opacity=0.5)
    d_full = full.astype(float) - photo
    d_half = half.astype(float) - photo
    big = np.abs(d_full) > 20
    assert np.median(d_half[big] / d_full[big]) == pytest.approx(0.5, abs=0.05)

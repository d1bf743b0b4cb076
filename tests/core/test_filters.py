"""The 35 colour filters on the real astronaut: catalogue, distinctness, strength, dtypes, skin."""

from __future__ import annotations

import colorsys
import itertools

import numpy as np
import pytest

from facestudio.core import filters
from facestudio.core._looks import LOOKS, monotone_cubic
from facestudio.core.errors import ParameterError
from facestudio.core.filters import (FILTERS, apply_filter, contact_sheet, filter_by_id,
                                     filter_by_name, thumbnails)

#: the provider's filter_type list (cloud-apis.md), in id order
SPEC_NAMES = (
    "Black and White", "Calm", "Sunny Day", "Journey", "Beautify Skin", "Hong Kong Style",
    "Aesthetic", "Lovely", "New York", "Sakura", "Seventeen", "Soft Light", "Afternoon Tea",
    "Brighten Skin", "Chaplin", "Floral", "Memories", "Ice Beauty", "Paris", "Time", "LOMO",
    "Old Times", "Early Spring", "Story", "Abao Color", "Fill Light", "Warm", "Gorgeous",
    "Lavender", "Chanel", "Prague", "Old Dreams", "Peach Blossom", "Pink", "Misty Rain",
)
MONOCHROME = (1, 15)  # black-and-white looks: R == G == B
SEPIA = (22,)
IDS = [f.id for f in FILTERS]
#: a patch of cheek and nose on the astronaut (rows, cols)
SKIN = (slice(120, 150), slice(200, 240))


@pytest.fixture(scope="module")
def looks(astronaut_rgb) -> dict[int, np.ndarray]:
    return {i: apply_filter(astronaut_rgb, i) for i in IDS}


def _mad(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.float32) - b.astype(np.float32)).mean())


def test_catalogue_matches_the_provider():
    assert len(FILTERS) == 35
    assert [f.id for f in FILTERS] == list(range(1, 36))
    assert tuple(f.name for f in FILTERS) == SPEC_NAMES
    assert all(f.description and f.description.endswith(".") for f in FILTERS)
    assert len({f.description for f in FILTERS}) == 35


def test_lookup_by_id_and_name():
    assert filter_by_id(35).name == "Misty Rain"
    assert filter_by_id(np.int64(1)).name == "Black and White"
    for text in ("misty rain", "MISTY_RAIN", "misty-rain", "MistyRain", " Misty  Rain "):
        assert filter_by_name(text).id == 35
    assert filter_by_name("hong-kong style").id == 6
    assert filter_by_name("lomo").id == 21
    for f in FILTERS:
        assert filter_by_name(f.name) is f and filter_by_id(f.id) is f


def test_unknown_filters_are_parameter_errors():
    with pytest.raises(ParameterError) as err:
        filter_by_name("Misty Rian")
    msg = str(err.value)
    assert "Misty Rain" in msg and "1 Black and White" in msg and "35 Misty Rain" in msg
    assert "\n" not in msg
    for bad in (0, 36, -1, True, 2.0, "3", None):
        with pytest.raises(ParameterError):
            filter_by_id(bad)
    img = np.zeros((4, 4, 3), np.uint8)
    with pytest.raises(ParameterError):
        apply_filter(img, 99)
    for bad in (-1, 101, True, "50", float("nan")):
        with pytest.raises(ParameterError):
            apply_filter(img, 3, strength=bad)


def test_every_filter_changes_the_photo(astronaut_rgb, looks):
    for i, out in looks.items():
        assert out.shape == astronaut_rgb.shape and out.dtype == np.uint8
        assert _mad(out, astronaut_rgb) > 5.0, FILTERS[i - 1].name


def test_filters_are_pairwise_distinct(looks):
    stack = np.stack([looks[i].reshape(-1) for i in IDS]).astype(np.int16)
    dists = {}
    for k, a in enumerate(IDS[:-1]):
        row = np.abs(stack[k + 1:] - stack[k]).mean(axis=1)
        dists.update({(a, b): float(d) for b, d in zip(IDS[k + 1:], row)})
    closest = min(dists, key=dists.get)
    names = tuple(FILTERS[i - 1].name for i in closest)
    assert len(dists) == 35 * 34 // 2
    assert dists[closest] > 6.0, f"{names} differ by only {dists[closest]:.2f} levels"


def test_monochrome_looks_are_grey(looks):
    for i in MONOCHROME:
        out = looks[i].astype(np.int16)
        assert np.abs(out[..., 0] - out[..., 1]).max() <= 1
        assert np.abs(out[..., 1] - out[..., 2]).max() <= 1
    # sepia is toned, not grey, but carries no colour of its own: one hue everywhere
    for i in SEPIA:
        out = looks[i].astype(np.int16)
        assert (out[..., 0] >= out[..., 2]).all()


def _skin_hue_sat(pixels: np.ndarray) -> tuple[float, float, np.ndarray]:
    mean = pixels[SKIN].reshape(-1, 3).mean(axis=0) / 255.0
    h, s, _ = colorsys.rgb_to_hsv(*mean)
    return (h * 360.0 + 180.0) % 360.0 - 180.0, s, mean  # hue in (-180, 180]


def test_skin_stays_plausible_in_colour_looks(astronaut_rgb, looks):
    hue0, sat0, _ = _skin_hue_sat(astronaut_rgb)
    assert 5 < hue0 < 35 and sat0 > 0.2  # the patch is skin
    for i, out in looks.items():
        if i in MONOCHROME + SEPIA:
            continue
        hue, sat, mean = _skin_hue_sat(out)
        name = FILTERS[i - 1].name
        assert mean[0] == mean.max(), f"{name}: skin is not red-dominant {mean}"
        assert -25.0 < hue < 45.0, f"{name}: skin hue {hue:.0f} deg (green/blue/purple skin)"
        assert sat > 0.08, f"{name}: skin saturation {sat:.2f} (grey skin)"


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_strength_zero_is_identity_and_input_untouched(astronaut_rgb, dtype):
    img = astronaut_rgb.astype(dtype) * (257 if dtype == np.uint16 else 1)
    before = img.copy()
    for i in IDS:
        out = apply_filter(img, i, strength=0)
        assert out is not img and out.dtype == dtype and np.array_equal(out, img)
        apply_filter(img, i, strength=60)
        apply_filter(img, i)
    assert np.array_equal(img, before)


def test_read_only_and_non_contiguous_input(astronaut_rgb):
    view = astronaut_rgb[10:200:2, 30:300]  # read-only (fixture), strided
    assert not view.flags.c_contiguous
    for i in (1, 12, 21, 27):
        out = apply_filter(view, i)
        assert out.shape == view.shape
        np.testing.assert_array_equal(out, apply_filter(np.ascontiguousarray(view), i))


def test_strength_50_lies_between(astronaut_rgb, looks):
    orig = astronaut_rgb.astype(np.int16)
    for i in IDS:
        full = looks[i].astype(np.int16)
        half = apply_filter(astronaut_rgb, i, strength=50).astype(np.int16)
        assert (half >= np.minimum(orig, full) - 1).all() and (half <= np.maximum(orig, full) + 1).all()
        expected = (orig + full) / 2.0
        assert np.abs(half - expected).max() <= 1.0, FILTERS[i - 1].name
        # and it moves monotonically with the strength
        quarter = _mad(apply_filter(astronaut_rgb, i, strength=25), orig)
        assert quarter < _mad(half, orig) < _mad(full, orig)


def test_uint16_agrees_with_uint8(astronaut_rgb, looks):
    img16 = astronaut_rgb.astype(np.uint16) * 257
    for i in IDS:
        out16 = apply_filter(img16, i)
        assert out16.dtype == np.uint16 and out16.shape == img16.shape
        diff = np.abs(out16 / 257.0 - looks[i])
        assert diff.mean() < 0.6 and diff.max() <= 3.0, (FILTERS[i - 1].name, diff.mean(), diff.max())
        # and it uses the 16-bit range, not 8-bit steps
        assert np.count_nonzero(out16 % 257) > out16.size // 2
    half16 = apply_filter(img16, 21, strength=50)
    half8 = apply_filter(astronaut_rgb, 21, strength=50)
    assert np.abs(half16 / 257.0 - half8).max() <= 3.0


def test_tone_tables_are_monotone_and_grey_looks_share_one():
    for i in IDS:
        lut = filters._compiled(i).unit8
        assert (np.diff(lut, axis=0) >= 0).all(), FILTERS[i - 1].name
    for i in MONOCHROME:
        lut = filters._compiled(i).unit8
        assert np.array_equal(lut[:, 0], lut[:, 1]) and np.array_equal(lut[:, 1], lut[:, 2])
        assert LOOKS[i - 1].monochrome


def test_monotone_cubic_passes_through_points_without_overshoot():
    pts = ((0, 10), (40, 12), (100, 90), (160, 200), (255, 250))
    f = monotone_cubic(pts)
    x = np.array([p[0] for p in pts]) / 255.0
    np.testing.assert_allclose(f(x) * 255.0, [p[1] for p in pts], atol=1e-9)
    y = f(np.linspace(0, 1, 2001)) * 255.0
    assert (np.diff(y) >= -1e-12).all() and y.min() >= 10 - 1e-9 and y.max() <= 250 + 1e-9
    with pytest.raises(ValueError):
        monotone_cubic(((0, 0), (0, 10)))


def test_vignette_and_glow_are_spatial():
    flat = np.full((120, 180, 3), 150, np.uint8)
    lomo = apply_filter(flat, 21).astype(int)
    assert lomo[60, 90].sum() > lomo[2, 2].sum() + 60  # corners darker than the centre
    assert abs(int(lomo[2, 2].sum()) - int(lomo[-3, -3].sum())) <= 3  # symmetric
    dark = np.full((200, 200, 3), 20, np.uint8)
    dark[70:130, 70:130] = 255
    soft = apply_filter(dark, 12).astype(int)
    assert soft[64, 100].sum() > soft[5, 5].sum() + 15  # light spills around the bright square


@pytest.mark.parametrize("shape", [(1, 1, 3), (3, 5, 3), (1, 400, 3), (300, 2, 3)])
def test_tiny_and_thin_images(shape):
    img = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    for i in IDS:
        out = apply_filter(img, i, strength=70)
        assert out.shape == shape and out.dtype == np.uint8


def test_bad_images_are_rejected():
    with pytest.raises(ValueError):
        apply_filter(np.zeros((4, 4), np.uint8), 1)
    with pytest.raises(TypeError):
        apply_filter(np.zeros((4, 4, 3), np.float32), 1)


def test_thumbnails(astronaut_rgb):
    thumbs = thumbnails(astronaut_rgb)
    assert sorted(thumbs) == IDS
    for img in thumbs.values():
        assert img.dtype == np.uint8 and img.shape == (96, 96, 3)
    assert min(_mad(thumbs[a], thumbs[b]) for a, b in itertools.combinations(IDS, 2)) > 4.0
    wide = np.ascontiguousarray(np.concatenate([astronaut_rgb] * 2, axis=1).astype(np.uint16) * 257)
    thumbs16 = thumbnails(wide, size=64)
    assert len(thumbs16) == 35
    assert all(t.dtype == np.uint8 and t.shape == (32, 64, 3) for t in thumbs16.values())


def test_contact_sheet(astronaut_rgb):
    sheet = contact_sheet(astronaut_rgb, thumb=100)
    assert sheet.dtype == np.uint8 and sheet.ndim == 3
    assert sheet.shape[1] == 4 + 6 * 104 and sheet.shape[0] > 6 * 100
    small = filters._small_uint8(astronaut_rgb, 100)
    assert np.array_equal(sheet[4:104, 4:104], small)  # the original comes first
    assert np.array_equal(sheet[4:104, 108:208], apply_filter(small, 1))


@pytest.mark.bench
@pytest.mark.parametrize("filter_id", [1, 12, 21, 27])
def test_bench_filter_2mp(benchmark, filter_id):
    from tests.faces import large_portrait
    import cv2

    img = cv2.resize(large_portrait(), (1732, 1155), interpolation=cv2.INTER_AREA)
    out = benchmark(apply_filter, img, filter_id)
    assert out.shape == img.shape


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_out_buffer_and_in_place(astronaut_rgb, dtype):
    img = astronaut_rgb.astype(dtype) * (257 if dtype == np.uint16 else 1)
    for i in (1, 5, 12, 21, 27):  # mono, glow, glow, vignette
        for strength in (0, 40, 100):
            expected = apply_filter(img, i, strength=strength)
            buf = np.zeros_like(img)
            assert apply_filter(img, i, strength=strength, out=buf) is buf
            np.testing.assert_array_equal(buf, expected)
            inplace = img.copy()
            assert apply_filter(inplace, i, strength=strength, out=inplace) is inplace
            np.testing.assert_array_equal(inplace, expected)
    with pytest.raises(ValueError):
        apply_filter(img, 3, out=np.zeros((2, 2, 3), dtype))
    with pytest.raises(ValueError):
        apply_filter(img, 3, out=np.zeros(img.shape, np.float32))


def test_preview_matches_full_resolution():
    """Glow and vignette scale with the photo: a preview shows what the export will get."""
    import cv2

    from tests.faces import large_portrait

    big = large_portrait(1800, 1200)
    small = cv2.resize(big, (450, 300), interpolation=cv2.INTER_AREA)
    for i in (5, 12, 21, 32, 35):  # the glow and vignette looks
        full = cv2.resize(apply_filter(big, i), (450, 300), interpolation=cv2.INTER_AREA)
        assert _mad(full, apply_filter(small, i)) < 1.0, FILTERS[i - 1].name

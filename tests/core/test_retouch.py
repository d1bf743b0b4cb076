"""The four beautify operations on a real face: each does what it must, and nothing else."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from facestudio.core import masks, pipeline, reshape, skin
from facestudio.core.errors import ParameterError
from facestudio.core.landmarks import detect_faces
from facestudio.core.params import RetouchParams

ZERO = RetouchParams.zero()


def only(**kw) -> RetouchParams:
    return ZERO.replace(**kw)


def full_mask(image, face) -> np.ndarray:
    roi = masks.face_roi(face, image.shape)
    out = np.zeros(image.shape[:2], np.float32)
    out[roi.slices] = masks.skin_mask(image, face, roi)
    return out


def luma(img: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)


def band_energy(img: np.ndarray, where: np.ndarray, fine: float, coarse: float | None) -> float:
    """Mean squared amplitude of the band between two Gaussian scales, inside ``where``."""
    y = luma(img)
    lo = cv2.GaussianBlur(y, (0, 0), fine)
    band = (y - lo) if coarse is None else (lo - cv2.GaussianBlur(y, (0, 0), coarse))
    if coarse is None:
        band = y - lo
    return float(np.mean(band[where] ** 2))


@pytest.fixture(scope="module")
def face(astronaut_analysis):
    assert len(astronaut_analysis.faces) == 1
    return astronaut_analysis.faces[0]


def test_zero_is_identity_and_input_untouched(astronaut_rgb, face):
    before = astronaut_rgb.copy()
    out = pipeline.render(astronaut_rgb, [face], ZERO)
    assert np.array_equal(out, astronaut_rgb)
    assert out is not astronaut_rgb
    out = pipeline.render(astronaut_rgb, [face], RetouchParams(smoothing=80, whitening=80,
                                                               face_lifting=80, eye_enlarging=80))
    assert np.array_equal(astronaut_rgb, before)
    assert not np.array_equal(out, astronaut_rgb)


@pytest.mark.parametrize("name", ["smoothing", "whitening", "face_lifting", "eye_enlarging"])
def test_each_operation_at_zero_is_identity_and_above_zero_changes(astronaut_rgb, face, name):
    others = dict(smoothing=60, whitening=60, face_lifting=60, eye_enlarging=60)
    a = pipeline.render(astronaut_rgb, [face], RetouchParams(**{**others, name: 0}))
    b = pipeline.render(astronaut_rgb, [face], RetouchParams(**others))
    assert not np.array_equal(a, b), f"{name} at 60 changed nothing"
    assert np.array_equal(pipeline.render(astronaut_rgb, [face], only(**{name: 0})), astronaut_rgb)


def test_skin_mask_excludes_features_and_background(astronaut_rgb, face):
    m = full_mask(astronaut_rgb, face)
    for group in ("left_pupil", "right_pupil"):
        x, y = np.round(face.group(group)[0]).astype(int)
        assert m[y, x] == 0, f"{group} is inside the skin mask"
    for group in ("left_eye_brow", "right_eye_brow"):
        x, y = np.round(face.group(group).mean(axis=0)).astype(int)
        assert m[y, x] == 0
    x, y = np.round(face.group("mouth")[[3, 9]].mean(axis=0)).astype(int)  # between the lips' centres
    assert m[y, x] == 0
    # cheeks are skin
    cheek = (face.group("left_eye")[2] + face.group("mouth")[0]) / 2
    assert m[int(cheek[1]), int(cheek[0])] > 0.9
    # background (top corners) and the hair above the forehead are not
    assert m[:40].max() == 0 and m[:, :120].max() == 0
    # the mask covers a real part of the face
    x0, y0, x1, y1 = face.bbox()
    assert 0.25 < m[int(y0):int(y1), int(x0):int(x1)].mean() < 0.9


def test_smoothing_removes_blotches_keeps_texture_and_stays_on_skin(astronaut_rgb, face):
    iod = face.interocular()
    m = full_mask(astronaut_rgb, face)
    core = m > 0.95
    out = pipeline.render(astronaut_rgb, [face], only(smoothing=60))
    # the high-frequency energy inside the skin drops (blotches, uneven tone, soft wrinkles) ...
    hf_before = band_energy(astronaut_rgb, core, 0.05 * iod, None)
    hf_after = band_energy(out, core, 0.05 * iod, None)
    assert hf_after < 0.85 * hf_before
    # ... but the finest band, pores and fine hair, keeps at least 70 % of its energy
    tex_before = band_energy(astronaut_rgb, core, 0.7, None)
    tex_after = band_energy(out, core, 0.7, None)
    assert tex_after >= 0.7 * tex_before
    # nothing changes where the mask is 0
    assert np.array_equal(out[m == 0], astronaut_rgb[m == 0])


def test_default_smoothing_keeps_texture(astronaut_rgb, face):
    m = full_mask(astronaut_rgb, face) > 0.95
    out = pipeline.render(astronaut_rgb, [face], only(smoothing=RetouchParams().smoothing))
    assert band_energy(out, m, 0.7, None) >= 0.7 * band_energy(astronaut_rgb, m, 0.7, None)


def test_whitening_brightens_without_cast_or_halo(astronaut_rgb, face):
    m = full_mask(astronaut_rgb, face)
    out = pipeline.render(astronaut_rgb, [face], only(whitening=70))
    core = m > 0.95
    lab0 = cv2.cvtColor(astronaut_rgb, cv2.COLOR_RGB2LAB).astype(np.float32)
    lab1 = cv2.cvtColor(out, cv2.COLOR_RGB2LAB).astype(np.float32)
    assert lab1[..., 0][core].mean() > lab0[..., 0][core].mean() + 5  # brighter
    hue0 = np.degrees(np.arctan2(lab0[..., 2][core].mean() - 128, lab0[..., 1][core].mean() - 128))
    hue1 = np.degrees(np.arctan2(lab1[..., 2][core].mean() - 128, lab1[..., 1][core].mean() - 128))
    assert abs(hue1 - hue0) < 3.0, "whitening shifted the skin's hue"
    chroma0 = np.hypot(lab0[..., 1][core] - 128, lab0[..., 2][core] - 128).mean()
    chroma1 = np.hypot(lab1[..., 1][core] - 128, lab1[..., 2][core] - 128).mean()
    assert chroma1 <= chroma0 + 0.5, "whitening must not add colour"
    assert np.array_equal(out[m == 0], astronaut_rgb[m == 0])
    # no halo: the change fades in over several pixels, no step at the mask edge
    diff = lab1[..., 0] - lab0[..., 0]
    smooth_diff = cv2.GaussianBlur(diff, (0, 0), 1.0)
    gy, gx = np.gradient(smooth_diff)
    assert np.hypot(gx, gy).max() < 0.35 * np.abs(smooth_diff).max()


def _eye_size(face, group):
    eye = face.group(group)
    return float(np.linalg.norm(eye[0] - eye[4])), float(np.linalg.norm(eye[6] - eye[2]))


def test_eye_enlarging_moves_redetected_eyelids_apart(astronaut_rgb, face):
    out = pipeline.render(astronaut_rgb, [face], only(eye_enlarging=100))
    after = detect_faces(out).faces
    assert len(after) == 1
    for group in ("left_eye", "right_eye"):
        w0, h0 = _eye_size(face, group)
        w1, h1 = _eye_size(after[0], group)
        assert h1 > h0 * 1.04, f"{group}: eyelids {h0:.2f} -> {h1:.2f} px"
        assert w1 > w0 * 1.015, f"{group}: corners {w0:.2f} -> {w1:.2f} px"
    # the eyes grow in place: the pupils stay where they were
    moved = np.linalg.norm(after[0].group("left_pupil")[0] - face.group("left_pupil")[0])
    assert moved < 0.05 * face.interocular()


def test_face_lifting_slims_the_jaw_and_leaves_the_background(astronaut_rgb, face):
    out = pipeline.render(astronaut_rgb, [face], only(face_lifting=100))
    after = detect_faces(out).faces[0]
    prof0, prof1 = face.group("face_profile"), after.group("face_profile")
    width0 = np.linalg.norm(prof0[5] - prof0[15])
    width1 = np.linalg.norm(prof1[5] - prof1[15])
    assert width1 < width0 - 0.04 * face.interocular(), f"jaw {width0:.1f} -> {width1:.1f} px"
    assert abs(prof1[10][1] - prof0[10][1]) < 0.05 * face.interocular()  # the chin stays put
    # beyond the warp's reach outside the face nothing moves, bit for bit
    poly = masks.face_polygon(face)
    near = np.zeros(astronaut_rgb.shape[:2], np.uint8)
    cv2.fillPoly(near, [np.round(poly).astype(np.int32)], 1)
    r = int(np.ceil(reshape.OUTSIDE_REACH * face.interocular())) + 3
    near = cv2.dilate(near, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)))
    assert np.array_equal(out[near == 0], astronaut_rgb[near == 0])


def test_every_face_of_a_group_photo_and_one_chosen_face(group7, group7_analysis):
    faces = group7_analysis.faces
    assert len(faces) == 7
    img = group7.image
    params = RetouchParams(smoothing=50, whitening=50, face_lifting=50, eye_enlarging=50)
    out = pipeline.render(img, faces, params)
    rois = [masks.face_roi(f, img.shape) for f in faces]
    for i, roi in enumerate(rois):
        assert not np.array_equal(out[roi.slices], img[roi.slices]), f"face {i} untouched"
    outside = np.ones(img.shape[:2], bool)
    for roi in rois:
        outside[roi.slices] = False
    assert np.array_equal(out[outside], img[outside])

    one = pipeline.render(img, faces, params.replace(face=3))
    for i, roi in enumerate(rois):
        same = np.array_equal(one[roi.slices], img[roi.slices])
        assert same == (i != 3), f"face {i}: changed={not same}"


def test_sixteen_bit_in_sixteen_bit_out(astronaut_rgb, face):
    img16 = astronaut_rgb.astype(np.uint16) * 257
    out = pipeline.render(img16, [face], RetouchParams())
    assert out.dtype == np.uint16 and out.shape == img16.shape
    out8 = pipeline.render(astronaut_rgb, [face], RetouchParams())
    # the same edit at both depths: the 16-bit result, reduced to 8 bits, is close to the 8-bit one
    diff = np.abs((out.astype(np.float32) / 257) - out8.astype(np.float32))
    assert np.percentile(diff, 99.9) <= 3.0
    assert not np.array_equal(out, img16)


def test_bad_face_index_is_a_user_error(astronaut_rgb, face):
    with pytest.raises(ParameterError, match="1 face"):
        pipeline.render(astronaut_rgb, [face], RetouchParams(face=4))
    with pytest.raises(ParameterError, match="from 0 to 100"):
        RetouchParams(smoothing=101)


def test_no_face_renders_unchanged(astronaut_rgb):
    assert np.array_equal(pipeline.render(astronaut_rgb, [], RetouchParams()), astronaut_rgb)


def test_operations_are_pure_functions_of_the_crop(astronaut_rgb, face):
    roi = masks.face_roi(face, astronaut_rgb.shape)
    crop = astronaut_rgb[roi.slices].copy()
    m = masks.skin_mask(astronaut_rgb, face, roi)
    kept = crop.copy()
    a = skin.smooth_skin(crop, m, strength=50, iod=face.interocular())
    b = skin.smooth_skin(crop, m, strength=50, iod=face.interocular())
    assert np.array_equal(a, b) and np.array_equal(crop, kept)
    assert np.array_equal(skin.whiten_skin(crop, m, strength=0), crop)
    assert np.array_equal(skin.smooth_skin(crop, m, strength=0, iod=face.interocular()), crop)

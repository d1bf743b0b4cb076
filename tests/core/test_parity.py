"""Local engine parity (issue 5): small face, eyebrows, blemishes, teeth, the 22 reshape parts,
per-face overrides, and the texture/leak figures, on the real astronaut and a group composite."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from facestudio.core import masks, pipeline, touchup
from facestudio.core.landmarks import detect_faces
from facestudio.core.masks import face_axes
from facestudio.core.params import RESHAPE_PARTS, RetouchParams
from facestudio.core.reshape import OUTSIDE_REACH

ZERO = RetouchParams.zero()


def _width(face, group, i, j):
    right, _, _ = face_axes(face)
    pts = face.group(group)
    return float((pts[j] - pts[i]) @ right)


def _height(face, group, i, j):
    """Vertical distance from point i up to point j, in the face frame."""
    _, up, _ = face_axes(face)
    pts = face.group(group)
    return float((pts[j] - pts[i]) @ up)


def _eye_open(face):
    return _height(face, "left_eye", 2, 6) + _height(face, "right_eye", 2, 6)


def _eye_tilt(face):
    """How far the outer corners sit above the inner ones (both eyes)."""
    return _height(face, "left_eye", 4, 0) + _height(face, "right_eye", 4, 0)


def _gap(face, a, b, idx):
    right, _, _ = face_axes(face)
    return abs(float((face.group(b)[idx] - face.group(a)[idx]) @ right))


#: for each part, a measure that grows when the part does what its name says
METRICS = {
    "cheekbone": lambda f: -_width(f, "face_profile", 2, 18),
    "cut_face": lambda f: -_width(f, "face_profile", 7, 13),
    "slim_face": lambda f: -_width(f, "face_profile", 4, 16),
    "long_face": lambda f: _height(f, "face_profile", 10, 1) if False else -float(f.group("face_profile")[10] @ face_axes(f)[1]),
    "chin_shortening": lambda f: float(f.group("face_profile")[10] @ face_axes(f)[1]),
    "chin_lengthening": lambda f: -float(f.group("face_profile")[10] @ face_axes(f)[1]),
    "slim_chin": lambda f: -_width(f, "face_profile", 8, 12),
    "slim_jaw": lambda f: -_width(f, "face_profile", 5, 15),
    "big_eyes": _eye_open,
    "eye_angle_1": _eye_tilt,
    "eye_distance": lambda f: -_gap(f, "left_eye", "right_eye", 4),
    "widen_eye_distance": lambda f: _gap(f, "left_eye", "right_eye", 4),
    "eye_angle_2": _eye_tilt,
    "eye_height": _eye_open,
    "slim_nose": lambda f: -_width(f, "nose", 5, 9),
    "nose_wing": lambda f: -_width(f, "nose", 5, 9),
    "nose_length": lambda f: _height(f, "nose", 0, 1),
    "nose_length_2": lambda f: _height(f, "nose", 0, 1),
    "lip_width": lambda f: _width(f, "mouth", 0, 6),
    "lip_size": lambda f: _width(f, "mouth", 0, 6) + _height(f, "mouth", 3, 9),
    "lip_height": lambda f: _height(f, "mouth", 3, 9),
    "philtrum": lambda f: -_height(f, "mouth", 9, 1) if False else -float((f.group("nose")[7] - f.group("mouth")[9]) @ face_axes(f)[1]),
}


def metric(name, after, before):
    """Change of the part's measure, in inter-ocular distances (positive = the named way)."""
    return (METRICS[name](after) - METRICS[name](before)) / before.interocular()


def flowed(before_img, after_img, face):
    """The face's landmarks carried by the dense optical flow from ``before_img`` to ``after_img``.

    An independent measure of where the content under each landmark went (Farneback flow on
    the upscaled luminance), for parts whose change the landmark model's shape prior damps.
    """
    from facestudio.core.faceshape import FaceShape

    k = 2.0
    g0 = cv2.resize(cv2.cvtColor(before_img, cv2.COLOR_RGB2GRAY), None, fx=k, fy=k, interpolation=cv2.INTER_CUBIC)
    g1 = cv2.resize(cv2.cvtColor(after_img, cv2.COLOR_RGB2GRAY), None, fx=k, fy=k, interpolation=cv2.INTER_CUBIC)
    flow = cv2.calcOpticalFlowFarneback(g0, g1, None, 0.5, 4, 9, 5, 5, 1.1, 0)
    pts = (face.points + 0.5) * k - 0.5
    fx = cv2.remap(flow[..., 0], pts[:, 0].astype(np.float32).reshape(-1, 1), pts[:, 1].astype(np.float32).reshape(-1, 1),
                   cv2.INTER_LINEAR).ravel()
    fy = cv2.remap(flow[..., 1], pts[:, 0].astype(np.float32).reshape(-1, 1), pts[:, 1].astype(np.float32).reshape(-1, 1),
                   cv2.INTER_LINEAR).ravel()
    return FaceShape(face.points + np.stack([fx, fy], axis=1) / k)


#: parts whose change the landmark model follows closely enough to check by re-detection
REDETECTABLE = ("cheekbone", "slim_face", "long_face", "slim_jaw", "big_eyes", "eye_angle_1", "eye_distance",
                "widen_eye_distance", "eye_angle_2", "eye_height", "nose_length", "lip_width", "lip_size",
                "lip_height")


@pytest.fixture(scope="module")
def face(astronaut_analysis):
    return astronaut_analysis.faces[0]


def near_face(image, face, extra_px: int = 3) -> np.ndarray:
    """The face polygon grown by the warps' outside reach (+ a few px): beyond it nothing moves."""
    m = np.zeros(image.shape[:2], np.uint8)
    cv2.fillPoly(m, [np.round(masks.face_polygon(face)).astype(np.int32)], 1)
    r = int(np.ceil(OUTSIDE_REACH * face.interocular())) + extra_px
    return cv2.dilate(m, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))) > 0


@pytest.mark.parametrize("index, name", list(enumerate(p for p, _ in RESHAPE_PARTS)))
def test_each_reshape_part_moves_its_landmarks_and_not_the_background(astronaut_rgb, face, index, name):
    outside = ~near_face(astronaut_rgb, face)
    for sign in (1, -1):
        out = pipeline.render(astronaut_rgb, [face], ZERO.with_part(name, 100 * sign))
        assert not np.array_equal(out, astronaut_rgb)
        # the content under the targeted landmarks moved the named way (dense optical flow)
        moved = metric(name, flowed(astronaut_rgb, out, face), face)
        assert moved * sign > 0.02, f"{name} at {100 * sign}: flow metric {moved:+.4f}"
        # background, hair edges and frames beyond the margin: bit-identical
        assert np.array_equal(out[outside], astronaut_rgb[outside])
        if name in REDETECTABLE:
            after = detect_faces(out).faces
            assert len(after) == 1
            m = metric(name, after[0], face)
            assert m * sign > 0.004, f"{name} at {100 * sign}: re-detected metric {m:+.4f}"
    assert np.array_equal(pipeline.render(astronaut_rgb, [face], ZERO.with_part(name, 0)), astronaut_rgb)


def test_small_face_draws_the_outline_in(astronaut_rgb, face):
    out = pipeline.render(astronaut_rgb, [face], ZERO.replace(shrink_face=100))
    carried = flowed(astronaut_rgb, out, face)
    prof0, prof1 = face.group("face_profile"), carried.group("face_profile")
    centre = face.group("nose")[0]
    inward = ((prof1 - prof0) * (centre - prof0)).sum(axis=1) / np.linalg.norm(centre - prof0, axis=1)
    assert np.mean(inward[3:18]) > 0.02 * face.interocular()
    after = detect_faces(out).faces[0]
    assert np.ptp(after.group("face_profile")[:, 0]) < np.ptp(prof0[:, 0])
    assert np.array_equal(out[~near_face(astronaut_rgb, face)], astronaut_rgb[~near_face(astronaut_rgb, face)])


def _fine_energy(img, where, sigma=0.8):
    y = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return float(np.mean((y - cv2.GaussianBlur(y, (0, 0), sigma))[where] ** 2))


def test_eyebrow_removal_leaves_textured_skin_not_a_smear(astronaut_rgb, face):
    big = cv2.resize(astronaut_rgb, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    fb = face.scaled(2.0)
    brow = np.zeros(big.shape[:2], np.uint8)
    for g in ("left_eye_brow", "right_eye_brow"):
        cv2.fillPoly(brow, [np.round(fb.group(g)).astype(np.int32)], 1)
    brow = brow.astype(bool)
    # the astronaut's brows are faint: darken them (keeping their own texture) so they are unmistakable
    bold = big.copy()
    bold[brow] = (bold[brow].astype(np.float32) * 0.45).astype(np.uint8)
    out = pipeline.render(bold, [fb], ZERO.replace(remove_eyebrow=100))
    lum0 = cv2.cvtColor(bold, cv2.COLOR_RGB2LAB)[..., 0].astype(np.float32)
    lum1 = cv2.cvtColor(out, cv2.COLOR_RGB2LAB)[..., 0].astype(np.float32)
    skin = np.zeros(big.shape[:2], np.float32)
    roi = masks.face_roi(fb, big.shape)
    skin[roi.slices] = masks.skin_mask(bold, fb, roi)
    r = int(0.3 * fb.interocular())
    ring = cv2.dilate(brow.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))) > 0
    around = ring & ~brow & (skin > 0.9)
    assert around.sum() > 200
    # the bold brow is gone: its area is back to (at least) the light tone of the photo's own faint
    # brows on skin, within 15 % of the darkening
    orig = np.median(cv2.cvtColor(big, cv2.COLOR_RGB2LAB)[..., 0].astype(np.float32)[brow])
    dark, after = np.median(lum0[brow]), np.median(lum1[brow])
    assert orig - dark > 50 and after > orig - 0.15 * (orig - dark), (orig, dark, after)
    assert after < np.percentile(lum0[around], 95) + 5  # and not lighter than the skin around it
    # ... and its texture: not a smear (>= 35 % of the skin's fine-band energy), not hair (<= 2x)
    e_brow, e_skin = _fine_energy(out, brow), _fine_energy(bold, around)
    assert 0.35 * e_skin < e_brow < 2.0 * e_skin, (e_brow, e_skin)
    far = cv2.dilate(brow.astype(np.uint8), np.ones((31, 31), np.uint8)) == 0
    assert np.array_equal(out[far], bold[far])
    assert np.array_equal(pipeline.render(bold, [fb], ZERO.replace(remove_eyebrow=0)), bold)


def test_blemishes_go_and_moles_stay(astronaut_rgb, face):
    big = cv2.resize(astronaut_rgb, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    fb = face.scaled(2.0)
    iod = fb.interocular()
    spotted = big.copy()
    cheek = (fb.group("left_eye")[2] + fb.group("mouth")[0]) / 2 + np.array([-0.12 * iod, 0])
    spots = [cheek + np.array([dx, dy]) * iod for dx, dy in ((-0.08, -0.1), (0.05, -0.05), (0.0, 0.08), (0.1, 0.05))]
    mole = (fb.group("right_eye")[2] + fb.group("mouth")[6]) / 2 + np.array([0.1 * iod, 0])
    for c in spots:
        cv2.circle(spotted, tuple(int(v) for v in np.round(c)), 2, (150, 90, 80), -1, cv2.LINE_AA)
    mole_r = int(round(0.06 * iod))
    cv2.circle(spotted, tuple(int(v) for v in np.round(mole)), mole_r, (110, 70, 60), -1, cv2.LINE_AA)
    out = pipeline.render(spotted, [fb], ZERO.replace(blemish_removal=70))

    def contrast(img, c, r):
        y = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
        x, yv = int(round(c[0])), int(round(c[1]))
        centre = y[yv - 1:yv + 2, x - 1:x + 2].mean()
        ring = y[yv - 3 * r:yv + 3 * r + 1, x - 3 * r:x + 3 * r + 1]
        return float(np.median(ring) - centre)

    for c in spots:
        before, after = contrast(spotted, c, 2), contrast(out, c, 2)
        assert before > 20 and after < 0.4 * before, f"spot at {c}: {before:.1f} -> {after:.1f}"
    m_before, m_after = contrast(spotted, mole, mole_r), contrast(out, mole, mole_r)
    assert m_after > 0.9 * m_before, f"mole: {m_before:.1f} -> {m_after:.1f}"
    found = touchup.find_blemishes(spotted[masks.face_roi(fb, spotted.shape).slices],
                                   masks.skin_mask(spotted, fb, masks.face_roi(fb, spotted.shape)), iod, strength=70)
    assert found.any()


def test_teeth_whitening_stays_inside_the_lips(astronaut_rgb, face):
    out = pipeline.render(astronaut_rgb, [face], ZERO.replace(teeth_whitening=100))
    inner = np.zeros(astronaut_rgb.shape[:2], np.uint8)
    cv2.fillPoly(inner, [np.round(face.group("mouth")[12:22]).astype(np.int32)], 1)
    lab0 = cv2.cvtColor(astronaut_rgb, cv2.COLOR_RGB2LAB).astype(np.float32)
    lab1 = cv2.cvtColor(out, cv2.COLOR_RGB2LAB).astype(np.float32)
    teeth = (inner > 0) & (lab0[..., 0] > np.percentile(lab0[..., 0][inner > 0], 60))
    assert lab1[..., 2][teeth].mean() < lab0[..., 2][teeth].mean() - 2   # less yellow
    assert lab1[..., 0][teeth].mean() > lab0[..., 0][teeth].mean() + 2   # brighter
    far = cv2.dilate(inner, np.ones((9, 9), np.uint8)) == 0
    assert np.array_equal(out[far], astronaut_rgb[far])


def test_per_face_overrides_over_an_all_faces_default(group7, group7_analysis):
    img, faces = group7.image, group7_analysis.faces
    rois = [masks.face_roi(f, img.shape) for f in faces]
    strong = RetouchParams(smoothing=60, whitening=50, face_lifting=60, eye_enlarging=60)
    only2 = ZERO.with_override(2, strong)
    out = pipeline.render(img, faces, only2)
    for i, roi in enumerate(rois):
        assert np.array_equal(out[roi.slices], img[roi.slices]) == (i != 2)
    all_but4 = strong.with_override(4, ZERO)
    out = pipeline.render(img, faces, all_but4)
    for i, roi in enumerate(rois):
        assert np.array_equal(out[roi.slices], img[roi.slices]) == (i == 4)
    assert all_but4.for_face(4) == ZERO.replace(face=None) and all_but4.for_face(1) is all_but4
    assert RetouchParams.from_dict(all_but4.to_dict()) == all_but4


def test_texture_and_leak_on_every_face_of_a_group(group7, group7_analysis):
    img, faces = group7.image, group7_analysis.faces
    out = pipeline.render(img, faces, ZERO.replace(smoothing=RetouchParams().smoothing, whitening=40))
    for i, f in enumerate(faces):
        roi = masks.face_roi(f, img.shape)
        m = masks.skin_mask(img, f, roi)
        a, b = img[roi.slices], out[roi.slices]
        assert _fine_energy(b, m > 0.95) >= 0.7 * _fine_energy(a, m > 0.95), f"face {i} lost its texture"
        assert np.array_equal(a[m == 0], b[m == 0]), f"face {i}: the effect leaked off the skin"


def test_smart_beauty_mixes_per_face_and_honours_multi_face(group7, group7_analysis):
    from facestudio.core.smart import smart_beauty

    img, faces = group7.image, group7_analysis.faces
    every = smart_beauty(img, faces, 1.0, multi_face=True)
    assert len(every.overrides) == 7
    assert all(p.smoothing > 0 and p.whitening > 0 for _, p in every.overrides)
    largest = smart_beauty(img, faces, 1.0, multi_face=False)
    assert len(largest.overrides) == 1
    biggest = max(range(len(faces)), key=lambda i: faces[i].area())
    assert largest.overrides[0][0] == biggest
    half = smart_beauty(img, faces, 0.5)
    assert half.for_face(0).smoothing < every.for_face(0).smoothing
    assert smart_beauty(img, faces, 0.0).is_identity()
    out = pipeline.render(img, faces, largest)
    rois = [masks.face_roi(f, img.shape) for f in faces]
    for i, roi in enumerate(rois):
        assert np.array_equal(out[roi.slices], img[roi.slices]) == (i != biggest)

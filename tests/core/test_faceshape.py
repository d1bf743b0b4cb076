"""The 90-point schema: parsing the cloud's real sample, ordering anchors, round trips, errors.

``check_schema_order`` is the list of ordering anchors of ``landmarks-90.md``; the local
detector's tests (test_landmarks.py) apply the same checks to its own output.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from facestudio.core.faceshape import (
    GROUP_SLICES,
    GROUPS,
    N_POINTS,
    FaceAnalysis,
    FaceShape,
    FaceShapeError,
    parse_analysis,
)

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "analyze_sample.json"


def face_frame(face: FaceShape) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors (right, down) of the face's own frame, from the pupil line."""
    d = face.group("right_pupil")[0] - face.group("left_pupil")[0]
    right = d / np.linalg.norm(d)
    return right, np.array([-right[1], right[0]])


def check_schema_order(face: FaceShape, tol: float = 0.1) -> None:
    """Assert the ordering anchors of landmarks-90.md (``tol`` in inter-ocular units)."""
    io = face.interocular()
    assert io > 0
    right, down = face_frame(face)
    nose_tip = face.group("nose")[0]
    for side in ("left", "right"):
        eye = face.group(f"{side}_eye")
        # outer corner (0) farther from the nose than the inner corner (4)
        assert np.linalg.norm(eye[0] - nose_tip) > np.linalg.norm(eye[4] - nose_tip), side
        brow = face.group(f"{side}_eye_brow")
        assert np.linalg.norm(brow[0] - nose_tip) > np.linalg.norm(brow[4] - nose_tip), side
        # brows above their eyes
        assert (brow.mean(axis=0) - eye.mean(axis=0)) @ down < 0, side
        # pupil inside its eye polygon
        pupil = face.group(f"{side}_pupil")[0]
        poly = eye.astype(np.float32).reshape(-1, 1, 2)
        assert cv2.pointPolygonTest(poly, (float(pupil[0]), float(pupil[1])), False) >= 0, side
    # left_* is on the image's left
    for left, right_name in (("left_eye", "right_eye"), ("left_eye_brow", "right_eye_brow"),
                             ("left_pupil", "right_pupil")):
        assert face.group(left)[:, 0].mean() < face.group(right_name)[:, 0].mean()
    profile = face.group("face_profile")
    assert profile[0, 0] < profile[20, 0]
    # outer eye corners are on the outside
    assert face.group("left_eye")[0, 0] < face.group("left_eye")[4, 0]
    assert face.group("right_eye")[0, 0] > face.group("right_eye")[4, 0]
    # chin (10) is the lowest jaw point, in the face's own frame
    depth = profile @ down
    assert depth[10] >= depth.max() - tol * io
    # mouth corners (0, 6) at the extremes of the mouth, 0 on the image's left
    mouth = face.group("mouth")
    across = mouth @ right
    assert across[0] <= across.min() + tol * io
    assert across[6] >= across.max() - tol * io
    assert mouth[0, 0] < mouth[6, 0]
    # nose tip between the eyes across, below the eyes and above the mouth
    eyes_across = [face.group("left_pupil")[0] @ right, face.group("right_pupil")[0] @ right]
    assert min(eyes_across) < nose_tip @ right < max(eyes_across)
    eye_depth = face.group("left_pupil")[0] @ down
    assert eye_depth < nose_tip @ down < mouth.mean(axis=0) @ down < depth[10]
    # upper lip centre (9) above the lower lip centre (3)
    assert mouth[9] @ down < mouth[3] @ down


@pytest.fixture(scope="module")
def sample_doc() -> dict:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def test_sample_parses_with_counts_and_size(sample_doc):
    analysis = parse_analysis(sample_doc)
    assert (analysis.image_width, analysis.image_height) == (690, 920)
    assert analysis.model_version == "3.0"
    assert len(analysis.faces) == 1
    face = analysis.faces[0]
    assert face.points.shape == (N_POINTS, 2) == (90, 2)
    for name, n in GROUPS:
        assert face.group(name).shape == (n, 2)
        assert len(sample_doc["face_shape_set"][0][name]) == n
    assert face.score == 1.0  # the cloud sends no score


def test_sample_values_land_in_the_right_slots(sample_doc):
    face = parse_analysis(sample_doc).faces[0]
    raw = sample_doc["face_shape_set"][0]
    for name, _n in GROUPS:
        expected = np.array([[p["x"], p["y"]] for p in raw[name]], dtype=float)
        np.testing.assert_array_equal(face.group(name), expected)
    # the anchors named in landmarks-90.md
    assert tuple(face.group("nose")[0]) == (311, 242)
    assert tuple(face.group("face_profile")[10]) == (301, 301)
    assert tuple(face.group("mouth")[0]) == (296, 262)
    assert tuple(face.group("mouth")[6]) == (335, 277)


def test_sample_satisfies_ordering_anchors(sample_doc):
    face = parse_analysis(sample_doc).faces[0]
    check_schema_order(face)
    assert 10 < face.roll_degrees() < 25  # the sample's head is rolled about 17 degrees


def test_keys_are_case_insensitive(sample_doc):
    def upper(obj):
        if isinstance(obj, dict):
            return {k.upper(): upper(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [upper(v) for v in obj]
        return obj

    shouted = upper(sample_doc)
    assert "FACE_SHAPE_SET" in shouted and "X" in shouted["FACE_SHAPE_SET"][0]["NOSE"][0]
    a, b = parse_analysis(sample_doc), parse_analysis(shouted)
    assert (b.image_width, b.image_height) == (690, 920)
    np.testing.assert_array_equal(a.faces[0].points, b.faces[0].points)
    # mixed case inside one document, as in the provider's own example
    mixed = json.loads(json.dumps(sample_doc))
    mixed["face_shape_set"][0]["nose"][0] = {"X": 311, "y": 242}
    assert tuple(parse_analysis(mixed).faces[0].group("nose")[0]) == (311, 242)


def test_round_trip_through_json(sample_doc):
    a = parse_analysis(sample_doc)
    for integers in (False, True):
        text = json.dumps(a.to_json(integers=integers))
        b = parse_analysis(text)
        assert (b.image_width, b.image_height, b.model_version) == (690, 920, "3.0")
        np.testing.assert_array_equal(a.faces[0].points, b.faces[0].points)
    # floats survive to 2 decimals; scores survive too
    shifted = FaceAnalysis(690, 920, (FaceShape(a.faces[0].points + 0.25, 0.875),), "local")
    back = parse_analysis(shifted.dumps())
    np.testing.assert_allclose(back.faces[0].points, a.faces[0].points + 0.25)
    assert back.faces[0].score == pytest.approx(0.875)
    assert back.model_version == "local"


def _without(doc: dict, group: str) -> dict:
    d = json.loads(json.dumps(doc))
    del d["face_shape_set"][0][group]
    return d


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: _without(d, "mouth"), "missing the group 'mouth'"),
        (lambda d: {**d, "face_shape_set": [{**d["face_shape_set"][0],
                                               "nose": d["face_shape_set"][0]["nose"][:12]}]},
         "group 'nose' must have 13 points, got 12"),
        (lambda d: {**d, "face_shape_set": [{**d["face_shape_set"][0],
                                               "left_pupil": [{"x": "a", "y": 3}]}]},
         "non-numeric point"),
        (lambda d: {**d, "face_shape_set": [{**d["face_shape_set"][0],
                                               "left_pupil": [{"x": 3}]}]},
         "without x/y"),
        (lambda d: {**d, "face_shape_set": {"not": "a list"}}, "face_shape_set must be a list"),
        (lambda d: {**d, "image_width": "wide"}, "image_width/image_height must be integers"),
        (lambda d: [d], "must be a JSON object"),
        (lambda d: '{"image_width": 690,', "not valid JSON"),
    ],
)
def test_malformed_documents_raise_with_a_clear_message(sample_doc, mutate, message):
    with pytest.raises(FaceShapeError) as err:
        parse_analysis(mutate(sample_doc))
    text = str(err.value)
    assert message in text
    assert "\n" not in text


def test_group_slices_cover_the_90_points_in_schema_order():
    covered = np.zeros(N_POINTS, int)
    start = 0
    for name, n in GROUPS:
        sl = GROUP_SLICES[name]
        assert (sl.start, sl.stop) == (start, start + n)
        covered[sl] += 1
        start += n
    assert np.all(covered == 1)

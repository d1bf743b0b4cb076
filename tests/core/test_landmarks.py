"""The offline landmark engine on real faces: portraits, group photos, small faces, rotations,
16-bit input, empty frames, threads; plus benchmarks (``-m bench``)."""

from __future__ import annotations

import threading

import cv2
import numpy as np
import pytest

from facestudio.core import _blazeface as bf
from facestudio.core import _mesh90 as m90
from facestudio.core import landmarks
from facestudio.core.errors import ParameterError
from facestudio.core.faceshape import LOCAL_MODEL_VERSION, FaceAnalysis, FaceShape
from facestudio.core.landmarks import LandmarkDetector, detect_faces
from tests import faces
from tests.core.test_faceshape import check_schema_order


@pytest.fixture(scope="module")
def astro_result(astronaut_rgb) -> FaceAnalysis:
    return detect_faces(astronaut_rgb)


def mean_error(a: FaceShape, b: FaceShape) -> float:
    """Mean point distance in units of b's inter-ocular distance."""
    return float(np.linalg.norm(a.points - b.points, axis=1).mean() / b.interocular())


def match_centres(result: FaceAnalysis, photo: faces.GroupPhoto) -> list[float]:
    """For each pasted face, distance to the nearest found face centre / its head size."""
    centres = np.array([f.center() for f in result.faces])
    out = []
    for (cx, cy), size in zip(photo.centers, photo.sizes, strict=True):
        d = np.linalg.norm(centres - [cx, cy], axis=1)
        out.append(float(d.min() / size))
    return out


def rotate_points(points: np.ndarray, k: int, width: int = 512, height: int = 512) -> np.ndarray:
    """Pixel-index points of img to np.rot90(img, k)."""
    p = points + 0.5
    w, h = width, height
    for _ in range(k):  # one counter-clockwise quarter turn: (x, y) -> (y, w - x)
        p = np.stack([p[:, 1], w - p[:, 0]], axis=1)
        w, h = h, w
    return p - 0.5


def unrotate_points(points: np.ndarray, k: int, width: int, height: int) -> np.ndarray:
    """Pixel-index points found in np.rot90(img, k) back to img (width x height)."""
    p = points + 0.5
    for i in range(k):  # undo one counter-clockwise quarter turn at a time
        w = width if (k - 1 - i) % 2 == 0 else height  # width of the image before that turn
        p = np.stack([w - p[:, 1], p[:, 0]], axis=1)
    return p - 0.5


def test_astronaut_one_face_in_schema_order(astro_result, astronaut_rgb):
    assert isinstance(astro_result, FaceAnalysis)
    assert (astro_result.image_width, astro_result.image_height) == (512, 512)
    assert astro_result.model_version == LOCAL_MODEL_VERSION
    assert len(astro_result.faces) == 1
    face = astro_result.faces[0]
    assert 0.5 < face.score <= 1.0
    check_schema_order(face, tol=0.05)
    # the face is where the test image says it is, and the points lie on the face
    io = face.interocular()
    assert np.linalg.norm(face.center() - faces.FACE_CENTER) < 0.3 * io
    assert 35 < io < 55
    x0, y0, x1, y1 = face.bbox()
    hy0, hy1, hx0, hx1 = faces.HEAD_BOX
    assert hx0 < x0 < x1 < hx1 and hy0 <= y0 < y1 < hy1
    # chin is the lowest jaw point in image coordinates too (upright portrait)
    profile = face.group("face_profile")
    assert profile[10, 1] >= profile[:, 1].max() - 1.0


def test_pupils_sit_on_dark_irises(astro_result, astronaut_rgb):
    face = astro_result.faces[0]
    gray = cv2.cvtColor(astronaut_rgb, cv2.COLOR_RGB2GRAY).astype(float)
    skin = gray[int(face.group("nose")[0][1]) - 12, int(face.group("nose")[0][0])]
    for side in ("left_pupil", "right_pupil"):
        x, y = np.round(face.group(side)[0]).astype(int)
        assert gray[y - 1:y + 2, x - 1:x + 2].min() < skin - 60


def test_iris_contour_mapping_agrees_with_the_mesh(astronaut_rgb):
    """The iris model's eye/brow indices land on the same features as the mesh vertices."""
    det = LandmarkDetector(astronaut_rgb)
    dets = det.detections(False)
    mesh, score = det._mesh(det.roi_from_detection(dets[0]))
    mesh, score = det._mesh(det.roi_from_mesh(mesh))
    io = np.linalg.norm(mesh[m90.OUTER_RIGHT] - mesh[m90.OUTER_LEFT])
    left, _ = det._iris(det._eye_roi(mesh[m90.OUTER_LEFT], mesh[m90.INNER_LEFT], False))
    right, _ = det._iris(det._eye_roi(mesh[m90.INNER_RIGHT], mesh[m90.OUTER_RIGHT], True))
    for contour, eye, brow in ((left, m90.LEFT_EYE, m90.LEFT_BROW),
                               (right, m90.RIGHT_EYE, m90.RIGHT_BROW)):
        eye_err = np.linalg.norm(contour[m90.IRIS_EYE] - mesh[list(eye)], axis=1)
        brow_err = np.linalg.norm(contour[m90.IRIS_BROW] - mesh[list(brow)], axis=1)
        assert eye_err.max() < 0.06 * io
        assert brow_err.max() < 0.2 * io


def test_vertex_tables_are_consistent():
    assert len(m90.MESH_VERTICES) == 88 and len(set(m90.MESH_VERTICES.tolist())) == 88
    assert m90.MESH_VERTICES.max() < 468
    assert m90.IRIS_EYE.max() < 71 and m90.IRIS_BROW.max() < 71
    assert m90.LEFT_EYE[0] == 33 and m90.LEFT_EYE[4] == 133 and m90.FACE_PROFILE[10] == 152


def test_group_photo_finds_every_face(group7):
    result = detect_faces(group7.image)
    assert (result.image_width, result.image_height) == (3000, 2000)
    assert len(result.faces) == 7
    assert max(match_centres(result, group7)) < 0.3
    xs = [f.center()[0] for f in result.faces]
    assert xs == sorted(xs)  # left to right
    for face in result.faces:
        assert face.score > 0.5
        check_schema_order(face, tol=0.05)


@pytest.fixture(scope="module")
def small_faces() -> faces.GroupPhoto:
    heads = tuple(int(h) for h in np.linspace(120, 200, 12))
    return faces.group_photo(12, 6000, 4000, head_heights=heads)


def test_small_faces_in_a_big_frame(small_faces):
    result = detect_faces(small_faces.image)  # "auto" tiles a 6000 px frame
    assert len(result.faces) == 12
    assert max(match_centres(result, small_faces)) < 0.3
    for face in result.faces:
        assert face.interocular() > 0.15 * min(small_faces.sizes)
        check_schema_order(face, tol=0.1)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_rotated_photo_maps_back_to_the_upright_result(astronaut_rgb, astro_result, k):
    rotated = np.ascontiguousarray(np.rot90(astronaut_rgb, k))
    result = detect_faces(rotated)
    assert len(result.faces) == 1
    face = result.faces[0]
    back = FaceShape(unrotate_points(face.points, k, 512, 512), face.score)
    assert mean_error(back, astro_result.faces[0]) < 0.1


def test_rotated_detections_map_back(astronaut_rgb):
    """Detections on quarter-turned copies land on the upright detection."""
    det = LandmarkDetector(astronaut_rgb)
    upright = det.detections(False)[0]
    scale = upright[2] - upright[0]
    for k in (1, 2, 3):
        rotated = landmarks.Pyramid(np.ascontiguousarray(np.rot90(astronaut_rgb, k)))
        found = det.detections(False, rotated)
        assert len(found) >= 1
        back = landmarks._unrotate(found[:1], k, 512, 512)[0]
        assert np.abs(back[:4] - upright[:4]).max() < 0.25 * scale
        if k != 2:  # quarter turns keep the keypoints' meaning (image-left eye first)
            assert np.linalg.norm(back[4:8] - upright[4:8]) < 0.25 * scale


@pytest.mark.parametrize("k", [1, 2, 3])
def test_turned_retry_finds_the_face_upright(astronaut_rgb, astro_result, k):
    """The retry path used when nothing is found: detect on turned copies, mesh upright."""
    rotated = np.ascontiguousarray(np.rot90(astronaut_rgb, k))
    expected = FaceShape(
        np.array([[0.0, 0.0]]).repeat(90, 0) + rotate_points(astro_result.faces[0].points, k), 1.0)
    det = LandmarkDetector(rotated)
    for turn in (1, 2, 3):  # whichever turn the retry tries, the face comes out upright
        found = det.find_faces("auto", turn=turn)
        assert len(found) == 1
        assert found[0].score > 0.5
        shape = FaceShape(found[0].points - 0.5, found[0].score)
        assert mean_error(shape, expected) < 0.1


def test_half_turned_group_is_meshed_upright(group7):
    """Upside-down faces: the mesh must not fit them upside down, and once some are found
    turned, the photo is searched again the right way up. Points keep the face's own frame
    (left_* = the side that is image-left once the photo is turned upright)."""
    h, w = group7.image.shape[:2]
    upright = detect_faces(group7.image).faces
    turned = np.ascontiguousarray(np.rot90(group7.image, 2))
    fast = detect_faces(turned, tiling=False)  # the detector alone takes few of them
    result = detect_faces(turned)
    assert len(result.faces) == 7 >= len(fast.faces) >= 1
    for face in result.faces + fast.faces:
        back = FaceShape(unrotate_points(face.points, 2, w, h), face.score)
        nearest = min(upright, key=lambda u: np.linalg.norm(u.center() - back.center()))
        assert mean_error(back, nearest) < 0.1
        eyes = (face.group("left_pupil")[0] + face.group("right_pupil")[0]) / 2
        assert face.group("face_profile")[10][1] < eyes[1]  # chin above the eyes in the image


def lfw_grid(faces_not_others: bool) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """scikit-image's LFW subset (100 real faces, 100 non-faces, 25x25 gray): a 10x10 grid of
    125 px patches on a backdrop, and the patch centres."""
    from skimage import data

    patches = data.lfw_subset()[:100] if faces_not_others else data.lfw_subset()[100:]
    canvas = faces.backdrop(2000, 2000)
    centres = []
    for i, patch in enumerate(patches):
        big = cv2.resize((patch * 255).astype(np.uint8), (125, 125), interpolation=cv2.INTER_CUBIC)
        r, c = divmod(i, 10)
        canvas[r * 200 + 37:r * 200 + 162, c * 200 + 37:c * 200 + 162] = big[..., None]
        centres.append((c * 200 + 99.0, r * 200 + 99.0))
    return canvas, centres


@pytest.fixture(scope="module")
def lfw_faces() -> tuple[np.ndarray, list[tuple[float, float]]]:
    return lfw_grid(True)


def test_many_real_faces(lfw_faces):
    """100 different people (small, blurry, tightly cropped): nearly all found, each once."""
    image, centres = lfw_faces
    result = detect_faces(image)
    assert 90 <= len(result.faces) <= 100
    found = np.array([f.center() for f in result.faces])
    d = np.linalg.norm(found[:, None] - np.array(centres)[None], axis=2)
    assert d.min(axis=1).max() < 40  # every face on a patch
    assert len(set(d.argmin(axis=1).tolist())) == len(result.faces)  # no patch twice


def test_sideways_photo_is_searched_upright(lfw_faces):
    """The detector takes only some sideways faces; the turned search finds the rest."""
    image, _ = lfw_faces
    upright = len(detect_faces(image).faces)
    turned = np.ascontiguousarray(np.rot90(image, 1))
    fast = detect_faces(turned, tiling=False)
    result = detect_faces(turned)
    assert len(fast.faces) < 0.8 * upright
    assert len(result.faces) >= upright - 2
    for face in result.faces:  # eyes side by side vertically: the faces lie on their side
        assert abs(abs(face.roll_degrees()) - 90) < 30


def test_no_face_among_non_face_patches():
    image, _ = lfw_grid(False)
    assert detect_faces(image).faces == ()


def test_no_face_in_a_backdrop():
    empty = faces.backdrop(1500, 2500)
    for tiling in ("auto", True, False):
        result = detect_faces(empty, tiling=tiling)
        assert result.faces == ()
        assert (result.image_width, result.image_height) == (2500, 1500)


def test_uint16_input_matches_uint8(astronaut_rgb, astro_result):
    wide = astronaut_rgb.astype(np.uint16) * 257
    result = detect_faces(wide)
    assert len(result.faces) == 1
    assert mean_error(result.faces[0], astro_result.faces[0]) < 0.01


def test_landmarks_are_stable_under_downscaling(astronaut_rgb, astro_result):
    half = cv2.resize(astronaut_rgb, (256, 256), interpolation=cv2.INTER_AREA)
    result = detect_faces(half)
    assert len(result.faces) == 1
    assert mean_error(result.faces[0].scaled(2.0), astro_result.faces[0]) < 0.08


def test_input_is_not_modified(astronaut_rgb):
    img = astronaut_rgb.copy()
    detect_faces(img, tiling=True)
    np.testing.assert_array_equal(img, astronaut_rgb)


def test_threads_get_their_own_interpreters(astronaut_rgb, astro_result):
    results: list[FaceAnalysis] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(3):
                results.append(detect_faces(astronaut_rgb))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 9
    for r in results:
        np.testing.assert_allclose(r.faces[0].points, astro_result.faces[0].points, atol=1e-6)


@pytest.mark.parametrize(
    "bad", [np.zeros((10, 10), np.uint8), np.zeros((10, 10, 4), np.uint8),
            np.zeros((10, 10, 3), np.float32)])
def test_bad_images_are_rejected(bad):
    with pytest.raises(ParameterError, match="RGB image"):
        detect_faces(bad)


def test_degenerate_images_give_no_faces():
    for shape in [(1, 1, 3), (10, 10, 3), (5, 3000, 3), (3000, 5, 3), (600, 900, 3)]:
        for tiling in ("auto", True, False):
            result = detect_faces(np.zeros(shape, np.uint8), tiling=tiling)
            assert result.faces == ()
            assert (result.image_height, result.image_width) == shape[:2]
    with pytest.raises(ParameterError, match="non-empty"):
        detect_faces(np.zeros((0, 5, 3), np.uint8))


def test_strided_views_work(astronaut_rgb, astro_result):
    flipped = astronaut_rgb[::-1, ::-1]  # negative strides
    result = detect_faces(flipped)
    assert len(result.faces) == 1
    back = FaceShape(unrotate_points(result.faces[0].points, 2, 512, 512), 1.0)
    assert mean_error(back, astro_result.faces[0]) < 0.1
    padded = np.zeros((600, 700, 3), np.uint8)
    padded[50:562, 100:612] = astronaut_rgb
    view = padded[50:562, 100:612]  # row-strided view
    np.testing.assert_allclose(detect_faces(view).faces[0].points, astro_result.faces[0].points,
                               atol=1e-6)


def test_bad_tiling_is_rejected(astronaut_rgb):
    with pytest.raises(ParameterError, match="tiling"):
        detect_faces(astronaut_rgb, tiling="always")


def test_weighted_nms_merges_a_cluster():
    a = np.zeros(bf.DET_COLS)
    a[:4], a[bf.SCORE] = (0, 0, 10, 10), 0.9
    b = a.copy()
    b[:4], b[bf.SCORE] = (2, 0, 12, 10), 0.6
    c = a.copy()
    c[:4], c[bf.SCORE] = (50, 50, 60, 60), 0.7
    merged = bf.weighted_nms(np.stack([b, c, a]), 0.3)
    assert len(merged) == 2
    assert merged[0, bf.SCORE] == 0.9 and merged[1, bf.SCORE] == 0.7
    np.testing.assert_allclose(merged[0, 0], (0 * 0.9 + 2 * 0.6) / 1.5)


@pytest.mark.bench
def test_bench_large_portrait(benchmark):
    img = faces.large_portrait()
    detect_faces(faces.astronaut())  # warm this thread's interpreters
    result = benchmark(detect_faces, img)
    assert len(result.faces) == 1


@pytest.mark.bench
def test_bench_group_of_seven_24mp(benchmark):
    photo = faces.group_photo(7, 6000, 4000)
    detect_faces(faces.astronaut())
    result = benchmark(detect_faces, photo.image)
    assert len(result.faces) == 7

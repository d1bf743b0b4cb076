"""How a retouch request becomes provider calls (each one costs the user credits): grouping by
per-face settings, the endpoints' face limits, filters as one whole-photo call, tidyup's one
part per call, calls that would change nothing skipped, and what each service ignores."""

from __future__ import annotations

import numpy as np
import pytest

from facestudio.backends import make_backend
from facestudio.core.errors import ParameterError
from facestudio.core.faceshape import FaceAnalysis, FaceShape
from facestudio.core.params import RetouchParams
from tests.cloud.helpers import FakePhoto, astronaut_face_points

W, H = 2400, 800


@pytest.fixture(scope="module")
def crowd():
    """Seven faces in a row on a blank photo (planning never looks at pixels)."""
    faces = tuple(FaceShape(astronaut_face_points(0.8, offset=(i * 330 - 120, 250))) for i in range(7))
    return FakePhoto(np.zeros((H, W, 3), np.uint8)), FaceAnalysis(W, H, faces)


def calls(name, photo, analysis, params, extra=None):
    return make_backend(name, token="t", platform_token="p", api_key="k").calls(photo, analysis, params, extra)


def xs(call):
    return [round(float(f.center()[0])) for f in call.faces]


def test_faces_are_grouped_by_settings_and_split_to_the_face_limit(crowd):
    photo, analysis = crowd
    special = RetouchParams(smoothing=80, whitening=0, face_lifting=0, eye_enlarging=0)
    params = RetouchParams().with_override(2, special)
    plan = calls("acedata", photo, analysis, params)
    assert [len(c.faces) for c in plan] == [5, 1, 1]  # Ace takes 5 faces a call
    top, rest, odd = plan
    assert odd.faces == (analysis.faces[2],) and odd.params.smoothing == 80
    assert top.params.smoothing == rest.params.smoothing == 10
    assert analysis.faces[2] not in top.faces + rest.faces
    assert xs(top) == sorted(xs(top)) and max(xs(top)) < min(xs(rest))  # neighbours share a crop
    assert all(not c.whole and c.opacity == 1.0 for c in plan)
    assert len(calls("ailab-smart", photo, analysis, RetouchParams())) == 1  # up to 17 a call


def test_one_chosen_face(crowd):
    photo, analysis = crowd
    params = RetouchParams(face=4).with_override(4, RetouchParams(smoothing=60))
    (call,) = calls("ailab-pro", photo, analysis, params)
    assert call.faces == (analysis.faces[4],) and call.params.smoothing == 60
    with pytest.raises(ParameterError, match="no face 10"):
        calls("ailab-pro", photo, analysis, RetouchParams(face=9))
    with pytest.raises(ParameterError, match="analyze first"):
        calls("ailab-pro", photo, None, RetouchParams(face=0))


def test_without_an_analysis_one_call_for_the_whole_photo(crowd):
    photo, _ = crowd
    (call,) = calls("acedata", photo, None, RetouchParams())
    assert call.faces == () and not call.whole  # blended where the result changed


def test_filters_are_one_whole_photo_call(crowd):
    photo, analysis = crowd
    (call,) = calls("ailab-pro", photo, analysis, RetouchParams(filter_id=3, filter_strength=40))
    assert call.whole and call.opacity == pytest.approx(0.4) and call.params.smoothing == 10
    # a chosen face: the filter alone for the whole photo, then the face with the filter
    base, face = calls("ailab-pro", photo, analysis, RetouchParams(filter_id=3, face=1))
    assert base.whole and base.params.filter_id == 3
    assert (base.params.smoothing, base.params.whitening, base.params.face_lifting,
            base.params.eye_enlarging, base.params.shrink_face) == (0, 0, 0, 0, 0)
    assert not face.whole and face.faces == (analysis.faces[1],)
    assert face.params.filter_id is None  # sent already filtered: not filtered twice
    # a face overridden to no effect needs no call of its own: the whole-photo call filtered it
    params = RetouchParams(filter_id=3).with_override(2, RetouchParams.zero())
    plan = calls("ailab-pro", photo, analysis, params)
    assert plan[0].whole and all(analysis.faces[2] not in c.faces for c in plan[1:])
    assert sum(len(c.faces) for c in plan[1:]) == 6 and len(plan) == 2
    # filter strength 0 is no filter
    (plain,) = calls("ailab-pro", photo, analysis, RetouchParams(filter_id=3, filter_strength=0))
    assert not plain.whole


def test_calls_that_change_nothing_are_not_made(crowd):
    photo, analysis = crowd
    assert calls("acedata", photo, analysis, RetouchParams.zero()) == []
    assert calls("acedata", photo, analysis, RetouchParams.zero().replace(shrink_face=50)) == []
    assert len(calls("ailab-pro", photo, analysis, RetouchParams.zero().replace(shrink_face=50))) == 1
    assert calls("ailab-smart", photo, analysis, RetouchParams(), {"beauty_level": 0}) == []
    assert calls("ailab-tidyup", photo, analysis, RetouchParams()) == []
    # only the overridden face needs a call
    plan = calls("acedata", photo, analysis, RetouchParams.zero().with_override(5, RetouchParams()))
    assert [c.faces for c in plan] == [(analysis.faces[5],)]


def test_tidyup_one_part_per_call(crowd):
    photo, analysis = crowd
    params = RetouchParams().with_part("slim_nose", 40).with_part("philtrum", 100)
    plan = calls("ailab-tidyup", photo, analysis, params.replace(face=0))
    assert [dict(c.fields) for c in plan] == [{"shape_type": 14, "strength": 0.4},
                                             {"shape_type": 21, "strength": 1.0}]
    (one,) = calls("ailab-tidyup", photo, analysis, RetouchParams(face=0), {"shape_type": 3, "strength": 0.2})
    assert dict(one.fields) == {"shape_type": 3, "strength": 0.2}
    with pytest.raises(ParameterError, match="negative 'Chin shortening'"):
        calls("ailab-tidyup", photo, analysis, RetouchParams().with_part("chin_shortening", -30))


def test_what_each_service_ignores():
    params = RetouchParams(shrink_face=20, blemish_removal=30, filter_id=2).with_part("lip_size", 10)
    ace = make_backend("acedata").ignored_settings(params)
    assert ace == ("shrink face", "blemish removal", "reshape: lip size", "filter")
    pro = make_backend("ailab-pro").ignored_settings(params)
    assert pro == ("blemish removal", "reshape: lip size")
    tidy = make_backend("ailab-tidyup").ignored_settings(params)
    assert "smoothing" in tidy and "filter" in tidy and "reshape: lip size" not in tidy

"""The backends against a real HTTP server on 127.0.0.1 speaking both providers' protocols
(tests/cloud/standin.py): full flows, async polling, every error family, Retry-After, slow
answers and timeouts, malformed answers, expired results, the Ace upload, the retired endpoint,
cancellation. Nothing here can reach the real providers (see conftest)."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from facestudio.backends import BACKEND_NAMES, STAGES, Backend, LocalBackend, make_backend
from facestudio.cloud import (
    AuthError,
    CredentialsError,
    CreditsError,
    MalformedResponseError,
    NetworkError,
    NoFaceError,
    RateLimitError,
    ResultExpiredError,
    RetiredEndpointError,
    RetryPolicy,
    ServiceError,
    TaskFailedError,
    ValidationError,
    limits_for,
)
from facestudio.core.errors import ParameterError
from facestudio.core.faceshape import FaceAnalysis
from facestudio.core.params import RetouchParams
from tests.cloud.helpers import (
    only_face_changed,
    FakePhoto,
    astronaut_face,
    astronaut_face_points,
    decode,
    jpeg_bytes,
    pil_open,
    run,
    upscaled_astronaut,
)
from tests.cloud.standin import ACE_TOKEN, AILAB_KEY, PLATFORM_TOKEN, Reply, ace_error, ailab_envelope

SIDE = 768


@pytest.fixture(scope="module")
def photo() -> FakePhoto:
    px = upscaled_astronaut(SIDE)
    px.setflags(write=False)
    return FakePhoto(px)


@pytest.fixture(scope="module")
def analysis() -> FaceAnalysis:
    return FaceAnalysis(SIDE, SIDE, (astronaut_face(SIDE / 512),))


def ailab_backend(server, name="ailab-pro", **kw):
    kw.setdefault("api_key", AILAB_KEY)
    kw.setdefault("retry", RetryPolicy(attempts=3, backoff_base=0.01, backoff_cap=0.05))
    return make_backend(name, base_url=server.base_url, poll_interval=0.02, first_poll=0.0, **kw)


def ace_backend(server, **kw):
    kw.setdefault("token", ACE_TOKEN)
    kw.setdefault("platform_token", PLATFORM_TOKEN)
    kw.setdefault("retry", RetryPolicy(attempts=3, backoff_base=0.01, backoff_cap=0.05))
    return make_backend("acedata", base_url=server.base_url, platform_url=server.base_url, **kw)


async def retouch(backend, photo, analysis, params=RetouchParams(), **kw):
    try:
        return await backend.retouch(photo, analysis, params, **kw)
    finally:
        await backend.aclose()


# -- full flows ----------------------------------------------------------------------------------

def test_ace_full_flow_upload_beautify_download_composite(server, photo, analysis):
    stages = []
    params = RetouchParams(smoothing=40, whitening=20, face_lifting=10, eye_enlarging=0)
    out = run(retouch(ace_backend(server), photo, analysis, params,
                      progress=lambda s, f: stages.append(s)))
    only_face_changed(out, photo, analysis)
    assert stages == ["preparing", "uploading", "processing", "downloading", "compositing"]
    up, call, down = server.requests
    assert (up.method, up.path) == ("POST", "/api/v1/files/")
    assert up.headers["authorization"] == f"Bearer {PLATFORM_TOKEN}"
    filename, ctype, data = up.files["file"]
    assert ctype == "image/jpeg" and filename.endswith(".jpg")
    img = pil_open(data)
    lim = limits_for("acedata-beautify")
    assert img.format == "JPEG" and len(data) <= lim.max_bytes and max(img.size) <= lim.max_side
    assert img.size[0] < SIDE and not img.getexif()  # only the face region was sent
    assert (call.method, call.path) == ("POST", "/face/beautify")
    assert call.headers["authorization"] == f"Bearer {ACE_TOKEN}"
    assert call.headers["content-type"] == "application/json" and call.headers["accept"] == "application/json"
    assert call.json["image_url"].endswith(".jpg") and call.json["image_url"].startswith(server.base_url)
    assert {k: v for k, v in call.json.items() if k != "image_url"} == {
        "smoothing": 40, "whitening": 20, "face_lifting": 10, "eye_enlarging": 0}
    assert down.method == "GET" and down.path.startswith("/results/")
    assert "authorization" not in down.headers


def test_ace_with_a_public_image_url_needs_no_upload(server, photo, analysis):
    url = server.put(jpeg_bytes(photo.pixels, 95))
    out = run(retouch(ace_backend(server, platform_token=None), photo, analysis,
                      extra={"image_url": url}))
    only_face_changed(out, photo, analysis)
    assert [r.path for r in server.requests][:1] == ["/face/beautify"]
    assert server.requests[0].json["image_url"] == url
    wrong = server.put(jpeg_bytes(np.ascontiguousarray(photo.pixels[::-1]), 90))  # not this photo
    with pytest.raises(MalformedResponseError, match="does not match the photo"):
        run(retouch(ace_backend(server, platform_token=None), photo, analysis, extra={"image_url": wrong}))


def test_ace_analyze_gives_full_resolution_face_shapes(server, photo):
    pts = astronaut_face_points(1.0)
    server.analyze_faces = [(pts + 0.5) / 512, (pts + 0.5) / 512 * 0.5]
    backend = ace_backend(server, max_upload_side=400)  # the service sees a 400 px copy

    async def go():
        stages = []
        found = await backend.analyze(photo, progress=lambda s, f: stages.append(s))
        largest = await backend.analyze(photo, largest=True)
        server.analyze_faces = []
        none = await backend.analyze(photo)
        server.script("POST /face/analyze", Reply(400, ace_error("FailedOperation.ImageFacedetectFailed",
                                                                 "no face detected")))
        refused = await backend.analyze(photo)  # Ace's no-face error is an empty analysis too
        assert refused.faces == () and refused.image_width == SIDE
        await backend.aclose()
        return found, largest, none, stages

    found, largest, none, stages = run(go())
    assert stages == ["preparing", "uploading", "processing"]
    assert (found.image_width, found.image_height, found.model_version) == (SIDE, SIDE, "3.0")
    assert len(found.faces) == 2
    expected = astronaut_face(SIDE / 512).points
    big = max(found.faces, key=lambda f: f.area())
    assert np.abs(big.points - expected).max() <= 0.5 * 2.56 + 0.05  # integer rounding at 400 px, x2.56
    assert found.faces[0].center()[0] < found.faces[1].center()[0]  # left to right, like local
    uploads = [r for r in server.requests if r.path == "/api/v1/files/"]
    assert max(pil_open(uploads[0].files["file"][2]).size) == 400
    calls = [r.json for r in server.requests if r.path == "/face/analyze"]
    assert [c["mode"] for c in calls] == [0, 1, 0, 0]
    assert all(c["face_model_version"] == "3.0" and c["need_rotate_detection"] == 0 for c in calls)
    assert len(largest.faces) == 1 and none.faces == ()


def test_ailab_pro_async_queued_processing_done(server, photo, analysis):
    server.task_schedule = [0, 0, 1, 2]
    stages = []
    out = run(retouch(ailab_backend(server), photo, analysis, RetouchParams(shrink_face=10),
                      progress=lambda s, f: stages.append((s, f))))
    only_face_changed(out, photo, analysis)
    names = [s for s, _ in stages]
    assert names == ["preparing", "uploading", "queued", "queued", "queued", "processing",
                     "downloading", "compositing"]
    assert set(names) <= set(STAGES)
    submit = server.requests[0]
    assert submit.path == "/api/portrait/effects/face-beauty-pro"
    assert submit.headers["ailabapi-api-key"] == AILAB_KEY and "authorization" not in submit.headers
    assert submit.fields == {"task_type": "async", "whitening": "30", "smoothing": "10", "thinface": "70",
                             "shrink_face": "10", "enlarge_eye": "70", "remove_eyebrow": "0"}
    assert list(submit.files) == ["image"]
    polls = server.requests_to("/api/common/query-async-task-result")
    assert len(polls) == 4 and all(p.query["task_id"] == polls[0].query["task_id"] for p in polls)
    assert "ailabapi-api-key" not in server.requests[-1].headers  # result download


def test_ailab_smart_all_faces_and_beauty_level(server, photo, analysis):
    out = run(retouch(ailab_backend(server, "ailab-smart"), photo, analysis,
                      RetouchParams(smoothing=100, whitening=50, face_lifting=0, eye_enlarging=50)))
    only_face_changed(out, photo, analysis)
    submit = server.requests[0]
    assert submit.path == "/api/portrait/effects/smart-beauty" and list(submit.files) == ["image_target"]
    assert submit.fields == {"task_type": "async", "beauty_level": "0.5", "multi_face": "1"}
    run(retouch(ailab_backend(server, "ailab-smart"), photo, analysis, RetouchParams(face=0),
                extra={"beauty_level": 0.8}))
    submit = server.requests_to("/api/portrait/effects/smart-beauty")[1]
    # every face in the upload is processed; the blend keeps only the chosen one
    assert submit.fields == {"task_type": "async", "beauty_level": "0.8", "multi_face": "1"}


def test_ailab_pro_filter_recolours_the_whole_photo(server, photo, analysis):
    server.process = lambda im: (255 - im[::2, ::2]).copy()  # a loud global "filter"
    out = run(retouch(ailab_backend(server), photo, analysis, RetouchParams(filter_id=1)))
    assert server.requests[0].fields["filter_type"] == "1"
    sent = pil_open(server.requests[0].files["image"][2])
    assert sent.size == (SIDE, SIDE)  # the whole photo went, not the face crop
    assert np.abs(out.astype(int) - (255 - photo.pixels.astype(int))).mean() < 12


def test_failed_task(server, photo, analysis):
    server.task_schedule = [0, 1, 3]
    with pytest.raises(TaskFailedError) as info:
        run(retouch(ailab_backend(server), photo, analysis))
    assert "request id req-" in str(info.value) and "log id log-" in str(info.value)
    assert len(server.requests_to("/results")) == 0


def test_tidyup_retired_and_working(server, photo, analysis):
    with pytest.raises(RetiredEndpointError) as info:
        run(retouch(ailab_backend(server, "ailab-tidyup"), photo, analysis,
                    extra={"shape_type": 2, "strength": 0.7}))
    assert "retired by AILabTools; use the local engine (--backend local)" in str(info.value)
    assert len(server.requests) == 1  # not retried
    assert np.array_equal(run(retouch(ailab_backend(server, "ailab-tidyup"), photo, analysis)),
                          photo.pixels)  # no reshape part asked for: no call
    assert len(server.requests) == 1
    server.tidyup_retired = False  # should it come back, the sync protocol works
    out = run(retouch(ailab_backend(server, "ailab-tidyup"), photo, analysis,
                      extra={"shape_type": 21, "strength": 0.7}))
    only_face_changed(out, photo, analysis)
    assert server.requests_to("/api/portrait/effects/face-tidyup")[-1].fields == {"shape_type": "21", "strength": "0.7"}


# -- error families ------------------------------------------------------------------------------

SMART = "POST /api/portrait/effects/smart-beauty"


@pytest.mark.parametrize("code,cls", [
    ("ERROR_INVALID_PARAMETER", ValidationError),
    ("ERROR_NO_FACE_IN_FILE", NoFaceError),
    ("ERROR_NOT_ENOUGH_CREDITS", CreditsError),
])
def test_ailab_error_families_are_not_retried(server, photo, analysis, code, cls):
    server.script(SMART, Reply(200, ailab_envelope(code, "provider says no", 400)))
    with pytest.raises(cls) as info:
        run(retouch(ailab_backend(server, "ailab-smart"), photo, analysis))
    assert code in str(info.value) and "provider says no" in str(info.value)
    assert len(server.requests) == 1


def test_auth_errors(server, photo, analysis):
    with pytest.raises(AuthError, match="FACESTUDIO_AILAB_KEY"):
        run(retouch(ailab_backend(server, api_key="wrong"), photo, analysis))
    with pytest.raises(AuthError, match="FACESTUDIO_ACEDATA_PLATFORM_TOKEN"):
        run(retouch(ace_backend(server, platform_token="platform-wrong"), photo, analysis))
    with pytest.raises(AuthError, match="FACESTUDIO_ACEDATA_TOKEN"):
        run(retouch(ace_backend(server, token="wrong"), photo, analysis))
    assert len(server.requests) == 4  # nothing retried


def test_rate_limits_and_server_errors_are_retried(server, photo, analysis):
    server.script(SMART, Reply(200, ailab_envelope("EXCEEDING_LIMITS", "slow down", 429)),
                  Reply(502, b"<html>bad gateway</html>", {"content-type": "text/html"}))
    run(retouch(ailab_backend(server, "ailab-smart"), photo, analysis))
    assert len(server.requests_to("/api/portrait/effects/smart-beauty")) == 3
    server.requests.clear()
    server.script(SMART, *[Reply(200, ailab_envelope("EXCEEDING_LIMITS", "slow down", 429))] * 3)
    with pytest.raises(RateLimitError):
        run(retouch(ailab_backend(server, "ailab-smart"), photo, analysis))
    assert len(server.requests) == 3
    server.requests.clear()
    server.script("POST /face/beautify", Reply(429, ace_error("too_many_requests", "slow")),
                  Reply(500, ace_error("api_error", "internal")))
    run(retouch(ace_backend(server), photo, analysis))
    assert len(server.requests_to("/face/beautify")) == 3
    server.requests.clear()
    server.script("POST /face/beautify", *[Reply(503, ace_error("api_error", "down"))] * 3)
    with pytest.raises(ServiceError, match="try again later"):
        run(retouch(ace_backend(server), photo, analysis))


def test_429_retry_after_is_waited_then_retried(server, photo, analysis):
    server.script(SMART, Reply(429, ailab_envelope("EXCEEDING_LIMITS", "wait", 429), {"retry-after": "0.2"}))
    run(retouch(ailab_backend(server, "ailab-smart"), photo, analysis))
    first, second = server.requests_to("/api/portrait/effects/smart-beauty")
    assert second.at - first.at >= 0.19  # the server's own clock: it waited as asked


def test_slow_answers_and_timeouts(server, photo, analysis):
    server.script("GET /api/common/query-async-task-result", Reply(200, ailab_envelope(task_status=1), delay=0.3))
    run(retouch(ailab_backend(server, "ailab-smart", timeout=3.0), photo, analysis))  # slow but in time
    server.requests.clear()
    server.script(SMART, *[Reply(200, ailab_envelope(task_id="x"), delay=1.0)] * 2)
    with pytest.raises(NetworkError, match="did not answer within 0.25 s"):
        run(retouch(ailab_backend(server, "ailab-smart", timeout=0.25,
                                  retry=RetryPolicy(attempts=2, backoff_base=0.01)), photo, analysis))
    assert len(server.requests) == 2  # a timeout is retried


def test_malformed_answers(server, photo, analysis):
    server.script(SMART, Reply(200, b"{not json", {"content-type": "application/json"}))
    with pytest.raises(MalformedResponseError, match="not JSON"):
        run(retouch(ailab_backend(server, "ailab-smart"), photo, analysis))
    server.script("POST /face/beautify", Reply(200, b"<html>proxy login</html>", {"content-type": "text/html"}))
    with pytest.raises(MalformedResponseError):
        run(retouch(ace_backend(server), photo, analysis))
    server.script("GET /results", Reply(200, b"this is not an image", {"content-type": "image/jpeg"}))
    with pytest.raises(MalformedResponseError, match="not an image"):
        run(retouch(ailab_backend(server, "ailab-smart"), photo, analysis))


def test_expired_result_url(server, photo, analysis):
    server.script("GET /results", Reply(404, b"<Error>NoSuchKey</Error>", {"content-type": "application/xml"}))
    with pytest.raises(ResultExpiredError, match="no longer available.*run the retouch again"):
        run(retouch(ailab_backend(server), photo, analysis))
    assert len(server.requests_to("/results")) == 1


def test_unreachable_service(photo, analysis):
    backend = make_backend("ailab-pro", api_key="k", base_url="http://127.0.0.1:9",
                           retry=RetryPolicy(attempts=2, backoff_base=0.01))
    with pytest.raises(NetworkError, match="Could not connect to AILabTools at 127.0.0.1:9"):
        run(retouch(backend, photo, analysis))


def test_missing_credentials_send_nothing(server, photo, analysis, monkeypatch):
    monkeypatch.setenv("FACESTUDIO_AILAB_BASE_URL", server.base_url)
    with pytest.raises(CredentialsError, match="keyring set facestudio ailab-key"):
        run(retouch(make_backend("ailab-pro"), photo, analysis))
    with pytest.raises(CredentialsError, match="FACESTUDIO_ACEDATA_TOKEN"):
        run(retouch(make_backend("acedata", base_url=server.base_url), photo, analysis))
    assert server.requests == []
    # the environment (base URL and key) is enough
    monkeypatch.setenv("FACESTUDIO_AILAB_KEY", AILAB_KEY)
    run(retouch(make_backend("ailab-pro", poll_interval=0.02, first_poll=0), photo, analysis))
    assert server.requests[0].headers["ailabapi-api-key"] == AILAB_KEY


def test_cancel_while_polling(server, photo, analysis):
    server.task_schedule = [0]  # queued forever
    backend = ailab_backend(server)

    async def go():
        queued = asyncio.Event()
        task = asyncio.create_task(backend.retouch(
            photo, analysis, RetouchParams(), progress=lambda s, f: s == "queued" and queued.set()))
        await asyncio.wait_for(queued.wait(), 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        count = len(server.requests)
        await asyncio.sleep(0.15)
        assert len(server.requests) == count  # polling stopped with the task
        server.task_schedule = [2]
        out = await backend.retouch(photo, analysis, RetouchParams())  # the client is still usable
        await backend.aclose()
        return out

    assert run(go()).shape == photo.pixels.shape


# -- the interface -------------------------------------------------------------------------------

def test_factory_and_protocol(server):
    for name in BACKEND_NAMES:
        backend = make_backend(name, base_url=None)
        assert isinstance(backend, Backend) and backend.name == name
        run(backend.aclose())
    assert isinstance(make_backend("local"), LocalBackend) and make_backend("local").destination is None
    with pytest.raises(ParameterError, match="local, acedata, ailab-pro, ailab-smart, ailab-tidyup"):
        make_backend("photoshop")
    ace = ace_backend(server)
    assert "Ace Data Cloud (127.0.0.1" in ace.destination
    assert "127.0.0.1" in ailab_backend(server).destination


def test_describe_upload_before_sending(server, photo, analysis):
    backend = ailab_backend(server)
    (prep,) = backend.plan_upload(photo, analysis, RetouchParams())
    text = backend.describe_upload([prep])
    assert text.startswith("AILabTools (127.0.0.1:") and "face region" in text and "no metadata" in text
    assert backend.plan_upload(photo, analysis, RetouchParams.zero()) == []
    assert "Nothing will be sent" in backend.describe_upload([])
    ace = ace_backend(server)
    assert "nothing is uploaded" in ace.describe_upload([], extra={"image_url": "https://example.org/p.jpg"})
    assert server.requests == []  # planning sends nothing
    with pytest.raises(ParameterError, match="no face 4"):
        backend.plan_upload(photo, analysis, RetouchParams(face=3))


def test_analysis_from_a_preview_is_scaled_to_the_photo(server, photo, analysis):
    preview = analysis.scaled(0.25)  # what a GUI preview may hold
    out = run(retouch(ailab_backend(server), photo, preview))
    only_face_changed(out, photo, analysis)


def test_without_analysis_the_whole_photo_goes_and_changes_are_found(server, photo, analysis):
    out = run(retouch(ailab_backend(server), photo, None))
    assert server.requests[0].files["image"] and pil_open(server.requests[0].files["image"][2]).size == (SIDE, SIDE)
    diff = np.abs(out.astype(int) - photo.pixels).max(axis=2)
    c = SIDE // 2
    assert diff[c - 5:c + 5, c - 5:c + 5].mean() > 20 and diff[:100].max() == 0
    sent = decode(server.requests[0].files["image"][2])
    assert sent.shape == photo.pixels.shape


def test_more_faces_than_an_endpoint_takes_go_in_several_calls(server):
    from facestudio.core.faceshape import FaceShape
    from tests.faces import HEAD_BOX, group_photo

    group = group_photo(7, width=1500, height=1000)
    y0, _, x0, _ = HEAD_BOX
    faces = []
    for (cx, cy), h in zip(group.centers, group.sizes):
        s = h / 250
        px, py = cx - (224 - x0) * s, cy - (125 - y0) * s
        faces.append(FaceShape((astronaut_face_points() - [x0, y0]) * s + [px, py]))
    photo = FakePhoto(group.image)
    analysis = FaceAnalysis(1500, 1000, tuple(faces))
    server.process = lambda im: np.clip(im[::2, ::2].astype(int) - [0, 0, 40], 0, 255).astype(np.uint8)
    out = run(retouch(ace_backend(server), photo, analysis))  # Ace handles 5 faces per call
    calls = server.requests_to("/face/beautify")
    assert len(calls) == 2
    uploads = [pil_open(r.files["file"][2]) for r in server.requests_to("/api/v1/files/")]
    assert uploads[0].size[0] > uploads[1].size[0]  # 5 faces, then 2
    plan = ace_backend(server).plan_upload(photo, analysis, RetouchParams())
    assert [p.pixels.shape[1] for p in plan] == [u.size[0] for u in uploads]
    assert "will receive 2 images in 2 calls" in ace_backend(server).describe_upload(plan)
    blue = out[..., 2].astype(int) - group.image[..., 2]
    for (cx, cy) in group.centers:  # every face got its edit exactly once
        assert -50 < blue[int(cy) - 3:int(cy) + 3, int(cx) - 3:int(cx) + 3].mean() < -30
    assert np.all(blue[:5] == 0) and np.all(blue[-5:] == 0)  # not the backdrop


def test_settings_with_nothing_to_do_send_nothing(server, photo, analysis):
    out = run(retouch(ace_backend(server), photo, analysis, RetouchParams.zero()))
    assert np.array_equal(out, photo.pixels) and out is not photo.pixels
    out = run(retouch(ailab_backend(server, "ailab-smart"), photo, analysis, extra={"beauty_level": 0}))
    assert np.array_equal(out, photo.pixels)
    assert server.requests == []


def test_one_settings_dict_fits_every_backend():
    settings = dict(token="t", platform_token="p", api_key="k", timeout=5.0, poll_interval=1.0,
                    image_url=None, base_url="http://127.0.0.1:9")
    for name in BACKEND_NAMES:
        run(make_backend(name, **settings).aclose())
    with pytest.raises(TypeError, match="tiemout"):
        make_backend("ailab-pro", tiemout=5)


def test_the_real_providers_are_unreachable_from_tests(photo, analysis, monkeypatch):
    monkeypatch.delenv("FACESTUDIO_AILAB_BASE_URL")  # falls back to https://www.ailabapi.com
    backend = make_backend("ailab-pro", api_key="k")
    assert backend.client.base_url == "https://www.ailabapi.com"
    with pytest.raises(AssertionError, match="tried to reach www.ailabapi.com"):
        run(retouch(backend, photo, analysis))


def test_pro_fields_come_from_the_sliders(server, photo, analysis):
    params = RetouchParams(smoothing=5, whitening=6, face_lifting=7, eye_enlarging=8, shrink_face=9,
                           remove_eyebrow=11, filter_id=35, filter_strength=100)
    run(retouch(ailab_backend(server), photo, analysis, params))
    (submit,) = server.requests_to("/api/portrait/effects/face-beauty-pro")
    assert submit.fields == {"task_type": "async", "whitening": "6", "smoothing": "5", "thinface": "7",
                             "shrink_face": "9", "enlarge_eye": "8", "remove_eyebrow": "11",
                             "filter_type": "35"}


def test_filter_with_one_chosen_face_sends_the_face_already_filtered(server, photo, analysis):
    def process(im):  # inverting stands for the provider's filter
        small = im[::2, ::2]
        return (255 - small).copy() if server.current_fields.get("filter_type") else small.copy()

    server.process = process
    run(retouch(ailab_backend(server), photo, analysis, RetouchParams(filter_id=1, face=0)))
    first, second = server.requests_to("/api/portrait/effects/face-beauty-pro")
    assert first.fields["filter_type"] == "1" and first.fields["smoothing"] == "0"
    assert "filter_type" not in second.fields and second.fields["smoothing"] == "10"
    sent = decode(second.files["image"][2]).astype(int)
    from facestudio.cloud.upload_prep import face_crop_box

    x0, y0, x1, y1 = face_crop_box((SIDE, SIDE), analysis.faces, min_side=49)
    crop = photo.pixels[y0:y1, x0:x1].astype(int)
    assert sent.shape == crop.shape  # the face crop...
    assert np.abs(sent - (255 - crop)).mean() < 12 < np.abs(sent - crop).mean()  # ...already filtered

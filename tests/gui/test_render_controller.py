"""The render controller: debounced, off the GUI thread, stale results dropped, errors reported.

The renderer is injected here (the controller's contract is "any prepare(image, faces)"); the
window tests run it with the real core.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from facestudio.core.errors import ParameterError
from facestudio.core.faceshape import FaceAnalysis, FaceShape
from facestudio.core.params import RetouchParams
from facestudio.gui.render_controller import RenderController, RenderSource, expand_region, from_render


def _qimage_rgb(img, x, y):
    c = img.pixelColor(x, y)
    return c.red(), c.green(), c.blue()


def brighten(image, faces, params):
    """A stand-in effect whose result encodes the parameters: +smoothing on every pixel."""
    return np.clip(image.astype(np.int16) + params.smoothing, 0, 255).astype(np.uint8)


@pytest.fixture
def source():
    full = np.full((400, 600, 3), 50, np.uint8)
    full[:, 300:] = 100
    full.setflags(write=False)
    preview = np.ascontiguousarray(full[::2, ::2])
    preview.setflags(write=False)
    return RenderSource(preview, 0.5, full, (600, 400))


def test_a_burst_of_changes_renders_once_with_the_last_value(qtbot, source):
    threads = []

    def render(image, faces, params):
        threads.append(threading.current_thread())
        return brighten(image, faces, params)

    c = RenderController(from_render(render), debounce_ms=30)
    with qtbot.waitSignal(c.previewReady, timeout=5000):
        c.set_source(source, None, RetouchParams(smoothing=0))
    shown = []
    c.previewReady.connect(shown.append)
    for v in range(1, 21):  # a slider drag: 20 values within the debounce interval
        c.set_params(RetouchParams(smoothing=v))
    qtbot.waitUntil(lambda: bool(shown) and not c.is_busy() and not c.pending(), timeout=5000)
    assert len(shown) == 1
    assert shown[-1].request.params.smoothing == 20
    assert _qimage_rgb(shown[-1].after, 10, 10) == (70, 70, 70)
    assert threading.main_thread() not in threads  # never on the GUI thread
    c.shutdown()


def test_results_for_another_photo_are_dropped(qtbot, source):
    gate = threading.Event()

    def slow(image, faces, params):
        if params.smoothing == 1:
            gate.wait(5)
        return brighten(image, faces, params)

    c = RenderController(from_render(slow), debounce_ms=1)
    shown = []
    c.previewReady.connect(shown.append)
    c.set_source(source, None, RetouchParams(smoothing=1))  # starts at once and blocks
    other = RenderSource(source.preview.copy(), 0.5, source.full, (600, 400))
    c.set_source(other, None, RetouchParams(smoothing=2))  # the user switched photos
    gate.set()
    qtbot.waitUntil(lambda: not c.is_busy() and not c.pending(), timeout=5000)
    assert [r.request.params.smoothing for r in shown] == [2]
    c.shutdown()


def test_a_slow_drag_still_shows_previews_and_ends_on_the_last_value(qtbot, source):
    release = threading.Semaphore(0)

    def slow(image, faces, params):
        release.acquire(timeout=5)  # the test lets each render finish in turn
        return brighten(image, faces, params)

    c = RenderController(from_render(slow), debounce_ms=1)
    shown = []
    c.previewReady.connect(shown.append)
    c.set_source(source, None, RetouchParams(smoothing=1))  # running, blocked
    for v in (2, 3, 4):  # the drag goes on: 2 and 3 are replaced while queued, 4 waits
        c.set_params(RetouchParams(smoothing=v))
        qtbot.waitUntil(lambda: not c.pending(), timeout=5000)
    release.release()
    qtbot.waitUntil(lambda: len(shown) == 1, timeout=5000)
    # the first result is already old but nothing newer is on screen: it is shown
    assert shown[0].request.params.smoothing == 1
    release.release()
    qtbot.waitUntil(lambda: not c.is_busy(), timeout=5000)
    assert [r.request.params.smoothing for r in shown] == [1, 4]
    c.shutdown()


def test_errors_become_a_signal(qtbot, source):
    def broken(image, faces, params):
        raise ParameterError("face 3 does not exist: choose another face")

    c = RenderController(from_render(broken), debounce_ms=1)
    with qtbot.waitSignal(c.renderFailed, timeout=5000) as blocker:
        c.set_source(source, None, RetouchParams())
    assert blocker.args[0] == "face 3 does not exist: choose another face"
    c.shutdown()


def test_detail_renders_the_visible_region_at_full_resolution(qtbot, source):
    seen = {}

    def render(image, faces, params):
        seen["shape"] = image.shape
        seen["faces"] = faces
        return brighten(image, faces, params)

    pts = np.zeros((90, 2)) + [290.0, 190.0]
    pts[0] = [270, 170]
    pts[1] = [310, 210]
    analysis = FaceAnalysis(600, 400, (FaceShape(pts),))
    c = RenderController(from_render(render), debounce_ms=1)
    with qtbot.waitSignal(c.previewReady, timeout=5000):
        c.set_source(source, analysis, RetouchParams(smoothing=5))
    # zoomed in (display scale 1.0 > preview scale 0.5): a full-resolution region is rendered
    with qtbot.waitSignal(c.detailReady, timeout=5000) as blocker:
        region = c.request_detail((280, 180, 100, 60), 1.0)
    x, y, w, h = region
    result = blocker.args[0]
    assert result.request.region == region
    assert x <= 270 - 0.35 * 40 and y <= 170 - 0.35 * 40  # widened to the whole face
    assert seen["shape"] == (h, w, 3)
    # the face was moved into the crop's coordinates
    assert seen["faces"][0].points[0] == pytest.approx([270 - x, 170 - y])
    assert result.after.width() == w and result.before.width() == w
    assert _qimage_rgb(result.after, 310 - x, 5) == (105, 105, 105)  # right half: 100 + 5
    assert _qimage_rgb(result.before, 290 - x, 5) == (50, 50, 50)  # the original, left half
    # at the preview's own scale there is nothing to add
    assert c.request_detail((0, 0, 600, 400), 0.4) is None
    c.shutdown()


def test_expand_region_clips_to_the_photo():
    assert expand_region((0, 0, 600, 400), (), (600, 400)) == (0, 0, 600, 400)
    assert expand_region((100, 100, 100, 100), (), (600, 400), margin=0.1) == (90, 90, 120, 120)

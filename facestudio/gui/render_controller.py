"""Turning "the user moved a slider" into pixels on screen without freezing the window.

What belongs here: :class:`RenderController`, the one background-render pattern of the GUI
(architecture.md, "A slider move"). A change (parameters, faces, photo) starts a ~30 ms
single-shot timer unless it is running; when it fires, the controller captures an immutable :class:`RenderRequest`
on the GUI thread (the read-only preview-sized source, the faces scaled to it, the parameters,
generation numbers) and submits the pure render function to a single-worker executor,
cancelling a job that has not started yet. Results come back to the GUI thread through a queued
signal. A stale result is dropped: one for another photo or other faces, or one older than the
preview already on screen. A preview for parameters the slider has already left is still shown
if nothing newer is on screen yet (during a drag slower renders would otherwise never show
anything until the mouse stops); the next result replaces it. The QImage conversion happens in
the worker too, so the GUI thread only paints.

"Detail" requests render a region of the full-resolution photo (what is visible when zoomed in,
widened to whole faces so the effects see all of each face) after the user lets go of a slider
or zooms/pans; they follow the same rules. Errors become :attr:`RenderController.renderFailed`.

The renderer is injected as ``prepare(image, faces) -> (params -> image)`` (``core.pipeline``'s
``PreparedPhoto(image, faces).render``, which caches the skin masks so a slider move pays only
for the operations); :func:`from_render` adapts a plain ``render(image, faces, params)``. That is
how tests and, later, other backends plug in. The prepared photo is reused while the preview
source and the faces stay the same, and only ever used from the single worker thread.

A cloud service's answer is shown through the same path (:meth:`RenderController.set_fixed`):
while the parameters and faces are those the result was made for, preview and detail requests
carry the full-resolution result instead of rendering (the preview is a downscale of it, a
detail tile a crop), so before/after, zoom and the 100 % view behave as for local renders; the
first slider move brings the local preview back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import cv2
import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QImage

from facestudio.core.errors import FaceStudioError
from facestudio.core.faceshape import FaceAnalysis, FaceShape
from facestudio.core.params import RetouchParams
from facestudio.gui._qimage import to_qimage

log = logging.getLogger(__name__)

RenderFn = Callable[[np.ndarray, Sequence[FaceShape], RetouchParams], np.ndarray]
Renderer = Callable[[RetouchParams], np.ndarray]
PrepareFn = Callable[[np.ndarray, Sequence[FaceShape]], Renderer]
Region = tuple[int, int, int, int]  # x, y, width, height in full-resolution pixels


@dataclass(frozen=True)
class RenderSource:
    """The photo being edited, as the controller needs it (arrays are read-only)."""

    preview: np.ndarray
    preview_scale: float  # preview pixels per full-resolution pixel
    full: np.ndarray | None  # None while the full-resolution decode is still running
    full_size: tuple[int, int]  # (width, height)


@dataclass(frozen=True)
class RenderRequest:
    """Everything one render needs, captured on the GUI thread and never changed afterwards."""

    kind: str  # "preview" or "detail"
    generation: int  # any change (parameters, faces, photo)
    content: int  # changes of photo or faces only
    image: np.ndarray
    faces: tuple[FaceShape, ...]
    params: RetouchParams
    renderer: Renderer  # the prepared photo: renderer(params) -> image
    region: Region | None = None  # detail: where ``image`` sits in the full photo
    output_scale: float = 1.0  # detail: display pixels per full-resolution pixel (<= 1)
    sequence: int = 0
    fixed: np.ndarray | None = None  # a full-resolution result to show instead of rendering


@dataclass(frozen=True)
class RenderResult:
    request: RenderRequest
    after: QImage
    before: QImage | None  # detail renders also carry the matching source pixels
    seconds: float  # time spent in the render function


def expand_region(region: Region, faces: Sequence[FaceShape], full_size: tuple[int, int],
                  *, margin: float = 0.15, face_margin: float = 0.35) -> Region:
    """``region`` widened by ``margin`` and to the whole of every face it touches, clipped.

    Rendering a crop is only faithful where the effects see all of a face, so a face the visible
    region cuts is included entirely (plus ``face_margin`` of its size).
    """
    x, y, w, h = region
    W, H = full_size
    x0, y0 = x - margin * w, y - margin * h
    x1, y1 = x + w + margin * w, y + h + margin * h
    for face in faces:
        fx0, fy0, fx1, fy1 = face.bbox()
        mx, my = face_margin * (fx1 - fx0), face_margin * (fy1 - fy0)
        fx0, fy0, fx1, fy1 = fx0 - mx, fy0 - my, fx1 + mx, fy1 + my
        if fx1 >= x0 and fx0 <= x1 and fy1 >= y0 and fy0 <= y1:
            x0, y0, x1, y1 = min(x0, fx0), min(y0, fy0), max(x1, fx1), max(y1, fy1)
    ix0, iy0 = max(0, int(np.floor(x0))), max(0, int(np.floor(y0)))
    ix1, iy1 = min(W, int(np.ceil(x1))), min(H, int(np.ceil(y1)))
    return ix0, iy0, max(1, ix1 - ix0), max(1, iy1 - iy0)


def from_render(render: RenderFn) -> PrepareFn:
    """Adapt a one-shot ``render(image, faces, params)`` to the ``prepare`` form."""
    return lambda image, faces: (lambda params: render(image, faces, params))


def run_request(request: RenderRequest) -> RenderResult:
    """The worker side: render, scale for display, convert to QImage."""
    t0 = time.perf_counter()
    if request.fixed is not None:
        out = _from_fixed(request)
    else:
        out = request.renderer(request.params)
    seconds = time.perf_counter() - t0
    before_img: np.ndarray | None = None
    if request.kind == "detail":
        before_img = request.image
        if request.output_scale < 0.999:
            h, w = out.shape[:2]
            size = (max(1, round(w * request.output_scale)), max(1, round(h * request.output_scale)))
            out = cv2.resize(out, size, interpolation=cv2.INTER_AREA)
            before_img = cv2.resize(before_img, size, interpolation=cv2.INTER_AREA)
    before = to_qimage(before_img) if before_img is not None else None
    return RenderResult(request, to_qimage(out), before, seconds)


def _from_fixed(request: RenderRequest) -> np.ndarray:
    """The part of a full-resolution result a request covers, at the request's pixel size."""
    fixed = request.fixed
    assert fixed is not None
    if request.kind == "detail":
        assert request.region is not None
        x, y, w, h = request.region
        return fixed[y:y + h, x:x + w]
    h, w = request.image.shape[:2]
    if fixed.shape[:2] == (h, w):
        return fixed
    return cv2.resize(fixed, (w, h), interpolation=cv2.INTER_AREA)


class RenderController(QObject):
    """Debounced, off-thread, stale-dropping renders of the preview and of zoomed-in regions.

    Signals
    -------
    previewReady(RenderResult)
        A fresh preview render for the current photo, parameters and faces.
    detailReady(RenderResult)
        A full-resolution region (``result.request.region``) for the current state.
    renderFailed(str)
        A one-line message for the user.
    busyChanged(bool)
        True while any render is queued or running.
    """

    previewReady = Signal(object)
    detailReady = Signal(object)
    renderFailed = Signal(str)
    busyChanged = Signal(bool)
    _finished = Signal(object, object)  # (request, RenderResult | BaseException), worker -> GUI

    def __init__(self, prepare: PrepareFn, *, executor: ThreadPoolExecutor | None = None,
                 debounce_ms: int = 30, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._prepare = prepare
        self._prepared: tuple[object, object, Renderer] | None = None  # (preview, faces, renderer)
        self._own_executor = executor is None
        self._executor = executor or ThreadPoolExecutor(max_workers=1, thread_name_prefix="render")
        self._source: RenderSource | None = None
        self._analysis: FaceAnalysis | None = None
        self._params = RetouchParams()
        self._fixed: tuple[RetouchParams, FaceAnalysis | None, np.ndarray] | None = None
        self._generation = 0
        self._content = 0
        self._preview_sequence = 0
        self._shown_preview = 0
        self._detail_sequence = 0
        self._pending: dict[str, Future] = {}
        self._outstanding = 0
        self._closed = False
        self.last_preview_seconds: float | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self._submit_preview)
        self._finished.connect(self._on_finished)

    # -- state -----------------------------------------------------------------------------------
    @property
    def generation(self) -> int:
        return self._generation

    def set_source(self, source: RenderSource | None, analysis: FaceAnalysis | None,
                   params: RetouchParams,
                   fixed: tuple[RetouchParams, FaceAnalysis | None, np.ndarray] | None = None) -> None:
        """A new photo (or its full-resolution pixels arrived): render without waiting.

        ``fixed``: see :meth:`set_fixed`.
        """
        self._source, self._analysis, self._params = source, analysis, params
        self._fixed = fixed
        self._content += 1
        self._changed(immediate=True)

    def set_fixed(self, fixed: tuple[RetouchParams, FaceAnalysis | None, np.ndarray] | None) -> None:
        """Show a ready full-resolution result (a cloud service's) while the parameters equal
        ``fixed[0]`` and the faces are ``fixed[1]`` (the same object); None: render locally."""
        self._fixed = fixed
        self._content += 1  # what "the result for these parameters" means has changed
        self._changed(immediate=True)

    def _fixed_now(self) -> np.ndarray | None:
        f = self._fixed
        if f is not None and f[0] == self._params and f[1] is self._analysis:
            return f[2]
        return None

    def showing_fixed(self) -> bool:
        """Whether the current state is shown from a fixed (cloud) result."""
        return self._fixed_now() is not None

    def set_params(self, params: RetouchParams) -> None:
        if params != self._params:
            self._params = params
            self._changed()

    def set_analysis(self, analysis: FaceAnalysis | None) -> None:
        self._analysis = analysis
        self._content += 1
        self._changed()

    def _changed(self, *, immediate: bool = False) -> None:
        self._generation += 1
        if self._source is None:
            self._timer.stop()
            return
        if immediate:
            self._timer.stop()
            self._submit_preview()
        elif not self._timer.isActive():
            # Not restarted by later changes: a burst within the interval renders once (with
            # the latest values, read when the timer fires), and a continuous drag still shows
            # a new preview every interval instead of only when the mouse stops.
            self._timer.start()

    def flush(self) -> None:
        """Submit a debounced preview now (used on slider release)."""
        if self._timer.isActive():
            self._timer.stop()
            self._submit_preview()

    # -- submitting ------------------------------------------------------------------------------
    def _faces(self, scale: float, dx: float = 0.0, dy: float = 0.0) -> tuple[FaceShape, ...]:
        if self._analysis is None:
            return ()
        faces = self._analysis.faces
        if scale != 1.0:
            faces = tuple(f.scaled(scale) for f in faces)
        if dx or dy:
            faces = tuple(f.translated(dx, dy) for f in faces)
        return faces

    @Slot()
    def _submit_preview(self) -> None:
        src = self._source
        if src is None or self._closed:
            return
        faces = self._faces(src.preview_scale)
        cached = self._prepared
        if cached is None or cached[0] is not src.preview or cached[1] is not self._analysis:
            cached = (src.preview, self._analysis, self._prepare(src.preview, faces))
            self._prepared = cached
        self._preview_sequence += 1
        req = RenderRequest("preview", self._generation, self._content, src.preview, faces, self._params,
                            cached[2], sequence=self._preview_sequence, fixed=self._fixed_now())
        self._submit(req)

    def request_detail(self, visible: Region, display_scale: float) -> Region | None:
        """Render the full-resolution ``visible`` region (widened) for display at ``display_scale``.

        ``display_scale`` is screen pixels per full-resolution pixel; only when it exceeds the
        preview's own scale does the preview lack detail. Returns the region submitted, or None
        when the preview is enough or the full-resolution pixels are not loaded yet.
        """
        src = self._source
        if src is None or src.full is None or self._closed:
            return None
        if src.preview_scale >= 0.999 or display_scale <= src.preview_scale * 1.05:
            return None  # the preview already has every pixel the screen can show
        x, y, w, h = expand_region(visible, self._faces(1.0), src.full_size)
        crop = src.full[y:y + h, x:x + w]
        self._detail_sequence += 1
        faces = self._faces(1.0, -x, -y)
        fixed = self._fixed_now()
        renderer = self._prepare(crop, faces) if fixed is None else (lambda _p: crop)
        req = RenderRequest("detail", self._generation, self._content, crop, faces, self._params,
                            renderer, region=(x, y, w, h), output_scale=min(1.0, display_scale),
                            sequence=self._detail_sequence, fixed=fixed)
        self._submit(req)
        return req.region

    def _submit(self, req: RenderRequest) -> None:
        old = self._pending.get(req.kind)
        if old is not None and old.cancel():  # not started yet: replaced by the newer request
            self._job_done()
        self._outstanding += 1
        if self._outstanding == 1:
            self.busyChanged.emit(True)
        fut = self._executor.submit(run_request, req)
        self._pending[req.kind] = fut
        fut.add_done_callback(lambda f, r=req: self._deliver(r, f))

    def _deliver(self, req: RenderRequest, fut: Future) -> None:
        """Runs in the worker thread (or here, if cancelled): hand over to the GUI thread."""
        if fut.cancelled():
            return
        exc = fut.exception()
        try:
            self._finished.emit(req, exc if exc is not None else fut.result())
        except RuntimeError:  # the controller was deleted while the job ran
            pass

    def _job_done(self) -> None:
        self._outstanding -= 1
        if self._outstanding == 0:
            self.busyChanged.emit(False)

    @Slot(object, object)
    def _on_finished(self, req: RenderRequest, outcome: object) -> None:
        self._job_done()
        if self._pending.get(req.kind) is not None and self._pending[req.kind].done():
            self._pending.pop(req.kind, None)
        if self._closed or req.content != self._content:
            return  # another photo or other faces
        if isinstance(outcome, BaseException):
            if req.generation != self._generation:
                return  # only the current state's failure is worth a message
            if isinstance(outcome, FaceStudioError):
                self.renderFailed.emit(str(outcome))
            else:
                log.error("render failed", exc_info=outcome)
                self.renderFailed.emit(f"Rendering failed ({type(outcome).__name__}: {outcome}). "
                                       "Try other settings or report the problem.")
            return
        assert isinstance(outcome, RenderResult)
        if req.kind == "preview":
            if req.sequence <= self._shown_preview:
                return  # older than what is on screen
            self._shown_preview = req.sequence
            self.last_preview_seconds = outcome.seconds
            self.previewReady.emit(outcome)
        elif req.generation == self._generation and req.sequence == self._detail_sequence:
            self.detailReady.emit(outcome)  # (a region for old parameters would show them)

    def is_busy(self) -> bool:
        return self._outstanding > 0

    def pending(self) -> bool:
        """A change is waiting for the debounce timer."""
        return self._timer.isActive()

    def shutdown(self) -> None:
        """Stop timers, drop queued jobs; a running job finishes in the background."""
        self._closed = True
        self._timer.stop()
        for fut in self._pending.values():
            fut.cancel()
        if self._own_executor:
            self._executor.shutdown(wait=False, cancel_futures=True)

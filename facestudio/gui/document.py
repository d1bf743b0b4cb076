"""One open photo and the engine calls the window makes for it.

What belongs here: :class:`Document` (the state of one open photo: its pixels at full and
preview size, its faces, its parameters, its own undo stack, what is being done to it) and
:class:`Engine`, the handful of core calls the GUI makes (load, preview, detect, render, save)
gathered in one replaceable object so a test can substitute a slow or failing step. The engine
only forwards to ``facestudio.core``; it computes nothing of its own except the preview-sized
copy the sliders render on. Also the small worker-side steps of a photo's life that are not
renders: reading its sidecar edit (:func:`read_sidecar`), the filter thumbnails
(:func:`filter_thumbnails`), and :class:`CloudResult`, a cloud service's full-resolution answer
kept with the parameters it was made for.

In the GUI, ``params.face`` is the face the sliders edit alone ("Face N only": the sliders
write that face's override); every render draws every face (:func:`render_params`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
from PySide6.QtGui import QImage, QUndoGroup, QUndoStack

from facestudio.core.faceshape import FaceAnalysis, FaceShape
from facestudio.core.params import RetouchParams
from facestudio.gui._qimage import to_qimage
from facestudio.gui.jobs import Job

if TYPE_CHECKING:
    from facestudio.sidecar import Edit

#: the sliders render on a copy of about this many pixels (performance-notes: 2 MP budget)
PREVIEW_PIXELS = 2_000_000
#: longest side of the fast first picture shown while the full decode runs
DRAFT_SIDE = 1600


def preview_of(image: np.ndarray, max_pixels: int = PREVIEW_PIXELS) -> tuple[np.ndarray, float]:
    """A read-only uint8 copy of ``image`` with at most ``max_pixels``, and its scale.

    Parameters
    ----------
    image : (H, W, 3) uint8 or uint16 ndarray
        The full-resolution photo (not modified).

    Returns
    -------
    preview : (h, w, 3) uint8 ndarray, read-only
    scale : float
        ``w / W`` (1.0 when the photo is small enough to edit at full size).
    """
    h, w = image.shape[:2]
    scale = min(1.0, float(np.sqrt(max_pixels / float(w * h))))
    if image.dtype == np.uint16:
        image = cv2.convertScaleAbs(image, alpha=1.0 / 257.0)
    if scale < 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        out = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        scale = size[0] / w
    else:
        out = image.copy()
    out.setflags(write=False)
    return out, scale


def load_full(engine: Engine, path: Path) -> tuple[Any, np.ndarray, float, QImage, QImage]:
    """Worker: decode at full size; make the preview, its QImage and a film-strip thumbnail."""
    loaded = engine.load(path)
    preview, scale = preview_of(loaded.pixels)
    h, w = preview.shape[:2]
    t = min(1.0, 160.0 / max(w, h))
    thumb = cv2.resize(preview, (max(1, round(w * t)), max(1, round(h * t))), interpolation=cv2.INTER_AREA)
    return loaded, preview, scale, to_qimage(preview), to_qimage(thumb)


def load_draft(engine: Engine, path: Path) -> tuple[QImage, tuple[int, int]] | None:
    """Worker: the fast reduced decode for the first paint (None if the engine has none)."""
    draft = engine.load_preview(path)
    return None if draft is None else (to_qimage(draft[0]), draft[1])


def render_params(params: RetouchParams) -> RetouchParams:
    """What a render, an export, a sidecar or a cloud call gets: every face (the GUI's
    ``params.face`` only says which face the sliders edit), with the per-face overrides."""
    return params if params.face is None else params.replace(face=None)


@dataclass(frozen=True)
class CloudResult:
    """A cloud service's result for one photo, composited at full resolution by the backend."""

    backend: str
    params: RetouchParams  # as sent (render_params form)
    analysis: FaceAnalysis | None
    pixels: np.ndarray  # read-only, the photo's shape and dtype

    def valid_for(self, doc: Document) -> bool:
        """Still what ``doc`` asks for: same service, parameters and faces."""
        return (self.backend == doc.backend and self.params == render_params(doc.params)
                and self.analysis is doc.analysis)


def read_sidecar(path: Path) -> tuple[str | None, Edit | None, str | None, bool]:
    """Worker: the photo's hash, its sidecar edit (or None), a one-line problem, and whether the
    edit was made on these very bytes."""
    from facestudio import sidecar
    from facestudio.core.errors import FaceStudioError

    try:
        digest = sidecar.file_sha256(path)
    except OSError:
        digest = None
    try:
        edit = sidecar.load_edit(path)
    except FaceStudioError as exc:
        return digest, None, str(exc), False
    if edit is None:
        return digest, None, None, False
    same = edit.made_on(digest)
    return digest, edit, None, same


def filter_thumbnails(preview: np.ndarray, faces: Sequence[FaceShape], size: int = 96
                      ) -> tuple[dict[int, QImage], QImage, float]:
    """Worker: every filter on a small square of the preview around the largest face (where
    the looks matter; the whole photo without faces), as QImages; the untouched square; the
    seconds it took."""
    import time

    from facestudio.core import filters

    t0 = time.perf_counter()
    image = preview
    if faces:
        h, w = preview.shape[:2]
        face = max(faces, key=lambda f: f.area())
        x0, y0, x1, y1 = face.bbox()
        side = int(min(max(x1 - x0, y1 - y0) * 1.6, w, h))
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        left = int(min(max(cx - side / 2, 0), w - side))
        top = int(min(max(cy - side / 2, 0), h - side))
        if side > 8:
            image = preview[top:top + side, left:left + side]
    thumbs = filters.thumbnails(image, size=size)
    side = max(image.shape[:2])
    k = min(1.0, size / side)
    small = cv2.resize(image, (max(1, round(image.shape[1] * k)), max(1, round(image.shape[0] * k))),
                       interpolation=cv2.INTER_AREA)
    out = {fid: to_qimage(img) for fid, img in thumbs.items()}
    return out, to_qimage(small), time.perf_counter() - t0


@dataclass
class Engine:
    """The core calls the GUI makes; each runs in a worker thread."""

    load: Callable[[Path], Any]  # -> imageio.LoadedImage
    load_preview: Callable[[Path], tuple[np.ndarray, tuple[int, int]] | None]
    detect: Callable[[np.ndarray], FaceAnalysis]
    prepare: Callable[[np.ndarray, Sequence[FaceShape]], Callable[[RetouchParams], np.ndarray]]
    save: Callable[..., Path]

    def render(self, image: np.ndarray, faces: Sequence[FaceShape], params: RetouchParams) -> np.ndarray:
        return self.prepare(image, faces)(params)

    @classmethod
    def default(cls) -> Engine:
        """The real core (imported on first use)."""
        from facestudio.core import imageio, landmarks, pipeline

        def load_preview(path: Path) -> tuple[np.ndarray, tuple[int, int]] | None:
            # a reduced decode (libjpeg's 1/2-1/8 scaling) for the first paint; its own size
            # stands in for the photo's until the full decode arrives
            draft = imageio.load_image_for_preview(path, max_side=DRAFT_SIDE)
            return draft.pixels, draft.size

        def prepare(image: np.ndarray, faces: Sequence[FaceShape]) -> Callable[[RetouchParams], np.ndarray]:
            prepared = getattr(pipeline, "PreparedPhoto", None)
            if prepared is not None:  # caches the skin masks across slider moves
                return prepared(image, faces).render
            return lambda params: pipeline.render(image, faces, params)

        return cls(load=imageio.load_image, load_preview=load_preview,
                   detect=landmarks.detect_faces, prepare=prepare, save=imageio.save_image)


class Document:
    """One open photo.

    Pixel arrays are read-only once set, so render requests can share them with worker threads
    without copies. ``analysis`` is in full-resolution pixels; :attr:`params` is what the
    sliders show for this photo.
    """

    def __init__(self, path: Path, params: RetouchParams, undo_group: QUndoGroup) -> None:
        self.path = Path(path).expanduser().absolute()
        self.loaded: Any = None  # imageio.LoadedImage once the full decode is done
        self.full: np.ndarray | None = None
        self.full_size: tuple[int, int] | None = None
        self.preview: np.ndarray | None = None
        self.preview_scale = 1.0
        self.preview_is_draft = False
        self.preview_qimage: QImage | None = None
        self.analysis: FaceAnalysis | None = None
        self.params = params
        self.state = "loading"  # loading -> detecting -> ready (or closed)
        self.jobs: list[Job] = []
        self.undo = QUndoStack(undo_group)
        self.view: dict[str, Any] = {}  # zoom/centre to restore when switching back
        self.backend = "local"  # the engine this photo is rendered with for export
        self.cloud: CloudResult | None = None  # the last cloud result (shown while still valid)
        self.sha256: str | None = None  # of the file's bytes, for its sidecar
        self.filter_thumbs: tuple[dict[int, QImage], QImage] | None = None
        self.note = ""  # said once in the status bar when the photo is ready (sidecar restored ...)

    @property
    def name(self) -> str:
        return self.path.name

    def set_full(self, loaded: Any) -> None:
        pixels = loaded.pixels
        if pixels.flags.writeable:
            pixels = pixels.view()
            pixels.setflags(write=False)
        self.loaded = loaded
        self.full = pixels
        self.full_size = (pixels.shape[1], pixels.shape[0])

    def cloud_result(self) -> CloudResult | None:
        """The cloud result, if it still matches this photo's engine, parameters and faces."""
        return self.cloud if self.cloud is not None and self.cloud.valid_for(self) else None

    def cancel_jobs(self) -> None:
        for job in self.jobs:
            job.cancel()
        self.jobs.clear()

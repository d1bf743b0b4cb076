"""Opening a photo: from the first fast picture to its faces, off the GUI thread.

What belongs here: :class:`PhotoLoader`, the flow every newly opened document goes through:
a fast reduced decode for the first paint (the draft), the full decode (with the preview-sized
copy the sliders render on and the film-strip thumbnail), then the photo's sidecar (read by the
window's :class:`~facestudio.gui.workflow.Workflow`) and face detection, once per photo file
(cached by path, modification time and size, so reopening a file does not detect again). The
decodes and the detection run in the window's :class:`~facestudio.gui.jobs.JobRunner`; their
results come back on the GUI thread, are stored in the
:class:`~facestudio.gui.document.Document` and handed to the window to show (canvas, film
strip, status bar). Not here: the Open dialog, the list of open documents and what is on
screen (:class:`~facestudio.gui.main_window.MainWindow`), sidecar parsing, and the decoding
and detection themselves (the core, through :class:`~facestudio.gui.document.Engine`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from facestudio.core.faceshape import FaceAnalysis
from facestudio.gui.document import Document, load_draft, load_full
from facestudio.gui.jobs import error_message
from facestudio.gui.workflow import prune_overrides

if TYPE_CHECKING:
    from facestudio.gui.main_window import MainWindow

FaceKey = tuple[str, int, int]  # resolved path, modification time (ns), size


def face_key(doc: Document) -> FaceKey | None:
    """What identifies the photo file's content for the face cache (None: the file is gone)."""
    try:
        st = doc.path.stat()
    except OSError:
        return None
    return (str(doc.path.resolve()), st.st_mtime_ns, st.st_size)


class PhotoLoader(QObject):
    """Loads the window's new documents and finds their faces (one per window).

    Signals
    -------
    ready(object)
        The Document is decoded and its faces are known (``state == "ready"``); the window
        puts it on screen.
    """

    ready = Signal(object)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        #: faces already found, by photo file (see :func:`face_key`)
        self.face_cache: dict[FaceKey, FaceAnalysis] = {}

    # -- decoding --------------------------------------------------------------------------------
    def start(self, doc: Document) -> None:
        """Decode ``doc`` (draft and full size) in the workers; Cancel closes it."""
        w = self.window
        w.status.begin(f"load:{id(doc)}", f"Loading {doc.name}…", lambda d=doc: w.close_document(d))
        doc.jobs.append(w.runner.submit(
            "draft", load_draft, w.engine, doc.path,
            on_done=lambda r, d=doc: self._on_draft(d, r), on_error=lambda e: None))
        doc.jobs.append(w.runner.submit(
            "load", load_full, w.engine, doc.path,
            on_done=lambda r, d=doc: self._on_loaded(d, r),
            on_error=lambda e, d=doc: self._on_load_failed(d, e)))

    def _on_draft(self, doc: Document, result: tuple[Any, tuple[int, int]] | None) -> None:
        w = self.window
        if result is None or doc.preview_qimage is not None or doc not in w.docs:
            return
        doc.preview_qimage, doc.full_size = result
        doc.preview_is_draft = True
        if doc is w.current:
            w.canvas.set_photo(doc.preview_qimage, doc.full_size)

    def _on_loaded(self, doc: Document, result: tuple) -> None:
        w = self.window
        if doc not in w.docs:
            return
        loaded, preview, scale, qimage, thumb = result
        had_draft = doc.preview_is_draft
        doc.set_full(loaded)
        doc.preview, doc.preview_scale, doc.preview_qimage = preview, scale, qimage
        doc.preview_is_draft = False
        w.filmstrip.set_thumbnail(w.docs.index(doc), thumb)
        w.status.end(f"load:{id(doc)}")
        w.settings.add_recent(doc.path)
        if doc is w.current:
            w.canvas.set_photo(qimage, doc.full_size, keep_view=had_draft)
        w.workflow.start_restore(doc)  # the sidecar edit, if any; then faces

    def _on_load_failed(self, doc: Document, exc: BaseException) -> None:
        w = self.window
        w.status.end(f"load:{id(doc)}")
        w.close_document(doc)
        w.show_error(error_message(exc, f"opening {doc.name}"))

    # -- faces -----------------------------------------------------------------------------------
    def start_detect(self, doc: Document) -> None:
        """Find the faces of ``doc`` (from the cache when this file was seen before)."""
        w = self.window
        key = face_key(doc)
        if key is not None and key in self.face_cache:
            self.on_detected(doc, self.face_cache[key])
            return
        doc.state = "detecting"
        w.status.begin(f"detect:{id(doc)}", f"Detecting faces in {doc.name}…",
                       lambda d=doc: self.on_detected(d, None))
        doc.jobs.append(w.runner.submit(
            "detect", w.engine.detect, doc.full,
            on_done=lambda a, d=doc, k=key: self.on_detected(d, a, k),
            on_error=lambda e, d=doc: self._on_detect_failed(d, e)))

    def on_detected(self, doc: Document, analysis: FaceAnalysis | None, key: FaceKey | None = None) -> None:
        """``doc``'s faces are known (found, cached, or a sidecar's; None: cancelled or failed,
        so the photo is edited without faces): it is ready."""
        w = self.window
        if doc not in w.docs or doc.state == "ready":
            return
        w.status.end(f"detect:{id(doc)}")
        if analysis is None:  # cancelled or failed: edit without faces (nothing to retouch)
            doc.cancel_jobs()
            assert doc.full_size is not None
            analysis = FaceAnalysis(doc.full_size[0], doc.full_size[1], ())
        elif key is not None:
            self.face_cache[key] = analysis
        doc.analysis = analysis
        doc.state = "ready"
        doc.jobs.clear()
        n = len(analysis.faces)
        doc.params = prune_overrides(doc.params, n)
        w.status.idle_message = (f"{doc.name}: {n} face{'s' if n != 1 else ''} found." if n else
                                 f"{doc.name}: no face found; the sliders have nothing to work on.")
        if doc.note:
            w.status.idle_message = f"{doc.name}: {doc.note}"
            doc.note = ""
        self.ready.emit(doc)

    def _on_detect_failed(self, doc: Document, exc: BaseException) -> None:
        self.window.show_error(error_message(exc, f"finding faces in {doc.name}"))
        self.on_detected(doc, None)

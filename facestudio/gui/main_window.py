"""The main window: wires the canvas, the panels, the render controller and the documents.

What belongs here: :class:`MainWindow` — menus, toolbar and shortcuts (built from
``help.SHORTCUTS``), opening photos (dialog, drag and drop, recent files, film strip) and which
one is on screen, undo through one QUndoStack per photo (every edit lands in
:meth:`MainWindow.apply_edit`), the renders' results on the canvas, error messages and saving
the settings. Pixels are computed elsewhere: the core (through
:class:`~facestudio.gui.document.Engine`) in worker threads, driven by
:class:`~facestudio.gui.render_controller.RenderController` and
:class:`~facestudio.gui.jobs.JobRunner`. A new photo's decodes and face detection are
:class:`~facestudio.gui.loading.PhotoLoader`'s, the status bar's tasks and messages
:class:`~facestudio.gui.status.StatusLine`'s, the cloud flow
:class:`~facestudio.gui.cloud_flow.CloudFlow`'s; sidecars, presets, smart beauty and
apply-to-all live in :class:`~facestudio.gui.workflow.Workflow`, Export all in ``export_all``;
the window only wires them to its menus, panel sections and status bar.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QKeyEvent, QUndoGroup
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from facestudio.core.faceshape import DISPLAY_GROUPS, N_POINTS, FaceAnalysis
from facestudio.core.params import RetouchParams
from facestudio.gui.canvas import ImageCanvas
from facestudio.gui.cloud_flow import CloudFlow
from facestudio.gui.commands import DeleteFaceCommand, MoveLandmarkCommand, ParamsCommand, change_key
from facestudio.gui.document import Document, Engine, render_params
from facestudio.gui.engine_panel import EnginePanel
from facestudio.gui.export_dialog import ExportDialog
from facestudio.gui.jobs import JobRunner
from facestudio.gui.loading import PhotoLoader
from facestudio.gui.menus import build_actions
from facestudio.gui.overlay import OverlayControls
from facestudio.gui.presets_ui import PresetsPanel
from facestudio.gui.render_controller import RenderController, RenderResult, RenderSource
from facestudio.gui.slider_panel import SliderPanel
from facestudio.gui.status import IDLE_START, StatusLine
from facestudio.gui.widgets import ActivityBar, FilmStrip
from facestudio.gui.workflow import Workflow
from facestudio.settings import Settings, config_dir, load_settings, save_settings

log = logging.getLogger(__name__)

OPEN_FILTER = "Photos (*.jpg *.jpeg *.png *.tif *.tiff *.webp *.bmp);;All files (*)"


class MainWindow(QMainWindow):
    """FaceStudio's window.

    Signals (for tests and the screenshot tool; the UI itself does not need them)
    -------
    errorShown(str)
        A message box with this one-line text was shown.
    documentReady(object)
        A photo is decoded and its faces are known.
    previewShown(object)
        A fresh preview (RenderResult) is on screen.
    exported(object)
        The Path an export wrote.
    """

    errorShown = Signal(str)
    documentReady = Signal(object)
    previewShown = Signal(object)
    detailShown = Signal(object)
    exported = Signal(object)

    def __init__(self, settings: Settings | None = None, engine: Engine | None = None,
                 backends: Mapping[str, Any] | None = None, *, persist: bool = True) -> None:
        super().__init__()
        self.setWindowTitle("FaceStudio")
        self.setAcceptDrops(True)
        self.settings = settings if settings is not None else load_settings()
        self.engine = engine or Engine.default()
        self.backends = dict(backends or {})
        self.persist = persist
        self.docs: list[Document] = []
        self.current: Document | None = None
        self._last_params_cmd: ParamsCommand | None = None

        self.undo_group = QUndoGroup(self)
        self.runner = JobRunner(parent=self)
        self.controller = RenderController(self.engine.prepare, parent=self)
        self.canvas = ImageCanvas(self)
        self.canvas.overlay.set_visible(self.settings.show_landmarks)
        for group in self.settings.hidden_groups:
            if group in DISPLAY_GROUPS:
                self.canvas.overlay.set_group_visible(group, False)
        self.panel = SliderPanel(self.settings.last_params)
        self.cloud = CloudFlow(self)
        self.workflow = Workflow(self)
        self.presets_panel = PresetsPanel(self.workflow)
        self.panel.add_section(self.presets_panel, "Presets")
        self.engine_panel = EnginePanel()
        self.panel.add_section(self.engine_panel, "Engine")
        self.overlay_controls = OverlayControls(self.canvas.overlay)
        self.panel.add_section(self.overlay_controls, "Faces and landmarks")
        self.filmstrip = FilmStrip(self)
        self.filmstrip.setVisible(False)
        self.activity = ActivityBar(self)
        self.status = StatusLine(self.activity, lambda: self.current, self)
        self.loader = PhotoLoader(self)
        self.view_label = QLabel("", self)

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.filmstrip)
        self.setCentralWidget(central)
        dock = QDockWidget("Adjust", self)
        dock.setObjectName("adjust_dock")
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        scroll = QScrollArea(dock)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.panel)
        scroll.setMinimumWidth(320)
        dock.setWidget(scroll)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.statusBar().addWidget(self.activity, 1)
        self.statusBar().addPermanentWidget(self.view_label)

        self._detail_timer = QTimer(self)
        self._detail_timer.setSingleShot(True)
        self._detail_timer.setInterval(150)
        self._detail_timer.timeout.connect(self._request_detail)

        build_actions(self)
        self._connect()
        self._restore_geometry()
        self._update_actions()
        self.status.refresh()

    def _connect(self) -> None:
        self.loader.ready.connect(self._on_document_ready)
        self.panel.paramsChanged.connect(self._on_params_changed)
        self.panel.editFinished.connect(self._on_edit_finished)
        self.panel.faceChosen.connect(self.select_face)
        self.panel.smartRequested.connect(self.workflow.smart_beauty)
        self.engine_panel.backendChosen.connect(self.set_backend)
        self.engine_panel.renderRequested.connect(self.render_with_cloud)
        self.engine_panel.cancelRequested.connect(self.cloud.cancel)
        self.engine_panel.keysRequested.connect(self.keys_dialog)
        self.controller.previewReady.connect(self._on_preview)
        self.controller.detailReady.connect(self._on_detail)
        self.controller.renderFailed.connect(self.show_error)
        self.controller.busyChanged.connect(self._on_render_busy)
        self.canvas.viewChanged.connect(self._detail_timer.start)
        self.canvas.zoomChanged.connect(lambda _z: self._update_view_label())
        self.canvas.faceClicked.connect(self.select_face)
        self.canvas.landmarkMoved.connect(self.move_landmark)
        self.canvas.overlay.changed.connect(self._sync_landmark_action)
        self.overlay_controls.faceChosen.connect(self.select_face)
        self.overlay_controls.deleteRequested.connect(self.delete_face)
        self.filmstrip.chosen.connect(self._on_strip_chosen)

    def _sync_landmark_action(self) -> None:
        act = self.actions_by_name["landmarks"]
        if act.isChecked() != self.canvas.overlay.is_visible():
            act.setChecked(self.canvas.overlay.is_visible())

    # -- geometry and settings -------------------------------------------------------------------
    def _qsettings(self) -> QSettings:
        # an INI file beside settings.json, so $FACESTUDIO_CONFIG_DIR isolates tests completely
        return QSettings(str(config_dir() / "window.ini"), QSettings.Format.IniFormat)

    def _restore_geometry(self) -> None:
        self.resize(1400, 900)
        if not self.persist:
            return
        qs = self._qsettings()
        geometry = qs.value("geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = qs.value("state")
        if isinstance(state, QByteArray):
            self.restoreState(state)

    def save_state(self) -> None:
        """Remember parameters, overlay choices and (in QSettings) the window geometry."""
        s = self.settings
        s.last_params = (self.current.params if self.current else self.panel.params()).replace(
            face=None, overrides=())
        s.show_landmarks = self.canvas.overlay.is_visible()
        s.hidden_groups = self.canvas.overlay.hidden_groups()
        if not self.persist:
            return
        try:
            save_settings(s)
            qs = self._qsettings()
            qs.setValue("geometry", self.saveGeometry())
            qs.setValue("state", self.saveState())
            qs.sync()
        except OSError as exc:
            log.warning("could not save settings: %s", exc)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.save_state()
        self.cloud.cancel()
        for doc in self.docs:
            doc.cancel_jobs()
        self.controller.shutdown()
        self.runner.shutdown()
        super().closeEvent(event)

    # -- opening ---------------------------------------------------------------------------------
    def open_dialog(self) -> None:
        folder = self.settings.last_folder or str(Path.home())
        paths, _ = QFileDialog.getOpenFileNames(self, "Open photos", folder, OPEN_FILTER)
        if paths:
            self.open_paths(paths)

    def open_paths(self, paths: Iterable[str | os.PathLike[str]]) -> list[Document]:
        """Open photos (each once); the last becomes current. Returns the documents."""
        opened = []
        for raw in paths:
            path = Path(raw).expanduser()
            existing = next((d for d in self.docs if d.path.resolve() == path.resolve()), None)
            if existing is not None:
                opened.append(existing)
                continue
            doc = Document(path, self.settings.last_params.replace(face=None, overrides=()), self.undo_group)
            self.docs.append(doc)
            self.filmstrip.add_photo(doc.name)
            self.loader.start(doc)
            opened.append(doc)
        self.filmstrip.setVisible(len(self.docs) > 1)
        if opened:
            self.set_current(opened[-1])
        return opened

    def _on_document_ready(self, doc: Document) -> None:
        """The loader is done with ``doc`` (decoded, faces known): show it if it is current."""
        if doc is self.current:
            self._show_document(doc)
        self.workflow.start_thumbnails(doc)
        self._update_actions()
        self.status.refresh()
        self.documentReady.emit(doc)

    # -- documents -------------------------------------------------------------------------------
    def set_current(self, doc: Document | None) -> None:
        if doc is self.current and doc is not None:
            return
        if self.current is not None:
            self.current.view = {"zoom": self.canvas.zoom(), "center": self.canvas.center(),
                                 "fit": self.canvas.is_fit()}
        self.current = doc
        if doc is not None:
            self.filmstrip.select_silently(self.docs.index(doc))
            self.undo_group.setActiveStack(doc.undo)
            self.setWindowTitle(f"{doc.name} — FaceStudio")
        else:
            self.undo_group.setActiveStack(None)
            self.setWindowTitle("FaceStudio")
        self._show_document(doc)
        self._update_actions()

    def _show_document(self, doc: Document | None) -> None:
        """Put ``doc`` on screen: canvas, overlay, sliders and the render source."""
        if doc is None:
            self.canvas.set_photo(None, None)
            self.canvas.overlay.set_analysis(None)
            self.controller.set_source(None, None, render_params(self.panel.params()))
            self.panel.set_face_count(None)
            self.panel.filters.set_thumbnails(None)
            self.update_engine()
            return
        same_photo = self.canvas.full_size() == doc.full_size and doc.full_size is not None
        self.canvas.set_photo(doc.preview_qimage, doc.full_size, keep_view=same_photo)
        if doc.view and not doc.view.get("fit", True) and not same_photo:
            self.canvas.set_zoom(doc.view["zoom"])  # back where the user left this photo
            self.canvas.center_on(doc.view["center"].x(), doc.view["center"].y())
        self.panel.set_face_count(len(doc.analysis.faces) if doc.analysis is not None else None)
        self.panel.set_params(doc.params)
        self.panel.filters.set_thumbnails(*(doc.filter_thumbs or (None, None)))
        self.canvas.overlay.set_analysis(doc.analysis)
        self._show_selection(doc.params)
        if doc.state == "ready" and doc.preview is not None:
            assert doc.full_size is not None
            source = RenderSource(doc.preview, doc.preview_scale, doc.full, doc.full_size)
            self.controller.set_source(source, doc.analysis, render_params(doc.params),
                                       fixed=self.cloud.fixed(doc))
        else:
            self.controller.set_source(None, None, render_params(doc.params))
        self.update_engine()
        self._update_view_label()

    def close_current(self) -> None:
        if self.current is not None:
            self.close_document(self.current)

    def close_document(self, doc: Document) -> None:
        if doc not in self.docs:
            return
        doc.cancel_jobs()
        for key in (f"load:{id(doc)}", f"detect:{id(doc)}"):
            self.status.end(key)
        row = self.docs.index(doc)
        self.docs.pop(row)
        self.filmstrip.remove_photo(row)
        self.undo_group.removeStack(doc.undo)
        self.filmstrip.setVisible(len(self.docs) > 1)
        if doc is self.current:
            self.current = None
            self.set_current(self.docs[min(row, len(self.docs) - 1)] if self.docs else None)
            if not self.docs:
                self.status.idle_message = IDLE_START
        self._update_actions()
        self.status.refresh()

    def _on_strip_chosen(self, row: int) -> None:
        if 0 <= row < len(self.docs):
            self.set_current(self.docs[row])

    def step_photo(self, step: int) -> None:
        if self.current is not None and len(self.docs) > 1:
            i = (self.docs.index(self.current) + step) % len(self.docs)
            self.set_current(self.docs[i])

    # -- edits (every one goes through the undo stack) -------------------------------------------
    def apply_edit(self, doc: Document, params: RetouchParams, analysis: FaceAnalysis | None = None) -> None:
        """Called by the undo commands: make ``doc`` show ``params`` (and ``analysis``)."""
        if analysis is not None:
            doc.analysis = analysis
        doc.params = params
        self.settings.last_params = params.replace(face=None)  # the next photo opens with these
        if doc is not self.current:
            return
        if analysis is not None:
            self.panel.set_face_count(len(analysis.faces))
        self.panel.set_params(params)
        if analysis is not None:
            self.canvas.overlay.set_analysis(analysis)
            self.controller.set_analysis(analysis)
        self._show_selection(params)
        self.canvas.clear_detail(after_only=True)
        self.controller.set_params(render_params(params))
        self.update_engine()
        self.status.refresh()

    def _show_selection(self, params: RetouchParams) -> None:
        self.canvas.overlay.set_selected(params.face)
        self.canvas.overlay.set_marked({i for i, _ in params.overrides})

    def _on_params_changed(self, new: RetouchParams) -> None:
        doc = self.current
        if doc is None:
            self.settings.last_params = new
            return
        self.push_params(doc, new)

    def push_params(self, doc: Document, new: RetouchParams, text: str | None = None) -> None:
        """Make ``new`` the parameters of ``doc`` as one undoable edit (merging slider drags)."""
        old = doc.params
        key = change_key(old, new)
        if key is None:
            return
        cmd = ParamsCommand(self, doc, old, new, key, text)
        closed = cmd.closed
        doc.undo.push(cmd)
        # the command a drag merges into is the one on the stack (a merged ``cmd`` is discarded)
        top = doc.undo.command(doc.undo.index() - 1) if doc.undo.index() > 0 else None
        self._last_params_cmd = top if isinstance(top, ParamsCommand) and not top.closed else None
        if closed:
            self._detail_timer.start()

    def _on_edit_finished(self, name: str) -> None:
        if self._last_params_cmd is not None:
            self._last_params_cmd.close()
            self._last_params_cmd = None
        self.controller.flush()
        self._request_detail()  # the user let go: full quality where it shows

    def select_face(self, index: int | None) -> None:
        doc = self.current
        if doc is None or doc.analysis is None or index == doc.params.face:
            return
        if index is not None and not 0 <= index < len(doc.analysis.faces):
            return
        doc.undo.push(ParamsCommand(self, doc, doc.params, doc.params.replace(face=index), "face"))

    def delete_face(self, index: int) -> None:
        doc = self.current
        if doc is None or doc.analysis is None or not 0 <= index < len(doc.analysis.faces):
            return
        doc.undo.push(DeleteFaceCommand(self, doc, index))

    def move_landmark(self, face: int, index: int, x: float, y: float) -> None:
        """Put point ``index`` of face ``face`` of the current photo at (x, y), in full-resolution
        pixels (a correction by hand): one undoable edit; renders and sidecars follow."""
        doc = self.current
        if doc is None or doc.analysis is None or doc.state != "ready" \
                or not 0 <= face < len(doc.analysis.faces) or not 0 <= index < N_POINTS:
            return
        if tuple(doc.analysis.faces[face].points[index]) == (x, y):
            return
        doc.undo.push(MoveLandmarkCommand(self, doc, face, index, x, y))

    def delete_selected_face(self) -> None:
        if self.current is not None and self.current.params.face is not None:
            self.delete_face(self.current.params.face)

    # -- renders ---------------------------------------------------------------------------------
    def _on_preview(self, result: RenderResult) -> None:
        self.canvas.set_after(result.after)
        self.status.render_ms = result.seconds * 1000.0 if result.request.fixed is None else None
        self.status.refresh()
        self._detail_timer.start()
        self.previewShown.emit(result)

    def _request_detail(self) -> None:
        region = self.canvas.visible_region()
        if region is None or self.current is None or self.current.state != "ready":
            return
        if self.controller.request_detail(region, self.canvas.zoom()) is None:
            if self.current.preview_scale * 1.05 >= self.canvas.zoom():
                self.canvas.clear_detail()

    def _on_detail(self, result: RenderResult) -> None:
        assert result.request.region is not None
        self.canvas.set_detail(result.request.region, result.before, result.after)
        self.detailShown.emit(result)

    def _on_render_busy(self, busy: bool) -> None:
        if busy:
            self.status.begin("render", "Rendering…", None)
        else:
            self.status.end("render")

    # -- export ----------------------------------------------------------------------------------
    def export_dialog(self) -> ExportDialog | None:
        doc = self.current
        if doc is None or doc.state != "ready":
            return None
        dialog = ExportDialog(doc, self.engine, self.runner, self.settings, self, cloud=self.cloud,
                              workflow=self.workflow)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.stageChanged.connect(lambda text: self.status.begin("export", text, dialog.reject))
        dialog.finished.connect(lambda _r: self.status.end("export"))
        dialog.exported.connect(self._on_exported)
        dialog.open()
        return dialog

    def _on_exported(self, path: Path) -> None:
        note = getattr(self.sender(), "note_after", "")
        self.status.say(f"Exported {path.name} to {path.parent}{note}")
        self.exported.emit(path)

    def export_all_dialog(self) -> Any:
        """File > Export all: every open photo with its own settings, in a queue."""
        from facestudio.gui.export_all import ExportAllDialog

        if not self.docs:
            return None
        dialog = ExportAllDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # -- engines (the work is the cloud flow's) -------------------------------------------------
    def set_backend(self, name: str) -> None:
        """The engine the current photo is rendered with for export (sends nothing by itself)."""
        self.cloud.choose(name)

    def render_with_cloud(self) -> bool:
        """"Render with <service>": key check, confirmation, then the service's result on screen."""
        doc = self.current
        if doc is not None and doc.backend == "local":
            self.panel.show_section("Engine")
            self.say(f"{doc.name} uses the local engine: choose a cloud service in Engine first.")
            return False
        return doc is not None and doc.state == "ready" and self.cloud.render(doc)

    def update_engine(self) -> None:
        self.cloud.update_panel()

    def keys_dialog(self) -> Any:
        """The Cloud keys and addresses dialog."""
        self.last_keys_dialog = self.cloud.open_keys()
        return self.last_keys_dialog

    # -- status, messages ------------------------------------------------------------------------
    def say(self, message: str) -> None:
        """A message in the status bar (kept until the next one)."""
        self.status.say(message)

    def _update_view_label(self) -> None:
        size = self.canvas.full_size()
        if size is None:
            self.view_label.setText("")
            return
        self.view_label.setText(f"{size[0]} × {size[1]}   {self.canvas.zoom() * 100:.0f} %")

    def _update_actions(self) -> None:
        ready = self.current is not None and self.current.state == "ready"
        for key in ("export", "reset_all", "delete_face", "all_faces", "save_edit"):
            self.actions_by_name[key].setEnabled(ready)
        self.actions_by_name["close"].setEnabled(self.current is not None)
        self.actions_by_name["export_all"].setEnabled(bool(self.docs))
        self.actions_by_name["apply_all"].setEnabled(self.current is not None and len(self.docs) > 1)

    def show_error(self, message: str) -> None:
        """A one-line message in a (non-blocking) message box; the window carries on."""
        log.info("error shown: %s", message)
        box = QMessageBox(QMessageBox.Icon.Warning, "FaceStudio", message, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.errorShown.emit(message)

    def is_idle(self) -> bool:
        """Nothing loading, detecting or rendering, and the preview shows the current state."""
        return (not self.status.busy() and not self.controller.is_busy() and not self.controller.pending()
                and not self._detail_timer.isActive() and all(d.state == "ready" for d in self.docs))

    # -- drag and drop, hold-to-compare key -----------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_paths(paths)

    # Hold-to-compare on the backslash key. Key events the focused widget does not use (the
    # canvas, sliders, buttons) travel up to the window. Deliberately not an application-wide
    # event filter: that would run Python, and so need the GIL, for every event of the app,
    # which stalls the GUI whenever a worker thread holds the GIL.
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Backslash:
            if not event.isAutoRepeat():
                self.canvas.set_holding(True)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Backslash:
            if not event.isAutoRepeat():
                self.canvas.set_holding(False)
            event.accept()
            return
        super().keyReleaseEvent(event)

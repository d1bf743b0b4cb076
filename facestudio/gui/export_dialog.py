"""The Export dialog (Ctrl+E): format, quality, destination, then a cancellable full-res export.

What belongs here: :class:`ExportDialog` and :func:`default_export_path`. The dialog proposes
``PHOTO-retouched.jpg`` next to the original (or in the last export folder), never the original
itself and never an existing file without asking; then it renders the photo at full resolution
and saves it through ``core.imageio.save_image`` in a worker thread, keeping the source's
metadata (EXIF, ICC, XMP, DPI: the core carries them) and passing the source as ``protect`` so
the core refuses to write over it whatever the user typed. Progress is shown in the dialog
(and the window's status bar); Cancel during the render writes nothing (the job stops before the
save), a cancel during the few-hundred-millisecond save itself lets that atomic write finish.

A photo set to a cloud service exports that service's result: the one already on screen if it
was made for the current settings, else the window's cloud flow runs first (key check,
confirmation, progress) and the export continues with its result. With "Save the edit" checked
(the default), the photo's sidecar (``PHOTO.facestudio.json``) is written or updated after the
export, so reopening the photo restores the edit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from facestudio.gui.document import Document, Engine, render_params
from facestudio.gui.jobs import Job, JobRunner, error_message
from facestudio.settings import Settings

#: (label, extension, lossy) of every format offered
FORMATS: tuple[tuple[str, str, bool], ...] = (
    ("JPEG", ".jpg", True),
    ("PNG", ".png", False),
    ("TIFF", ".tif", False),
    ("WebP", ".webp", True),
)


def available_formats() -> tuple[tuple[str, str, bool], ...]:
    """The formats the core can write (all of :data:`FORMATS` unless it says otherwise)."""
    try:
        from facestudio.core import imageio
    except ImportError:
        return FORMATS
    exts = {e.lower() for e in getattr(imageio, "WRITE_EXTENSIONS", ())} or \
        {e.lower() for e in getattr(imageio, "SUPPORTED_EXTENSIONS", ())}
    if not exts:
        return FORMATS
    return tuple(f for f in FORMATS if f[1] in exts or (f[1] == ".tif" and ".tiff" in exts)) or FORMATS


def default_export_path(source: Path, folder: Path | None = None, ext: str = ".jpg") -> Path:
    """``<stem>-retouched<ext>`` in ``folder`` (default: beside the source), made unique."""
    folder = folder if folder is not None and folder.is_dir() else source.parent
    stem = f"{source.stem}-retouched"
    candidate = folder / f"{stem}{ext}"
    n = 2
    while candidate.exists() or candidate.resolve() == source.resolve():
        candidate = folder / f"{stem}-{n}{ext}"
        n += 1
    return candidate


def export_job(job: Job, engine: Engine, doc_state: dict[str, Any], target: Path, quality: int,
               overwrite: bool, stage: Any) -> tuple[Path, str]:
    """Worker side of an export: full-resolution render (or the cloud result), the atomic save,
    then the sidecar edit when asked. Returns the path written and a note ("" or a problem)."""
    out = doc_state.get("result")
    if out is None:
        stage.emit("Rendering at full resolution…")
        out = engine.render(doc_state["pixels"], doc_state["faces"], doc_state["params"])
    job.check()  # cancelled while rendering: write nothing
    stage.emit("Saving…")
    path = engine.save(target, out, metadata=doc_state["metadata"], alpha=doc_state["alpha"],
                       quality=quality, overwrite=overwrite, protect=(doc_state["source"],))
    note = ""
    edit = doc_state.get("edit")
    if edit is not None:
        from facestudio.core.errors import FaceStudioError
        from facestudio.sidecar import save_edit

        try:
            note = f"; edit saved as {save_edit(doc_state['source'], edit).name}"
        except FaceStudioError as exc:
            note = f"; the edit was not saved: {exc}"
    return path, note


class ExportDialog(QDialog):
    """Choose format, quality and destination; export with progress and cancel.

    Signals
    -------
    exported(object)
        The ``Path`` written.
    stageChanged(str)
        What the export is doing (emitted from the worker, delivered queued).
    """

    exported = Signal(object)
    stageChanged = Signal(str)

    def __init__(self, doc: Document, engine: Engine, runner: JobRunner, settings: Settings,
                 parent: QWidget | None = None, *, cloud: Any = None, workflow: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Export {doc.name}")
        self.doc, self.engine, self.runner, self.settings = doc, engine, runner, settings
        self.cloud, self.workflow = cloud, workflow  # the window's CloudFlow and Workflow
        self.job: Job | None = None
        self._cloud_running = False
        self.note_after = ""  # what the export said besides the path (the sidecar)
        self.formats = available_formats()

        self.format_combo = QComboBox(self)
        for label, ext, _lossy in self.formats:
            self.format_combo.addItem(f"{label} ({ext})", ext)
        self.quality = QSpinBox(self)
        self.quality.setRange(1, 100)
        self.quality.setValue(settings.export_quality)
        self.quality.setSuffix(" %")
        self.path_edit = QLineEdit(self)
        self.path_edit.setMinimumWidth(380)
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)

        form = QFormLayout()
        form.addRow("Format:", self.format_combo)
        form.addRow("Quality:", self.quality)
        form.addRow("Save to:", path_row)
        self.sidecar = QCheckBox(f"Save the edit beside the photo ({doc.name}.facestudio.json)", self)
        self.sidecar.setToolTip("Reopening the photo then restores its settings and faces")
        self.sidecar.setChecked(settings.export_sidecar and workflow is not None)
        self.sidecar.setEnabled(workflow is not None)
        form.addRow("", self.sidecar)
        note = "The original photo is never overwritten; its metadata is kept."
        if doc.backend != "local":
            from facestudio.gui.engine_panel import SERVICE_NAMES

            service = SERVICE_NAMES.get(doc.backend, doc.backend)
            note += (f" Exports {service}'s result" + (" shown now." if doc.cloud_result() is not None
                                                       else ": you will be asked before anything is sent."))
        self.note = QLabel(note, self)
        self.note.setWordWrap(True)
        self.stage = QLabel("", self)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.setVisible(False)
        self.buttons = QDialogButtonBox(self)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.stage)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons)

        exts = [f[1] for f in self.formats]
        preferred = next((f[1] for f in self.formats if f[0] == settings.export_format), exts[0])
        self.format_combo.setCurrentIndex(exts.index(preferred))
        folder = Path(settings.last_export_folder) if settings.last_export_folder else None
        self.path_edit.setText(str(default_export_path(doc.path, folder, preferred)))
        self.format_combo.currentIndexChanged.connect(self._format_changed)
        self._format_changed()
        self.stageChanged.connect(self.stage.setText)

    # -- form ------------------------------------------------------------------------------------
    def target(self) -> Path:
        return Path(self.path_edit.text()).expanduser()

    def _lossy(self) -> bool:
        return self.formats[self.format_combo.currentIndex()][2]

    def _format_changed(self) -> None:
        ext = self.format_combo.currentData()
        self.quality.setEnabled(self._lossy())
        text = self.path_edit.text().strip()
        if text:
            p = Path(text)
            self.path_edit.setText(str(p.with_suffix(ext)))

    def _browse(self) -> None:
        ext = self.format_combo.currentData()
        path, _ = QFileDialog.getSaveFileName(self, "Export to", self.path_edit.text(),
                                              f"{self.format_combo.currentText()} (*{ext})")
        if path:
            self.path_edit.setText(path)

    # -- running ---------------------------------------------------------------------------------
    def start(self) -> None:
        """Validate the destination and launch the export in the worker."""
        if self.job is not None or self._cloud_running:
            return
        doc = self.doc
        if doc.full is None or doc.loaded is None:
            self._fail("The photo is still loading; export again in a moment.")
            return
        target = self.target()
        if not target.name:
            self._fail("Choose a file name to export to.")
            return
        if not target.suffix:
            target = target.with_suffix(self.format_combo.currentData())
        if target.resolve() == doc.path.resolve():
            self._fail("That is the original photo. Choose another name: FaceStudio never "
                       "overwrites the original.")
            return
        cloud = doc.cloud_result()
        if doc.backend != "local" and cloud is None:
            self._render_in_cloud_first()  # then start() again, with the result
            return
        overwrite = False
        if target.exists():
            answer = QMessageBox.question(self, "Replace file?",
                                          f"{target.name} already exists. Replace it?")
            if answer != QMessageBox.StandardButton.Yes:
                return
            overwrite = True
        state = {
            "pixels": doc.full,
            "faces": doc.analysis.faces if doc.analysis else (),
            "params": render_params(doc.params),
            "result": cloud.pixels if cloud is not None else None,
            "metadata": getattr(doc.loaded, "metadata", None),
            "alpha": getattr(doc.loaded, "alpha", None),
            "source": doc.path,
            "edit": self.workflow.edit_of(doc) if self.sidecar.isChecked() and self.workflow else None,
        }
        quality = self.quality.value()
        self._set_running(True)
        self.stage.setText("Starting…")
        self.job = self.runner.submit("export", export_job, self.engine, state, target, quality,
                                      overwrite, self.stageChanged, pass_job=True,
                                      on_done=self._done, on_error=self._error)

    def _render_in_cloud_first(self) -> None:
        """The photo's service has no result for these settings yet: ask it (with consent)."""
        from facestudio.gui.engine_panel import SERVICE_NAMES

        service = SERVICE_NAMES.get(self.doc.backend, self.doc.backend)
        if self.cloud is None:
            self._fail(f"{service} is not available here: choose the local engine for this photo.")
            return
        self._set_running(True)
        self.stage.setText(f"Rendering with {service} first…")
        self._cloud_running = self.cloud.render(self.doc, parent=self, then=self._after_cloud)
        if not self._cloud_running:
            self._set_running(False)
            self.stage.setText("")

    def _after_cloud(self, ok: bool) -> None:
        self._cloud_running = False
        if not self.isVisible():
            return
        self._set_running(False)
        if ok and self.doc.cloud_result() is not None:
            self.start()
        else:
            self._fail("Not exported: the cloud render did not complete.")

    def _set_running(self, running: bool) -> None:
        self.progress.setVisible(running)
        self.export_button.setEnabled(not running)
        for w in (self.format_combo, self.quality, self.path_edit, self.sidecar):
            w.setEnabled(not running and (w is not self.quality or self._lossy())
                         and (w is not self.sidecar or self.workflow is not None))

    def _done(self, result: tuple[Path, str]) -> None:
        path, note = result
        self.job = None
        self._set_running(False)
        self.settings.last_export_folder = str(Path(path).parent)
        self.settings.export_format = self.formats[self.format_combo.currentIndex()][0]
        self.settings.export_quality = self.quality.value()
        if self.workflow is not None:
            self.settings.export_sidecar = self.sidecar.isChecked()
        self.note_after = note
        self.exported.emit(Path(path))
        self.accept()

    def _error(self, exc: BaseException) -> None:
        self.job = None
        self._set_running(False)
        self._fail(error_message(exc, "exporting"))

    def _fail(self, message: str) -> None:
        self.stage.setText(f"<span style='color:#c0392b'>{message}</span>")

    def reject(self) -> None:
        """Cancel: a running export is abandoned before it writes anything."""
        if self.job is not None:
            self.job.cancel()
            self.job = None
        if self._cloud_running and self.cloud is not None:
            self.cloud.cancel()
        super().reject()

"""The Export dialog (Ctrl+E): format, quality, destination, then a cancellable full-res export.

What belongs here: :class:`ExportDialog` and :func:`default_export_path`. The dialog proposes
``PHOTO-retouched.jpg`` next to the original (or in the last export folder), never the original
itself and never an existing file without asking; then it renders the photo at full resolution
and saves it through ``core.imageio.save_image`` in a worker thread, keeping the source's
metadata (EXIF, ICC, XMP, DPI: the core carries them) and passing the source as ``protect`` so
the core refuses to write over it whatever the user typed. Progress is shown in the dialog
(and the window's status bar); Cancel during the render writes nothing (the job stops before the
save), a cancel during the few-hundred-millisecond save itself lets that atomic write finish.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
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

from facestudio.gui.document import Document, Engine
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
               overwrite: bool, stage: Any) -> Path:
    """Worker side of an export: full-resolution render, then the atomic save."""
    stage.emit("Rendering at full resolution…")
    out = engine.render(doc_state["pixels"], doc_state["faces"], doc_state["params"])
    job.check()  # cancelled while rendering: write nothing
    stage.emit("Saving…")
    return engine.save(target, out, metadata=doc_state["metadata"], alpha=doc_state["alpha"],
                       quality=quality, overwrite=overwrite, protect=(doc_state["source"],))


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
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Export {doc.name}")
        self.doc, self.engine, self.runner, self.settings = doc, engine, runner, settings
        self.job: Job | None = None
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
        self.note = QLabel("The original photo is never overwritten; its metadata is kept.", self)
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
        if self.job is not None:
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
            "params": doc.params,
            "metadata": getattr(doc.loaded, "metadata", None),
            "alpha": getattr(doc.loaded, "alpha", None),
            "source": doc.path,
        }
        quality = self.quality.value()
        self._set_running(True)
        self.stage.setText("Starting…")
        self.job = self.runner.submit("export", export_job, self.engine, state, target, quality,
                                      overwrite, self.stageChanged, pass_job=True,
                                      on_done=self._done, on_error=self._error)

    def _set_running(self, running: bool) -> None:
        self.progress.setVisible(running)
        self.export_button.setEnabled(not running)
        for w in (self.format_combo, self.quality, self.path_edit):
            w.setEnabled(not running and (w is not self.quality or self._lossy()))

    def _done(self, path: Path) -> None:
        self.job = None
        self._set_running(False)
        self.settings.last_export_folder = str(Path(path).parent)
        self.settings.export_format = self.formats[self.format_combo.currentIndex()][0]
        self.settings.export_quality = self.quality.value()
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
        super().reject()

"""File > Export all: every open photo, each with its own settings, faces and engine, in a queue.

What belongs here: :class:`ExportAllDialog` (folder, format, quality, whether to write each
photo's sidecar edit; then progress "n of N" with the current photo and its stage, Cancel, and
at the end a summary with the failures listed) and :func:`export_open_photos`, the queue. The
work is ``facestudio.batch.run_batch``'s, one photo at a time on the app's qasync loop, through
:class:`OpenPhotoBackend`, which gives batch each open photo's own faces (deletions and
corrections included) and engine, and a cloud result already made for these settings instead
of asking the service again. One photo's failure is listed and the rest are exported. Photos to
be sent to a cloud service are checked for keys and confirmed (what goes where) before anything
is written or sent.
"""

from __future__ import annotations

import asyncio
import functools
import html
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
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
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from facestudio.batch import BatchItem, BatchReport, run_batch
from facestudio.core.errors import FaceStudioError
from facestudio.core.faceshape import FaceAnalysis
from facestudio.core.params import RetouchParams
from facestudio.gui.cloud_flow import running_loop
from facestudio.gui.document import Document, render_params
from facestudio.gui.engine_panel import SERVICE_NAMES, STAGE_TEXT
from facestudio.gui.export_dialog import available_formats, default_export_path

if TYPE_CHECKING:
    from facestudio.gui.main_window import MainWindow

#: progress(index from 1, total, photo name, what is happening)
Progress = Callable[[int, int, str, str], None]


class OpenPhotoBackend:
    """The backend interface over one open photo, for ``run_batch``: the photo's own faces, its
    chosen engine, and a cloud result already made for these settings."""

    def __init__(self, backend: Any, analysis: FaceAnalysis | None, cached: np.ndarray | None,
                 progress: Callable[[str, float | None], None] | None = None) -> None:
        self.backend, self.analysis, self.cached, self.progress = backend, analysis, cached, progress
        self.name = getattr(backend, "name", "local")
        self.result: np.ndarray | None = None

    async def analyze(self, photo: Any, *, largest: bool = False, progress: Any = None) -> FaceAnalysis:
        if self.analysis is not None:
            return self.analysis
        return await self.backend.analyze(photo, largest=largest, progress=progress)

    async def retouch(self, photo: Any, analysis: FaceAnalysis | None, params: RetouchParams, *,
                      progress: Any = None, extra: Mapping[str, Any] | None = None) -> np.ndarray:
        if self.cached is not None and self.cached.shape == photo.pixels.shape:
            return self.cached
        self.result = await self.backend.retouch(photo, analysis, params, progress=self.progress)
        return self.result

    async def aclose(self) -> None:
        return None


def plan_targets(docs: list[Document], folder: Path, ext: str) -> list[BatchItem]:
    """``<stem>-retouched<ext>`` in ``folder`` for each photo, never an existing file or one
    planned for another photo."""
    taken: set[Path] = set()
    items = []
    for doc in docs:
        target = default_export_path(doc.path, folder, ext)
        n = 2
        while target in taken or target.exists() or target.resolve() == doc.path.resolve():
            target = folder / f"{doc.path.stem}-retouched-{n}{ext}"
            n += 1
        taken.add(target)
        items.append(BatchItem(doc.path, target))
    return items


async def confirm_cloud(window: MainWindow, docs: list[Document], parent: QWidget | None) -> bool:
    """Keys and consent for the photos that will go to a cloud service; False: send nothing."""
    from facestudio.cloud.errors import CredentialsError

    flow = window.cloud
    loop = asyncio.get_running_loop()
    by_service: dict[str, list[Document]] = {}
    for doc in docs:
        if doc.backend != "local" and doc.cloud_result() is None:
            by_service.setdefault(doc.backend, []).append(doc)
    for name, group in by_service.items():
        backend = flow.backend(name)
        try:
            backend.require_credentials()
        except CredentialsError as exc:
            flow.show_missing_key(str(exc), parent)
            return False
        lines = []
        for doc in group:
            plan = await loop.run_in_executor(None, functools.partial(
                backend.plan_upload, doc.loaded, doc.analysis, render_params(doc.params)))
            lines.append(f"{doc.name}: {backend.describe_upload(plan)}")
        ignored = sorted({s for d in group for s in backend.ignored_settings(render_params(d.params))})
        if not await flow.confirm(SERVICE_NAMES.get(name, name), "\n".join(lines), tuple(ignored), parent):
            return False
    return True


async def export_open_photos(window: MainWindow, docs: list[Document], items: list[BatchItem], *,
                             quality: int, sidecar: bool, progress: Progress,
                             report: BatchReport | None = None,
                             notes: list[str] | None = None) -> tuple[BatchReport, list[str]]:
    """Export ``docs`` to ``items`` one by one; returns batch's report and notes (sidecars).

    ``report`` and ``notes``, when given, are filled as the queue goes (so a cancel keeps them).
    """
    total = report if report is not None else BatchReport()
    notes = notes if notes is not None else []
    n = len(docs)
    for i, (doc, item) in enumerate(zip(docs, items), start=1):
        label = SERVICE_NAMES.get(doc.backend, doc.backend)
        progress(i, n, doc.name, "exporting")
        if doc.state != "ready" or doc not in window.docs:
            total.failed.append((item, f"{doc.name} is still loading; export it again in a moment"))
            continue
        cached = doc.cloud_result()

        def stage(s: str, fraction: float | None = None, _i: int = i, _doc: Document = doc,
                  _label: str = label) -> None:
            progress(_i, n, _doc.name, f"{_label}: {STAGE_TEXT.get(s, s)}")

        adapter = OpenPhotoBackend(window.cloud.backend(doc.backend), doc.analysis,
                                   cached.pixels if cached is not None else None, stage)
        params = render_params(doc.params)
        report = await run_batch([item], adapter, params, quality=quality, overwrite=False,
                                 use_sidecars=False)
        total.done += report.done
        total.skipped += report.skipped
        total.failed += report.failed
        total.no_face += report.no_face
        if report.done and adapter.result is not None and doc.backend != "local":
            from facestudio.gui.document import CloudResult

            pixels = adapter.result
            pixels.setflags(write=False)
            doc.cloud = CloudResult(doc.backend, params, doc.analysis, pixels)  # reused by later exports
        if report.done and sidecar:
            from facestudio.sidecar import save_edit

            try:
                save_edit(doc.path, window.workflow.edit_of(doc))
            except FaceStudioError as exc:
                notes.append(str(exc))
    return total, notes


class ExportAllDialog(QDialog):
    """Export every open photo with its own settings, with progress, cancel and a summary.

    Signals
    -------
    progressed(int, int, str, str)
        index (from 1), total, photo name, stage.
    completed(object)
        The ``BatchReport`` (after a full run or a cancel).
    """

    progressed = Signal(int, int, str, str)
    completed = Signal(object)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.setWindowTitle("Export all open photos")
        self.task: asyncio.Task | None = None
        self.report: BatchReport | None = None
        self.formats = available_formats()
        settings = window.settings
        self.folder_edit = QLineEdit(self)
        self.folder_edit.setMinimumWidth(360)
        folder = settings.last_export_folder or (str(window.docs[0].path.parent) if window.docs else "")
        self.folder_edit.setText(folder)
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder_edit, 1)
        row.addWidget(browse)
        self.format_combo = QComboBox(self)
        for label, ext, _lossy in self.formats:
            self.format_combo.addItem(f"{label} ({ext})", ext)
        exts = [f[1] for f in self.formats]
        preferred = next((f[1] for f in self.formats if f[0] == settings.export_format), exts[0])
        self.format_combo.setCurrentIndex(exts.index(preferred))
        self.quality = QSpinBox(self)
        self.quality.setRange(1, 100)
        self.quality.setValue(settings.export_quality)
        self.quality.setSuffix(" %")
        self.format_combo.currentIndexChanged.connect(
            lambda i: self.quality.setEnabled(self.formats[i][2]))
        self.quality.setEnabled(self.formats[self.format_combo.currentIndex()][2])
        self.sidecar = QCheckBox("Save each photo's edit beside it (PHOTO.facestudio.json)", self)
        self.sidecar.setChecked(settings.export_sidecar)
        form = QFormLayout()
        form.addRow("Folder:", row)
        form.addRow("Format:", self.format_combo)
        form.addRow("Quality:", self.quality)
        form.addRow("", self.sidecar)
        n = len(window.docs)
        self.intro = QLabel(f"{n} open photo{'s' if n != 1 else ''}, each with its own settings, faces "
                            "and engine, as PHOTO-retouched in the folder. Originals are never "
                            "overwritten; existing files are kept (a new name is used).", self)
        self.intro.setWordWrap(True)
        self.current = QLabel("", self)
        self.current.setObjectName("export_all_current")
        self.current.setWordWrap(True)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, max(1, n))
        self.progress.setFormat("%v of %m")
        self.progress.setVisible(False)
        self.summary = QLabel("", self)
        self.summary.setObjectName("export_all_summary")
        self.summary.setWordWrap(True)
        self.failures = QPlainTextEdit(self)
        self.failures.setReadOnly(True)
        self.failures.setVisible(False)
        self.failures.setMaximumHeight(140)
        self.buttons = QDialogButtonBox(self)
        self.export_button = self.buttons.addButton("Export all", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.export_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.intro)
        layout.addWidget(self.current)
        layout.addWidget(self.progress)
        layout.addWidget(self.summary)
        layout.addWidget(self.failures)
        layout.addWidget(self.buttons)
        self.progressed.connect(self._show_progress)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export to folder", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    def start(self) -> None:
        if self.task is not None:
            return
        folder = Path(self.folder_edit.text().strip()).expanduser()
        if not self.folder_edit.text().strip():
            self._fail("Choose a folder to export to.")
            return
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._fail(f"Cannot use the folder {folder}: {exc.strerror or exc}.")
            return
        loop = running_loop()
        if loop is None:
            self._fail("Exporting needs FaceStudio's event loop: start FaceStudio with the facestudio command.")
            return
        docs = list(self.window.docs)
        if not docs:
            self._fail("There is no open photo to export.")
            return
        self.report = None
        self.task = loop.create_task(self._run(docs, folder))

    async def _run(self, docs: list[Document], folder: Path) -> None:
        ext = self.format_combo.currentData()
        self._set_running(True)
        self.current.setText("Checking…")
        report = BatchReport()
        notes: list[str] = []
        outcome = "done"
        try:
            if not await confirm_cloud(self.window, docs, self):
                self.current.setText("Nothing was exported or sent.")
                return
            items = plan_targets(docs, folder, ext)
            await export_open_photos(
                self.window, docs, items, quality=self.quality.value(), sidecar=self.sidecar.isChecked(),
                progress=lambda i, n, name, stage: self.progressed.emit(i, n, name, stage),
                report=report, notes=notes)
        except asyncio.CancelledError:
            outcome = "cancelled"
        except Exception as exc:  # noqa: BLE001 (run_batch reports photo failures; this is a bug)
            from facestudio.gui.jobs import error_message

            outcome = error_message(exc, "exporting the photos")
        finally:
            self.task = None
            self._set_running(False)
        self.window.settings.last_export_folder = str(folder)
        self.window.settings.export_format = self.formats[self.format_combo.currentIndex()][0]
        self.window.settings.export_quality = self.quality.value()
        self.window.settings.export_sidecar = self.sidecar.isChecked()
        self._finish(report, notes, outcome, folder)

    def _finish(self, report: BatchReport, notes: list[str], outcome: str, folder: Path) -> None:
        self.report = report
        if outcome == "done":
            total = len(report.done) + len(report.failed) + len(report.skipped)
            text = f"{len(report.done)} of {total} photo{'s' if total != 1 else ''} exported to {folder}"
            if report.no_face:
                text += f" ({len(report.no_face)} without a face, exported unchanged)"
            text += f"; {len(report.failed)} failed (listed below)." if report.failed else "."
            self.current.setText("Finished.")
        elif outcome == "cancelled":
            text = f"Cancelled after {len(report.done)} photo(s); what was exported is kept."
        else:
            text = outcome
        self.summary.setText(text)
        lines = [f"{item.source.name}: {msg}" for item, msg in self.report.failed] + notes
        self.failures.setPlainText("\n".join(lines))
        self.failures.setVisible(bool(lines))
        self.export_button.setVisible(False)
        self.cancel_button.setText("Close")
        self.window.say(f"Export all: {text}")
        self.completed.emit(self.report)

    def _show_progress(self, i: int, n: int, name: str, stage: str) -> None:
        self.progress.setMaximum(n)
        self.progress.setValue(i - 1)
        self.current.setText(f"{i} of {n}: {html.escape(name)} ({stage})")
        self.window.cloud.show_stage(f"Exporting {i} of {n}: {name}…", self.reject, key="export_all")

    def _set_running(self, running: bool) -> None:
        self.progress.setVisible(running or self.progress.value() > 0)
        self.export_button.setEnabled(not running)
        for w in (self.folder_edit, self.format_combo, self.sidecar):
            w.setEnabled(not running)
        self.quality.setEnabled(not running and self.formats[self.format_combo.currentIndex()][2])
        if not running:
            self.progress.setValue(self.progress.maximum())
            self.window.cloud.show_stage(None, key="export_all")

    def _fail(self, message: str) -> None:
        self.summary.setText(f"<span style='color:#c0392b'>{html.escape(message)}</span>")

    def reject(self) -> None:
        """Cancel a running export (what is written stays); close otherwise."""
        if self.task is not None:
            self.task.cancel()
            return
        super().reject()

"""The "Engine" section: which engine renders this photo, and the explicit cloud render.

What belongs here: :class:`EnginePanel` (the per-photo backend choice, what the chosen service
does and ignores, the "Render with <service>" button, the running render's stage with Cancel,
and the way to the Cloud keys dialog) and the names people see (:data:`BACKEND_CHOICES`).
Choosing a cloud service sends nothing: the preview stays local until the user presses the
render button (or exports). The panel only reports choices; the window's
:class:`~facestudio.gui.cloud_flow.CloudFlow` does the work.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QWidget,
)

#: (backend name, what the user sees), in the order offered
BACKEND_CHOICES: tuple[tuple[str, str], ...] = (
    ("local", "Local engine (offline)"),
    ("acedata", "Ace Data Cloud"),
    ("ailab-pro", "AILabTools Pro"),
    ("ailab-smart", "AILabTools Smart beauty"),
    ("ailab-tidyup", "AILabTools Tidy-up (retired)"),
)
BACKEND_LABELS = dict(BACKEND_CHOICES)
#: the short service name used in buttons and messages
SERVICE_NAMES = {"local": "the local engine", "acedata": "Ace Data Cloud", "ailab-pro": "AILabTools Pro",
                 "ailab-smart": "AILabTools Smart beauty", "ailab-tidyup": "AILabTools Tidy-up"}
DESCRIPTIONS = {
    "local": "Everything runs on this computer: every slider, reshape part, filter and face. "
             "Nothing is sent anywhere.",
    "acedata": "Ace Data Cloud face/beautify applies the four Beautify sliders. The photo is fitted to "
               "the service's limits and uploaded to Ace's file store first.",
    "ailab-pro": "AILabTools face-beauty-pro applies the four Beautify sliders, small face, eyebrow "
                 "removal and the 35 filters.",
    "ailab-smart": "AILabTools smart-beauty applies one strength (the mean of the four Beautify "
                   "sliders) to every face it finds.",
    "ailab-tidyup": "AILabTools has retired face-tidyup: requests to it fail. The local engine does all "
                    "22 reshape parts offline, at full resolution.",
}
#: progress stages (facestudio.backends.STAGES) as shown to the user
STAGE_TEXT = {
    "preparing": "preparing the upload",
    "uploading": "uploading",
    "queued": "queued at the service",
    "processing": "processing",
    "downloading": "downloading the result",
    "compositing": "blending into the full-resolution photo",
}


class EnginePanel(QWidget):
    """Backend choice and cloud render controls for the current photo.

    Signals
    -------
    backendChosen(str)
        A backend name from :data:`BACKEND_CHOICES`.
    renderRequested()
        "Render with <service>".
    cancelRequested()
        Cancel the running cloud render.
    keysRequested()
        Open the Cloud keys dialog.
    """

    backendChosen = Signal(str)
    renderRequested = Signal()
    cancelRequested = Signal()
    keysRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setColumnStretch(0, 1)
        grid.addWidget(QLabel("Render this photo with:", self), 0, 0, 1, 2)
        self.combo = QComboBox(self)
        self.combo.setObjectName("backend_combo")
        for name, label in BACKEND_CHOICES:
            self.combo.addItem(label, name)
        self.combo.setToolTip("Per photo. Choosing a service sends nothing: the preview stays local "
                              "until you press the render button or export.")
        self.combo.activated.connect(lambda i: self.backendChosen.emit(self.combo.itemData(i)))
        grid.addWidget(self.combo, 1, 0, 1, 2)
        self.description = QLabel("", self)
        self.description.setWordWrap(True)
        grid.addWidget(self.description, 2, 0, 1, 2)
        self.use_local_button = QPushButton("Use the local engine", self)
        self.use_local_button.clicked.connect(lambda: self.backendChosen.emit("local"))
        grid.addWidget(self.use_local_button, 3, 0, 1, 2)
        self.ignored = QLabel("", self)
        self.ignored.setObjectName("ignored_settings")
        self.ignored.setWordWrap(True)
        grid.addWidget(self.ignored, 4, 0, 1, 2)
        self.render_button = QPushButton("Render with …", self)
        self.render_button.setObjectName("render_cloud")
        self.render_button.clicked.connect(self.renderRequested)
        grid.addWidget(self.render_button, 5, 0, 1, 2)
        self.stage = QLabel("", self)
        self.stage.setWordWrap(True)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.setMaximumHeight(14)
        self.progress.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.clicked.connect(self.cancelRequested)
        run = QHBoxLayout()
        run.addWidget(self.progress, 1)
        run.addWidget(self.cancel_button)
        grid.addWidget(self.stage, 6, 0, 1, 2)
        grid.addLayout(run, 7, 0, 1, 2)
        self.result_note = QLabel("", self)
        self.result_note.setObjectName("cloud_result_note")
        self.result_note.setWordWrap(True)
        grid.addWidget(self.result_note, 8, 0, 1, 2)
        self.keys_button = QPushButton("Cloud keys and addresses…", self)
        self.keys_button.clicked.connect(self.keysRequested)
        grid.addWidget(self.keys_button, 9, 0, 1, 2)
        grid.setRowStretch(10, 1)
        self._backend = "local"
        self.set_backend("local")
        self.set_running(None)

    def backend(self) -> str:
        return self._backend

    def set_backend(self, name: str, *, enabled: bool = True) -> None:
        """Show ``name`` as the choice (silently)."""
        self._backend = name
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(max(0, self.combo.findData(name)))
        self.combo.blockSignals(False)
        self.combo.setEnabled(enabled)
        self.description.setText(DESCRIPTIONS.get(name, ""))
        self.use_local_button.setVisible(name == "ailab-tidyup")
        cloud = name != "local"
        self.render_button.setVisible(cloud)
        self.render_button.setText(f"Render with {SERVICE_NAMES.get(name, name)}…")
        self.render_button.setEnabled(cloud and enabled)
        self.render_button.setToolTip("Asks for confirmation first, saying exactly what is sent where")
        if not cloud:
            self.ignored.setText("")
            self.result_note.setText("")

    def set_ignored(self, ignored: tuple[str, ...]) -> None:
        """The current settings the chosen service cannot apply."""
        if not ignored or self._backend == "local":
            self.ignored.setText("")
            return
        self.ignored.setText(f"<i>{SERVICE_NAMES.get(self._backend, self._backend)} cannot apply: "
                             f"{', '.join(ignored)}.</i>")

    def set_result_note(self, text: str) -> None:
        self.result_note.setText(text)

    def set_running(self, stage: str | None) -> None:
        """Show a running render's stage (None: nothing running)."""
        running = stage is not None
        self.stage.setText(stage or "")
        self.stage.setVisible(running)
        self.progress.setVisible(running)
        self.cancel_button.setVisible(running)
        self.render_button.setEnabled(not running and self._backend != "local")
        self.combo.setEnabled(not running)

"""The Help menu's content: the keyboard shortcut list and the About box.

What belongs here: :data:`SHORTCUTS` (the single table the window builds its actions from and
the Help dialog lists, so the two cannot disagree), :func:`versions` and the two dialogs.
The About box shows the versions of FaceStudio and of the libraries that do the work, and the
licences of the shipped models (``facestudio/models/PROVENANCE.md``).
"""

from __future__ import annotations

import html
from importlib import metadata, resources

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTextBrowser, QVBoxLayout, QWidget

#: action name -> (menu text, key sequence, what it does)
SHORTCUTS: dict[str, tuple[str, str, str]] = {
    "open": ("&Open…", "Ctrl+O", "Open one or more photos"),
    "export": ("&Export…", "Ctrl+E", "Export the retouched photo"),
    "export_all": ("Export &all…", "Ctrl+Shift+E", "Export every open photo, each with its own settings"),
    "save_edit": ("&Save edit", "Ctrl+S", "Save the edit beside the photo (PHOTO.facestudio.json) to reopen it later"),
    "close": ("&Close photo", "Ctrl+W", "Close the current photo"),
    "quit": ("&Quit", "Ctrl+Q", "Quit FaceStudio"),
    "undo": ("&Undo", "Ctrl+Z", "Undo the last edit"),
    "redo": ("&Redo", "Ctrl+Shift+Z", "Redo"),
    "reset_all": ("Reset all sliders", "Ctrl+R", "Every slider back to its default"),
    "delete_face": ("Delete selected face", "Del", "Remove a false face detection"),
    "all_faces": ("Edit all faces", "Esc", "Apply the sliders to every face again"),
    "apply_all": ("Apply settings to all open photos", "Ctrl+Shift+A",
                  "The current photo's settings on every other open photo (undoable on each)"),
    "save_preset": ("&Save current as preset…", "", "Keep the current settings as a preset of your own"),
    "delete_preset": ("&Delete preset…", "", "Delete one of your presets"),
    "render_cloud": ("&Render with the chosen service…", "Ctrl+Shift+R",
                     "Send the photo to the service chosen in Engine (asks first)"),
    "keys": ("Cloud &keys and addresses…", "", "Store the cloud services' keys in the system keyring"),
    "mode_split": ("Split view", "1", "Before left of the line, after right"),
    "mode_side": ("Side by side", "2", "Before and after next to each other"),
    "mode_after": ("Result only", "3", "Only the retouched photo"),
    "compare": ("Hold to compare", "\\", "Hold to see the original (or hold the Before button)"),
    "landmarks": ("Show landmarks", "L", "Show or hide the 90 landmarks of every face"),
    "zoom_fit": ("Fit in window", "Ctrl+0", "Show the whole photo"),
    "zoom_100": ("Actual pixels (100 %)", "Ctrl+1", "One photo pixel per screen pixel"),
    "zoom_in": ("Zoom in", "Ctrl++", "Zoom in (or the mouse wheel)"),
    "zoom_out": ("Zoom out", "Ctrl+-", "Zoom out (or the mouse wheel)"),
    "next_photo": ("Next photo", "Ctrl+PgDown", "Next photo in the film strip"),
    "prev_photo": ("Previous photo", "Ctrl+PgUp", "Previous photo in the film strip"),
    "shortcuts": ("&Keyboard shortcuts", "F1", "This list"),
}
#: what the mouse does (listed with the shortcuts)
MOUSE = (
    ("Drag the photo", "Pan"),
    ("Mouse wheel", "Zoom around the pointer"),
    ("Drag the split line", "Move the before/after split"),
    ("Click a face", "Edit that face alone (its own settings)"),
    ("Drag a landmark point", "Correct where it is (landmarks shown; Ctrl+Z undoes it)"),
    ("Drop photos on the window", "Open them"),
)


def versions() -> list[tuple[str, str]]:
    """(name, version) of FaceStudio and the libraries it runs on."""
    import cv2
    import numpy
    import PySide6
    from PySide6 import QtCore

    import facestudio

    def dist(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    return [
        ("FaceStudio", facestudio.__version__),
        ("Qt", QtCore.qVersion()),
        ("PySide6", PySide6.__version__),
        ("numpy", numpy.__version__),
        ("OpenCV", cv2.__version__),
        ("LiteRT (ai-edge-litert)", dist("ai-edge-litert")),
        ("Pillow", dist("pillow")),
        ("qasync", dist("qasync")),
    ]


def model_licences() -> str:
    """The shipped models' provenance and licences (Markdown)."""
    try:
        return resources.files("facestudio.models").joinpath("PROVENANCE.md").read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError, OSError):
        return "The model provenance file is missing: the installation is incomplete."


class ShortcutsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        rows = "".join(
            f"<tr><td><b>{html.escape(keys)}</b></td><td>{html.escape(text.replace('&', ''))}</td>"
            f"<td>{html.escape(what)}</td></tr>"
            for text, keys, what in SHORTCUTS.values())
        mouse = "".join(f"<tr><td><b>{html.escape(a)}</b></td><td colspan=2>{html.escape(b)}</td></tr>"
                        for a, b in MOUSE)
        label = QLabel(f"<table cellspacing=6>{rows}<tr><td colspan=3><hr></td></tr>{mouse}</table>", self)
        label.setTextFormat(Qt.TextFormat.RichText)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(buttons)


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About FaceStudio")
        self.resize(720, 560)
        table = "".join(f"<tr><td>{html.escape(n)}</td><td><b>{html.escape(v)}</b></td></tr>"
                        for n, v in versions())
        head = QLabel("<h2>FaceStudio</h2><p>Portrait retouching with an offline engine: 90-point "
                      "landmarks, texture-keeping skin work, metadata-safe export. "
                      "Licensed under the Apache License 2.0.</p>"
                      f"<table cellspacing=4>{table}</table><h3>Model licences</h3>", self)
        head.setTextFormat(Qt.TextFormat.RichText)
        head.setWordWrap(True)
        self.licences = QTextBrowser(self)
        self.licences.setMarkdown(model_licences())
        self.licences.setOpenExternalLinks(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(self.licences, 1)
        layout.addWidget(buttons)

"""The photographer's workflow in the window: sidecar edits, presets, smart beauty, apply to all.

What belongs here: :class:`Workflow`, the window's glue to ``facestudio.sidecar``,
``facestudio.presets`` and ``core.smart`` (none of their logic is repeated here):

- on opening a photo, its ``PHOTO.facestudio.json`` is read in the worker: the parameters, the
  faces as the user left them (deletions, corrections) and the engine come back; a photo whose
  bytes changed gets its faces found again but keeps the parameters; a damaged sidecar gives a
  one-line warning and the photo opens without it. File > Save edit (Ctrl+S) writes it.
- presets applied as one undoable edit (to every face, or to the face edited alone), the current
  settings saved as a preset, a user preset deleted;
- smart beauty measured on the preview in the worker, set as one undoable edit;
- the filter thumbnails of each photo, rendered in the worker once its faces are known;
- the current photo's settings applied to every other open photo, one undoable edit each.
"""

from __future__ import annotations

import functools
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QInputDialog, QMessageBox

from facestudio.core.errors import FaceStudioError
from facestudio.core.params import RetouchParams
from facestudio.gui.commands import ParamsCommand
from facestudio.gui.document import Document, filter_thumbnails, read_sidecar, render_params
from facestudio.gui.engine_panel import SERVICE_NAMES
from facestudio.gui.jobs import error_message

if TYPE_CHECKING:
    from facestudio.gui.main_window import MainWindow
    from facestudio.sidecar import Edit


def prune_overrides(params: RetouchParams, n_faces: int) -> RetouchParams:
    """``params`` without per-face settings or a selection for faces the photo does not have."""
    overrides = tuple(o for o in params.overrides if o[0] < n_faces)
    face = params.face if params.face is not None and params.face < n_faces else None
    if overrides == params.overrides and face == params.face:
        return params
    return params.replace(overrides=overrides, face=face)


class Workflow(QObject):
    """Sidecars, presets, smart beauty, thumbnails and apply-to-all for one window.

    Signals
    -------
    thumbnailsReady(object)
        The Document whose filter thumbnails are ready.
    presetsChanged()
        A user preset was saved or deleted.
    """

    thumbnailsReady = Signal(object)
    presetsChanged = Signal()

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.last_thumbnail_seconds: float | None = None

    # -- sidecars --------------------------------------------------------------------------------
    def start_restore(self, doc: Document) -> None:
        """Read the photo's sidecar in the worker, then find faces unless the edit has them."""
        doc.jobs.append(self.window.runner.submit(
            "sidecar", read_sidecar, doc.path,
            on_done=lambda r, d=doc: self._on_sidecar(d, r),
            on_error=lambda e, d=doc: self._on_sidecar(d, (None, None, error_message(e, "reading the edit"), False))))

    def _on_sidecar(self, doc: Document, result: tuple[str | None, Edit | None, str | None, bool]) -> None:
        w = self.window
        if doc not in w.docs:
            return
        digest, edit, problem, same = result
        doc.sha256 = digest
        if problem is not None:
            w.show_error(f"{problem} ({doc.name} was opened without it)")
        if edit is None:
            w.loader.start_detect(doc)
            return
        from facestudio.backends import BACKEND_NAMES

        doc.params = edit.params.replace(face=None)
        doc.backend = edit.backend if edit.backend in BACKEND_NAMES else "local"
        engine = SERVICE_NAMES.get(doc.backend, doc.backend)
        analysis = edit.analysis
        fits = analysis is not None and doc.full_size == (analysis.image_width, analysis.image_height)
        if doc is w.current:
            w.panel.set_params(doc.params)
            w.update_engine()
        if same and fits:
            n = len(analysis.faces)
            doc.note = (f"Restored the saved edit ({n} face{'s' if n != 1 else ''} as you left them, "
                        f"{engine}).")
            w.loader.on_detected(doc, analysis)
        else:
            doc.note = ("The photo changed since its edit was saved: faces found again, settings kept."
                        if not same else "Restored the saved settings; faces found again.")
            w.loader.start_detect(doc)

    def edit_of(self, doc: Document) -> Edit:
        """The sidecar edit of ``doc`` as it is now (no secret, no pixels)."""
        from facestudio.sidecar import Edit, file_sha256

        digest = doc.sha256
        if digest is None:
            try:
                digest = doc.sha256 = file_sha256(doc.path)
            except OSError:
                digest = None
        return Edit(params=render_params(doc.params), analysis=doc.analysis, backend=doc.backend,
                    photo_sha256=digest)

    def save_edit(self, doc: Document | None = None) -> Path | None:
        """File > Save edit: write ``PHOTO.facestudio.json`` beside the photo."""
        from facestudio.sidecar import save_edit

        doc = doc or self.window.current
        if doc is None or doc.state != "ready":
            return None
        try:
            path = save_edit(doc.path, self.edit_of(doc))
        except FaceStudioError as exc:
            self.window.show_error(str(exc))
            return None
        self.window.say(f"Saved the edit of {doc.name} as {path.name}: reopening the photo restores it.")
        return path

    # -- thumbnails ------------------------------------------------------------------------------
    def start_thumbnails(self, doc: Document) -> None:
        if doc.preview is None:
            return
        faces = tuple(f.scaled(doc.preview_scale) for f in doc.analysis.faces) if doc.analysis else ()
        doc.jobs.append(self.window.runner.submit(
            "thumbnails", filter_thumbnails, doc.preview, faces,
            on_done=lambda r, d=doc: self._on_thumbnails(d, r), on_error=lambda e: None))

    def _on_thumbnails(self, doc: Document, result: tuple[dict, Any, float]) -> None:
        thumbs, original, seconds = result
        self.last_thumbnail_seconds = seconds
        doc.filter_thumbs = (thumbs, original)
        if doc is self.window.current:
            self.window.panel.filters.set_thumbnails(thumbs, original)
        self.thumbnailsReady.emit(doc)

    # -- smart beauty ----------------------------------------------------------------------------
    def smart_beauty(self, level: float, every_face: bool) -> None:
        """Measure each face on the preview (worker) and set the mix as one undoable edit."""
        from facestudio.core.smart import smart_beauty

        doc = self.window.current
        status = self.window.panel.smart.status
        if doc is None or doc.state != "ready" or doc.preview is None or not doc.analysis or \
                not doc.analysis.faces:
            status.setText("Open a photo with a face first.")
            return
        faces = tuple(f.scaled(doc.preview_scale) for f in doc.analysis.faces)
        self.window.panel.smart.apply_button.setEnabled(False)
        status.setText("Measuring the faces…")
        started = time.perf_counter()
        doc.jobs.append(self.window.runner.submit(
            "smart", functools.partial(smart_beauty, multi_face=every_face), doc.preview, faces, level,
            on_done=lambda p, d=doc: self._on_smart(d, p, level, every_face, started),
            on_error=lambda e: self._smart_failed(e)))

    def _on_smart(self, doc: Document, params: RetouchParams, level: float, every_face: bool,
                  started: float) -> None:
        panel = self.window.panel
        panel.smart.apply_button.setEnabled(True)
        if doc not in self.window.docs:
            return
        old = doc.params
        new = params.replace(filter_id=old.filter_id, filter_strength=old.filter_strength, face=old.face)
        which = "every face" if every_face else "the largest face"
        self.window.push_params(doc, new, f"Smart beauty {round(level * 100)} % ({which})")
        faces = ", ".join(str(i + 1) for i, _ in new.overrides) or "none"
        panel.smart.status.setText(f"Done in {time.perf_counter() - started:.1f} s: own settings for "
                                   f"face{'s' if len(new.overrides) != 1 else ''} {faces}. Ctrl+Z undoes it.")

    def _smart_failed(self, exc: BaseException) -> None:
        self.window.panel.smart.apply_button.setEnabled(True)
        self.window.panel.smart.status.setText("")
        self.window.show_error(error_message(exc, "measuring the faces"))

    # -- presets ---------------------------------------------------------------------------------
    def apply_preset(self, name: str) -> bool:
        """Apply preset ``name``: to every face (per-face settings cleared), or, while one face is
        edited alone, to that face only. One undoable edit."""
        from facestudio.presets import load_preset

        doc = self.window.current
        if doc is None:
            return False
        try:
            preset = load_preset(name)
        except FaceStudioError as exc:
            self.window.show_error(str(exc))
            return False
        old = doc.params
        if old.face is not None:
            new = old.with_override(old.face, preset)
            text = f"Preset {name} on face {old.face + 1}"
        else:
            new = preset.replace(face=None, overrides=())
            text = f"Preset {name}"
        self.window.push_params(doc, new, text)
        self.window.say(f"Applied the preset {name}" + (f" to face {old.face + 1}." if old.face is not None
                                                        else " to every face."))
        return True

    def save_preset(self, name: str, *, overwrite: bool = False) -> Path | None:
        """Save the settings the sliders show (the edited face's, or every face's) as ``name``."""
        from facestudio.presets import save_preset

        panel = self.window.panel
        params = panel.shown().replace(filter_id=panel.params().filter_id,
                                       filter_strength=panel.params().filter_strength)
        try:
            path = save_preset(name, params, overwrite=overwrite)
        except FaceStudioError as exc:
            self.window.show_error(str(exc))
            return None
        self.presetsChanged.emit()
        self.window.say(f"Saved the preset {name.strip()}.")
        return path

    def delete_preset(self, name: str) -> bool:
        from facestudio.presets import delete_preset

        try:
            delete_preset(name)
        except FaceStudioError as exc:
            self.window.show_error(str(exc))
            return False
        self.presetsChanged.emit()
        self.window.say(f"Deleted the preset {name}.")
        return True

    def save_preset_dialog(self) -> None:
        from facestudio.presets import user_presets

        name, ok = QInputDialog.getText(self.window, "Save preset",
                                        "Name for the current settings (letters, digits, spaces, - _ .):")
        if not ok or not name.strip():
            return
        exists = name.strip().lower().replace(" ", "-") in user_presets()
        if exists:
            answer = QMessageBox.question(self.window, "Replace preset?",
                                          f"A preset named {name.strip()} exists. Replace it?")
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.save_preset(name, overwrite=exists)

    def delete_preset_dialog(self) -> None:
        from facestudio.presets import user_presets

        names = sorted(user_presets())
        if not names:
            self.window.say("There are no presets of your own to delete (built-in presets stay).")
            return
        name, ok = QInputDialog.getItem(self.window, "Delete preset", "Preset:", names, 0, False)
        if ok and name:
            self.delete_preset(name)

    # -- apply to all ----------------------------------------------------------------------------
    def apply_to_all(self) -> int:
        """The current photo's all-faces settings (and filter) on every other open photo: one
        undoable edit on each photo's own undo history. Returns how many photos changed."""
        w = self.window
        src = w.current
        if src is None:
            return 0
        look = src.params.replace(face=None, overrides=())
        changed = loading = 0
        for doc in w.docs:
            if doc is src:
                continue
            if doc.state != "ready":  # its saved edit may still arrive: leave it alone
                loading += 1
                continue
            new = look.replace(face=None)
            if new == doc.params:
                continue
            doc.undo.push(ParamsCommand(w, doc, doc.params, new, "*", text=f"Settings of {src.name}"))
            changed += 1
        note = " (per-face settings stay with their own photo)" if src.params.overrides else ""
        if loading:
            note += f"; {loading} photo{'s' if loading != 1 else ''} still loading left as they are"
        w.say(f"Applied the settings of {src.name} to {changed} other photo{'s' if changed != 1 else ''}"
              f"{note}; Ctrl+Z on a photo undoes it there." if changed else
              "The other open photos already have these settings.")
        return changed

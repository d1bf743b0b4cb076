"""Undoable edits: every change the user makes to a photo is one of these QUndoCommands.

What belongs here: the commands (parameter change, face selection, face deletion) and nothing
that applies them: each command calls back into an :class:`Editor` (the main window), which
updates the document, the panel, the overlay and the render. Slider drags merge into one
command until the user lets go (:meth:`ParamsCommand.close`), so one Ctrl+Z undoes one drag.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtGui import QUndoCommand

from facestudio.core.faceshape import FaceAnalysis
from facestudio.core.params import PARAMETER_BY_NAME, RetouchParams
from facestudio.gui.document import Document


class Editor(Protocol):
    def apply_edit(self, doc: Document, params: RetouchParams,
                   analysis: FaceAnalysis | None = None) -> None: ...


class ParamsCommand(QUndoCommand):
    """A change of the retouch parameters (one slider drag, a typed number, a reset, a face pick)."""

    ID = 1001

    def __init__(self, editor: Editor, doc: Document, old: RetouchParams, new: RetouchParams,
                 key: str) -> None:
        super().__init__(_describe(key, new))
        self.editor, self.doc, self.old, self.new, self.key = editor, doc, old, new, key
        self.closed = key in ("*", "face")  # resets and face picks never merge

    def close(self) -> None:
        """The drag or the typing ended: the next change starts a new undo step."""
        self.closed = True

    def id(self) -> int:  # noqa: A003 (Qt name)
        return self.ID

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802
        if (not isinstance(other, ParamsCommand) or self.closed or other.key != self.key
                or other.doc is not self.doc):
            return False
        self.new = other.new
        self.closed = other.closed
        self.setText(_describe(self.key, self.new))
        self.setObsolete(self.new == self.old)  # dragged back to where it started
        return True

    def redo(self) -> None:
        self.editor.apply_edit(self.doc, self.new)

    def undo(self) -> None:
        self.editor.apply_edit(self.doc, self.old)


class DeleteFaceCommand(QUndoCommand):
    """Remove a false detection (and keep the face selection pointing at the same faces)."""

    def __init__(self, editor: Editor, doc: Document, index: int) -> None:
        super().__init__(f"Delete face {index + 1}")
        assert doc.analysis is not None
        self.editor, self.doc = editor, doc
        self.old_analysis = doc.analysis
        self.new_analysis = doc.analysis.without(index)
        self.old_params = doc.params
        face = doc.params.face
        if face is not None:
            face = None if face == index else (face - 1 if face > index else face)
        self.new_params = doc.params.replace(face=face)

    def redo(self) -> None:
        self.editor.apply_edit(self.doc, self.new_params, self.new_analysis)

    def undo(self) -> None:
        self.editor.apply_edit(self.doc, self.old_params, self.old_analysis)


def _describe(key: str, params: RetouchParams) -> str:
    if key == "*":
        return "Reset all sliders"
    if key == "face":
        return "Edit all faces" if params.face is None else f"Select face {params.face + 1}"
    spec = PARAMETER_BY_NAME.get(key)
    return f"{spec.label} {getattr(params, key)}" if spec else f"Change {key}"

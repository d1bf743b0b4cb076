"""Undoable edits: every change the user makes to a photo is one of these QUndoCommands.

What belongs here: the commands (parameter change, face selection, face deletion, a landmark
moved by hand), the names they show in Edit > Undo (:func:`change_key`, :func:`point_name`),
and nothing that applies them: each command calls back into an :class:`Editor` (the main
window), which updates the document, the panel, the overlay and the render. Slider drags
merge into one command until the user lets go (:meth:`ParamsCommand.close`), so one Ctrl+Z
undoes one drag. A per-face override change is keyed by face and slider, so dragging face 2's
smoothing merges only with itself. A landmark drag is one command made on release.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from PySide6.QtGui import QUndoCommand

from facestudio.core.faceshape import GROUP_SLICES, GROUPS, FaceAnalysis, FaceShape
from facestudio.core.params import PARAMETER_BY_NAME, RESHAPE_PARTS, RetouchParams
from facestudio.gui.document import Document


class Editor(Protocol):
    def apply_edit(self, doc: Document, params: RetouchParams,
                   analysis: FaceAnalysis | None = None) -> None: ...


class ParamsCommand(QUndoCommand):
    """A change of the retouch parameters (one slider drag, a typed number, a reset, a face pick,
    a filter, a preset, smart beauty)."""

    ID = 1001

    def __init__(self, editor: Editor, doc: Document, old: RetouchParams, new: RetouchParams,
                 key: str, text: str | None = None) -> None:
        self._fixed_text = text
        super().__init__(text or describe(key, old, new))
        self.editor, self.doc, self.old, self.new, self.key = editor, doc, old, new, key
        self.closed = key in ("*", "face") or text is not None  # one-shot edits never merge

    def close(self) -> None:
        """The drag or the typing ended: the next change starts a new undo step."""
        self.closed = True

    def id(self) -> int:  # noqa: A003 (Qt name)
        return self.ID

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802
        if (not isinstance(other, ParamsCommand) or self.closed or other.key != self.key
                or other.doc is not self.doc or other._fixed_text is not None):
            return False
        self.new = other.new
        self.closed = other.closed
        self.setText(describe(self.key, self.old, self.new))
        self.setObsolete(self.new == self.old)  # dragged back to where it started
        return True

    def redo(self) -> None:
        self.editor.apply_edit(self.doc, self.new)

    def undo(self) -> None:
        self.editor.apply_edit(self.doc, self.old)


def remap_after_delete(params: RetouchParams, index: int) -> RetouchParams:
    """``params`` once face ``index`` is gone: its override dropped, later faces renumbered,
    the selection kept on the same face (or cleared if it was the deleted one)."""
    face = params.face
    if face is not None:
        face = None if face == index else (face - 1 if face > index else face)
    overrides = tuple((i - 1 if i > index else i, p) for i, p in params.overrides if i != index)
    return params.replace(face=face, overrides=overrides)


class DeleteFaceCommand(QUndoCommand):
    """Remove a false detection (and keep the selection and per-face settings on the same faces)."""

    def __init__(self, editor: Editor, doc: Document, index: int) -> None:
        super().__init__(f"Delete face {index + 1}")
        assert doc.analysis is not None
        self.editor, self.doc = editor, doc
        self.old_analysis = doc.analysis
        self.new_analysis = doc.analysis.without(index)
        self.old_params = doc.params
        self.new_params = remap_after_delete(doc.params, index)

    def redo(self) -> None:
        self.editor.apply_edit(self.doc, self.new_params, self.new_analysis)

    def undo(self) -> None:
        self.editor.apply_edit(self.doc, self.old_params, self.old_analysis)


def with_point_moved(analysis: FaceAnalysis, face: int, index: int, x: float, y: float) -> FaceAnalysis:
    """A new ``analysis`` whose face ``face`` has point ``index`` at (x, y); the rest shared."""
    old = analysis.faces[face]
    points = np.array(old.points)
    points[index] = (x, y)
    faces = tuple(FaceShape(points, old.score) if i == face else f for i, f in enumerate(analysis.faces))
    return FaceAnalysis(analysis.image_width, analysis.image_height, faces, analysis.model_version)


class MoveLandmarkCommand(QUndoCommand):
    """One landmark dragged to where it belongs (a detection the user corrects by hand). The
    faces become new objects, so every render (and its cached skin masks) is made anew."""

    def __init__(self, editor: Editor, doc: Document, face: int, index: int, x: float, y: float) -> None:
        super().__init__(f"Move {point_name(index)} of face {face + 1}")
        assert doc.analysis is not None
        self.editor, self.doc = editor, doc
        self.old_analysis = doc.analysis
        self.new_analysis = with_point_moved(doc.analysis, face, index, x, y)

    def redo(self) -> None:
        self.editor.apply_edit(self.doc, self.doc.params, self.new_analysis)

    def undo(self) -> None:
        self.editor.apply_edit(self.doc, self.doc.params, self.old_analysis)


# -- what a change is called ---------------------------------------------------------------------
_GLOBAL = ("filter_id", "filter_strength", "face")


def _field_changes(old: RetouchParams, new: RetouchParams) -> list[str]:
    """Slider-like changes between two parameter sets, as keys ("smoothing", "reshape.slim_nose")."""
    out = [name for name in PARAMETER_BY_NAME if getattr(old, name) != getattr(new, name)]
    out += [f"reshape.{name}" for (name, _), a, b in zip(RESHAPE_PARTS, old.reshape, new.reshape) if a != b]
    return out


def change_key(old: RetouchParams, new: RetouchParams) -> str | None:
    """A key naming what changed (edits with the same key merge during a drag); None: nothing.

    ``"smoothing"``, ``"reshape.slim_nose"``, ``"filter_id"``, ``"face"``, ``"face2.smoothing"``
    (face 2's own settings), ``"face2.clear"`` (its override removed), ``"*"`` (several things).
    """
    if old == new:
        return None
    keys = _field_changes(old, new) + [name for name in _GLOBAL if getattr(old, name) != getattr(new, name)]
    if old.overrides != new.overrides:
        before, after = dict(old.overrides), dict(new.overrides)
        touched = sorted(i for i in set(before) | set(after) if before.get(i) != after.get(i))
        if len(touched) != 1:
            return "*"
        i = touched[0]
        if i not in after:
            keys.append(f"face{i + 1}.clear")
        else:
            inner = _field_changes(before.get(i, old), after[i])
            keys += [f"face{i + 1}.{k}" for k in inner] or [f"face{i + 1}.*"]
    return keys[0] if len(keys) == 1 else "*"


def point_name(index: int) -> str:
    """Landmark ``index`` (0-89) in words: "the left pupil", "a mouth point", "a contour point"."""
    for name, _n in GROUPS:
        sl = GROUP_SLICES[name]
        if sl.start <= index < sl.stop:
            label = name.replace("_eye_brow", " brow").replace("face_profile", "contour").replace("_", " ")
            return f"the {label}" if name.endswith("pupil") else f"a {label} point"
    raise IndexError(f"no landmark {index}")


def _value_text(key: str, params: RetouchParams) -> str:
    if key.startswith("reshape."):
        name = key.split(".", 1)[1]
        label = dict(RESHAPE_PARTS)[name]
        return f"{label} {params.part(name):+d}"
    spec = PARAMETER_BY_NAME.get(key)
    return f"{spec.label} {getattr(params, key)}" if spec else f"Change {key}"


def describe(key: str, old: RetouchParams, new: RetouchParams) -> str:
    """The Undo menu's text for a change."""
    if key == "*":
        return "Change several settings"
    if key == "face":
        return "Edit all faces" if new.face is None else f"Edit face {new.face + 1} only"
    if key == "filter_id":
        if new.filter_id is None:
            return "No filter"
        from facestudio.core.filters import filter_by_id

        return f"Filter {new.filter_id} {filter_by_id(new.filter_id).name}"
    if key == "filter_strength":
        return f"Filter strength {new.filter_strength}"
    if key.startswith("face") and "." in key:
        head, inner = key.split(".", 1)
        n = int(head[4:])
        if inner == "clear":
            return f"Face {n}: back to the all-faces settings"
        if inner == "*":
            return f"Face {n}: own settings"
        return f"Face {n}: {_value_text(inner, new.for_face(n - 1))}"
    return _value_text(key, new)

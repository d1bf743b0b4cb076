"""The landmark overlay: the 90 points of every face, by group, numbered and selectable.

What belongs here: :class:`LandmarkOverlay` (a small model the canvas paints: which faces,
which groups are shown, which face is selected, which faces have their own settings (their
numbered tag gets an orange ring), how to hit-test a click on a face or on one point, and the
point being dragged, drawn where the mouse is until the window commits it) and
:class:`OverlayControls` (the toggles per display group and for all, the face chooser and the
"Delete face" button). Groups and their order come from ``faceshape.DISPLAY_GROUPS``; each has
its own colour. Points are in full-resolution photo pixels; the canvas passes a mapping to
widget coordinates, so the overlay never knows about zoom or high-DPI.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QCheckBox, QComboBox, QGridLayout, QLabel, QPushButton, QWidget

from facestudio.core.faceshape import DISPLAY_GROUPS, GROUP_SLICES, GROUPS, FaceAnalysis, FaceShape
from facestudio.core.overlay import GROUP_COLOURS

#: one colour per display group: the same as ``facestudio analyze --overlay`` draws
GROUP_COLORS: dict[str, QColor] = {name: QColor(*rgb) for name, rgb in GROUP_COLOURS.items()}
GROUP_LABELS = {"contour": "Contour", "brows": "Brows", "eyes": "Eyes", "nose": "Nose",
                "mouth": "Mouth", "pupils": "Pupils"}
#: the ring around the tag of a face with its own settings
MARK_COLOR = QColor(255, 140, 0)
#: groups drawn as closed outlines (the rest as open polylines, pupils as dots only)
_CLOSED = {"left_eye", "right_eye", "mouth"}
_OPEN = {"face_profile", "left_eye_brow", "right_eye_brow"}


def _indices_of(groups: list[str], *, invert: bool = False) -> list[int]:
    """The point indices of display ``groups`` (with ``invert``: of every other group)."""
    names = {part for g in groups for part in DISPLAY_GROUPS[g]}
    out: list[int] = []
    for name, _n in GROUPS:
        if (name in names) != invert:
            sl = GROUP_SLICES[name]
            out += range(sl.start, sl.stop)
    return out


class LandmarkOverlay(QObject):
    """What the overlay shows; painted by the canvas through :meth:`paint`.

    Signals
    -------
    changed()
        Faces, groups, selection or marks changed (the controls and the canvas follow).
    dragChanged()
        Only the point in hand moved (the canvas repaints; nothing else needs to know).
    """

    changed = Signal()
    dragChanged = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._analysis: FaceAnalysis | None = None
        self._visible = True
        self._groups = {name: True for name in DISPLAY_GROUPS}
        self._selected: int | None = None
        self._marked: frozenset[int] = frozenset()
        self._drag: tuple[int, int, float, float] | None = None  # (face, point, x, y) in photo px
        #: points drawn per face in the last paint (tests and the status bar read it)
        self.last_paint_counts: dict[int, int] = {}

    def analysis(self) -> FaceAnalysis | None:
        return self._analysis

    def set_analysis(self, analysis: FaceAnalysis | None) -> None:
        self._analysis = analysis
        self._drag = None  # a point in hand belonged to the previous faces
        if self._selected is not None and (analysis is None or self._selected >= len(analysis.faces)):
            self._selected = None
        self.changed.emit()

    def is_visible(self) -> bool:
        return self._visible

    def set_visible(self, on: bool) -> None:
        if on != self._visible:
            self._visible = on
            self.changed.emit()

    def hidden_groups(self) -> list[str]:
        return [name for name, on in self._groups.items() if not on]

    def group_visible(self, name: str) -> bool:
        return self._groups[name]

    def set_group_visible(self, name: str, on: bool) -> None:
        if name not in self._groups:
            raise KeyError(f"unknown display group {name!r}")
        if self._groups[name] != on:
            self._groups[name] = on
            self.changed.emit()

    def selected(self) -> int | None:
        return self._selected

    def set_selected(self, index: int | None) -> None:
        if index != self._selected:
            self._selected = index
            self.changed.emit()

    def marked(self) -> frozenset[int]:
        """Faces shown as having their own settings (per-face overrides)."""
        return self._marked

    def set_marked(self, indices: set[int] | frozenset[int]) -> None:
        marked = frozenset(indices)
        if marked != self._marked:
            self._marked = marked
            self.changed.emit()

    def face_at(self, x: float, y: float) -> int | None:
        """The face whose landmark box (padded 15 %) contains (x, y); the smallest one wins."""
        if self._analysis is None:
            return None
        best: tuple[float, int] | None = None
        for i, face in enumerate(self._analysis.faces):
            x0, y0, x1, y1 = face.bbox()
            px, py = 0.15 * (x1 - x0), 0.15 * (y1 - y0)
            if x0 - px <= x <= x1 + px and y0 - py <= y <= y1 + py:
                area = face.area()
                if best is None or area < best[0]:
                    best = (area, i)
        return None if best is None else best[1]

    def point_at(self, x: float, y: float, to_widget: Callable[[np.ndarray], np.ndarray],
                 radius: float) -> tuple[int, int] | None:
        """The (face, point index) of the shown point nearest to the widget position (x, y),
        if it lies within ``radius`` widget pixels; hidden groups and a hidden overlay have none.

        ``to_widget`` maps photo pixels to widget pixels (as for :meth:`paint`), so the tolerance
        is the same on screen at every zoom.
        """
        if self._analysis is None or not self._visible:
            return None
        shown = _indices_of(self.hidden_groups(), invert=True)
        if not shown:
            return None
        best: tuple[float, int, int] | None = None
        for f, face in enumerate(self._analysis.faces):
            pts = to_widget(face.points[shown])
            d = np.hypot(pts[:, 0] - x, pts[:, 1] - y)
            k = int(np.argmin(d))
            # the selected face wins a tie (its points are drawn on top of a dimmed neighbour's)
            key = float(d[k]) - (1e-6 if f == self._selected else 0.0)
            if d[k] <= radius and (best is None or key < best[0]):
                best = (key, f, shown[k])
        return None if best is None else (best[1], best[2])

    def dragged(self) -> tuple[int, int, float, float] | None:
        """The point being dragged: (face, point index, x, y in photo pixels), or None."""
        return self._drag

    def set_dragged(self, face: int, index: int, x: float, y: float) -> None:
        """Draw point ``index`` of ``face`` at (x, y) (photo pixels) until :meth:`clear_dragged`."""
        self._drag = (face, index, float(x), float(y))
        self.dragChanged.emit()

    def clear_dragged(self) -> None:
        if self._drag is not None:
            self._drag = None
            self.dragChanged.emit()

    def _points_of(self, i: int, face: FaceShape) -> np.ndarray:
        """Face ``i``'s points as drawn (with the dragged point where the mouse is)."""
        if self._drag is None or self._drag[0] != i:
            return face.points
        pts = face.points.copy()
        pts[self._drag[1]] = self._drag[2:]
        return pts

    def paint(self, p: QPainter, to_widget: Callable[[np.ndarray], np.ndarray], scale: float) -> None:
        """Draw every face: outlines, points by group colour, a numbered tag, the selection."""
        self.last_paint_counts = {}
        if self._analysis is None or not self._visible:
            return
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for i, face in enumerate(self._analysis.faces):
            dim = self._selected is not None and i != self._selected
            points = self._points_of(i, face)
            count = 0
            # dots shrink with the face on screen, so small faces in a group stay readable
            base = min(2.6, max(1.6, 0.035 * face.interocular() * scale))
            for group, parts in DISPLAY_GROUPS.items():
                if not self._groups[group]:
                    continue
                color = QColor(GROUP_COLORS[group])
                if dim:
                    color.setAlpha(110)
                for part in parts:
                    pts = to_widget(points[GROUP_SLICES[part]])
                    poly = QPolygonF([QPointF(float(x), float(y)) for x, y in pts])
                    if part in _CLOSED or part in _OPEN:
                        line = QColor(color)
                        line.setAlpha(120 if not dim else 60)
                        p.setPen(QPen(line, 1.0))
                        p.setBrush(Qt.BrushStyle.NoBrush)
                        if part in _CLOSED:
                            p.drawPolygon(poly)
                        else:
                            p.drawPolyline(poly)
                    radius = base if part not in ("left_pupil", "right_pupil") else base * 1.3
                    p.setPen(QPen(QColor(0, 0, 0, 160 if not dim else 80), 0.8))
                    p.setBrush(color)
                    for pt in poly:
                        p.drawEllipse(pt, radius, radius)
                    count += len(poly)
            self.last_paint_counts[i] = count
            self._paint_tag(p, i, to_widget(np.array(face.bbox()).reshape(2, 2)), selected=i == self._selected,
                            marked=i in self._marked)
            if self._drag is not None and self._drag[0] == i:  # a ring around the point in hand
                (x, y), = to_widget(points[self._drag[1]:self._drag[1] + 1])
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.setPen(QPen(QColor(255, 255, 255, 230), 1.5))
                p.drawEllipse(QPointF(float(x), float(y)), base * 3.2, base * 3.2)
        p.restore()

    def _paint_tag(self, p: QPainter, index: int, box: np.ndarray, *, selected: bool,
                   marked: bool = False) -> None:
        (x0, y0), (x1, y1) = box
        if selected:
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(QColor(255, 255, 255, 220), 1.5, Qt.PenStyle.DashLine))
            p.drawRect(QRectF(QPointF(x0, y0), QPointF(x1, y1)).adjusted(-6, -6, 6, 6))
        font = QFont(p.font())
        font.setBold(True)
        p.setFont(font)
        text = str(index + 1)
        side = max(18.0, p.fontMetrics().horizontalAdvance(text) + 10.0)
        tag = QRectF(x0 - 6 - side, y0 - 6 - side, side, side)
        p.setPen(QPen(QColor(0, 0, 0, 180), 1))
        p.setBrush(QColor(255, 214, 0) if selected else QColor(30, 30, 30, 200))
        p.drawEllipse(tag)
        if marked:  # this face has its own settings
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(MARK_COLOR, 2.5))
            p.drawEllipse(tag.adjusted(-3.5, -3.5, 3.5, 3.5))
        p.setPen(QColor(0, 0, 0) if selected else QColor(255, 255, 255))
        p.drawText(tag, Qt.AlignmentFlag.AlignCenter, text)


class OverlayControls(QWidget):
    """Toggles for the overlay and the per-face tools.

    Signals
    -------
    faceChosen(object)
        The user picked a face in the list (index) or "All faces" (None).
    deleteRequested(int)
        "Delete face" for the chosen face (a false detection).
    """

    faceChosen = Signal(object)
    deleteRequested = Signal(int)

    def __init__(self, overlay: LandmarkOverlay, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.overlay = overlay
        grid = QGridLayout(self)
        self.show_all = QCheckBox("Show landmarks", self)
        self.show_all.setObjectName("show_landmarks")
        self.show_all.setChecked(overlay.is_visible())
        self.show_all.toggled.connect(overlay.set_visible)
        grid.addWidget(self.show_all, 0, 0, 1, 2)
        self.group_boxes: dict[str, QCheckBox] = {}
        for n, name in enumerate(DISPLAY_GROUPS):
            box = QCheckBox(GROUP_LABELS.get(name, name), self)
            box.setChecked(overlay.group_visible(name))
            c = GROUP_COLORS[name]
            box.setStyleSheet(f"QCheckBox::indicator:checked {{ background: rgb({c.red()},{c.green()},"
                              f"{c.blue()}); border: 1px solid #333; }}")
            box.toggled.connect(lambda on, g=name: overlay.set_group_visible(g, on))
            self.group_boxes[name] = box
            grid.addWidget(box, 1 + n // 2, n % 2)
        row = 1 + (len(DISPLAY_GROUPS) + 1) // 2
        grid.addWidget(QLabel("Edit faces:", self), row, 0)
        self.face_combo = QComboBox(self)
        self.face_combo.setObjectName("face_combo")
        self.face_combo.setToolTip("Apply the sliders to every face or to one (click a face in the photo)")
        self.face_combo.activated.connect(self._on_activated)
        grid.addWidget(self.face_combo, row, 1)
        self.delete_button = QPushButton("Delete face", self)
        self.delete_button.setToolTip("Remove the selected face (a false detection) - Del")
        self.delete_button.clicked.connect(self._on_delete)
        grid.addWidget(self.delete_button, row + 1, 0, 1, 2)
        self.info = QLabel("", self)
        self.info.setWordWrap(True)
        grid.addWidget(self.info, row + 2, 0, 1, 2)
        grid.setRowStretch(row + 3, 1)
        overlay.changed.connect(self.refresh)
        self.refresh()

    def set_all_visible(self, on: bool) -> None:
        self.show_all.setChecked(on)

    def refresh(self) -> None:
        """Bring the face list, the selection and the toggles in line with the overlay."""
        analysis = self.overlay.analysis()
        n = len(analysis.faces) if analysis else 0
        self.face_combo.blockSignals(True)
        self.face_combo.clear()
        self.face_combo.addItem("All faces", None)
        marked = self.overlay.marked()
        for i in range(n):
            self.face_combo.addItem(f"Face {i + 1}" + (" (own settings)" if i in marked else ""), i)
        sel = self.overlay.selected()
        self.face_combo.setCurrentIndex(0 if sel is None else sel + 1)
        self.face_combo.blockSignals(False)
        self.face_combo.setEnabled(n > 0)
        self.delete_button.setEnabled(sel is not None)
        self.show_all.setChecked(self.overlay.is_visible())
        for name, box in self.group_boxes.items():
            box.setEnabled(self.overlay.is_visible())
        if analysis is None:
            self.info.setText("")
        else:
            self.info.setText(f"{n} face{'s' if n != 1 else ''} found. Click a face to edit it alone; "
                              "drag a point to correct it.")

    def _on_activated(self, row: int) -> None:
        self.faceChosen.emit(self.face_combo.itemData(row))

    def _on_delete(self) -> None:
        sel = self.overlay.selected()
        if sel is not None:
            self.deleteRequested.emit(sel)

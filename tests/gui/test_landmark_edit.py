"""Correcting a landmark by hand: drag a point on the canvas, undo it, render with it, save it.

Real window offscreen, real faces from the local landmark engine, real renders; the mouse is
driven through qtbot press/move/release at the point's position on screen.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from facestudio.core import pipeline
from facestudio.core.faceshape import GROUP_SLICES
from facestudio.gui.document import render_params
from facestudio.sidecar import load_edit, sidecar_path
from tests.gui.conftest import write_photo
from tests.gui.test_main_window import TIMEOUT, open_ready, qimage_array
from tests.gui.test_workflow_gui import make_window

LEFT_PUPIL = GROUP_SLICES["left_pupil"].start
MOUTH_LEFT = GROUP_SLICES["mouth"].start  # mouth[0], the image-left corner


@pytest.fixture
def window(qtbot):
    return make_window(qtbot)


def on_screen(canvas, doc, index: int, face: int = 0) -> QPoint:
    x, y = doc.analysis.faces[face].points[index]
    return canvas.image_to_widget(QPointF(float(x), float(y))).toPoint()


def drag(qtbot, canvas, start: QPoint, delta: QPoint, steps: int = 4) -> None:
    """Press at ``start``, move there in ``steps`` (the point follows), release."""
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    for k in range(1, steps + 1):
        qtbot.mouseMove(canvas, start + QPoint(delta.x() * k // steps, delta.y() * k // steps))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=start + delta)


def test_drag_a_pupil_at_200_percent_is_one_undoable_edit(qtbot, window, astronaut_jpeg):
    doc = open_ready(qtbot, window, astronaut_jpeg)
    canvas = window.canvas
    before = doc.analysis
    px, py = before.faces[0].points[LEFT_PUPIL]
    canvas.set_zoom(2.0)  # two screen pixels per photo pixel: a drag of 24 px moves 12
    canvas.center_on(float(px), float(py))
    qtbot.waitUntil(window.is_idle, timeout=TIMEOUT)
    start = on_screen(canvas, doc, LEFT_PUPIL)
    qtbot.mouseMove(canvas, start)
    assert canvas.cursor().shape() == Qt.CursorShape.PointingHandCursor  # a point under the mouse
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(canvas, start + QPoint(10, -4))
    qtbot.mouseMove(canvas, start + QPoint(24, -10))
    # live: the overlay draws the point where the mouse is; the document has not changed yet
    face, index, x, y = canvas.overlay.dragged()
    assert (face, index) == (0, LEFT_PUPIL) and (x, y) == pytest.approx((px + 12, py - 5))
    assert doc.analysis is before and canvas.cursor().shape() == Qt.CursorShape.CrossCursor
    with qtbot.waitSignal(window.previewShown, timeout=TIMEOUT) as blocker:
        qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=start + QPoint(24, -10))
    moved = doc.analysis.faces[0].points
    assert moved[LEFT_PUPIL] == pytest.approx((px + 12, py - 5))
    others = np.arange(90) != LEFT_PUPIL
    assert np.array_equal(moved[others], before.faces[0].points[others])  # the other 89 stay
    assert canvas.overlay.dragged() is None and canvas.overlay.analysis() is doc.analysis
    # the preview was rendered again, with the corrected face
    assert blocker.args[0].request.faces[0].points[LEFT_PUPIL] == pytest.approx(
        doc.analysis.faces[0].scaled(doc.preview_scale).points[LEFT_PUPIL])
    assert window.undo_action.text() == "&Undo Move the left pupil of face 1"
    assert doc.params.face is None  # a drag is not a click: no face was selected
    with qtbot.waitSignal(window.previewShown, timeout=TIMEOUT) as blocker:
        window.actions_by_name["undo"].trigger()
    assert doc.analysis is before and blocker.args[0].request.faces[0] == before.faces[0]
    window.actions_by_name["redo"].trigger()
    assert doc.analysis.faces[0].points[LEFT_PUPIL] == pytest.approx((px + 12, py - 5))
    qtbot.waitUntil(window.is_idle, timeout=TIMEOUT)


def test_a_corrected_point_is_saved_in_the_sidecar_and_restored(qtbot, astronaut_jpeg):
    w = make_window(qtbot)
    doc = open_ready(qtbot, w, astronaut_jpeg)
    canvas = w.canvas  # at fit zoom: the drag in photo pixels is the screen drag / zoom
    mx, my = doc.analysis.faces[0].points[MOUTH_LEFT]
    drag(qtbot, w.canvas, on_screen(canvas, doc, MOUTH_LEFT), QPoint(-9, 6))
    expected = (mx - 9 / canvas.zoom(), my + 6 / canvas.zoom())
    assert doc.analysis.faces[0].points[MOUTH_LEFT] == pytest.approx(expected)
    corrected = doc.analysis.faces[0].points.copy()
    w.actions_by_name["save_edit"].trigger()  # Ctrl+S
    qtbot.waitUntil(w.is_idle, timeout=TIMEOUT)
    assert np.array_equal(load_edit(astronaut_jpeg).analysis.faces[0].points, corrected)
    assert sidecar_path(astronaut_jpeg).exists()
    w.close()

    w2 = make_window(qtbot)
    doc2 = open_ready(qtbot, w2, astronaut_jpeg)
    assert np.array_equal(doc2.analysis.faces[0].points, corrected)
    assert "Restored the saved edit" in w2.activity.message.text()


def test_a_click_on_a_point_still_selects_and_hidden_points_cannot_be_grabbed(qtbot, window, astronaut_jpeg):
    doc = open_ready(qtbot, window, astronaut_jpeg)
    canvas = window.canvas
    before = doc.analysis
    start = on_screen(canvas, doc, MOUTH_LEFT)
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=start)  # no movement: a click
    assert doc.analysis is before and doc.params.face == 0 and canvas.overlay.selected() == 0
    # a wobble within the click tolerance is a click too (the face stays selected)
    drag(qtbot, canvas, start, QPoint(2, 1), steps=2)
    assert doc.analysis is before and doc.params.face == 0
    # with the mouth hidden its corner is not grabbed: the same drag pans the photo instead
    window.overlay_controls.group_boxes["mouth"].setChecked(False)
    canvas.set_zoom(2.0)
    start = on_screen(canvas, doc, MOUTH_LEFT)
    centre = canvas.center()
    drag(qtbot, canvas, start, QPoint(30, 20))
    assert doc.analysis is before and canvas.center() != centre
    # so is every point with the landmarks off
    window.overlay_controls.group_boxes["mouth"].setChecked(True)
    window.actions_by_name["landmarks"].trigger()
    start = on_screen(canvas, doc, MOUTH_LEFT)
    assert canvas.point_at(QPointF(start)) is None
    drag(qtbot, canvas, start, QPoint(30, 20))
    assert doc.analysis is before
    # and Delete still deletes the selected face
    window.actions_by_name["delete_face"].trigger()
    assert len(doc.analysis.faces) == 0
    qtbot.waitUntil(window.is_idle, timeout=TIMEOUT)


def test_the_preview_follows_a_moved_point_with_fresh_skin_masks(qtbot, window, tmp_path, astronaut_rgb):
    import cv2

    big = cv2.resize(np.ascontiguousarray(astronaut_rgb), (1900, 1900), interpolation=cv2.INTER_CUBIC)
    doc = open_ready(qtbot, window, write_photo(tmp_path / "big.jpg", big))
    assert doc.preview_scale < 0.8  # the preview is a reduced copy: points must be scaled to it
    window.panel.rows["shrink_face"].slider.setValue(60)  # a warp that follows the contour
    window.panel.smoothing.setValue(80)  # and a mask made from the landmarks
    qtbot.waitUntil(window.is_idle, timeout=TIMEOUT)
    old_faces = [f.scaled(doc.preview_scale) for f in doc.analysis.faces]
    chin = GROUP_SLICES["face_profile"].start + 10
    canvas = window.canvas
    cx, cy = doc.analysis.faces[0].points[chin]
    with qtbot.waitSignal(window.previewShown, timeout=TIMEOUT):
        drag(qtbot, canvas, on_screen(canvas, doc, chin), QPoint(0, 25))
    qtbot.waitUntil(window.is_idle, timeout=TIMEOUT)
    assert doc.analysis.faces[0].points[chin] == pytest.approx((cx, cy + 25 / canvas.zoom()))
    faces = [f.scaled(doc.preview_scale) for f in doc.analysis.faces]
    params = render_params(doc.params)
    shown = qimage_array(canvas._after)
    expected = pipeline.render(doc.preview, faces, params)
    stale = pipeline.render(doc.preview, old_faces, params)
    assert np.abs(expected.astype(int) - stale).max() > 10  # the move matters to the render ...
    assert np.array_equal(shown, expected)  # ... and the preview is the render with the new points

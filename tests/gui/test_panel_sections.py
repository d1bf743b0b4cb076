"""The panel's Pro, Reshape, Filters and Smart beauty sections and per-face editing, with the
real core on real faces: every change reaches the preview through paramsChanged, the render
controller and the undo stack."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from facestudio.core.filters import FILTERS
from facestudio.core.params import RetouchParams
from facestudio.gui.main_window import MainWindow
from facestudio.settings import Settings
from tests import faces
from tests.gui.conftest import write_photo
from tests.gui.test_main_window import TIMEOUT, open_ready, qimage_array


@pytest.fixture
def window(qtbot):
    w = MainWindow(Settings(last_params=RetouchParams.zero()), persist=False)
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.fixture(scope="module")
def pair():
    return faces.group_photo(2, 900, 500)


@pytest.fixture
def pair_jpeg(tmp_path, pair):
    return write_photo(tmp_path / "pair.jpg", pair.image, quality=95)


def shown(window) -> np.ndarray:
    return qimage_array(window.canvas._after)


def box(face, pad: float = 0.1) -> tuple[slice, slice]:
    x0, y0, x1, y1 = face.bbox()
    px, py = pad * (x1 - x0), pad * (y1 - y0)
    return slice(int(y0 - py), int(y1 + py)), slice(int(x0 - px), int(x1 + px))


def wait_preview(qtbot, window, check):
    return qtbot.waitSignal(window.previewShown, timeout=TIMEOUT,
                            check_params_cb=lambda r: check(r.request.params))


def test_pro_and_reshape_sliders_change_the_preview_and_undo(qtbot, window, astronaut_jpeg):
    doc = open_ready(qtbot, window, astronaut_jpeg)
    original = qimage_array(window.canvas._before)
    panel = window.panel
    assert len(panel.reshape_rows) == 22
    row = panel.reshape_rows["slim_face"]
    assert (row.slider.minimum(), row.slider.maximum(), row.slider.value()) == (-100, 100, 0)
    with wait_preview(qtbot, window, lambda p: p.part("slim_face") == 90):
        row.slider.setValue(90)
    row.slider.sliderReleased.emit()  # the user lets go: one undo step
    qtbot.waitUntil(window.is_idle, timeout=TIMEOUT)
    after = shown(window)
    ys, xs = box(doc.analysis.faces[0])
    assert np.abs(after[ys, xs].astype(int) - original[ys, xs]).mean() > 0.5  # the face moved ...
    assert np.array_equal(after[:60, :60], original[:60, :60])  # ... the far background did not
    assert doc.params.part("slim_face") == 90 and "Slim face +90" in window.undo_action.text()
    with wait_preview(qtbot, window, lambda p: p.part("slim_face") == -40):
        row.spin.setValue(-40)  # signed: the opposite direction
    row.spin.editingFinished.emit()
    panel.rows["teeth_whitening"].slider.setValue(50)  # a Pro slider, same widget
    assert doc.params.teeth_whitening == 50
    panel.reset_reshape_button.click()
    assert doc.params.reshape == (0,) * 22 and doc.params.teeth_whitening == 50
    for _ in range(3):
        window.actions_by_name["undo"].trigger()
    assert doc.params.part("slim_face") == 90 and row.slider.value() == 90


def test_filters_thumbnails_for_all_35_and_choosing_one_changes_the_preview(qtbot, window, astronaut_jpeg):
    doc = open_ready(qtbot, window, astronaut_jpeg)
    filters = window.panel.filters
    qtbot.waitUntil(lambda: filters.thumbnail_count() == len(FILTERS) == 35, timeout=TIMEOUT)
    print(f"35 filter thumbnails rendered in {window.workflow.last_thumbnail_seconds * 1000:.0f} ms")
    icons = [filters.grid.item(i).icon().pixmap(64, 64).toImage() for i in range(1, 36)]
    arrays = [qimage_array(img) for img in icons]
    assert all(a.shape[0] >= 48 and a.shape[1] >= 48 for a in arrays)  # real thumbnails, not strips
    assert len({a.tobytes() for a in arrays}) == 35  # each look differs
    before = shown(window)
    item = filters.item_for(21)
    with wait_preview(qtbot, window, lambda p: p.filter_id == 21):
        filters.grid.itemClicked.emit(item)
    after = shown(window)
    assert np.abs(after.astype(int) - before).mean() > 2.0  # a whole-photo look
    assert doc.params.filter_id == 21 and "LOMO" in filters.description.text()
    assert filters.strength.slider.isEnabled()
    with wait_preview(qtbot, window, lambda p: p.filter_strength == 30):
        filters.strength.slider.setValue(30)
    weaker = shown(window)
    assert 0.5 < np.abs(weaker.astype(int) - before).mean() < np.abs(after.astype(int) - before).mean()
    with wait_preview(qtbot, window, lambda p: p.filter_id is None):
        filters.grid.itemClicked.emit(filters.item_for(None))
    assert doc.params.filter_id is None and not filters.strength.slider.isEnabled()
    window.actions_by_name["undo"].trigger()
    assert doc.params.filter_id == 21 and filters.grid.currentItem() is item


def test_smart_beauty_sets_each_faces_own_settings_as_one_undoable_edit(qtbot, window, pair_jpeg):
    doc = open_ready(qtbot, window, pair_jpeg)
    assert len(doc.analysis.faces) == 2
    start, depth = doc.params, doc.undo.count()
    smart = window.panel.smart
    smart.level.setValue(80)
    smart.apply_button.click()
    qtbot.waitUntil(lambda: len(doc.params.overrides) == 2, timeout=TIMEOUT)
    assert doc.undo.count() == depth + 1 and "Smart beauty 80 %" in window.undo_action.text()
    for i in (0, 1):
        own = doc.params.for_face(i)
        assert own.smoothing > 0 and own.blemish_removal > 0
    assert "faces 1, 2" in window.panel.override_note.text()
    assert window.canvas.overlay.marked() == {0, 1}
    qtbot.waitUntil(window.is_idle, timeout=TIMEOUT)
    window.actions_by_name["undo"].trigger()
    assert doc.params == start and window.canvas.overlay.marked() == frozenset()
    # the largest face only: the provider's multi_face=false
    smart.largest_face.setChecked(True)
    smart.apply_button.click()
    qtbot.waitUntil(lambda: len(doc.params.overrides) == 1, timeout=TIMEOUT)
    largest = max(range(2), key=lambda i: doc.analysis.faces[i].area())
    assert doc.params.overrides[0][0] == largest


def test_editing_one_face_changes_only_that_faces_region(qtbot, window, pair_jpeg):
    doc = open_ready(qtbot, window, pair_jpeg)
    first, second = doc.analysis.faces
    original = qimage_array(window.canvas._before)
    canvas = window.canvas
    cx, cy = second.center()
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.image_to_widget(QPointF(cx, cy)).toPoint())
    panel = window.panel
    assert doc.params.face == 1 and panel.one_face_radio.isChecked()
    assert panel.one_face_radio.text() == "Face 2 only"
    with wait_preview(qtbot, window, lambda p: p.for_face(1).smoothing == 90):
        panel.smoothing.setValue(90)
    panel.rows["whitening"].slider.setValue(60)
    panel.editFinished.emit("whitening")
    qtbot.waitUntil(window.is_idle, timeout=TIMEOUT)
    after = shown(window)
    ys1, xs1 = box(first)
    ys2, xs2 = box(second)
    assert np.array_equal(after[ys1, xs1], original[ys1, xs1])  # face 1 keeps the all-faces values (zero)
    assert np.abs(after[ys2, xs2].astype(int) - original[ys2, xs2]).mean() > 1.0
    p = doc.params
    assert (p.smoothing, p.whitening) == (0, 0) and [i for i, _ in p.overrides] == [1]
    assert "Face 2: Whitening 60" in window.undo_action.text()
    assert canvas.overlay.marked() == {1} and "Face 2 (own settings)" in [
        window.overlay_controls.face_combo.itemText(i) for i in range(3)]
    # back to all faces: the sliders show the all-faces values and leave face 2 alone
    panel.all_faces_radio.click()
    assert doc.params.face is None and panel.smoothing.value() == 0
    panel.smoothing.setValue(20)
    assert doc.params.smoothing == 20 and doc.params.for_face(1).smoothing == 90
    panel.clear_override_button.click()  # "Clear every face's own settings"
    assert doc.params.overrides == ()
    window.actions_by_name["undo"].trigger()
    assert doc.params.for_face(1).smoothing == 90


def test_deleting_a_face_keeps_the_other_faces_settings_on_the_right_face(qtbot, window, pair_jpeg):
    doc = open_ready(qtbot, window, pair_jpeg)
    window.select_face(1)
    window.panel.smoothing.setValue(70)
    assert [i for i, _ in doc.params.overrides] == [1]
    window.delete_face(0)
    assert len(doc.analysis.faces) == 1 and doc.params.face == 0
    assert [i for i, _ in doc.params.overrides] == [0] and doc.params.for_face(0).smoothing == 70
    window.actions_by_name["undo"].trigger()
    assert [i for i, _ in doc.params.overrides] == [1]


def test_two_drags_of_one_slider_are_two_undo_steps(qtbot, window, astronaut_jpeg):
    doc = open_ready(qtbot, window, astronaut_jpeg)
    slider = window.panel.smoothing
    for values in ((10, 20, 30), (40, 50)):
        slider.setSliderDown(True)
        for v in values:
            slider.setValue(v)
        slider.setSliderDown(False)  # released
    assert doc.undo.count() == 2
    window.actions_by_name["undo"].trigger()
    assert doc.params.smoothing == 30

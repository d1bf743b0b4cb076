"""The slider panel, the numpy-to-QImage conversion and the canvas, each on its own."""

from __future__ import annotations

import gc

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage

from facestudio.core.params import PARAMETERS, RetouchParams
from facestudio.gui._qimage import to_qimage
from facestudio.gui.canvas import ImageCanvas
from facestudio.gui.slider_panel import SliderPanel


# -- slider panel ----------------------------------------------------------------------------
def test_panel_has_every_parameter_with_the_seed_defaults(qtbot):
    panel = SliderPanel()
    qtbot.addWidget(panel)
    for spec in PARAMETERS:
        row = panel.rows[spec.name]
        assert (row.slider.minimum(), row.slider.maximum()) == (0, 100)
        assert row.slider.value() == row.spin.value() == spec.default
    assert panel.params() == RetouchParams()


def test_slider_emits_params_and_keeps_number_box_in_step(qtbot):
    panel = SliderPanel(RetouchParams())
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.paramsChanged, timeout=1000) as blocker:
        panel.smoothing.setValue(40)
    assert blocker.args[0].smoothing == 40
    assert panel.rows["smoothing"].spin.value() == 40
    with qtbot.waitSignal(panel.paramsChanged, timeout=1000) as blocker:
        panel.rows["whitening"].spin.setValue(77)  # numeric entry
    assert blocker.args[0] == RetouchParams(smoothing=40, whitening=77)
    assert panel.rows["whitening"].slider.value() == 77


def test_reset_one_and_all(qtbot):
    panel = SliderPanel(RetouchParams(smoothing=90, whitening=0, face_lifting=5, eye_enlarging=1, shrink_face=40,
                                      reshape={"slim_nose": -30}))
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.editFinished, timeout=1000):
        panel.rows["smoothing"].reset.click()
    assert panel.params().smoothing == 10 and panel.params().whitening == 0
    with qtbot.waitSignal(panel.paramsChanged, timeout=1000) as blocker:
        panel.reset_all_button.click()
    # every slider (beautify, pro, reshape) back to its default; the filter is not reset
    assert blocker.args[0] == RetouchParams()


def test_with_one_face_chosen_the_sliders_write_that_faces_own_settings(qtbot):
    start = RetouchParams(smoothing=90, whitening=0, face=1)
    panel = SliderPanel(start)
    qtbot.addWidget(panel)
    panel.set_face_count(3)
    assert panel.one_face_radio.isChecked() and panel.one_face_radio.text() == "Face 2 only"
    with qtbot.waitSignal(panel.editFinished, timeout=1000):
        panel.rows["smoothing"].reset.click()
    p = panel.params()
    assert p.smoothing == 90  # every other face keeps the all-faces value ...
    assert p.for_face(1) == start.replace(smoothing=10, face=None)  # ... face 2 has its own
    assert "face 2" in panel.override_note.text().lower()
    with qtbot.waitSignal(panel.paramsChanged, timeout=1000) as blocker:
        panel.reset_all_button.click()
    assert blocker.args[0].for_face(1) == RetouchParams() and blocker.args[0].smoothing == 90
    with qtbot.waitSignal(panel.paramsChanged, timeout=1000) as blocker:
        panel.clear_override_button.click()
    assert blocker.args[0] == start
    with qtbot.waitSignal(panel.faceChosen, timeout=1000) as chosen:
        panel.all_faces_radio.click()
    assert chosen.args[0] is None


def test_set_params_is_silent(qtbot):
    panel = SliderPanel()
    qtbot.addWidget(panel)
    with qtbot.assertNotEmitted(panel.paramsChanged):
        panel.set_params(RetouchParams(smoothing=3))
    assert panel.smoothing.value() == 3


# -- numpy to QImage -------------------------------------------------------------------------
def test_to_qimage_uint8_keeps_colours_and_its_buffer(astronaut_rgb):
    img = to_qimage(astronaut_rgb[100:300:2, 50:400])  # a strided view
    assert img.format() == QImage.Format.Format_RGB32
    assert img.bytesPerLine() == 4 * img.width()
    gc.collect()
    for x, y in ((0, 0), (17, 33), (img.width() - 1, img.height() - 1)):
        c = img.pixelColor(x, y)
        assert (c.red(), c.green(), c.blue()) == tuple(astronaut_rgb[100 + 2 * y, 50 + x])


def test_to_qimage_uint16_scales_to_8_bits():
    rgb16 = np.zeros((4, 5, 3), np.uint16)
    rgb16[..., 0] = 65535
    rgb16[..., 1] = 257 * 128
    c = to_qimage(rgb16).pixelColor(2, 2)
    assert (c.red(), c.green(), c.blue()) == (255, 128, 0)


def test_to_qimage_rejects_other_shapes():
    with pytest.raises(ValueError):
        to_qimage(np.zeros((4, 4), np.uint8))


# -- canvas ----------------------------------------------------------------------------------
@pytest.fixture
def canvas(qtbot, astronaut_rgb):
    c = ImageCanvas()
    qtbot.addWidget(c)
    c.resize(800, 600)
    c.show()
    qtbot.waitExposed(c)
    img = to_qimage(astronaut_rgb)
    c.set_photo(img, (512, 512))
    return c


def test_drag_split_line_with_the_mouse(qtbot, canvas):
    assert canvas.split() == 0.5
    start = QPoint(round(canvas.split_x()), 300)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    with qtbot.waitSignal(canvas.splitChanged, timeout=1000) as blocker:
        qtbot.mouseMove(canvas, QPoint(600, 310))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(600, 310))
    assert blocker.args[0] == pytest.approx(600 / 800, abs=0.01)
    assert canvas.split() == pytest.approx(0.75, abs=0.01)
    before = canvas.grab().toImage()
    # the left of the line shows the original, the right the result
    canvas.set_after(to_qimage(np.zeros((512, 512, 3), np.uint8)))
    after = canvas.grab().toImage()
    x_left, x_right, y = 300, 650, 300
    assert before.pixelColor(x_left, y) == after.pixelColor(x_left, y)
    assert after.pixelColor(x_right, y).red() == 0 != before.pixelColor(x_right, y).red()


def test_dragging_elsewhere_pans_not_splits(qtbot, canvas):
    canvas.zoom_100()
    center = canvas.center()
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(200, 200))
    qtbot.mouseMove(canvas, QPoint(260, 230))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(260, 230))
    assert canvas.split() == 0.5
    moved = canvas.center() - center
    assert moved.x() < 0 and moved.y() < 0  # the photo followed the mouse


def test_zoom_fit_100_and_wheel(qtbot, canvas):
    assert canvas.is_fit()
    canvas.zoom_100()
    assert canvas.zoom() == pytest.approx(1.0)
    # at 100 % one photo pixel is one device pixel: the visible region is the pane in device px
    x, y, w, h = canvas.visible_region()
    dpr = canvas.devicePixelRatioF()
    assert w == pytest.approx(min(512, 800 * dpr), abs=2) and h == pytest.approx(min(512, 600 * dpr), abs=2)
    before = canvas.zoom()
    pos = QPointF(400, 300)
    anchor = canvas.widget_to_image(pos)
    canvas.zoom_by(2.0, pos)
    assert canvas.zoom() == pytest.approx(2 * before)
    again = canvas.widget_to_image(pos)  # the point under the pointer stays put
    assert (again.x(), again.y()) == pytest.approx((anchor.x(), anchor.y()), abs=0.01)
    canvas.zoom_fit()
    assert canvas.is_fit() and canvas.visible_region() == (0, 0, 512, 512)


def test_side_by_side_and_hold_to_compare(qtbot, canvas):
    canvas.set_after(to_qimage(np.zeros((512, 512, 3), np.uint8)))
    canvas.set_mode("side")
    assert len(canvas.panes()) == 2
    img = canvas.grab().toImage()
    left = canvas.image_to_widget(QPointF(256, 256), canvas.panes()[0])
    right = canvas.image_to_widget(QPointF(256, 256), canvas.panes()[1])
    assert img.pixelColor(left.toPoint()).red() > 0  # the original on the left
    assert img.pixelColor(right.toPoint()).red() == 0  # the result on the right
    canvas.set_mode("after")
    canvas.set_holding(True)
    held = canvas.grab().toImage()
    mid = canvas.image_to_widget(QPointF(256, 256))
    assert held.pixelColor(mid.toPoint()).red() > 0
    canvas.set_holding(False)
    assert canvas.grab().toImage().pixelColor(mid.toPoint()).red() == 0

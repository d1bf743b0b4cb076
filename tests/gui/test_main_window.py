"""The main window with the real core: open, detect, slide, compare, undo, export, errors.

Every test drives a real MainWindow offscreen on the astronaut saved as a JPEG with EXIF and an
ICC profile; faces come from the real local landmark engine and renders from the real pipeline.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt

from facestudio.core.faceshape import N_POINTS
from facestudio.core.params import RetouchParams
from facestudio.gui.main_window import MainWindow
from facestudio.settings import Settings, load_settings
from tests.gui.conftest import EXIF_ARTIST, EXIF_MAKE, write_photo

TIMEOUT = 60_000  # landmark models load on first use; the suite runs on 2 shared cores


def qimage_array(img) -> np.ndarray:
    """A QImage (Format_RGB32) as an (H, W, 3) RGB array."""
    img = img.convertToFormat(img.Format.Format_RGB32)
    buf = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine() // 4, 4)
    return buf[:, :img.width(), 2::-1].copy()


@pytest.fixture
def window(qtbot):
    w = MainWindow(Settings(), persist=False)
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    qtbot.waitExposed(w)
    return w


def open_ready(qtbot, window, *paths):
    with qtbot.waitSignal(window.documentReady, timeout=TIMEOUT):
        docs = window.open_paths(paths)
    qtbot.waitUntil(window.is_idle, timeout=TIMEOUT)
    return docs[-1]


def test_opens_detects_and_draws_90_points_per_face(qtbot, window, astronaut_jpeg):
    doc = open_ready(qtbot, window, astronaut_jpeg)
    assert doc.state == "ready" and doc.full_size == (512, 512)
    assert len(doc.analysis.faces) == 1
    window.canvas.grab()  # paint
    assert window.canvas.overlay.last_paint_counts == {0: N_POINTS}
    # a group toggle hides its points; "all" hides everything
    window.overlay_controls.group_boxes["mouth"].setChecked(False)
    window.canvas.grab()
    assert window.canvas.overlay.last_paint_counts == {0: N_POINTS - 22}
    window.overlay_controls.show_all.setChecked(False)
    window.canvas.grab()
    assert window.canvas.overlay.last_paint_counts == {}
    assert not window.actions_by_name["landmarks"].isChecked()
    assert "1 face found" in window.activity.message.text()


def test_slider_change_rerenders_a_different_preview(qtbot, window, astronaut_jpeg):
    doc = open_ready(qtbot, window, astronaut_jpeg)
    window.panel.set_params(RetouchParams.zero())  # start from the untouched photo
    with qtbot.waitSignal(window.previewShown, timeout=TIMEOUT):
        window.apply_edit(doc, RetouchParams.zero())
    original = qimage_array(window.canvas._before)
    with qtbot.waitSignal(window.previewShown, timeout=TIMEOUT,
                          check_params_cb=lambda r: r.request.params.smoothing == 60) as blocker:
        window.panel.smoothing.setValue(60)
    shown = qimage_array(window.canvas._after)
    assert blocker.args[0].request.params == RetouchParams.zero().replace(smoothing=60)
    assert shown.shape == original.shape
    x0, y0, x1, y1 = (int(v) for v in doc.analysis.faces[0].bbox())
    face_diff = np.abs(shown[y0:y1, x0:x1].astype(int) - original[y0:y1, x0:x1]).mean()
    assert face_diff > 0.5  # the skin changed ...
    assert np.array_equal(shown[480:, :40], original[480:, :40])  # ... and the far corner did not


def test_undo_redo_restore_parameters_and_merge_a_drag(qtbot, window, astronaut_jpeg):
    doc = open_ready(qtbot, window, astronaut_jpeg)
    start = doc.params
    slider = window.panel.smoothing
    slider.setSliderDown(True)  # one drag through several values ...
    for v in (20, 35, 50):
        slider.setValue(v)
    slider.setSliderDown(False)  # ... released: one undo step
    window.panel.rows["whitening"].spin.setValue(5)
    window.panel.rows["whitening"].spin.editingFinished.emit()
    assert doc.params == start.replace(smoothing=50, whitening=5)
    assert doc.undo.count() == 2
    window.actions_by_name["undo"].trigger()
    assert doc.params == start.replace(smoothing=50)
    assert window.panel.rows["whitening"].spin.value() == start.whitening
    window.actions_by_name["undo"].trigger()
    assert doc.params == start and window.panel.smoothing.value() == start.smoothing
    window.actions_by_name["redo"].trigger()
    assert doc.params == start.replace(smoothing=50)
    qtbot.waitUntil(window.is_idle, timeout=TIMEOUT)
    assert window.controller._params == doc.params  # the render follows the undo


def test_click_selects_a_face_and_delete_is_undoable(qtbot, window, astronaut_jpeg):
    doc = open_ready(qtbot, window, astronaut_jpeg)
    canvas = window.canvas
    cx, cy = doc.analysis.faces[0].center()
    from PySide6.QtCore import QPointF

    pos = canvas.image_to_widget(QPointF(cx, cy)).toPoint()
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=pos)
    assert doc.params.face == 0 and canvas.overlay.selected() == 0
    assert window.overlay_controls.face_combo.currentData() == 0
    window.actions_by_name["delete_face"].trigger()
    assert len(doc.analysis.faces) == 0 and doc.params.face is None
    window.actions_by_name["undo"].trigger()
    assert len(doc.analysis.faces) == 1 and doc.params.face == 0
    window.actions_by_name["undo"].trigger()  # the selection itself is an edit too
    assert doc.params.face is None


def test_export_keeps_metadata_and_never_targets_the_original(qtbot, window, astronaut_jpeg):
    open_ready(qtbot, window, astronaut_jpeg)
    window.panel.smoothing.setValue(70)
    dialog = window.export_dialog()
    target = Path(dialog.path_edit.text())
    assert target == astronaut_jpeg.with_name("astronaut-retouched.jpg")
    with qtbot.waitSignal(window.exported, timeout=TIMEOUT) as blocker:
        dialog.export_button.click()
    assert blocker.args[0] == target and target.exists()
    with Image.open(target) as im:
        exif = im.getexif()
        assert exif[0x010F] == EXIF_MAKE and exif[0x013B] == EXIF_ARTIST
        with Image.open(astronaut_jpeg) as src:
            assert im.info.get("icc_profile") == src.info["icc_profile"]
        assert im.size == (512, 512)
    assert window.settings.last_export_folder == str(target.parent)
    # the next export proposes a new name rather than the one just written
    again = window.export_dialog()
    assert Path(again.path_edit.text()).name == "astronaut-retouched-2.jpg"
    # typing the original's name is refused without writing anything
    mtime = astronaut_jpeg.stat().st_mtime_ns
    again.path_edit.setText(str(astronaut_jpeg))
    again.export_button.click()
    assert "never overwrites the original" in again.stage.text()
    assert astronaut_jpeg.stat().st_mtime_ns == mtime
    again.reject()


def test_corrupt_file_shows_a_message_and_the_window_lives_on(qtbot, window, astronaut_jpeg, tmp_path):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(astronaut_jpeg.read_bytes()[:3000])  # a truncated JPEG
    with qtbot.waitSignal(window.errorShown, timeout=TIMEOUT) as blocker:
        window.open_paths([bad])
    message = blocker.args[0]
    assert "broken.jpg" in message and "\n" not in message
    assert window.docs == [] and window.current is None
    # still working: open a good photo afterwards
    doc = open_ready(qtbot, window, astronaut_jpeg)
    assert doc.state == "ready" and window.isVisible()


def test_several_photos_show_the_film_strip(qtbot, window, astronaut_jpeg, tmp_path, astronaut_rgb):
    second = write_photo(tmp_path / "flipped.jpg", np.ascontiguousarray(astronaut_rgb[:, ::-1]))
    open_ready(qtbot, window, astronaut_jpeg)
    first = window.current
    window.panel.smoothing.setValue(80)
    open_ready(qtbot, window, second)
    assert window.filmstrip.isVisible() and window.filmstrip.count() == 2
    assert window.current.name == "flipped.jpg"
    assert window.panel.smoothing.value() == 80  # a new photo starts from the last parameters
    window.panel.smoothing.setValue(20)  # ... and then has its own
    window.filmstrip.setCurrentRow(0)
    assert window.current is first and window.panel.smoothing.value() == 80
    window.actions_by_name["next_photo"].trigger()
    assert window.current.name == "flipped.jpg" and window.panel.smoothing.value() == 20
    window.actions_by_name["prev_photo"].trigger()
    window.close_current()
    assert window.filmstrip.count() == 1 and not window.filmstrip.isVisible()


def test_settings_are_saved_on_close(qtbot, astronaut_jpeg, config_dir):
    w = MainWindow(load_settings(), persist=True)
    qtbot.addWidget(w)
    w.show()
    open_ready(qtbot, w, astronaut_jpeg)
    w.panel.smoothing.setValue(42)
    w.overlay_controls.group_boxes["nose"].setChecked(False)
    w.close()
    s = load_settings()
    assert s.last_params.smoothing == 42 and s.hidden_groups == ["nose"]
    assert s.recent_files[0] == str(astronaut_jpeg.resolve())
    assert s.last_folder == str(astronaut_jpeg.parent.resolve())
    assert (config_dir / "window.ini").exists()  # geometry, through QSettings
    w2 = MainWindow(load_settings(), persist=True)
    qtbot.addWidget(w2)
    assert w2.panel.smoothing.value() == 42
    assert not w2.overlay_controls.group_boxes["nose"].isChecked()
    assert not w2.canvas.overlay.group_visible("nose") and w2.canvas.overlay.group_visible("eyes")


def test_at_100_percent_the_view_shows_full_resolution_pixels(qtbot, window, tmp_path, astronaut_rgb):
    import cv2

    from facestudio.core import pipeline

    big = cv2.resize(np.ascontiguousarray(astronaut_rgb), (1900, 1900), interpolation=cv2.INTER_CUBIC)
    grain = np.random.default_rng(0).normal(0, 8, big.shape[:2])[..., None]  # fine detail to lose
    big = np.clip(big + grain, 0, 255).astype(np.uint8)
    path = write_photo(tmp_path / "big.jpg", big, quality=95)
    doc = open_ready(qtbot, window, path)
    assert doc.preview_scale < 0.8  # the sliders work on a reduced copy ...
    canvas = window.canvas
    cx, cy = (int(v) for v in doc.analysis.faces[0].center())
    with qtbot.waitSignal(window.detailShown, timeout=TIMEOUT) as blocker:
        canvas.set_zoom(1.0)
        canvas.center_on(cx, cy)
    qtbot.waitUntil(window.is_idle, timeout=TIMEOUT)
    region = blocker.args[0].request.region
    vx, vy, vw, vh = canvas.visible_region()
    rx, ry, rw, rh = region
    assert rx <= vx and ry <= vy and rx + rw >= vx + vw and ry + rh >= vy + vh
    assert canvas.devicePixelRatioF() == 1.0  # offscreen: one widget pixel per device pixel
    # ... but at 100 % the screen shows the photo's own pixels: compare with the decoded file
    window.actions_by_name["mode_after"].trigger()
    canvas.overlay.set_visible(False)
    qtbot.waitUntil(window.is_idle, timeout=TIMEOUT)
    top_left = canvas.image_to_widget(QPointF_(vx, vy))
    x0, y0 = round(top_left.x()), round(top_left.y())
    w, h = min(vw, canvas.width() - x0), min(vh, canvas.height() - y0)
    shown_after = qimage_array(canvas.grab().toImage())[y0:y0 + h, x0:x0 + w]
    expected_after = pipeline.render(doc.full, doc.analysis.faces, doc.params)[vy:vy + h, vx:vx + w]
    canvas.set_holding(True)
    shown_before = qimage_array(canvas.grab().toImage())[y0:y0 + h, x0:x0 + w]
    canvas.set_holding(False)
    assert np.abs(shown_before.astype(int) - doc.full[vy:vy + h, vx:vx + w]).mean() < 1.0
    # the visible part of the result is the full-resolution render (not the preview enlarged)
    err = np.abs(shown_after.astype(int) - expected_after).mean()
    canvas.clear_detail()  # what the enlarged preview alone would show
    blurry = qimage_array(canvas.grab().toImage())[y0:y0 + h, x0:x0 + w]
    err_preview = np.abs(blurry.astype(int) - expected_after).mean()
    print(f"mean abs difference to the full-res render: detail {err:.2f}, preview {err_preview:.2f}")
    assert err < 0.5 and err_preview > err + 1.0


def QPointF_(x, y):  # noqa: N802 (a QPointF from ints)
    from PySide6.QtCore import QPointF

    return QPointF(float(x), float(y))


def test_hold_backslash_or_the_button_to_see_the_original(qtbot, window, astronaut_jpeg):
    open_ready(qtbot, window, astronaut_jpeg)
    canvas = window.canvas
    canvas.setFocus()
    qtbot.keyPress(canvas, Qt.Key.Key_Backslash)
    assert canvas.holding()
    qtbot.keyRelease(canvas, Qt.Key.Key_Backslash)
    assert not canvas.holding()
    qtbot.mousePress(window.compare_button, Qt.MouseButton.LeftButton)
    assert canvas.holding()
    qtbot.mouseRelease(window.compare_button, Qt.MouseButton.LeftButton)
    assert not canvas.holding()

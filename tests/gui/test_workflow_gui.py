"""Presets, sidecar edits, apply to all, and Export all, in the window with the real core."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from PySide6.QtWidgets import QInputDialog

from facestudio.gui.main_window import MainWindow
from facestudio.presets import BUILTIN_PRESETS, list_presets, load_preset
from facestudio.settings import Settings
from facestudio.sidecar import load_edit, sidecar_path
from tests import faces
from tests.gui.conftest import write_photo
from tests.gui.test_main_window import TIMEOUT, open_ready


def make_window(qtbot, backends=None):
    w = MainWindow(Settings(), backends=backends, persist=False)
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.fixture
def window(qtbot):
    return make_window(qtbot)


@pytest.fixture
def pair_jpeg(tmp_path):
    return write_photo(tmp_path / "pair.jpg", faces.group_photo(2, 900, 500).image, quality=95)


def test_presets_apply_save_and_delete(qtbot, window, astronaut_jpeg, monkeypatch):
    doc = open_ready(qtbot, window, astronaut_jpeg)
    start = doc.params
    window.presets_menu.aboutToShow.emit()
    entries = {a.text(): a for a in window.presets_menu.actions()}
    assert set(BUILTIN_PRESETS) <= set(entries)
    entries["studio"].trigger()
    assert doc.params == BUILTIN_PRESETS["studio"]
    assert window.panel.rows["teeth_whitening"].slider.value() == 30
    assert window.undo_action.text() == "&Undo Preset studio"
    window.actions_by_name["undo"].trigger()
    assert doc.params == start
    # save the current settings under a name (through the dialog), then find it everywhere
    window.panel.smoothing.setValue(66)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Soft Evening", True))
    window.actions_by_name["save_preset"].trigger()
    assert "soft-evening" in list_presets() and load_preset("soft-evening").smoothing == 66
    assert "soft-evening" in window.presets_panel.names()
    window.presets_menu.aboutToShow.emit()
    assert "soft-evening  (yours)" in [a.text() for a in window.presets_menu.actions()]
    # apply from the panel section; with one face edited alone, only that face takes it
    window.select_face(0)
    panel = window.presets_panel
    panel.list.setCurrentRow(panel.names().index("natural"))
    panel.apply_button.click()
    assert doc.params.for_face(0) == BUILTIN_PRESETS["natural"] and doc.params.smoothing == 66
    # delete (through the dialog); built-ins cannot be deleted
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("soft-evening", True))
    window.actions_by_name["delete_preset"].trigger()
    assert "soft-evening" not in list_presets() and "soft-evening" not in panel.names()
    with qtbot.waitSignal(window.errorShown, timeout=TIMEOUT) as blocker:
        window.workflow.delete_preset("studio")
    assert "built-in" in blocker.args[0]


def test_sidecar_restores_params_faces_and_engine_on_reopen(qtbot, pair_jpeg):
    w = make_window(qtbot)
    doc = open_ready(qtbot, w, pair_jpeg)
    assert len(doc.analysis.faces) == 2
    w.delete_face(0)  # a false detection, say
    w.panel.rows["shrink_face"].slider.setValue(35)
    w.select_face(0)
    w.panel.smoothing.setValue(77)
    w.set_backend("ailab-smart")
    saved_params, saved_faces = doc.params.replace(face=None), doc.analysis.faces
    w.actions_by_name["save_edit"].trigger()  # Ctrl+S
    qtbot.waitUntil(w.is_idle, timeout=TIMEOUT)
    assert sidecar_path(pair_jpeg).exists() and "pair.jpg.facestudio.json" in w.activity.message.text()
    w.close()

    w2 = make_window(qtbot)
    doc2 = open_ready(qtbot, w2, pair_jpeg)
    assert doc2.params == saved_params and doc2.backend == "ailab-smart"
    assert len(doc2.analysis.faces) == 1  # the deletion survived: no second detection
    assert np.array_equal(doc2.analysis.faces[0].points, saved_faces[0].points)
    assert "Restored the saved edit" in w2.activity.message.text()
    assert w2.panel.params().for_face(0).smoothing == 77 and w2.engine_panel.backend() == "ailab-smart"


def test_sidecar_of_a_changed_photo_keeps_settings_and_finds_faces_again(qtbot, window, pair_jpeg, tmp_path):
    doc = open_ready(qtbot, window, pair_jpeg)
    window.delete_face(1)
    window.panel.smoothing.setValue(44)
    window.workflow.save_edit()
    window.close_current()
    Image.open(pair_jpeg).save(pair_jpeg, quality=80)  # edited elsewhere: other bytes
    doc = open_ready(qtbot, window, pair_jpeg)
    assert doc.params.smoothing == 44 and len(doc.analysis.faces) == 2
    assert "changed since its edit was saved" in window.activity.message.text()


def test_a_damaged_sidecar_warns_in_one_line_and_the_photo_opens(qtbot, window, astronaut_jpeg):
    sidecar_path(astronaut_jpeg).write_text("{ not json")
    with qtbot.waitSignal(window.errorShown, timeout=TIMEOUT) as blocker:
        window.open_paths([astronaut_jpeg])
    assert "damaged" in blocker.args[0] and "\n" not in blocker.args[0]
    qtbot.waitUntil(lambda: window.current.state == "ready", timeout=TIMEOUT)
    assert len(window.current.analysis.faces) == 1


def test_export_writes_the_sidecar_and_the_same_edit_exports_the_same_file(qtbot, window, astronaut_jpeg, tmp_path):
    doc = open_ready(qtbot, window, astronaut_jpeg)
    window.panel.smoothing.setValue(60)
    window.panel.reshape_rows["slim_nose"].slider.setValue(-30)
    dialog = window.export_dialog()
    assert dialog.sidecar.isChecked()
    first = tmp_path / "first.png"
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData(".png"))
    dialog.path_edit.setText(str(first))
    with qtbot.waitSignal(window.exported, timeout=TIMEOUT):
        dialog.export_button.click()
    edit = load_edit(astronaut_jpeg)
    qtbot.waitUntil(window.is_idle, timeout=TIMEOUT)
    assert edit.params == doc.params and "edit saved" in window.activity.message.text()
    window.close_current()
    doc = open_ready(qtbot, window, astronaut_jpeg)
    dialog = window.export_dialog()
    second = tmp_path / "second.png"
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData(".png"))
    dialog.path_edit.setText(str(second))
    dialog.sidecar.setChecked(False)
    with qtbot.waitSignal(window.exported, timeout=TIMEOUT):
        dialog.export_button.click()
    assert first.read_bytes() == second.read_bytes()


def test_apply_settings_to_all_open_photos(qtbot, window, astronaut_jpeg, tmp_path, astronaut_rgb):
    other = write_photo(tmp_path / "other.jpg", np.ascontiguousarray(astronaut_rgb[:, ::-1]))
    first = open_ready(qtbot, window, other)
    before = first.params
    second = open_ready(qtbot, window, astronaut_jpeg)
    window.panel.smoothing.setValue(81)
    window.panel.filters.chosen.emit(7)
    window.actions_by_name["apply_all"].trigger()
    qtbot.waitUntil(window.is_idle, timeout=TIMEOUT)
    assert first.params == second.params and first.params.filter_id == 7
    assert first.undo.count() == 1 and "other photo" in window.activity.message.text()
    window.set_current(first)
    assert window.panel.smoothing.value() == 81
    window.actions_by_name["undo"].trigger()
    assert first.params == before and second.params.smoothing == 81


def test_export_all_writes_every_photo_and_reports_a_failing_one(qtbot, aloop, window, astronaut_jpeg,
                                                                 pair_jpeg, tmp_path, astronaut_rgb):
    gone = write_photo(tmp_path / "gone.jpg", np.ascontiguousarray(astronaut_rgb[::-1]))
    open_ready(qtbot, window, astronaut_jpeg)
    window.panel.smoothing.setValue(50)
    pair = open_ready(qtbot, window, pair_jpeg)
    window.select_face(1)
    window.panel.rows["whitening"].slider.setValue(90)  # face 2's own settings travel with it
    open_ready(qtbot, window, gone)
    gone.unlink()  # the file disappears after opening: that photo fails, the others go on
    out = tmp_path / "out"
    dialog = window.export_all_dialog()
    dialog.folder_edit.setText(str(out))
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData(".png"))
    seen = []
    dialog.progressed.connect(lambda i, n, name, stage: seen.append((i, n, name)))
    with qtbot.waitSignal(dialog.completed, timeout=TIMEOUT) as blocker:
        dialog.export_button.click()
    report = blocker.args[0]
    assert sorted(p.name for p in out.iterdir()) == ["astronaut-retouched.png", "pair-retouched.png"]
    assert [i.source.name for i in report.done] == ["astronaut.jpg", "pair.jpg"]
    assert [i.source.name for i, _ in report.failed] == ["gone.jpg"]
    assert (1, 3, "astronaut.jpg") in seen and (3, 3, "gone.jpg") in seen
    assert "2 of 3 photos exported" in dialog.summary.text() and "1 failed" in dialog.summary.text()
    assert "gone.jpg" in dialog.failures.toPlainText() and dialog.failures.isVisible()
    assert dialog.cancel_button.text() == "Close"
    saved = json.loads(sidecar_path(pair_jpeg).read_text())
    assert saved["params"]["overrides"][0]["face"] == 1
    # the pair was exported with its own faces and face 2's own settings: the same pixels the
    # window's engine renders
    from facestudio.core import pipeline

    expected = pipeline.render(pair.full, pair.analysis.faces, pair.params.replace(face=None))
    got = np.asarray(Image.open(out / "pair-retouched.png").convert("RGB"))
    assert np.array_equal(got, expected)
    dialog.reject()


def test_export_all_can_be_cancelled(qtbot, aloop, window, astronaut_jpeg, pair_jpeg, tmp_path):
    from tests.gui.fakes import FakeCloud

    fake = FakeCloud(hold_at="processing")
    window.backends["ailab-pro"] = fake
    open_ready(qtbot, window, pair_jpeg)
    window.set_backend("ailab-pro")
    open_ready(qtbot, window, astronaut_jpeg)
    dialog = window.export_all_dialog()
    dialog.folder_edit.setText(str(tmp_path / "out"))
    with qtbot.waitSignal(window.cloud.promptShown, timeout=TIMEOUT) as shown:
        dialog.export_button.click()
    assert "pair.jpg: FakeCloud" in shown.args[0].text()
    window.cloud.send_button.click()
    qtbot.waitUntil(lambda: fake.stages[-1:] == ["processing"], timeout=TIMEOUT)
    assert "1 of 2" in dialog.current.text() and "processing" in dialog.current.text()
    with qtbot.waitSignal(dialog.completed, timeout=TIMEOUT):
        dialog.cancel_button.click()
    assert fake.cancelled and "Cancelled" in dialog.summary.text()
    assert not (tmp_path / "out" / "astronaut-retouched.jpg").exists()
    dialog.reject()

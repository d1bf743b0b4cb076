"""The cloud in the window: nothing is sent by choosing a service, a missing key stops before
anything is prepared, consent comes first, progress and cancel work, the result is shown and
exported, and keys live in the keyring only (never in settings, sidecars, exports or logs).

A fake backend with the real async interface stands in for the services (no network); the
missing-key and keys tests use the real AILabTools backend, pointed at a closed loopback port.
"""

from __future__ import annotations

import logging

import numpy as np
from PIL import Image

from facestudio.backends import STAGES
from facestudio.gui.main_window import MainWindow
from facestudio.settings import Settings, load_settings
from facestudio.sidecar import sidecar_path
from tests.gui.fakes import FakeCloud, fake_result
from tests.gui.test_main_window import TIMEOUT, open_ready, qimage_array

SECRET = "sk-test-SECRET-0123456789"


def make_window(qtbot, backends=None, persist=False):
    w = MainWindow(Settings(), backends=backends, persist=persist)
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    qtbot.waitExposed(w)
    return w


def choose(window, name: str) -> None:
    window.panel.show_section("Engine")
    combo = window.engine_panel.combo
    combo.activated.emit(combo.findData(name))


def test_choosing_a_service_sends_nothing_and_the_preview_stays_local(qtbot, aloop, astronaut_jpeg):
    fake = FakeCloud()
    w = make_window(qtbot, {"ailab-pro": fake})
    doc = open_ready(qtbot, w, astronaut_jpeg)
    choose(w, "ailab-pro")
    assert doc.backend == "ailab-pro" and w.engine_panel.render_button.isVisible()
    w.panel.rows["blemish_removal"].slider.setValue(30)
    qtbot.waitUntil(w.is_idle, timeout=TIMEOUT)
    assert fake.planned == 0 and fake.sent == []
    assert "cannot apply: blemish removal" in w.engine_panel.ignored.text()
    assert "Nothing is sent" in w.activity.message.text()
    # the tidy-up service is retired: selectable, explained, with the way back to the local engine
    choose(w, "ailab-tidyup")
    assert "retired" in w.engine_panel.description.text()
    assert w.engine_panel.use_local_button.isVisible()
    w.engine_panel.use_local_button.click()
    assert doc.backend == "local" and not w.engine_panel.render_button.isVisible()


def test_missing_key_says_where_to_set_it_and_sends_nothing(qtbot, aloop, astronaut_jpeg):
    w = make_window(qtbot)  # no backend given: the window makes the real one on first use
    open_ready(qtbot, w, astronaut_jpeg)
    choose(w, "ailab-pro")
    with qtbot.waitSignal(w.errorShown, timeout=TIMEOUT) as blocker:
        w.engine_panel.render_button.click()
    message = blocker.args[0]
    assert "FACESTUDIO_AILAB_KEY" in message and "keyring" in message and "\n" not in message
    assert w.cloud.prompt is None  # no confirmation: nothing was prepared
    qtbot.waitUntil(lambda: not w.cloud.busy(), timeout=TIMEOUT)
    box = w.cloud.key_box
    button = next(b for b in box.buttons() if b.text() == "Open Cloud keys…")
    button.click()
    assert w.last_keys_dialog.isVisible()
    assert w.current.cloud is None
    w.last_keys_dialog.close()


def test_consent_progress_result_on_canvas_and_export(qtbot, aloop, astronaut_jpeg, tmp_path):
    fake = FakeCloud()
    w = make_window(qtbot, {"ailab-pro": fake})
    doc = open_ready(qtbot, w, astronaut_jpeg)
    w.canvas.overlay.set_visible(False)
    choose(w, "ailab-pro")
    statuses = []
    w.cloud.stageChanged.connect(lambda stage: statuses.append((stage, w.activity.message.text())))
    # declining sends nothing
    with qtbot.waitSignal(w.cloud.promptShown, timeout=TIMEOUT) as shown:
        w.engine_panel.render_button.click()
    assert "FakeCloud (127.0.0.1) will receive the face region" in shown.args[0].text()
    assert fake.sent == [] and fake.planned == 1
    shown.args[0].button(shown.args[0].StandardButton.Cancel).click()
    qtbot.waitUntil(lambda: not w.cloud.busy() and w.is_idle(), timeout=TIMEOUT)
    assert fake.sent == [] and "Nothing was sent" in w.activity.message.text()
    # sending: stages in the status bar, then the result on the canvas
    with qtbot.waitSignal(w.cloud.promptShown, timeout=TIMEOUT):
        w.engine_panel.render_button.click()
    with qtbot.waitSignal(w.previewShown, timeout=TIMEOUT,
                          check_params_cb=lambda r: r.request.fixed is not None):
        w.cloud.send_button.click()
    assert len(fake.sent) == 1 and fake.sent[0] == doc.params
    assert [s for s, _ in statuses if s != "preparing"] == [s for s in STAGES if s != "preparing"]
    texts = dict(statuses)
    assert "AILabTools Pro: uploading" in texts["uploading"]
    assert "queued" in texts["queued"] and "downloading" in texts["downloading"]
    expected = fake_result(doc.full)
    assert np.array_equal(qimage_array(w.canvas._after), expected)  # 512 px: preview at full size
    assert "Showing AILabTools Pro's result" in w.engine_panel.result_note.text()
    assert not w.activity.cancel.isVisible()
    # export writes the service's result (no second send), and the edit beside the photo
    dialog = w.export_dialog()
    target = tmp_path / "cloud.png"
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData(".png"))
    dialog.path_edit.setText(str(target))
    with qtbot.waitSignal(w.exported, timeout=TIMEOUT):
        dialog.export_button.click()
    assert np.array_equal(np.asarray(Image.open(target).convert("RGB")), expected)
    assert len(fake.sent) == 1
    assert '"backend": "ailab-pro"' in sidecar_path(astronaut_jpeg).read_text()
    # a slider move brings the local preview back; undo shows the service's result again
    with qtbot.waitSignal(w.previewShown, timeout=TIMEOUT, check_params_cb=lambda r: r.request.fixed is None):
        w.panel.smoothing.setValue(doc.params.smoothing + 20)
    w.panel.editFinished.emit("smoothing")
    with qtbot.waitSignal(w.previewShown, timeout=TIMEOUT, check_params_cb=lambda r: r.request.fixed is not None):
        w.actions_by_name["undo"].trigger()


def test_export_with_a_service_asks_it_first(qtbot, aloop, astronaut_jpeg, tmp_path):
    fake = FakeCloud()
    w = make_window(qtbot, {"ailab-pro": fake})
    doc = open_ready(qtbot, w, astronaut_jpeg)
    choose(w, "ailab-pro")
    dialog = w.export_dialog()
    target = tmp_path / "out.png"
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData(".png"))
    dialog.path_edit.setText(str(target))
    with qtbot.waitSignal(w.cloud.promptShown, timeout=TIMEOUT):
        dialog.export_button.click()
    assert fake.sent == [] and not target.exists()
    with qtbot.waitSignal(w.exported, timeout=TIMEOUT):
        w.cloud.send_button.click()
    assert len(fake.sent) == 1
    assert np.array_equal(np.asarray(Image.open(target).convert("RGB")), fake_result(doc.full))


def test_cancel_stops_the_service_and_keeps_the_photo(qtbot, aloop, astronaut_jpeg):
    fake = FakeCloud(hold_at="queued")
    w = make_window(qtbot, {"ailab-pro": fake})
    doc = open_ready(qtbot, w, astronaut_jpeg)
    choose(w, "ailab-pro")
    with qtbot.waitSignal(w.cloud.promptShown, timeout=TIMEOUT):
        w.render_with_cloud()
    w.cloud.send_button.click()
    qtbot.waitUntil(lambda: fake.stages[-1:] == ["queued"], timeout=TIMEOUT)
    assert w.activity.cancel.isVisible() and "queued" in w.activity.message.text()
    assert w.engine_panel.cancel_button.isVisible() and not w.engine_panel.render_button.isEnabled()
    w.cloud._made.add("ailab-pro")  # as if the window had made it: a key change while it runs ...
    w.cloud.reset()
    assert w.backends["ailab-pro"] is fake  # ... waits for the render to end
    with qtbot.waitSignal(w.cloud.finished, timeout=TIMEOUT) as blocker:
        w.activity.cancel.click()
    assert "ailab-pro" not in w.backends  # then the next render makes a new one
    assert blocker.args[0] is False and fake.cancelled
    qtbot.waitUntil(w.is_idle, timeout=TIMEOUT)
    assert "processing" not in fake.stages and doc.cloud is None
    assert "cancelled" in w.activity.message.text() and not w.activity.cancel.isVisible()
    assert w.engine_panel.render_button.isEnabled()


def test_keys_live_in_the_keyring_only(qtbot, aloop, astronaut_jpeg, memory_keyring, config_dir, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    w = make_window(qtbot, persist=True)
    open_ready(qtbot, w, astronaut_jpeg)
    dialog = w.keys_dialog()
    row = dialog.rows["ailab-key"]
    assert row.source.text() == "Not set." and not row.remove.isEnabled()
    row.field.setText(SECRET)
    row.store.click()
    assert memory_keyring.store[("facestudio", "ailab-key")] == SECRET
    assert row.field.text() == "" and "keyring" in row.source.text() and row.remove.isEnabled()
    dialog.url_edits["ailab_base_url"].setText("http://127.0.0.1:9/")
    dialog.buttons.accepted.emit()
    assert w.settings.ailab_base_url == "http://127.0.0.1:9"
    assert load_settings().ailab_base_url == "http://127.0.0.1:9"  # saved at once
    dialog.url_edits["ailab_base_url"].setText("ftp://example")
    dialog.buttons.accepted.emit()
    assert "https://" in dialog.message.text() and w.settings.ailab_base_url == "http://127.0.0.1:9"
    # the key is used: the real backend finds it and asks before sending; declined
    choose(w, "ailab-pro")
    with qtbot.waitSignal(w.cloud.promptShown, timeout=TIMEOUT) as shown:
        w.render_with_cloud()
    assert "127.0.0.1" in shown.args[0].text()
    shown.args[0].button(shown.args[0].StandardButton.Cancel).click()
    qtbot.waitUntil(lambda: not w.cloud.busy(), timeout=TIMEOUT)
    w.workflow.save_edit()
    export = w.export_dialog()
    w.set_backend("local")  # the export itself stays local here (no stand-in server)
    out = tmp_path / "exported.jpg"
    export.path_edit.setText(str(out))
    with qtbot.waitSignal(w.exported, timeout=TIMEOUT):
        export.export_button.click()
    w.close()
    files = [config_dir / "settings.json", sidecar_path(astronaut_jpeg), out, config_dir / "window.ini"]
    for path in files:
        assert path.exists(), path
        assert SECRET.encode() not in path.read_bytes(), path
    assert SECRET not in caplog.text
    # Remove deletes it from the keyring
    w2 = make_window(qtbot)
    d2 = w2.keys_dialog()
    d2.rows["ailab-key"].remove.click()
    assert ("facestudio", "ailab-key") not in memory_keyring.store
    assert d2.rows["ailab-key"].source.text() == "Not set."


def test_a_key_in_the_environment_is_shown_as_such(qtbot, monkeypatch):
    monkeypatch.setenv("FACESTUDIO_ACEDATA_TOKEN", "from-env")
    w = make_window(qtbot)
    d = w.keys_dialog()
    assert "FACESTUDIO_ACEDATA_TOKEN" in d.rows["acedata-token"].source.text()
    assert not d.rows["acedata-token"].remove.isEnabled()


def test_real_ailab_backend_through_the_window_against_the_loopback_stand_in(qtbot, aloop, astronaut_jpeg,
                                                                              memory_keyring):
    from tests.cloud.standin import AILAB_KEY, StandIn

    server = StandIn().start()
    server.task_schedule = [2]  # done at the first poll (a second after submitting)
    memory_keyring.set_password("facestudio", "ailab-key", AILAB_KEY)
    try:
        settings = Settings(ailab_base_url=server.base_url)  # the address from the settings
        w = MainWindow(settings, persist=False)
        qtbot.addWidget(w)
        w.show()
        doc = open_ready(qtbot, w, astronaut_jpeg)
        choose(w, "ailab-pro")
        with qtbot.waitSignal(w.cloud.promptShown, timeout=TIMEOUT) as shown:
            w.render_with_cloud()
        assert f"AILabTools ({server.base_url.split('//')[1]})" in shown.args[0].text()
        assert server.requests == []  # nothing before consent
        with qtbot.waitSignal(w.cloud.finished, timeout=TIMEOUT) as done:
            w.cloud.send_button.click()
        assert done.args[0] is True
        [post] = server.requests_to("/api/portrait/effects/face-beauty-pro")
        assert post.headers["ailabapi-api-key"] == AILAB_KEY
        result = doc.cloud.pixels
        assert result.shape == doc.full.shape  # composited back at full resolution
        x0, y0, x1, y1 = (int(v) for v in doc.analysis.faces[0].bbox())
        face = (slice(y0, y1), slice(x0, x1))
        assert np.abs(result[face].astype(int) - doc.full[face]).mean() > 0.5
        assert np.array_equal(result[:40, :40], doc.full[:40, :40])  # outside the face: untouched
        backend = w.backends["ailab-pro"]
        closing = aloop.create_task(backend.aclose())
        qtbot.waitUntil(closing.done, timeout=TIMEOUT)
    finally:
        server.stop()

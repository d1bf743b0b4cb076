"""Cancelling long work, drag and drop, recent files, and the Help menu."""

from __future__ import annotations

import dataclasses
import threading

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QLabel

from facestudio.gui.document import Engine
from facestudio.gui.help import SHORTCUTS, AboutDialog, ShortcutsDialog
from facestudio.gui.main_window import MainWindow
from facestudio.gui.menus import fill_recent_menu
from facestudio.settings import Settings

TIMEOUT = 60_000


def gated_engine(**gates: threading.Event) -> Engine:
    """The real engine, with chosen steps held until the test opens their gate."""
    real = Engine.default()
    changes = {}
    if "load" in gates:
        def load(path, _real=real.load):
            gates["load"].wait(30)
            return _real(path)
        changes["load"] = load
    if "render" in gates:
        def prepare(image, faces, _real=real.prepare):
            renderer = _real(image, faces)

            def render(params):
                if threading.current_thread().name.startswith("jobs"):  # the export, not previews
                    gates["render"].wait(30)
                return renderer(params)
            return render
        changes["prepare"] = prepare
    return dataclasses.replace(real, **changes)


def make_window(qtbot, engine=None, settings=None):
    w = MainWindow(settings or Settings(), engine=engine, persist=False)
    qtbot.addWidget(w)
    w.show()
    return w


def test_cancel_while_loading_closes_the_photo(qtbot, astronaut_jpeg):
    gate = threading.Event()
    w = make_window(qtbot, gated_engine(load=gate))
    w.open_paths([astronaut_jpeg])
    assert w.activity.cancel.isVisible() and "Loading astronaut.jpg" in w.activity.message.text()
    jobs = list(w.current.jobs)
    w.activity.cancel.click()
    assert w.docs == [] and w.current is None
    gate.set()  # the decode finishes in the worker; its result is thrown away
    qtbot.waitUntil(lambda: all(j.future is None or j.future.done() for j in jobs), timeout=TIMEOUT)
    assert w.docs == [] and not w.activity.cancel.isVisible() and not w.canvas.has_photo()


def test_cancel_export_writes_nothing(qtbot, astronaut_jpeg, tmp_path):
    gate = threading.Event()
    w = make_window(qtbot, gated_engine(render=gate))
    with qtbot.waitSignal(w.documentReady, timeout=TIMEOUT):
        w.open_paths([astronaut_jpeg])
    dialog = w.export_dialog()
    target = tmp_path / "out.jpg"
    dialog.path_edit.setText(str(target))
    exported = []
    w.exported.connect(exported.append)
    with qtbot.waitSignal(dialog.stageChanged, timeout=TIMEOUT):
        dialog.export_button.click()
    assert dialog.progress.isVisible() and not dialog.export_button.isEnabled()
    assert "Rendering" in w.activity.message.text() and w.activity.cancel.isVisible()
    job = dialog.job
    w.activity.cancel.click()  # the status bar's Cancel cancels the export
    assert not dialog.isVisible()
    gate.set()  # the render finishes in the worker; the cancelled job then stops before saving
    qtbot.waitUntil(lambda: job.future is None or job.future.done(), timeout=TIMEOUT)
    qtbot.waitUntil(w.is_idle, timeout=TIMEOUT)
    assert not target.exists() and exported == []
    assert not w.activity.cancel.isVisible()


def test_drop_photos_to_open_them_and_recent_files(qtbot, astronaut_jpeg, tmp_path):
    settings = Settings()
    w = make_window(qtbot, settings=settings)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(astronaut_jpeg))])
    event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(w.documentReady, timeout=TIMEOUT):
        w.dropEvent(event)
    assert w.current.path == astronaut_jpeg
    assert settings.recent_files == [str(astronaut_jpeg.resolve())]
    w.close_current()
    fill_recent_menu(w)
    entries = [a for a in w.recent_menu.actions() if a.text() == "astronaut.jpg"]
    assert len(entries) == 1
    with qtbot.waitSignal(w.documentReady, timeout=TIMEOUT):
        entries[0].trigger()
    assert w.current.path.resolve() == astronaut_jpeg.resolve()


def test_help_lists_the_shortcuts_and_about_names_versions_and_licences(qtbot):
    w = make_window(qtbot)
    for name, (_text, keys, _what) in SHORTCUTS.items():
        action = w.actions_by_name.get(name)
        if action is not None:  # (hold-to-compare is a key, not an action)
            assert keys in [s.toString() for s in action.shortcuts()] or \
                action.shortcut().toString() == keys, name
    shortcuts = ShortcutsDialog(w)
    labels = " ".join(lbl.text() for lbl in shortcuts.findChildren(QLabel))
    assert "Ctrl+E" in labels and "Ctrl+Shift+Z" in labels and "Hold to compare" in labels
    about = AboutDialog(w)
    head = " ".join(lbl.text() for lbl in about.findChildren(QLabel))
    for name in ("FaceStudio", "Qt", "PySide6", "numpy", "OpenCV", "LiteRT"):
        assert name in head
    licences = about.licences.toPlainText()
    assert "Apache License 2.0" in licences and "face_landmark.tflite" in licences

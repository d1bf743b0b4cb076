"""The application entry point: qasync loop, long-lived backends (the local one made at start, cloud
ones made on first use) closed on quit, the window."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from facestudio.gui import app as gui_app
from facestudio.gui.main_window import MainWindow


class FakeBackend:
    name = "local"

    def __init__(self) -> None:
        self.closed = 0
        self.loop_seen: asyncio.AbstractEventLoop | None = None

    async def aclose(self) -> None:
        self.loop_seen = asyncio.get_running_loop()
        self.closed += 1


def test_main_runs_on_qasync_opens_photos_and_closes_backends(qapp, monkeypatch, astronaut_jpeg):
    import facestudio.backends

    backend = FakeBackend()
    cloud = FakeBackend()
    made = []
    monkeypatch.setattr(gui_app, "open_backends", lambda settings: made.append(backend) or {"local": backend})
    monkeypatch.setattr(facestudio.backends, "make_backend", lambda name, **config: cloud)
    seen = {}

    def close_when_ready() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if not windows:
            QTimer.singleShot(20, close_when_ready)
            return
        w = windows[0]
        if not w.docs or not w.is_idle():
            QTimer.singleShot(20, close_when_ready)
            return
        seen["backends"] = dict(w.backends)
        seen["docs"] = [d.name for d in w.docs]
        seen["faces"] = len(w.current.analysis.faces)
        seen["cloud"] = [w.cloud.backend("ailab-pro"), w.cloud.backend("ailab-pro")]  # made once, lazily
        w.close()

    QTimer.singleShot(0, close_when_ready)
    status = gui_app.main([str(astronaut_jpeg)])
    assert status == 0
    assert made == [backend] and seen["backends"] == {"local": backend}  # one set, made once
    assert seen["docs"] == ["astronaut.jpg"] and seen["faces"] == 1
    assert backend.closed == 1 and backend.loop_seen is not None  # closed on quit, on the loop
    assert seen["cloud"] == [cloud, cloud] and cloud.closed == 1  # the cloud one made later too


def test_screenshot_options_move_a_landmark_by_index_and_offset(capsys):
    import pytest

    ns = gui_app._parse(["--move-point", "88,12,-5", "--drag-point", "53,-14,6", "photo.jpg"])
    assert ns.move_point == (88, 12.0, -5.0) and ns.drag_point == (53, -14.0, 6.0)
    for bad in ("90,1,1", "88,1", "pupil,1,1"):
        with pytest.raises(SystemExit):
            gui_app._parse(["--move-point", bad])
    assert "--move-point" in capsys.readouterr().err

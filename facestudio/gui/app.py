"""Starting the desktop app: QApplication, the qasync event loop, the backends, the window.

What belongs here: :func:`main` (what ``facestudio`` with no arguments or with photo paths
calls), the lifetime of the long-lived backends (made once at start, closed on quit), and a
developer entry point, ``python -m facestudio.gui.app``, whose ``--screenshot OUT.png`` option
opens photos, applies settings, waits until every render is on screen, saves a picture of the
window and quits (how the README's screenshot is made, under Xvfb)::

    xvfb-run -a -s "-screen 0 1600x1000x24" python -m facestudio.gui.app \\
        --screenshot shot.png --set smoothing=60 --split 0.5 --landmarks PHOTO.jpg

``--set`` takes any slider (``shrink_face=40``), a reshape part (``slim_nose=-40``), ``filter=12``
and ``filter_strength=60``; ``--section Reshape`` opens a panel section, ``--backend ailab-pro``
chooses an engine, ``--smart 0.6`` applies smart beauty, ``--move-point 88,12,-5`` moves landmark
88 of face ``--face`` (default 0) by (12, -5) photo pixels as the mouse would, ``--drag-point``
(same form) shows a point in hand, mid-drag, and ``--dialog keys|export-all|export`` saves a
picture of that dialog instead of the window.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from facestudio import __version__
from facestudio.gui._qtcheck import ADVICE, binding_is_sound
from facestudio.gui.jobs import error_message
from facestudio.gui.main_window import MainWindow
from facestudio.settings import Settings, load_settings

log = logging.getLogger(__name__)


def open_backends(settings: Settings) -> dict[str, Any]:
    """The backends the app keeps for its whole life (the local engine; the chosen cloud one
    is made when first used, with its single long-lived HTTP client)."""
    try:
        from facestudio.backends import make_backend
    except ImportError as exc:  # an incomplete installation: the GUI still runs on the core
        log.warning("backends unavailable: %s", exc)
        return {}
    return {"local": make_backend("local")}


async def close_backends(backends: dict[str, Any]) -> None:
    for name, backend in backends.items():
        try:
            await backend.aclose()
        except Exception:  # noqa: BLE001 (closing must not stop the others from closing)
            log.exception("closing backend %s failed", name)


def tune_garbage_collector() -> None:
    """Keep Python's cyclic garbage collector from freezing the window.

    A full collection walks every tracked object while holding the GIL; with numpy, OpenCV,
    LiteRT and Qt loaded that is ~100k objects and, measured on a busy 2-core machine, 60-185 ms
    pauses on the GUI thread. Objects alive after start-up (modules, classes, the window) are
    moved out of the collector's sight with ``gc.freeze()``, and young collections run less
    often, so what remains is short. Called once the window exists (by :func:`run`, and by the
    responsiveness benchmark so it measures the app as shipped).
    """
    gc.collect()
    gc.freeze()
    gen0, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(max(gen0, 5000), gen1, gen2)


def _application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    app.setApplicationName("FaceStudio")
    app.setOrganizationName("FaceStudio")
    app.setApplicationVersion(__version__)
    return app


def run(window_setup: Any = None, *, settings: Settings | None = None, persist: bool = True) -> int:
    """Create the app, the loop, the backends and the window; run until the last window closes."""
    import qasync

    app = _application()
    if not binding_is_sound():
        print(f"facestudio: {ADVICE}", file=sys.stderr)
        return 1
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    settings = settings if settings is not None else load_settings()
    backends = open_backends(settings)
    window = MainWindow(settings, backends=backends, persist=persist)
    previous_hook = sys.excepthook
    sys.excepthook = _report_to(window, previous_hook)
    window.show()
    tune_garbage_collector()
    if window_setup is not None:
        window_setup(window)
    quit_event = asyncio.Event()
    app.aboutToQuit.connect(quit_event.set)
    app.lastWindowClosed.connect(app.quit)
    try:
        with loop:
            loop.run_until_complete(quit_event.wait())
            # the window's backends: those made at start and the cloud ones made on first use
            loop.run_until_complete(close_backends(window.backends))
    finally:
        asyncio.set_event_loop(None)
        sys.excepthook = previous_hook
    return getattr(window, "exit_code", 0)


def _report_to(window: MainWindow, previous: Any) -> Any:
    """An excepthook: a bug in a slot is logged with its traceback and shown as a message, and
    the window carries on (Qt would otherwise only print it, and the user would see nothing)."""
    def hook(exc_type: type[BaseException], exc: BaseException, tb: Any) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            previous(exc_type, exc, tb)
            return
        log.error("unexpected error", exc_info=(exc_type, exc, tb))
        previous(exc_type, exc, tb)
        try:
            window.show_error(error_message(exc, "working"))
        except RuntimeError:  # the window is already gone
            pass
    return hook


def main(paths: Sequence[str] | None = None) -> int:
    """Open the main window (with ``paths`` open, if any); returns the exit status."""
    paths = list(paths or [])
    return run(lambda w: w.open_paths(paths) if paths else None)


# -- developer entry point: screenshots --------------------------------------------------------
def _parse(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m facestudio.gui.app",
                                description="Run the FaceStudio window (developer options).")
    p.add_argument("paths", nargs="*", help="photos to open")
    p.add_argument("--screenshot", type=Path, help="save a PNG of the window once idle, then quit")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="set a slider, e.g. smoothing=60 (repeatable)")
    p.add_argument("--split", type=float, help="split line position, 0-1 (or 0-100)")
    p.add_argument("--mode", choices=("split", "side", "after"), help="compare mode")
    p.add_argument("--landmarks", action=argparse.BooleanOptionalAction, default=None,
                   help="show or hide the landmark overlay")
    p.add_argument("--zoom", help="'fit', or a percentage such as 100")
    p.add_argument("--center", help="photo point X,Y to centre the view on (with --zoom)")
    p.add_argument("--size", default="1500x950", help="window size WxH (default 1500x950)")
    p.add_argument("--face", type=int, help="select one face (0-based) for per-face edits")
    p.add_argument("--section", help="open this panel section (e.g. Reshape, Filters)")
    p.add_argument("--backend", help="render engine of the photos (local, acedata, ailab-pro, ...)")
    p.add_argument("--smart", type=float, help="apply smart beauty at this level (0-1)")
    p.add_argument("--move-point", type=_point_move, metavar="INDEX,DX,DY",
                   help="move landmark INDEX (0-89) of face --face by DX,DY photo pixels")
    p.add_argument("--drag-point", type=_point_move, metavar="INDEX,DX,DY",
                   help="show landmark INDEX in hand, DX,DY photo pixels from its place (mid-drag)")
    p.add_argument("--dialog", choices=("keys", "export-all", "export"),
                   help="screenshot this dialog instead of the window")
    ns = p.parse_args(argv)
    from facestudio.core.params import RESHAPE_INDEX, SLIDER_BY_NAME

    known = set(SLIDER_BY_NAME) | set(RESHAPE_INDEX) | {"filter", "filter_strength"}
    for item in ns.set:
        name, eq, value = item.partition("=")
        if not eq or name.strip() not in known or not value.strip().lstrip("-").isdigit() \
                and not (name.strip() == "filter" and value.strip().lower() == "none"):
            p.error(f"--set {item}: use NAME=INTEGER with NAME one of {', '.join(sorted(known))}")
    return ns


def _point_move(text: str) -> tuple[int, float, float]:
    try:
        index, dx, dy = text.split(",")
        move = int(index), float(dx), float(dy)
    except ValueError:
        raise argparse.ArgumentTypeError("use INDEX,DX,DY, e.g. 88,12,-5") from None
    if not 0 <= move[0] < 90:
        raise argparse.ArgumentTypeError("the landmark index is 0-89")
    return move


def _moved_point(window: MainWindow, face: int, move: tuple[int, float, float]) -> tuple[float, float] | None:
    doc = window.current
    if doc is None or doc.analysis is None or not 0 <= face < len(doc.analysis.faces):
        return None
    x, y = doc.analysis.faces[face].points[move[0]]
    return float(x) + move[1], float(y) + move[2]


def _set_value(window: MainWindow, name: str, value: str) -> None:
    """``--set NAME=VALUE``: a slider, a reshape part, ``filter`` or ``filter_strength``."""
    panel = window.panel
    if name == "filter":
        panel.filters.chosen.emit(None if value.lower() in ("none", "0") else int(value))
    elif name in panel.reshape_rows:
        panel.reshape_rows[name].slider.setValue(int(value))
    else:
        panel.rows[name].slider.setValue(int(value))
    panel.editFinished.emit(name)


def _configure(window: MainWindow, ns: argparse.Namespace) -> None:
    w, h = (int(v) for v in ns.size.lower().split("x"))
    window.resize(w, h)
    if ns.mode:
        window.actions_by_name[f"mode_{ns.mode}"].setChecked(True)
    if ns.landmarks is not None:
        window.canvas.overlay.set_visible(ns.landmarks)
    if ns.split is not None:
        window.canvas.set_split(ns.split / 100.0 if ns.split > 1 else ns.split)
    if ns.paths:
        window.open_paths(ns.paths)

    def after_ready(_doc: Any) -> None:
        if window.docs and not all(d.state == "ready" for d in window.docs):
            return
        if ns.backend:
            for doc in window.docs:
                window.set_current(doc)
                window.set_backend(ns.backend)
        if ns.face is not None:
            window.select_face(ns.face)
        if ns.smart is not None:
            window.panel.smart.level.setValue(round(ns.smart * 100))
            window.workflow.smart_beauty(ns.smart, True)
        for item in ns.set:
            name, _, value = item.partition("=")
            _set_value(window, name.strip(), value.strip())
        face = ns.face or 0
        if ns.move_point and (to := _moved_point(window, face, ns.move_point)) is not None:
            window.move_landmark(face, ns.move_point[0], *to)
        if ns.section:
            window.panel.show_section(ns.section)
        if ns.zoom and ns.zoom != "fit":
            window.canvas.set_zoom(float(ns.zoom) / 100.0)
        if ns.center:
            x, y = (float(v) for v in ns.center.split(","))
            window.canvas.center_on(x, y)
        if ns.screenshot:
            _when_idle(window, lambda: (_hold_point(window, face, ns.drag_point),
                                        _shoot(window, ns.screenshot, ns.dialog)))

    if ns.paths:
        window.documentReady.connect(after_ready)
    elif ns.screenshot:
        if ns.section:
            window.panel.show_section(ns.section)
        _when_idle(window, lambda: _shoot(window, ns.screenshot, ns.dialog))


def _hold_point(window: MainWindow, face: int, move: tuple[int, float, float] | None) -> None:
    """``--drag-point``: the overlay shows the point where a drag has taken it so far."""
    if move is not None and (to := _moved_point(window, face, move)) is not None:
        window.canvas.overlay.set_dragged(face, move[0], *to)


def _when_idle(window: MainWindow, then: Any, idle: int = 0, polls: int = 0) -> None:
    """Call ``then`` once nothing has been loading or rendering for 4 polls of 50 ms (max 2 min)."""
    idle = idle + 1 if window.is_idle() else 0
    if idle >= 4 or polls > 2400:
        then()
        return
    QTimer.singleShot(50, lambda: _when_idle(window, then, idle, polls + 1))


def _shoot(window: MainWindow, out: Path, dialog: str | None = None) -> None:
    target: Any = window
    if dialog == "keys":
        target = window.keys_dialog()
    elif dialog == "export-all":
        target = window.export_all_dialog()
    elif dialog == "export":
        target = window.export_dialog()
    if target is None:
        print(f"screenshot FAILED: no {dialog} dialog (open a photo first)")
        window.exit_code = 1
        window.close()
        return
    if target is not window:
        target.adjustSize()
    target.repaint()
    QApplication.processEvents()
    ok = target.grab().save(str(out))
    print(f"screenshot {'saved to' if ok else 'FAILED:'} {out} "
          f"({target.width()}x{target.height()}, device pixel ratio {target.devicePixelRatioF():g})")
    window.exit_code = 0 if ok else 1
    window.close()


def _dev_main(argv: Sequence[str]) -> int:
    ns = _parse(argv)
    if ns.screenshot:  # reproducible pictures: default settings, nothing saved
        return run(lambda w: _configure(w, ns), settings=Settings(), persist=False)
    return run(lambda w: _configure(w, ns))


if __name__ == "__main__":
    sys.exit(_dev_main(sys.argv[1:]))

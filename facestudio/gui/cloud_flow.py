"""Rendering a photo with a cloud service, from the GUI: key check, consent, progress, cancel.

What belongs here: :class:`CloudFlow`, which owns the window's cloud backends (one long-lived
object per service, made on first use with the base URLs from the settings, dropped when keys
or addresses change, closed on quit by the app) and runs the one explicit flow that sends a
photo anywhere, as a task on the app's qasync loop:

1. ``require_credentials()``: a missing key stops here with a message saying where to set it
   and a button that opens the Cloud keys dialog; nothing is prepared or sent.
2. ``plan_upload`` (in an executor) and a confirmation naming exactly what goes where
   (``describe_upload``) and what the service will not apply (``ignored_settings``).
3. ``retouch`` with the backend's progress stages (preparing, uploading, queued, processing,
   downloading, compositing) in the status bar and the Engine section, with Cancel, which
   cancels the task.
4. The full-resolution result (composited by the backend) is kept on the document
   (:class:`~facestudio.gui.document.CloudResult`) and shown through the render controller.

Choosing a service (:meth:`CloudFlow.choose`) never calls this; the preview stays local. The
flow also keeps the Engine section and the status bar in line with the current photo, and
opens the Cloud keys dialog.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from facestudio.core.errors import FaceStudioError
from facestudio.gui.document import CloudResult, Document, render_params
from facestudio.gui.engine_panel import SERVICE_NAMES, STAGE_TEXT
from facestudio.gui.jobs import error_message

if TYPE_CHECKING:
    from facestudio.gui.main_window import MainWindow

log = logging.getLogger(__name__)


def running_loop() -> asyncio.AbstractEventLoop | None:
    """The app's event loop when it is running (qasync), else None."""
    return asyncio.events._get_running_loop()


class CloudFlow(QObject):
    """The cloud backends of one window and the render flow.

    Signals
    -------
    stageChanged(str)
        A progress stage of the running render (``facestudio.backends.STAGES``).
    promptShown(object)
        The confirmation box is open (``QMessageBox``; its "Send" button is :attr:`send_button`).
    finished(bool)
        The flow ended: True with a result, False otherwise (no key, declined, failed, cancelled).
    """

    stageChanged = Signal(str)
    promptShown = Signal(object)
    finished = Signal(bool)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._made: set[str] = set()
        self._task: asyncio.Task | None = None
        self._reset_pending = False
        self.prompt: QMessageBox | None = None
        self.send_button: Any = None
        self.key_box: QMessageBox | None = None

    # -- backends --------------------------------------------------------------------------------
    def backend(self, name: str) -> Any:
        """The window's backend ``name``, made on first use (its one HTTP client lives as long)."""
        backend = self.window.backends.get(name)
        if backend is None:
            from facestudio.backends import make_backend

            backend = make_backend(name, **self.window.settings.backend_config(name))
            self.window.backends[name] = backend
            self._made.add(name)
        return backend

    def reset(self) -> None:
        """Drop the backends made here (a key or an address changed): the next use makes new ones.

        While a render runs, its backend is left alone until it ends."""
        if self.busy():
            self._reset_pending = True
            return
        self._reset_pending = False
        for name in list(self._made):
            backend = self.window.backends.pop(name, None)
            self._made.discard(name)
            loop = running_loop()
            if backend is not None and loop is not None:
                loop.create_task(_close_quietly(backend))

    def ignored(self, doc: Document) -> tuple[str, ...]:
        """What ``doc``'s chosen service cannot apply of its current settings."""
        if doc.backend == "local":
            return ()
        try:
            return tuple(self.backend(doc.backend).ignored_settings(render_params(doc.params)))
        except Exception:  # noqa: BLE001 (a hint; never worth an error)
            return ()

    # -- the current photo's engine --------------------------------------------------------------
    @staticmethod
    def fixed(doc: Document) -> tuple | None:
        """What the render controller shows instead of rendering (a valid cloud result)."""
        result = doc.cloud_result()
        return None if result is None else (result.params, result.analysis, result.pixels)

    def choose(self, name: str) -> None:
        """The engine the current photo is exported with (sends nothing by itself)."""
        w = self.window
        doc = w.current
        if doc is None:
            w.engine_panel.set_backend("local", enabled=False)
            return
        if name == doc.backend:
            return
        doc.backend = name
        w.controller.set_fixed(self.fixed(doc))  # another service's result no longer shows
        self.update_panel()
        service = SERVICE_NAMES.get(name, name)
        w.say(f"{doc.name} will be rendered with {service}." + (
            "" if name == "local" else " Nothing is sent until you press Render or export."))

    def on_result(self, doc: Document) -> None:
        """``doc.cloud`` holds a fresh result: show it if the photo is on screen."""
        name = SERVICE_NAMES.get(doc.backend, doc.backend)
        self.window.say(f"{doc.name}: showing the result from {name} (full resolution; export writes it).")
        if doc is self.window.current:
            self.window.controller.set_fixed(self.fixed(doc))
            self.update_panel()

    def show_stage(self, text: str | None, on_cancel: Callable[[], None] | None = None, *,
                   key: str = "cloud") -> None:
        """Show (or, with None, clear) what a cloud render or the export queue is doing."""
        w = self.window
        if text is None:
            w.status.end(key)
            if key == "cloud":
                w.engine_panel.set_running(None)
            return
        w.status.begin(key, text, on_cancel)
        if key == "cloud":
            w.engine_panel.set_running(text)

    def update_panel(self) -> None:
        """Bring the Engine section in line with the current photo."""
        doc = self.window.current
        panel = self.window.engine_panel
        if doc is None:
            panel.set_backend("local", enabled=False)
            return
        panel.set_backend(doc.backend, enabled=doc.state == "ready" and not self.busy())
        if self.busy():
            panel.render_button.setEnabled(False)
        if doc.backend == "local":
            return
        panel.set_ignored(self.ignored(doc))
        service = SERVICE_NAMES.get(doc.backend, doc.backend)
        if doc.cloud_result() is not None:
            panel.set_result_note(f"<b>Showing {service}'s result</b> (full resolution); export writes it. "
                                  "Move a slider to go back to the live local preview.")
        else:
            panel.set_result_note(f"Preview: local engine. {service} is asked only when you press the "
                                  "button above or export.")

    def open_keys(self) -> QWidget:
        """The Cloud keys and addresses dialog (non-modal for the rest of the app)."""
        from facestudio.gui.keys_dialog import KeysDialog

        dialog = KeysDialog(self.window.settings, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.changed.connect(self._settings_changed)
        dialog.open()
        return dialog

    def _settings_changed(self) -> None:
        """A key or an address changed: new backends next time; addresses saved now."""
        from facestudio.settings import save_settings

        self.reset()
        if self.window.persist:
            try:
                save_settings(self.window.settings)
            except OSError as exc:
                log.warning("could not save settings: %s", exc)
        self.update_panel()

    # -- running ---------------------------------------------------------------------------------
    def busy(self) -> bool:
        return self._task is not None

    def render(self, doc: Document, *, parent: QWidget | None = None,
               then: Callable[[bool], None] | None = None) -> bool:
        """Start the flow for ``doc`` with its chosen service; False if it cannot start."""
        if doc.backend == "local" or doc.state != "ready" or doc.loaded is None:
            return False
        if self.busy():
            self.window.show_error("A cloud render is already running: wait for it or cancel it.")
            return False
        loop = running_loop()
        if loop is None:
            self.window.show_error("The cloud services need FaceStudio's event loop: start FaceStudio "
                                   "with the facestudio command.")
            return False
        self._task = loop.create_task(self._run(doc, parent, then))
        return True

    def cancel(self) -> None:
        """Cancel the running flow (the backend's requests and polling stop)."""
        if self._task is not None:
            self._task.cancel()

    async def _run(self, doc: Document, parent: QWidget | None,
                   then: Callable[[bool], None] | None) -> None:
        label = SERVICE_NAMES.get(doc.backend, doc.backend)
        ok = False
        try:
            ok = await self._flow(doc, parent, label)
        except asyncio.CancelledError:
            self.window.say(f"The render with {label} was cancelled; the photo is unchanged.")
        except FaceStudioError as exc:
            self.window.show_error(str(exc))
        except Exception as exc:  # noqa: BLE001 (a bug: say it, keep the window alive)
            log.error("cloud render failed", exc_info=exc)
            self.window.show_error(error_message(exc, f"rendering with {label}"))
        finally:
            self._task = None
            self.show_stage(None)
            if self.prompt is not None:
                self.prompt.close()
            if self._reset_pending:
                self.reset()
        self.finished.emit(ok)
        if then is not None:
            then(ok)

    async def _flow(self, doc: Document, parent: QWidget | None, label: str) -> bool:
        from facestudio.cloud.errors import CredentialsError

        name = doc.backend
        backend = self.backend(name)
        params = render_params(doc.params)
        analysis = doc.analysis
        try:
            backend.require_credentials()
        except CredentialsError as exc:
            self.show_missing_key(str(exc), parent)
            return False
        progress = self._progress(label)
        progress("preparing", None)  # fitting a big photo to the limits takes a moment
        loop = asyncio.get_running_loop()
        plan = await loop.run_in_executor(None, functools.partial(backend.plan_upload, doc.loaded,
                                                                  analysis, params))
        description = backend.describe_upload(plan)
        if not plan and not backend.calls(doc.loaded, analysis, params):
            self.show_stage(None)
            self.window.say(f"{description} Nothing was sent.")
            return False
        self.show_stage(None)
        if not await self.confirm(label, description, backend.ignored_settings(params), parent):
            self.window.say(f"Nothing was sent to {label}.")
            return False
        if doc not in self.window.docs:
            return False
        pixels = await backend.retouch(doc.loaded, analysis, params, progress=progress)
        if pixels.flags.writeable:
            pixels.setflags(write=False)
        doc.cloud = CloudResult(name, params, analysis, pixels)
        self.on_result(doc)
        return True

    def _progress(self, label: str) -> Callable[[str, float | None], None]:
        def progress(stage: str, fraction: float | None = None) -> None:
            text = f"{label}: {STAGE_TEXT.get(stage, stage)}"
            if fraction is not None and 0 < fraction < 1:
                text += f" ({fraction:.0%})"
            self.show_stage(text + "…", self.cancel)
            self.stageChanged.emit(stage)
        return progress

    # -- messages --------------------------------------------------------------------------------
    async def confirm(self, label: str, description: str, ignored: tuple[str, ...],
                      parent: QWidget | None) -> bool:
        """Ask before anything leaves the computer; True for "Send"."""
        text = description
        if ignored:
            text += f"\n\n{label} cannot apply: {', '.join(ignored)} (the local engine can)."
        text += "\n\nSend?"
        box = QMessageBox(QMessageBox.Icon.Question, f"Send to {label}?", text,
                          QMessageBox.StandardButton.NoButton, parent or self.window)
        box.setObjectName("cloud_confirm")
        send = box.addButton("Send", QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(send)
        box.setEscapeButton(cancel)
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        box.finished.connect(lambda _r: future.done() or future.set_result(box.clickedButton() is send))
        self.prompt, self.send_button = box, send
        box.open()
        self.promptShown.emit(box)
        try:
            return await future
        finally:
            self.prompt = self.send_button = None
            if box.isVisible():
                box.close()
            box.deleteLater()

    def show_missing_key(self, message: str, parent: QWidget | None = None) -> None:
        """The key is missing: say where to set it, with a button to the Cloud keys dialog."""
        box = QMessageBox(QMessageBox.Icon.Warning, "A key is needed", message,
                          QMessageBox.StandardButton.Close, parent or self.window)
        box.setObjectName("missing_key")
        box.setInformativeText("Nothing was sent. You can store the key in the system keyring "
                               "from FaceStudio's Cloud keys dialog.")
        keys = box.addButton("Open Cloud keys…", QMessageBox.ButtonRole.ActionRole)
        keys.clicked.connect(self.window.keys_dialog)
        box.finished.connect(lambda _r: setattr(self, "key_box", None))
        self.key_box = box
        box.open()
        self.window.errorShown.emit(message)


async def _close_quietly(backend: Any) -> None:
    try:
        await backend.aclose()
    except Exception:  # noqa: BLE001
        log.exception("closing a cloud backend failed")

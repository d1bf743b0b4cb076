"""What the window's status bar says: the task it is busy with, or the last thing it said.

What belongs here: :class:`StatusLine`, the bookkeeping behind the status bar's
:class:`~facestudio.gui.widgets.ActivityBar`: the tasks under way (loading or detecting a photo,
rendering, an export, a cloud render), each with a message and an optional Cancel, of which the
latest begun is shown; and, when none runs, the last message the window said plus what the user
should keep in mind (one face edited alone, how long the last preview took). Not here: the bar
widget (``widgets``) and the work itself; callers begin and end their tasks by key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

from facestudio.gui.widgets import ActivityBar

if TYPE_CHECKING:
    from facestudio.gui.document import Document

IDLE_START = "Open a photo to start (Ctrl+O)."


class StatusLine(QObject):
    """Tasks by key and the idle message, shown on an :class:`ActivityBar`.

    Parameters
    ----------
    activity : ActivityBar
        Where it is shown.
    current : callable
        Returns the document on screen (or None), for the idle message's notes.
    """

    def __init__(self, activity: ActivityBar, current: Callable[[], Document | None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.activity = activity
        self._current = current
        #: key -> (message, on_cancel or None), in the order begun
        self.tasks: dict[str, tuple[str, Any]] = {}
        #: shown when no task runs (set it, then :meth:`refresh`; or :meth:`say`)
        self.idle_message = IDLE_START
        #: milliseconds of the last local preview render (None: a cloud result is shown)
        self.render_ms: float | None = None

    def begin(self, key: str, message: str, on_cancel: Any) -> None:
        """Task ``key`` runs (again): show ``message``, and Cancel if ``on_cancel`` is given."""
        self.tasks.pop(key, None)
        self.tasks[key] = (message, on_cancel)
        self.refresh()

    def end(self, key: str) -> None:
        """Task ``key`` is over (nothing happens if it was not running)."""
        if self.tasks.pop(key, None) is not None:
            self.refresh()

    def busy(self) -> bool:
        return bool(self.tasks)

    def say(self, message: str) -> None:
        """A message kept until the next one."""
        self.idle_message = message
        self.refresh()

    def refresh(self) -> None:
        """Show the latest task, or the idle message with its notes."""
        if self.tasks:
            message, on_cancel = next(reversed(self.tasks.values()))
            self.activity.show_busy(message, on_cancel)
            return
        extra = ""
        doc = self._current()
        if doc is not None and doc.params.face is not None:
            extra += f"  Editing face {doc.params.face + 1} only (Esc: all faces)."
        if self.render_ms is not None and doc is not None:
            extra += f"  Preview rendered in {self.render_ms:.0f} ms."
        self.activity.show_idle(self.idle_message + extra)

"""Background jobs that are not slider renders: opening a photo, finding faces, exporting.

What belongs here: :class:`JobRunner`, which runs a function in a single-worker executor and
calls back on the GUI thread (through a queued Qt signal, so it works with or without the
qasync loop, and under pytest-qt), and :class:`Job`, a handle the user can cancel. Work that
has started cannot be interrupted (numpy/OpenCV calls run to the end), so cancelling means "the
result is thrown away"; long jobs check :meth:`Job.cancelled` between their steps (an export
never writes the file after the user cancelled it).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from facestudio.core.errors import FaceStudioError

log = logging.getLogger(__name__)


class JobCancelled(Exception):
    """Raised inside a job's function by :meth:`Job.check` once the user cancelled."""


class Job:
    """A running or queued background job."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._cancel = threading.Event()
        self.future: Future | None = None

    def cancel(self) -> None:
        self._cancel.set()
        if self.future is not None:
            self.future.cancel()

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        """Call between steps of a long job: stop here if the user cancelled."""
        if self._cancel.is_set():
            raise JobCancelled(self.name)


def error_message(exc: BaseException, doing: str) -> str:
    """One line for the user: a FaceStudioError's own message, or what failed and the type."""
    if isinstance(exc, FaceStudioError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return f"Not enough memory while {doing}. Close other photos or programs and try again."
    return f"Unexpected error while {doing} ({type(exc).__name__}: {exc})."


class JobRunner(QObject):
    """Runs functions off the GUI thread and reports back on it."""

    _finished = Signal(object, object, object, object)  # job, on_done, on_error, outcome

    def __init__(self, executor: ThreadPoolExecutor | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._own = executor is None
        self._executor = executor or ThreadPoolExecutor(max_workers=1, thread_name_prefix="jobs")
        self._finished.connect(self._on_finished)
        self._closed = False

    def submit(self, name: str, fn: Callable[..., Any], *args: Any,
               on_done: Callable[[Any], None], on_error: Callable[[BaseException], None],
               pass_job: bool = False) -> Job:
        """Run ``fn(*args)`` (``fn(job, *args)`` with ``pass_job``); then ``on_done(result)`` or
        ``on_error(exc)`` on the GUI thread, unless the job was cancelled."""
        job = Job(name)
        call = (lambda: fn(job, *args)) if pass_job else (lambda: fn(*args))
        job.future = self._executor.submit(call)
        job.future.add_done_callback(lambda f: self._deliver(job, on_done, on_error, f))
        return job

    def _deliver(self, job: Job, on_done: Callable, on_error: Callable, fut: Future) -> None:
        if fut.cancelled():
            return
        exc = fut.exception()
        try:
            self._finished.emit(job, on_done, on_error, exc if exc is not None else _Ok(fut.result()))
        except RuntimeError:  # the runner is gone (window closed while the job ran)
            pass

    @Slot(object, object, object, object)
    def _on_finished(self, job: Job, on_done: Callable, on_error: Callable, outcome: object) -> None:
        # job -> future -> done-callback -> job is a reference cycle: break it, so the result
        # (possibly a large array) is freed now rather than in a collector pause on this thread
        job.future = None
        if self._closed or job.cancelled() or isinstance(outcome, JobCancelled):
            return
        if isinstance(outcome, _Ok):
            on_done(outcome.value)
        else:
            assert isinstance(outcome, BaseException)
            if not isinstance(outcome, FaceStudioError):
                log.error("job %s failed", job.name, exc_info=outcome)
            on_error(outcome)

    def shutdown(self) -> None:
        self._closed = True
        if self._own:
            self._executor.shutdown(wait=False, cancel_futures=True)


class _Ok:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

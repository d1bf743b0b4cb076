"""The Qt binding itself must not corrupt Python's reference counts.

PySide6 6.12.0 on Python 3.11 drops a reference to ``True`` on every signal emission and to
``None`` on every ``QTimer.singleShot`` callback (it assumes 3.12's immortal objects), which
crashes any window after a few hundred events ("Fatal Python error: bool_dealloc"). This test
makes such a binding fail loudly and early instead of as a random crash in another test.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, QTimer, Signal

from facestudio.gui._qtcheck import ADVICE, binding_is_sound


class _Emitter(QObject):
    fired = Signal(object)


def test_signals_and_timers_keep_reference_counts(qapp):
    e = _Emitter()
    seen = []
    e.fired.connect(seen.append)
    before = sys.getrefcount(True), sys.getrefcount(None)
    for i in range(50):
        e.fired.emit(i)
        QTimer.singleShot(0, lambda: None)
    qapp.processEvents()
    after = sys.getrefcount(True), sys.getrefcount(None)
    assert len(seen) == 50
    drift = (after[0] - before[0], after[1] - before[1])
    assert drift[0] > -25 and drift[1] > -25, f"{ADVICE} (drift {drift} per 50 events)"
    assert binding_is_sound()  # the same check the app makes at start-up

"""A start-up check that the installed Qt binding does not corrupt Python's reference counts.

What belongs here: :func:`binding_is_sound`. PySide6 6.12.0 on Python 3.11 drops a reference
to ``True`` on every signal emission and to ``None`` on every ``QTimer.singleShot`` callback
(it was built for Python 3.12's immortal objects); any window then dies within seconds with
"Fatal Python error: bool_dealloc". Checking costs microseconds, and turns that random crash
into one clear message at start-up. PySide6 6.11 is sound.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal

ADVICE = ("this PySide6 build corrupts Python's reference counts on Python "
          f"{sys.version_info.major}.{sys.version_info.minor} and would crash; install "
          "PySide6-Essentials 6.11 (pip install 'PySide6-Essentials<6.12') or use Python 3.12+")


class _Probe(QObject):
    fired = Signal(object)


def binding_is_sound(emits: int = 40) -> bool:
    """Emit a signal ``emits`` times and check ``True``/``None`` keep their references."""
    probe = _Probe()
    probe.fired.connect(lambda _v: None)
    before = sys.getrefcount(True), sys.getrefcount(None)
    for i in range(emits):
        probe.fired.emit(i)
    after = sys.getrefcount(True), sys.getrefcount(None)
    probe.deleteLater()
    # a sound binding keeps both counts within a few references of where they started
    return after[0] - before[0] > -emits // 2 and after[1] - before[1] > -emits // 2

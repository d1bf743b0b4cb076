"""FaceStudio: portrait retouching with an offline engine, optional cloud backends and a Qt GUI.

The package is layered: ``core`` (numpy/OpenCV, synchronous, pure), ``cloud`` (async httpx
clients), ``backends`` (one interface over both), ``cli`` and ``gui`` (the only Qt user).
"""

from __future__ import annotations

__version__ = "0.1.0"

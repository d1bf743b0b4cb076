"""numpy image to QImage: the one place the GUI turns pixels into something Qt can paint.

What belongs here: :func:`to_qimage` and nothing else image-related. It converts an
``(H, W, 3)`` RGB ``uint8``/``uint16`` array to a ``QImage`` in ``Format_RGB32`` through one
``cv2.cvtColor`` to BGRA (0.15-0.3 ms at 2 MP, see performance-notes.md; RGB888 would make every
later QPixmap conversion much slower). The QImage points into a numpy buffer, so that buffer is
kept alive as an attribute of the returned QImage (``_facestudio_buffer``): keep the QImage and
you keep its pixels. It is safe to call from a worker thread (QImage is not a widget).
"""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtGui import QImage


def to_display_uint8(image: np.ndarray) -> np.ndarray:
    """An 8-bit view of ``image`` for the screen (uint16 is scaled by 1/257)."""
    if image.dtype == np.uint8:
        return image
    if image.dtype == np.uint16:
        return cv2.convertScaleAbs(image, alpha=1.0 / 257.0)
    raise TypeError(f"cannot display an image of dtype {image.dtype}")


def to_qimage(image: np.ndarray) -> QImage:
    """Wrap an RGB image as a ``QImage`` without an extra copy on the GUI side.

    Parameters
    ----------
    image : (H, W, 3) uint8 or uint16 ndarray, RGB
        Any strides; it is not modified.

    Returns
    -------
    QImage
        ``Format_RGB32``, ``bytesPerLine == 4 * W``, sharing memory with a private BGRA buffer
        that the QImage keeps alive.
    """
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) RGB image, got shape {image.shape}")
    h, w = image.shape[:2]
    bgra = cv2.cvtColor(np.ascontiguousarray(to_display_uint8(image)), cv2.COLOR_RGB2BGRA)
    qimg = QImage(bgra.data, w, h, 4 * w, QImage.Format.Format_RGB32)
    qimg._facestudio_buffer = bgra  # the QImage does not own the memory: keep it alive with it
    return qimg

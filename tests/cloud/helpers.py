"""Helpers shared by the cloud tests: multipart parsing, a synthetic astronaut face, photos.

The synthetic face is a plausible 90-point shape (schema order of landmarks-90.md) laid over the
astronaut's real face, so crops and masks land where the face is without depending on the local
detector (tests of the detector live in tests/core).
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from pathlib import Path

import cv2
import numpy as np

from facestudio.core.faceshape import FaceShape

#: where the astronaut's face features are in the 512 x 512 image (measured on a grid)
ASTRO_EYE_Y = 103.0
ASTRO_EYES_X = (198.0, 245.0)


def run(coro):
    """Run a coroutine on a fresh event loop (no async test plugin needed)."""
    return asyncio.run(coro)


def parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, tuple[str | None, str, bytes]]]:
    """(fields, files) of a multipart/form-data body; files map name -> (filename, type, bytes)."""
    msg = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    fields: dict[str, str] = {}
    files: dict[str, tuple[str | None, str, bytes]] = {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            files[name] = (filename, part.get_content_type(), payload)
        else:
            fields[name] = payload.decode()
    return fields, files


def _ellipse(cx: float, cy: float, rx: float, ry: float, n: int, start: float, stop: float) -> np.ndarray:
    t = np.linspace(start, stop, n)
    return np.column_stack([cx + rx * np.cos(t), cy + ry * np.sin(t)])


def _eye(cx: float, cy: float, outer_left: bool) -> np.ndarray:
    # 0 outer corner, 1-3 lower lid toward the nose, 4 inner corner, 5-7 upper lid back out
    s = -1.0 if outer_left else 1.0
    t = np.linspace(0, np.pi, 5)
    lower = np.column_stack([cx + s * 9 * np.cos(t), cy + 3 * np.sin(t)])
    upper = np.column_stack([cx + s * 9 * np.cos(t[1:4][::-1]), cy - 3 * np.sin(t[1:4][::-1])])
    return np.vstack([lower, upper])


def astronaut_face_points(scale: float = 1.0, offset: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """(90, 2) landmarks over the astronaut's face in a copy resized by ``scale``."""
    lx, rx = ASTRO_EYES_X
    y = ASTRO_EYE_Y
    profile = _ellipse(224, y, 48, 69, 21, np.pi, 0)  # temple, down the jaw, chin (10), up
    left_eye = _eye(lx, y, outer_left=True)
    right_eye = _eye(rx, y, outer_left=False)

    def brow(x_outer: float, s: float) -> list[tuple[float, float]]:
        # 0 outer end, 1-3 lower edge, 4 inner end, 5-7 upper edge back out
        xs = [x_outer + s * d for d in (0, 7, 14, 21, 28)]
        return ([(xs[0], 92)] + [(x, 93) for x in xs[1:4]] + [(xs[4], 92)]
                + [(x, 87) for x in xs[3:0:-1]])

    brow_l = brow(lx - 16, +1)
    brow_r = brow(rx + 16, -1)
    mouth = ([(204, 146)] + [(x, 150 + (2 if x == 222 else 0)) for x in (209, 215, 222, 229, 235)]
             + [(240, 146)] + [(x, 141 - (0 if x != 222 else -1)) for x in (235, 229, 222, 215, 209)]
             + [(x, 148) for x in (209, 215, 222, 229, 235)] + [(x, 145) for x in (235, 229, 222, 215, 209)])
    nose = [(222, 130), (222, 103), (218, 110), (216, 118), (214, 125), (212, 132), (216, 136),
            (222, 137), (228, 136), (232, 132), (230, 125), (228, 118), (226, 110)]
    pupils = [(lx, y), (rx, y)]
    pts = np.vstack([profile, left_eye, right_eye, np.array(brow_l), np.array(brow_r),
                     np.array(mouth), np.array(nose), np.array(pupils)]).astype(np.float64)
    assert pts.shape == (90, 2), pts.shape
    return (pts + 0.5) * scale - 0.5 + np.asarray(offset)


def astronaut_face(scale: float = 1.0) -> FaceShape:
    return FaceShape(astronaut_face_points(scale), 0.99)


@dataclass
class FakePhoto:
    """Stands in for core.imageio.LoadedImage where the test only needs pixels."""

    pixels: np.ndarray
    alpha: np.ndarray | None = None
    metadata: object = None
    path: Path | None = None
    format: str = "JPEG"
    source_mode: str = "RGB"
    extra: dict = field(default_factory=dict)


def upscaled_astronaut(side: int) -> np.ndarray:
    from tests.faces import astronaut

    return cv2.resize(astronaut(), (side, side), interpolation=cv2.INTER_CUBIC)


def jpeg_bytes(rgb: np.ndarray, quality: int = 90) -> bytes:
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return buf.tobytes()


def decode(data: bytes) -> np.ndarray:
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert img is not None
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def pil_open(data: bytes):
    from PIL import Image

    return Image.open(io.BytesIO(data))


def only_face_changed(out, photo, analysis, *, min_far: float = 0.0) -> np.ndarray:
    """The full-resolution result kept the photo's shape and dtype, changed nothing farther than
    a face-size from the first face (``min_far``: the least share of the frame that far), and
    visibly changed the face; returns the per-pixel difference."""
    assert out.shape == photo.pixels.shape and out.dtype == photo.pixels.dtype
    diff = np.abs(out.astype(int) - photo.pixels).max(axis=2)
    x0, y0, x1, y1 = analysis.faces[0].bbox()
    side = max(x1 - x0, y1 - y0)
    far = np.ones(diff.shape, bool)
    far[max(0, int(y0 - side)):int(y1 + side), max(0, int(x0 - side)):int(x1 + side)] = False
    assert far.mean() > min_far
    assert np.all(diff[far] == 0)
    assert diff.max() > 20
    return diff

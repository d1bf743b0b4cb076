"""LocalBackend: the same async interface over the real offline engine (detect_faces, render),
run in an executor so the event loop stays free."""

from __future__ import annotations

import asyncio

import numpy as np

from facestudio.backends import Backend, LocalBackend, make_backend
from facestudio.core.params import RetouchParams
from tests.cloud.helpers import FakePhoto, run


def test_local_analyze_and_retouch(astronaut_rgb):
    photo = FakePhoto(astronaut_rgb)
    backend = make_backend("local")
    assert isinstance(backend, Backend) and backend.destination is None
    stages = []

    async def go():
        ticks = 0

        async def ticker():  # the loop keeps running while the engine works
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.001)

        t = asyncio.create_task(ticker())
        analysis = await backend.analyze(photo, progress=lambda s, f: stages.append(s))
        out = await backend.retouch(photo, analysis, RetouchParams())
        same = await backend.retouch(photo, analysis, RetouchParams.zero())
        auto = await backend.retouch(photo, None, RetouchParams(), progress=lambda s, f: stages.append(s))
        t.cancel()
        await backend.aclose()
        return analysis, out, same, auto, ticks

    analysis, out, same, auto, ticks = run(go())
    assert len(analysis.faces) == 1 and (analysis.image_width, analysis.image_height) == (512, 512)
    assert out.shape == astronaut_rgb.shape and out.dtype == astronaut_rgb.dtype
    assert np.abs(out.astype(int) - astronaut_rgb).max() > 0
    assert np.array_equal(same, astronaut_rgb)
    assert np.array_equal(auto, out)  # without an analysis it detects first, same result
    assert stages == ["processing", "processing", "processing"]
    assert ticks > 3


def test_local_largest_only(group7):
    photo = FakePhoto(group7.image[:1000, :1500].copy())

    async def go():
        backend = LocalBackend()
        all_faces = await backend.analyze(photo)
        largest = await backend.analyze(photo, largest=True)
        return all_faces, largest

    all_faces, largest = run(go())
    assert len(all_faces.faces) >= 2 and len(largest.faces) == 1
    assert largest.faces[0].area() == max(f.area() for f in all_faces.faces)

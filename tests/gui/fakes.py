"""A fake cloud backend with the real async interface, for the GUI's cloud flow (no network)."""

from __future__ import annotations

import asyncio

import numpy as np

from facestudio.backends import STAGES
from facestudio.cloud.errors import CredentialsError


def fake_result(pixels: np.ndarray) -> np.ndarray:
    """What the fake service does to a photo: blue inverted (unmistakable on screen and on disk)."""
    out = pixels.copy()
    out[..., 2] = 255 - out[..., 2]
    return out


class FakeCloud:
    """Behaves like a cloud backend: key check, upload plan, staged progress, cancellable."""

    label = "Fake service"
    destination = "FakeCloud (127.0.0.1)"

    def __init__(self, name: str = "ailab-pro", *, key: bool = True, hold_at: str | None = None) -> None:
        self.name = name
        self.key = key
        self.hold_at = hold_at  # wait at this stage until released (or cancelled)
        self.release = asyncio.Event()
        self.planned = 0
        self.sent: list = []
        self.stages: list[str] = []
        self.cancelled = False
        self.closed = False

    def require_credentials(self, extra=None) -> None:
        if not self.key:
            raise CredentialsError("No fake key is configured: set FAKE_KEY", provider="Fake")

    def calls(self, photo, analysis, params, extra=None) -> list:
        return [params]

    def plan_upload(self, photo, analysis, params, *, extra=None) -> list:
        self.planned += 1
        return [object()]

    def describe_upload(self, plan, *, extra=None) -> str:
        return "FakeCloud (127.0.0.1) will receive the face region (300x300 px) as a JPEG (0.05 MB, no metadata)."

    def ignored_settings(self, params, extra=None) -> tuple[str, ...]:
        return ("blemish removal",) if params.blemish_removal else ()

    async def analyze(self, photo, *, largest=False, progress=None):
        raise AssertionError("the GUI must not ask a cloud service for faces it already has")

    async def retouch(self, photo, analysis, params, *, progress=None, extra=None) -> np.ndarray:
        self.sent.append(params)
        try:
            for stage in STAGES:
                self.stages.append(stage)
                if progress is not None:
                    progress(stage, None)
                await asyncio.sleep(0)
                if stage == self.hold_at:
                    await self.release.wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        return fake_result(photo.pixels)

    async def aclose(self) -> None:
        self.closed = True

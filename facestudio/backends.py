"""One interface over the local engine and the cloud services.

What belongs here: the :class:`Backend` protocol the CLI and the GUI drive (``analyze``,
``retouch``, ``aclose``; progress callbacks; cancellation by cancelling the awaiting task), the
:class:`LocalBackend` over ``core.landmarks.detect_faces`` and ``core.pipeline.render`` (run in
an executor, never on the event loop), and :func:`make_backend`. The cloud implementations
(:class:`AceDataBackend`, :class:`AilabProBackend`, :class:`AilabSmartBackend`,
:class:`AilabTidyupBackend`) live in ``facestudio.cloud_backends`` and are importable from
here; they load (with httpx) only when first used.

``retouch`` returns pixels of the photo's exact shape and dtype; metadata and alpha stay with
the caller's ``LoadedImage``. Progress is ``progress(stage, fraction)`` with stage one of
:data:`STAGES` and fraction in [0, 1] or None when unknown, called on the event loop's thread.
:class:`LocalBackend` sends nothing anywhere (``destination`` is None); cloud backends name the
service that receives the photo (``destination``, ``plan_upload``, ``describe_upload``) so the
UI can say so before anything leaves the machine.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from facestudio.core.errors import ParameterError
from facestudio.core.faceshape import FaceAnalysis
from facestudio.core.params import RetouchParams

if TYPE_CHECKING:
    from facestudio.cloud_backends import (
        AceDataBackend,
        AilabProBackend,
        AilabSmartBackend,
        AilabTidyupBackend,
    )
    from facestudio.core.imageio import LoadedImage

__all__ = ["BACKEND_NAMES", "KNOWN_SETTINGS", "STAGES", "AceDataBackend", "AilabProBackend",
           "AilabSmartBackend", "AilabTidyupBackend", "Backend", "LocalBackend",
           "ProgressCallback", "make_backend"]

ProgressCallback = Callable[[str, "float | None"], Any]
STAGES = ("preparing", "uploading", "queued", "processing", "downloading", "compositing")
BACKEND_NAMES = ("local", "acedata", "ailab-pro", "ailab-smart", "ailab-tidyup")


@runtime_checkable
class Backend(Protocol):
    """What the CLI and GUI call. Cancel by cancelling the task awaiting a method."""

    name: str

    async def analyze(self, photo: LoadedImage, *, largest: bool = False,
                      progress: ProgressCallback | None = None) -> FaceAnalysis: ...

    async def retouch(self, photo: LoadedImage, analysis: FaceAnalysis | None,
                      params: RetouchParams, *, progress: ProgressCallback | None = None,
                      extra: Mapping[str, Any] | None = None) -> np.ndarray: ...

    async def aclose(self) -> None: ...


def report(progress: ProgressCallback | None, stage: str, fraction: float | None = None) -> None:
    if progress is not None:
        progress(stage, fraction)


def fit_analysis(photo: LoadedImage, analysis: FaceAnalysis | None) -> FaceAnalysis | None:
    """The analysis in the photo's own pixels (one made on a preview is scaled up)."""
    if analysis is None:
        return None
    w = photo.pixels.shape[1]
    if analysis.image_width and analysis.image_width != w:
        return analysis.scaled(w / analysis.image_width)
    return analysis


class Base:
    """What every backend shares: a name, an executor for CPU work, async context management."""

    name = ""
    label = ""
    #: where photos go (None: nowhere, the work stays on this computer)
    destination: str | None = None

    def __init__(self, *, executor: Executor | None = None) -> None:
        self._executor = executor

    async def _run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        return None


class LocalBackend(Base):
    """The offline engine: detection and rendering in an executor; nothing leaves the machine."""

    name = "local"
    label = "Local engine"

    async def analyze(self, photo: LoadedImage, *, largest: bool = False,
                      progress: ProgressCallback | None = None) -> FaceAnalysis:
        from facestudio.core.landmarks import detect_faces

        report(progress, "processing")
        analysis = await self._run(detect_faces, photo.pixels)
        return analysis.largest() if largest else analysis

    async def retouch(self, photo: LoadedImage, analysis: FaceAnalysis | None,
                      params: RetouchParams, *, progress: ProgressCallback | None = None,
                      extra: Mapping[str, Any] | None = None) -> np.ndarray:
        from facestudio.core.pipeline import render

        analysis = fit_analysis(photo, analysis)
        if analysis is None:
            analysis = await self.analyze(photo, progress=progress)
        report(progress, "processing")
        return await self._run(render, photo.pixels, analysis.faces, params)


_CLOUD_CLASSES = {"acedata": "AceDataBackend", "ailab-pro": "AilabProBackend",
                  "ailab-smart": "AilabSmartBackend", "ailab-tidyup": "AilabTidyupBackend"}


def __getattr__(name: str) -> Any:  # the cloud classes load on first use
    if name in _CLOUD_CLASSES.values():
        from facestudio import cloud_backends

        return getattr(cloud_backends, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: every setting any backend takes; ``make_backend`` drops those the chosen backend does not use
#: (so the CLI and GUI can pass one settings dict to any backend), while a misspelt key fails.
KNOWN_SETTINGS = frozenset({
    "executor", "token", "platform_token", "api_key", "base_url", "platform_url", "image_url",
    "timeout", "connect_timeout", "retry", "transport", "sleep", "poll_interval", "first_poll",
    "task_timeout", "task_type", "margin", "max_upload_side", "detail",
})


def make_backend(name: str, **config: Any) -> Backend:
    """The backend called ``name`` (one of :data:`BACKEND_NAMES`), built with ``config``.

    Config keys are the constructors' keyword arguments (:data:`KNOWN_SETTINGS`), e.g.
    ``base_url``, ``timeout``, ``retry`` (a :class:`facestudio.cloud.RetryPolicy`),
    ``token``/``platform_token``/``api_key`` (default: environment, then keyring, read at first
    use), ``image_url`` (Ace), ``poll_interval``, ``task_timeout``, ``executor``. Keys set to
    None, and known keys the chosen backend does not use, are ignored; unknown keys raise
    TypeError.
    """
    if name not in BACKEND_NAMES:
        raise ParameterError(f"Unknown backend {name!r}: choose one of {', '.join(BACKEND_NAMES)}")
    unknown = set(config) - KNOWN_SETTINGS
    if unknown:
        raise TypeError(f"unknown backend setting(s): {', '.join(sorted(unknown))}")
    cls = LocalBackend if name == "local" else __getattr__(_CLOUD_CLASSES[name])
    accepted = set(inspect.signature(cls.__init__).parameters)
    return cls(**{k: v for k, v in config.items() if v is not None and k in accepted})

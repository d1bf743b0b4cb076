"""One interface over the local engine and the cloud services.

What belongs here: the :class:`Backend` protocol the CLI and the GUI drive (``analyze``,
``retouch``, ``aclose``; progress callbacks; cancellation by cancelling the awaiting task), the
:class:`LocalBackend` over ``core.landmarks.detect_faces`` and ``core.pipeline.render`` (run in
an executor, never on the event loop), the cloud backends, and :func:`make_backend`.

A cloud retouch always goes: check the credentials and limits -> fit the upload (crop around the
faces with a margin, downscale, re-encode under the byte cap) -> upload (Ace's files endpoint,
or a public URL the user gave) -> call -> poll if asynchronous -> download the result at once ->
composite it into the full-resolution original (``core.composite``). The caller gets pixels of
the original's exact shape and dtype; metadata stays with the caller's ``LoadedImage``.

Progress is ``progress(stage, fraction)`` with stage one of :data:`STAGES` and fraction in
[0, 1] or None when unknown; it is called on the event loop's thread. Nothing leaves the machine
from :class:`LocalBackend`; cloud backends say where photos go (:attr:`destination`,
:meth:`describe_upload`) so the UI can tell the user before sending.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import cv2
import numpy as np

from facestudio.cloud._transport import host_of
from facestudio.cloud.acedata import AceDataClient
from facestudio.cloud.ailab import AilabClient, AilabResult
from facestudio.cloud.errors import MalformedResponseError, NoFaceError
from facestudio.cloud.limits import EndpointLimits, limits_for
from facestudio.cloud.upload_prep import DEFAULT_MARGIN, PreparedUpload, prepare_upload
from facestudio.core.composite import CompositeError, composite_result
from facestudio.core.errors import ParameterError
from facestudio.core.faceshape import FaceAnalysis, FaceShape
from facestudio.core.params import RetouchParams

if TYPE_CHECKING:
    from facestudio.core.imageio import LoadedImage

__all__ = ["BACKEND_NAMES", "STAGES", "AceDataBackend", "AilabProBackend", "AilabSmartBackend",
           "AilabTidyupBackend", "Backend", "LocalBackend", "ProgressCallback", "make_backend"]

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


def _report(progress: ProgressCallback | None, stage: str, fraction: float | None = None) -> None:
    if progress is not None:
        progress(stage, fraction)


def _fit_analysis(photo: LoadedImage, analysis: FaceAnalysis | None) -> FaceAnalysis | None:
    """The analysis in the photo's own pixels (one made on a preview is scaled up)."""
    if analysis is None:
        return None
    w = photo.pixels.shape[1]
    if analysis.image_width and analysis.image_width != w:
        return analysis.scaled(w / analysis.image_width)
    return analysis


def _selected_faces(analysis: FaceAnalysis | None, params: RetouchParams) -> tuple[FaceShape, ...]:
    if analysis is None:
        if params.face is not None:
            raise ParameterError("Choosing one face needs the photo's face analysis: analyze first")
        return ()
    if params.face is None:
        return analysis.faces
    if params.face >= len(analysis.faces):
        raise ParameterError(f"There is no face {params.face} (the photo has {len(analysis.faces)}; "
                             "faces are numbered from 0, left to right)")
    return (analysis.faces[params.face],)


class _Base:
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


class LocalBackend(_Base):
    """The offline engine: detection and rendering in an executor; nothing leaves the machine."""

    name = "local"
    label = "Local engine"

    async def analyze(self, photo: LoadedImage, *, largest: bool = False,
                      progress: ProgressCallback | None = None) -> FaceAnalysis:
        from facestudio.core.landmarks import detect_faces

        _report(progress, "processing")
        analysis = await self._run(detect_faces, photo.pixels)
        return analysis.largest() if largest else analysis

    async def retouch(self, photo: LoadedImage, analysis: FaceAnalysis | None,
                      params: RetouchParams, *, progress: ProgressCallback | None = None,
                      extra: Mapping[str, Any] | None = None) -> np.ndarray:
        from facestudio.core.pipeline import render

        analysis = _fit_analysis(photo, analysis)
        if analysis is None:
            analysis = await self.analyze(photo, progress=progress)
        _report(progress, "processing")
        return await self._run(render, photo.pixels, analysis.faces, params)


def _decode_result(data: bytes, provider: str) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise MalformedResponseError(f"{provider} sent a result that is not an image: run the "
                                     "retouch again", provider=provider)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


class _CloudBackend(_Base):
    endpoint = ""  # key into cloud.limits
    provider = ""

    def __init__(self, *, executor: Executor | None = None, margin: float = DEFAULT_MARGIN,
                 max_upload_side: int | None = None, detail: bool = True) -> None:
        super().__init__(executor=executor)
        self.margin = margin
        self.max_upload_side = max_upload_side
        self.detail = detail

    @property
    def limits(self) -> EndpointLimits:
        return limits_for(self.endpoint)

    # -- hooks for subclasses ------------------------------------------------------------------

    def _require_credentials(self, extra: Mapping[str, Any]) -> None:
        raise NotImplementedError

    def _whole_image(self, extra: Mapping[str, Any]) -> bool:
        """Whether the effect is global (a colour filter): send and blend the whole photo."""
        return False

    def _user_url(self, extra: Mapping[str, Any]) -> str | None:
        return None

    async def _process(self, prep: PreparedUpload | None, params: RetouchParams,
                       extra: Mapping[str, Any], progress: ProgressCallback | None) -> bytes:
        raise NotImplementedError

    def _check_params(self, params: RetouchParams, extra: Mapping[str, Any]) -> None:
        return None

    # -- the shared flow ---------------------------------------------------------------------------

    def plan_upload(self, photo: LoadedImage, analysis: FaceAnalysis | None, params: RetouchParams,
                    *, extra: Mapping[str, Any] | None = None) -> PreparedUpload:
        """What :meth:`retouch` would send (synchronous, CPU; run it in an executor for big photos)."""
        extra = extra or {}
        faces = () if self._whole_image(extra) else _selected_faces(_fit_analysis(photo, analysis), params)
        return prepare_upload(photo.pixels, self.limits, faces=faces, margin=self.margin,
                              max_side=self.max_upload_side)

    def describe_upload(self, prep: PreparedUpload) -> str:
        """One line for the user before sending: who receives what."""
        return f"{self.destination} will receive {prep.describe()}."

    def _is_noop(self, params: RetouchParams, extra: Mapping[str, Any]) -> bool:
        """True when the call could not change the photo (nothing is sent, no credits spent)."""
        return False

    def _face_groups(self, faces: tuple[FaceShape, ...]) -> list[tuple[FaceShape, ...]]:
        """Faces per call: an endpoint handling at most N faces gets groups of N, left to right."""
        n = self.limits.max_faces
        if not faces or n is None or len(faces) <= n:
            return [faces]
        ordered = sorted(faces, key=lambda f: float(f.center()[0]))
        return [tuple(ordered[i:i + n]) for i in range(0, len(ordered), n)]

    async def retouch(self, photo: LoadedImage, analysis: FaceAnalysis | None,
                      params: RetouchParams, *, progress: ProgressCallback | None = None,
                      extra: Mapping[str, Any] | None = None) -> np.ndarray:
        extra = dict(extra or {})
        self._check_params(params, extra)
        analysis = _fit_analysis(photo, analysis)
        whole = self._whole_image(extra)
        faces = () if whole else _selected_faces(analysis, params)
        if self._is_noop(params, extra):
            return photo.pixels.copy()
        self._require_credentials(extra)
        url = self._user_url(extra)
        groups = [faces] if url is not None else self._face_groups(faces)
        current = photo.pixels
        for group in groups:
            current = await self._retouch_once(photo.pixels, current, group, whole, url, params,
                                               extra, progress)
        return current if current is not photo.pixels else photo.pixels.copy()

    async def _retouch_once(self, original: np.ndarray, current: np.ndarray,
                            faces: tuple[FaceShape, ...], whole: bool, url: str | None,
                            params: RetouchParams, extra: Mapping[str, Any],
                            progress: ProgressCallback | None) -> np.ndarray:
        """One call: fit the upload around ``faces``, send, fetch, blend into ``current``."""
        _report(progress, "preparing")
        prep: PreparedUpload | None = None
        if url is None:
            prep = await self._run(prepare_upload, original, self.limits, faces=faces,
                                   margin=self.margin, max_side=self.max_upload_side)
        data = await self._process(prep, params, extra, progress)
        _report(progress, "compositing")
        result = await self._run(_decode_result, data, self.provider)
        h, w = original.shape[:2]
        crop = prep.crop if prep is not None else (0, 0, w, h)
        uploaded = prep.pixels if prep is not None else None
        try:
            return await self._run(composite_result, current, result, crop, uploaded=uploaded,
                                   faces=faces, whole=whole, detail=self.detail)
        except CompositeError as exc:
            raise MalformedResponseError(f"{self.provider}: {exc}: run the retouch again",
                                         provider=self.provider) from exc

    async def analyze(self, photo: LoadedImage, *, largest: bool = False,
                      progress: ProgressCallback | None = None) -> FaceAnalysis:
        """AILabTools has no 90-point endpoint: faces are found locally (nothing is sent)."""
        return await LocalBackend(executor=self._executor).analyze(photo, largest=largest,
                                                                   progress=progress)


class AceDataBackend(_CloudBackend):
    """Ace Data Cloud face/beautify and face/analyze.

    The photo reaches Ace through the platform's files endpoint (needs the platform token) or,
    when ``image_url`` is given (constructor or ``extra["image_url"]``), from that public URL.
    """

    name = "acedata"
    label = "Ace Data Cloud"
    provider = "Ace Data Cloud"
    endpoint = "acedata-beautify"

    def __init__(self, *, token: Any = None, platform_token: Any = None, base_url: str | None = None,
                 platform_url: str | None = None, image_url: str | None = None,
                 timeout: float = 180.0, connect_timeout: float = 15.0, retry: Any = None,
                 transport: Any = None, sleep: Any = None, executor: Executor | None = None,
                 margin: float = DEFAULT_MARGIN, max_upload_side: int | None = None,
                 detail: bool = True) -> None:
        super().__init__(executor=executor, margin=margin, max_upload_side=max_upload_side,
                         detail=detail)
        self.client = AceDataClient(token=token, platform_token=platform_token, base_url=base_url,
                                    platform_url=platform_url, timeout=timeout,
                                    connect_timeout=connect_timeout, retry=retry,
                                    transport=transport, sleep=sleep)
        self.image_url = image_url

    @property
    def destination(self) -> str:  # type: ignore[override]
        return (f"Ace Data Cloud ({host_of(self.client.base_url)}; files uploaded to "
                f"{host_of(self.client.platform_url)})")

    def _user_url(self, extra: Mapping[str, Any]) -> str | None:
        return extra.get("image_url") or self.image_url

    def _is_noop(self, params: RetouchParams, extra: Mapping[str, Any]) -> bool:
        return params.is_identity()

    def _require_credentials(self, extra: Mapping[str, Any]) -> None:
        self.client.require_credentials(upload=self._user_url(extra) is None)

    async def _process(self, prep: PreparedUpload | None, params: RetouchParams,
                       extra: Mapping[str, Any], progress: ProgressCallback | None) -> bytes:
        url = self._user_url(extra)
        if prep is not None:
            _report(progress, "uploading")
            url = await self.client.upload(prep.data, filename=prep.filename, mime=prep.mime)
        _report(progress, "processing")
        result_url = await self.client.beautify(
            url, smoothing=params.smoothing, whitening=params.whitening,
            face_lifting=params.face_lifting, eye_enlarging=params.eye_enlarging)
        _report(progress, "downloading")
        return await self.client.download(result_url)

    async def analyze(self, photo: LoadedImage, *, largest: bool = False,
                      progress: ProgressCallback | None = None) -> FaceAnalysis:
        """face/analyze on the photo (downscaled to fit), faces mapped back to full resolution.

        A photo without faces gives an analysis with no faces, as the local engine does.
        """
        url = self.image_url
        self.client.require_credentials(upload=url is None)
        h, w = photo.pixels.shape[:2]
        prep: PreparedUpload | None = None
        _report(progress, "preparing")
        if url is None:
            prep = await self._run(prepare_upload, photo.pixels, limits_for("acedata-analyze"),
                                   max_side=self.max_upload_side)
            _report(progress, "uploading")
            url = await self.client.upload(prep.data, filename=prep.filename, mime=prep.mime)
        _report(progress, "processing")
        try:
            found = await self.client.analyze(url, largest=largest)
        except NoFaceError:
            return FaceAnalysis(w, h, (), "3.0")
        reported = found.image_width or None
        if prep is not None:
            faces = [prep.face_to_original(f, reported_width=reported) for f in found.faces]
        else:
            factor = w / reported if reported else 1.0
            faces = [f.scaled(factor) for f in found.faces]
        faces.sort(key=lambda f: float(f.center()[0]))
        return FaceAnalysis(w, h, tuple(faces), found.model_version)

    async def aclose(self) -> None:
        await self.client.aclose()


class _AilabBackend(_CloudBackend):
    provider = "AILabTools"

    def __init__(self, *, api_key: Any = None, base_url: str | None = None, timeout: float = 180.0,
                 connect_timeout: float = 15.0, retry: Any = None, poll_interval: float = 5.0,
                 first_poll: float = 1.0, task_timeout: float = 300.0, task_type: str = "async",
                 transport: Any = None, sleep: Any = None, executor: Executor | None = None,
                 margin: float = DEFAULT_MARGIN, max_upload_side: int | None = None,
                 detail: bool = True) -> None:
        super().__init__(executor=executor, margin=margin, max_upload_side=max_upload_side,
                         detail=detail)
        self.client = AilabClient(api_key=api_key, base_url=base_url, timeout=timeout,
                                  connect_timeout=connect_timeout, retry=retry,
                                  poll_interval=poll_interval, first_poll=first_poll,
                                  task_timeout=task_timeout, transport=transport, sleep=sleep)
        self.task_type = task_type

    @property
    def destination(self) -> str:  # type: ignore[override]
        return f"AILabTools ({host_of(self.client.base_url)})"

    def _require_credentials(self, extra: Mapping[str, Any]) -> None:
        self.client.require_credentials()

    async def _call(self, prep: PreparedUpload, params: RetouchParams, extra: Mapping[str, Any],
                    progress: ProgressCallback | None) -> AilabResult:
        raise NotImplementedError

    async def _process(self, prep: PreparedUpload | None, params: RetouchParams,
                       extra: Mapping[str, Any], progress: ProgressCallback | None) -> bytes:
        assert prep is not None
        _report(progress, "uploading")
        result = await self._call(prep, params, extra, progress)
        _report(progress, "downloading")
        return await self.client.fetch(result)

    async def aclose(self) -> None:
        await self.client.aclose()


class AilabProBackend(_AilabBackend):
    """AILabTools face-beauty-pro. ``extra``: ``shrink_face``, ``remove_eyebrow`` (0-100,
    default 0: off unless asked, unlike the provider's 50) and ``filter_type`` (1-35; a filter
    recolours the whole photo, so the whole photo is sent and blended)."""

    name = "ailab-pro"
    label = "AILabTools Face Beauty Pro"
    endpoint = "ailab-beauty-pro"

    def _whole_image(self, extra: Mapping[str, Any]) -> bool:
        return extra.get("filter_type") is not None

    def _is_noop(self, params: RetouchParams, extra: Mapping[str, Any]) -> bool:
        return (params.is_identity() and not extra.get("shrink_face")
                and not extra.get("remove_eyebrow") and extra.get("filter_type") is None)

    async def _call(self, prep, params, extra, progress):
        return await self.client.face_beauty_pro(
            prep.data, whitening=params.whitening, smoothing=params.smoothing,
            thinface=params.face_lifting, enlarge_eye=params.eye_enlarging,
            shrink_face=extra.get("shrink_face", 0), remove_eyebrow=extra.get("remove_eyebrow", 0),
            filter_type=extra.get("filter_type"), task_type=self.task_type,
            filename=prep.filename, mime=prep.mime, progress=progress)


def smart_beauty_level(params: RetouchParams) -> float:
    """smart-beauty's single strength from the sliders: their mean on a 0-1 scale."""
    values = (params.smoothing, params.whitening, params.face_lifting, params.eye_enlarging)
    return round(sum(values) / (100.0 * len(values)), 3)


class AilabSmartBackend(_AilabBackend):
    """AILabTools smart-beauty. ``extra``: ``beauty_level`` (0-1; default: the sliders' mean).
    Every face is processed unless ``params.face`` picks one."""

    name = "ailab-smart"
    label = "AILabTools Smart Beauty"
    endpoint = "ailab-smart-beauty"

    def _is_noop(self, params: RetouchParams, extra: Mapping[str, Any]) -> bool:
        level = extra.get("beauty_level")
        return (smart_beauty_level(params) if level is None else level) == 0

    async def _call(self, prep, params, extra, progress):
        level = extra.get("beauty_level")
        return await self.client.smart_beauty(
            prep.data, beauty_level=smart_beauty_level(params) if level is None else level,
            multi_face=params.face is None, task_type=self.task_type, filename=prep.filename,
            mime=prep.mime, progress=progress)


class AilabTidyupBackend(_AilabBackend):
    """AILabTools face-tidyup (retired by the provider: expect a RetiredEndpointError).
    ``extra``: ``shape_type`` (0-21, required) and ``strength`` (0-1, default 0.5)."""

    name = "ailab-tidyup"
    label = "AILabTools Face Tidyup (retired)"
    endpoint = "ailab-tidyup"

    def _check_params(self, params: RetouchParams, extra: Mapping[str, Any]) -> None:
        if extra.get("shape_type") is None:
            raise ParameterError("ailab-tidyup needs a part to reshape: extra={'shape_type': 0-21, "
                                 "'strength': 0-1}")

    def _is_noop(self, params: RetouchParams, extra: Mapping[str, Any]) -> bool:
        return extra.get("strength", 0.5) == 0

    async def _call(self, prep, params, extra, progress):
        return await self.client.face_tidyup(prep.data, shape_type=extra["shape_type"],
                                             strength=extra.get("strength", 0.5),
                                             filename=prep.filename, mime=prep.mime,
                                             progress=progress)


_FACTORIES: dict[str, type[_Base]] = {
    "local": LocalBackend,
    "acedata": AceDataBackend,
    "ailab-pro": AilabProBackend,
    "ailab-smart": AilabSmartBackend,
    "ailab-tidyup": AilabTidyupBackend,
}


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
    try:
        cls = _FACTORIES[name]
    except KeyError:
        raise ParameterError(f"Unknown backend {name!r}: choose one of {', '.join(BACKEND_NAMES)}") from None
    unknown = set(config) - KNOWN_SETTINGS
    if unknown:
        raise TypeError(f"unknown backend setting(s): {', '.join(sorted(unknown))}")
    accepted = set(inspect.signature(cls.__init__).parameters)
    return cls(**{k: v for k, v in config.items() if v is not None and k in accepted})

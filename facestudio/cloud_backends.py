"""The cloud implementations of the backend interface (see ``facestudio.backends``).

What belongs here: turning one retouch request into provider calls and back into a
full-resolution photo. A request becomes a list of calls: faces are grouped by the parameters
they are rendered with (per-face overrides), each group is split to the endpoint's face limit
(Ace handles 5 faces per call), and a colour filter is one whole-photo call. Each call goes:
fit the upload (crop around its faces with a margin, downscale, re-encode under the byte cap)
-> upload (Ace's files endpoint, or a public URL the user gave) -> call -> poll if
asynchronous -> download at once -> composite into the full-resolution result of the previous
calls (``core.composite``), masked to that call's faces. Each call costs the user credits, so
calls that would change nothing are not made.

How the slider values map to each provider is written here, once: Ace ``face/beautify`` takes
the four basic sliders; AILabTools ``face-beauty-pro`` takes those plus small face, eyebrow
removal and the 35 filters; ``smart-beauty`` has one strength (the mean of the four basic
sliders unless ``extra["beauty_level"]`` says otherwise); ``face-tidyup`` (retired) one
reshape part per call. :meth:`ignored_settings` lists what the chosen service cannot do.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from facestudio.backends import Base, ProgressCallback, fit_analysis, report
from facestudio.cloud._transport import host_of
from facestudio.cloud.acedata import AceDataClient
from facestudio.cloud.ailab import AilabClient, AilabResult
from facestudio.cloud.errors import MalformedResponseError, NoFaceError
from facestudio.cloud.limits import EndpointLimits, limits_for
from facestudio.cloud.upload_prep import DEFAULT_MARGIN, PreparedUpload, prepare_upload
from facestudio.core.composite import CompositeError, composite_result
from facestudio.core.errors import ParameterError
from facestudio.core.faceshape import FaceAnalysis, FaceShape
from facestudio.core.params import PRO_PARAMETERS, RESHAPE_PARTS, RetouchParams

if TYPE_CHECKING:
    from facestudio.core.imageio import LoadedImage

__all__ = ["AceDataBackend", "AilabProBackend", "AilabSmartBackend", "AilabTidyupBackend",
           "smart_beauty_level"]

_BASIC = ("smoothing", "whitening", "face_lifting", "eye_enlarging")
_PRO = ("shrink_face", "remove_eyebrow")


@dataclass(frozen=True)
class Call:
    """One provider call: which faces it is for, with which parameters, how it is blended."""

    faces: tuple[FaceShape, ...]
    params: RetouchParams
    whole: bool = False
    opacity: float = 1.0
    fields: Mapping[str, Any] = field(default_factory=dict)


def _decode_result(data: bytes, provider: str) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise MalformedResponseError(f"{provider} sent a result that is not an image: run the "
                                     "retouch again", provider=provider)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def _label(name: str) -> str:
    return name.replace("_", " ")


class CloudBackend(Base):
    """The shared flow; subclasses say how parameters map and how one call is made."""

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

    def require_credentials(self, extra: Mapping[str, Any] | None = None) -> None:
        """Raise CredentialsError (saying where to set the key) before anything is prepared."""
        self._require_credentials(dict(extra or {}))

    # -- what subclasses define --------------------------------------------------------------------

    def _require_credentials(self, extra: Mapping[str, Any]) -> None:
        raise NotImplementedError

    def _user_url(self, extra: Mapping[str, Any]) -> str | None:
        return None

    def _has_filter(self, params: RetouchParams, extra: Mapping[str, Any]) -> bool:
        return False

    def _changes_something(self, params: RetouchParams, extra: Mapping[str, Any]) -> bool:
        """Whether a call with these parameters could change the photo."""
        raise NotImplementedError

    def _part_fields(self, params: RetouchParams, extra: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Per-call provider fields; more than one entry means one call per entry."""
        return [{}]

    def ignored_settings(self, params: RetouchParams,
                         extra: Mapping[str, Any] | None = None) -> tuple[str, ...]:
        """Settings in ``params`` this service cannot apply (for a warning in the UI)."""
        return ()

    async def _process(self, prep: PreparedUpload | None, call: Call, extra: Mapping[str, Any],
                       progress: ProgressCallback | None) -> bytes:
        raise NotImplementedError

    # -- planning ----------------------------------------------------------------------------------

    def _chunks(self, faces: Sequence[FaceShape]) -> list[tuple[FaceShape, ...]]:
        n = self.limits.max_faces
        ordered = sorted(faces, key=lambda f: float(f.center()[0]))  # neighbours share a crop
        if n is None or len(ordered) <= n:
            return [tuple(ordered)]
        return [tuple(ordered[i:i + n]) for i in range(0, len(ordered), n)]

    def calls(self, photo: LoadedImage, analysis: FaceAnalysis | None, params: RetouchParams,
              extra: Mapping[str, Any] | None = None) -> list[Call]:
        """The provider calls a retouch makes (each one costs credits); [] changes nothing."""
        extra = dict(extra or {})
        analysis = fit_analysis(photo, analysis)
        faces = analysis.faces if analysis is not None else ()
        if params.face is not None:
            if analysis is None:
                raise ParameterError("Choosing one face needs the photo's face analysis: analyze first")
            if params.face >= len(faces):
                raise ParameterError(f"There is no face {params.face + 1} (the photo has {len(faces)}; "
                                     "faces are numbered from 1, left to right)")
            indices = [params.face]
        else:
            indices = list(range(len(faces)))

        def effective(i: int | None) -> RetouchParams:
            p = params if i is None else params.for_face(i)
            return dataclasses.replace(p, filter_id=params.filter_id, face=None, overrides=(),
                                       filter_strength=params.filter_strength)

        top = effective(None)
        opacity = params.filter_strength / 100.0
        filtered = self._has_filter(top, extra)
        out: list[Call] = []

        def add(group: Sequence[FaceShape], p: RetouchParams, whole: bool = False) -> None:
            if not self._changes_something(p, extra):
                return
            chunks = [tuple(group)] if whole else self._chunks(group)
            for chunk in chunks:
                for fields in self._part_fields(p, extra):
                    out.append(Call(chunk, p, whole, opacity if whole else 1.0, fields))

        if not faces or self._user_url(extra) is not None:
            # No face positions, or the service fetches the photo itself: one call for the
            # whole photo; the blend follows the chosen faces if known, else what changed.
            if self._changes_something(top, extra):
                selected = () if filtered else tuple(faces[i] for i in indices)
                for fields in self._part_fields(top, extra):
                    out.append(Call(selected, top, filtered, opacity if filtered else 1.0, fields))
            return out
        groups: dict[RetouchParams, list[FaceShape]] = {}
        for i in indices:
            groups.setdefault(effective(i), []).append(faces[i])
        if filtered:
            # The filter recolours the whole photo once. When every face takes the top-level
            # settings, that one call does everything; otherwise it carries only the filter and
            # the faces follow in their own calls, on the filtered pixels.
            simple = params.face is None and list(groups) == [top]
            base = top if simple else dataclasses.replace(top, **{n: 0 for n in _BASIC + _PRO})
            add((), base, whole=True)
            if simple:
                return out
        for p, group in groups.items():
            # After the whole-photo call the faces are sent already filtered: no second filter.
            add(group, dataclasses.replace(p, filter_id=None) if filtered else p)
        return out

    def plan_upload(self, photo: LoadedImage, analysis: FaceAnalysis | None, params: RetouchParams,
                    *, extra: Mapping[str, Any] | None = None) -> list[PreparedUpload]:
        """What :meth:`retouch` would send, one entry per call (synchronous and CPU-bound: run it
        in an executor for big photos). Empty when nothing would be uploaded (settings that
        change nothing, or a public ``image_url`` the service fetches itself)."""
        extra = dict(extra or {})
        if self._user_url(extra) is not None:
            return []
        return [prepare_upload(photo.pixels, self.limits, faces=() if c.whole else c.faces,
                               margin=self.margin, max_side=self.max_upload_side)
                for c in self.calls(photo, analysis, params, extra)]

    def describe_upload(self, plan: PreparedUpload | Sequence[PreparedUpload], *,
                        extra: Mapping[str, Any] | None = None) -> str:
        """One line for the user before sending: who receives what."""
        preps = [plan] if isinstance(plan, PreparedUpload) else list(plan)
        url = self._user_url(dict(extra or {}))
        if url is not None:
            return (f"{self.destination} will fetch the photo from {url}; nothing is uploaded "
                    "from this computer.")
        if not preps:
            return f"Nothing will be sent to {self.destination}: these settings change nothing."
        if len(preps) == 1:
            return f"{self.destination} will receive {preps[0].describe()}."
        total = sum(len(p.data) for p in preps) / 1e6
        return (f"{self.destination} will receive {len(preps)} images in {len(preps)} calls "
                f"({total:.2f} MB of JPEG in all, no metadata), the first {preps[0].describe()}.")

    # -- the flow ----------------------------------------------------------------------------------

    async def retouch(self, photo: LoadedImage, analysis: FaceAnalysis | None,
                      params: RetouchParams, *, progress: ProgressCallback | None = None,
                      extra: Mapping[str, Any] | None = None) -> np.ndarray:
        extra = dict(extra or {})
        calls = self.calls(photo, analysis, params, extra)
        if not calls:
            return photo.pixels.copy()
        self._require_credentials(extra)
        current = photo.pixels
        for call in calls:
            current = await self._retouch_once(current, call, extra, progress)
        return current

    async def _retouch_once(self, current: np.ndarray, call: Call, extra: Mapping[str, Any],
                            progress: ProgressCallback | None) -> np.ndarray:
        """One call on the photo as the previous calls left it: fit the upload around the
        call's faces, send, fetch, blend the change back at full resolution."""
        report(progress, "preparing")
        prep: PreparedUpload | None = None
        if self._user_url(extra) is None:
            prep = await self._run(prepare_upload, current, self.limits,
                                   faces=() if call.whole else call.faces, margin=self.margin,
                                   max_side=self.max_upload_side)
        data = await self._process(prep, call, extra, progress)
        report(progress, "compositing")
        result = await self._run(_decode_result, data, self.provider)
        h, w = current.shape[:2]
        crop = prep.crop if prep is not None else (0, 0, w, h)
        uploaded = prep.pixels if prep is not None else None
        try:
            return await self._run(composite_result, current, result, crop, uploaded=uploaded,
                                   faces=call.faces, whole=call.whole, opacity=call.opacity,
                                   detail=self.detail)
        except CompositeError as exc:
            raise MalformedResponseError(f"{self.provider}: {exc}: run the retouch again",
                                         provider=self.provider) from exc

    async def analyze(self, photo: LoadedImage, *, largest: bool = False,
                      progress: ProgressCallback | None = None) -> FaceAnalysis:
        """AILabTools has no 90-point endpoint: faces are found locally (nothing is sent)."""
        from facestudio.backends import LocalBackend

        return await LocalBackend(executor=self._executor).analyze(photo, largest=largest,
                                                                   progress=progress)


def _nonzero(params: RetouchParams, names: Sequence[str]) -> list[str]:
    return [_label(n) for n in names if getattr(params, n)]


def _extras_ignored(params: RetouchParams, keep: Sequence[str]) -> list[str]:
    out = _nonzero(params, [p.name for p in PRO_PARAMETERS if p.name not in keep])
    out += [f"reshape: {label.lower()}" for (_, label), v in zip(RESHAPE_PARTS, params.reshape) if v]
    return out


class AceDataBackend(CloudBackend):
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

    def _require_credentials(self, extra: Mapping[str, Any]) -> None:
        self.client.require_credentials(upload=self._user_url(extra) is None)

    def _changes_something(self, params: RetouchParams, extra: Mapping[str, Any]) -> bool:
        return any(getattr(params, n) for n in _BASIC)

    def ignored_settings(self, params, extra=None):
        out = _extras_ignored(params, keep=())
        if params.filter_id is not None and params.filter_strength:
            out.append("filter")
        return tuple(out)

    async def _process(self, prep, call, extra, progress):
        url = self._user_url(extra)
        if prep is not None:
            report(progress, "uploading")
            url = await self.client.upload(prep.data, filename=prep.filename, mime=prep.mime)
        report(progress, "processing")
        p = call.params
        result_url = await self.client.beautify(url, smoothing=p.smoothing, whitening=p.whitening,
                                                face_lifting=p.face_lifting,
                                                eye_enlarging=p.eye_enlarging)
        report(progress, "downloading")
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
        report(progress, "preparing")
        if url is None:
            prep = await self._run(prepare_upload, photo.pixels, limits_for("acedata-analyze"),
                                   max_side=self.max_upload_side)
            report(progress, "uploading")
            url = await self.client.upload(prep.data, filename=prep.filename, mime=prep.mime)
        report(progress, "processing")
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


class AilabBackend(CloudBackend):
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

    async def _call(self, prep: PreparedUpload, call: Call, extra: Mapping[str, Any],
                    progress: ProgressCallback | None) -> AilabResult:
        raise NotImplementedError

    async def _process(self, prep, call, extra, progress):
        assert prep is not None
        report(progress, "uploading")
        result = await self._call(prep, call, extra, progress)
        report(progress, "downloading")
        return await self.client.fetch(result)

    async def aclose(self) -> None:
        await self.client.aclose()


class AilabProBackend(AilabBackend):
    """AILabTools face-beauty-pro: the four sliders, small face, eyebrow removal, 35 filters,
    all from :class:`RetouchParams`. Unlike the provider's defaults (50), effects the user left
    at 0 are sent as 0: nothing is applied that was not asked for. A filter recolours the whole
    photo (sent whole, blended at the filter's strength)."""

    name = "ailab-pro"
    label = "AILabTools Face Beauty Pro"
    endpoint = "ailab-beauty-pro"

    def _has_filter(self, params, extra):
        return params.filter_id is not None and params.filter_strength > 0

    def _changes_something(self, params, extra):
        return any(getattr(params, n) for n in _BASIC + _PRO) or self._has_filter(params, extra)

    def ignored_settings(self, params, extra=None):
        return tuple(_extras_ignored(params, keep=_PRO))

    async def _call(self, prep, call, extra, progress):
        p = call.params
        return await self.client.face_beauty_pro(
            prep.data, whitening=p.whitening, smoothing=p.smoothing, thinface=p.face_lifting,
            enlarge_eye=p.eye_enlarging, shrink_face=p.shrink_face, remove_eyebrow=p.remove_eyebrow,
            filter_type=p.filter_id if self._has_filter(p, extra) else None,
            task_type=self.task_type, filename=prep.filename, mime=prep.mime, progress=progress)


def smart_beauty_level(params: RetouchParams) -> float:
    """smart-beauty's single strength from the sliders: the four basic ones' mean, 0-1."""
    return round(sum(getattr(params, n) for n in _BASIC) / (100.0 * len(_BASIC)), 3)


class AilabSmartBackend(AilabBackend):
    """AILabTools smart-beauty: one strength, ``extra["beauty_level"]`` (0-1) or the four basic
    sliders' mean. Every face in the upload is processed (``multi_face``); the blend keeps only
    the chosen faces."""

    name = "ailab-smart"
    label = "AILabTools Smart Beauty"
    endpoint = "ailab-smart-beauty"

    def _level(self, params: RetouchParams, extra: Mapping[str, Any]) -> float:
        level = extra.get("beauty_level")
        return smart_beauty_level(params) if level is None else level

    def _changes_something(self, params, extra):
        return self._level(params, extra) > 0

    def ignored_settings(self, params, extra=None):
        out = _extras_ignored(params, keep=())
        if params.filter_id is not None and params.filter_strength:
            out.append("filter")
        return tuple(out)

    async def _call(self, prep, call, extra, progress):
        return await self.client.smart_beauty(
            prep.data, beauty_level=self._level(call.params, extra), multi_face=True,
            task_type=self.task_type, filename=prep.filename, mime=prep.mime, progress=progress)


class AilabTidyupBackend(AilabBackend):
    """AILabTools face-tidyup (retired by the provider: expect a RetiredEndpointError).

    One part per call: the non-zero parts of ``params.reshape`` (positive strengths only; the
    provider has separate parts for opposite directions), or ``extra["shape_type"]`` (0-21) with
    ``extra["strength"]`` (0-1, default 0.5)."""

    name = "ailab-tidyup"
    label = "AILabTools Face Tidyup (retired)"
    endpoint = "ailab-tidyup"

    def _part_fields(self, params, extra):
        if extra.get("shape_type") is not None:
            return [{"shape_type": extra["shape_type"], "strength": extra.get("strength", 0.5)}]
        parts = []
        for i, ((_, label), v) in enumerate(zip(RESHAPE_PARTS, params.reshape)):
            if v < 0:
                raise ParameterError(f"face-tidyup cannot apply a negative '{label}': use the "
                                     "opposite part or the local engine (--backend local)")
            if v > 0:
                parts.append({"shape_type": i, "strength": v / 100.0})
        return parts

    def _changes_something(self, params, extra):
        if extra.get("shape_type") is not None:
            return extra.get("strength", 0.5) > 0
        return any(params.reshape)

    def ignored_settings(self, params, extra=None):
        out = _nonzero(params, _BASIC) + _nonzero(params, [p.name for p in PRO_PARAMETERS])
        if params.filter_id is not None and params.filter_strength:
            out.append("filter")
        return tuple(out)

    async def _call(self, prep, call, extra, progress):
        return await self.client.face_tidyup(prep.data, shape_type=call.fields["shape_type"],
                                             strength=call.fields["strength"],
                                             filename=prep.filename, mime=prep.mime,
                                             progress=progress)
